"""An independent re-creation of logO's art.py, for checking legacy_nst against it.

Written in art.py's own shape, sharing no code with legacy_nst: its own
loadmat indexing, graph dictionary (kernels untransposed, avg pooling), losses
with Python 3 division, Adam(2.0), and art.py's order of session runs
(targets first, then re-initialise everything, then assign the initial image).
The only changes: the new-layout .mat keeps the kernel cell in the field named
'weights' (art.py's file had it first), the mean pixel comes from the file, and
the loss is recorded after every step instead of every 100th.
"""
import numpy as np
import scipy.io
import tensorflow as tf

tf1 = tf.compat.v1

ALPHA, BETA, LEARNING_RATE = 100, 5, 2.0
STYLE_LAYERS = [("conv1_1", 0.5), ("conv2_1", 1.0), ("conv3_1", 1.5), ("conv4_1", 3.0), ("conv5_1", 4.0)]


def load_vgg_model(path, height, width):
    vgg = scipy.io.loadmat(path)
    vgg_layers = vgg["layers"]
    mean = vgg["meta"][0][0]["normalization"][0][0]["averageImage"].reshape((1, 1, 1, 3)).astype(np.float64)

    def _weights(layer, expected_layer_name):
        entry = vgg_layers[0][layer][0][0]
        W = entry["weights"][0][0]
        b = entry["weights"][0][1]
        assert entry["name"][0] == expected_layer_name
        return W, b

    def _conv2d_relu(prev_layer, layer, layer_name):
        W, b = _weights(layer, layer_name)
        W = tf.constant(W)
        b = tf.constant(np.reshape(b, (b.size)))
        return tf.nn.relu(tf.nn.conv2d(prev_layer, filters=W, strides=[1, 1, 1, 1], padding="SAME") + b)

    def _avgpool(prev_layer):
        return tf.nn.avg_pool2d(prev_layer, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")

    graph = {}
    graph["input"] = tf1.Variable(np.zeros((1, height, width, 3)), dtype="float32")
    graph["conv1_1"] = _conv2d_relu(graph["input"], 0, "conv1_1")
    graph["conv1_2"] = _conv2d_relu(graph["conv1_1"], 2, "conv1_2")
    graph["avgpool1"] = _avgpool(graph["conv1_2"])
    graph["conv2_1"] = _conv2d_relu(graph["avgpool1"], 5, "conv2_1")
    graph["conv2_2"] = _conv2d_relu(graph["conv2_1"], 7, "conv2_2")
    graph["avgpool2"] = _avgpool(graph["conv2_2"])
    graph["conv3_1"] = _conv2d_relu(graph["avgpool2"], 10, "conv3_1")
    graph["conv3_2"] = _conv2d_relu(graph["conv3_1"], 12, "conv3_2")
    graph["conv3_3"] = _conv2d_relu(graph["conv3_2"], 14, "conv3_3")
    graph["conv3_4"] = _conv2d_relu(graph["conv3_3"], 16, "conv3_4")
    graph["avgpool3"] = _avgpool(graph["conv3_4"])
    graph["conv4_1"] = _conv2d_relu(graph["avgpool3"], 19, "conv4_1")
    graph["conv4_2"] = _conv2d_relu(graph["conv4_1"], 21, "conv4_2")
    graph["conv4_3"] = _conv2d_relu(graph["conv4_2"], 23, "conv4_3")
    graph["conv4_4"] = _conv2d_relu(graph["conv4_3"], 25, "conv4_4")
    graph["avgpool4"] = _avgpool(graph["conv4_4"])
    graph["conv5_1"] = _conv2d_relu(graph["avgpool4"], 28, "conv5_1")
    graph["conv5_2"] = _conv2d_relu(graph["conv5_1"], 30, "conv5_2")
    graph["conv5_3"] = _conv2d_relu(graph["conv5_2"], 32, "conv5_3")
    graph["conv5_4"] = _conv2d_relu(graph["conv5_3"], 34, "conv5_4")
    graph["avgpool5"] = _avgpool(graph["conv5_4"])
    return graph, mean


def content_loss_func(sess, model):
    def _content_loss(p, x):
        N = p.shape[3]
        M = p.shape[1] * p.shape[2]
        return (1 / (4 * N * M)) * tf.reduce_sum(tf.pow(x - p, 2))
    return _content_loss(sess.run(model["conv4_2"]), model["conv4_2"])


def style_loss_func(sess, model):
    def _gram_matrix(F, N, M):
        Ft = tf.reshape(F, (M, N))
        return tf.matmul(tf.transpose(Ft), Ft)

    def _style_loss(a, x):
        N = a.shape[3]
        M = a.shape[1] * a.shape[2]
        A = _gram_matrix(a, N, M)
        G = _gram_matrix(x, N, M)
        return (1 / (4 * N**2 * M**2)) * tf.reduce_sum(tf.pow(G - A, 2))

    E = [_style_loss(sess.run(model[layer_name]), model[layer_name]) for layer_name, _ in STYLE_LAYERS]
    W = [w for _, w in STYLE_LAYERS]
    return sum([W[l] * E[l] for l in range(len(STYLE_LAYERS))])


def artpy_total_losses(mat_path, content_rgb, style_rgb, iterations, input_image=None):
    """Total loss of art.py's image after 0..iterations Adam steps (content init unless given)."""
    height, width = content_rgb.shape[:2]
    with tf.Graph().as_default(), tf1.Session() as sess:
        model, mean = load_vgg_model(mat_path, height, width)
        content_image = np.reshape(content_rgb, (1,) + content_rgb.shape) - mean
        style_image = np.reshape(style_rgb, (1,) + style_rgb.shape) - mean
        input_image = content_image if input_image is None else input_image
        sess.run(tf1.global_variables_initializer())
        sess.run(model["input"].assign(content_image))
        content_loss = content_loss_func(sess, model)
        sess.run(model["input"].assign(style_image))
        style_loss = style_loss_func(sess, model)
        total_loss = BETA * content_loss + ALPHA * style_loss
        train_step = tf1.train.AdamOptimizer(LEARNING_RATE).minimize(total_loss)
        sess.run(tf1.global_variables_initializer())
        sess.run(model["input"].assign(input_image))
        totals = [float(sess.run(total_loss))]
        for _ in range(iterations):
            sess.run(train_step)
            totals.append(float(sess.run(total_loss)))
    return totals
