"""art.py's N/M-normalised losses (Gatys et al., equations 1, 3-5).

For a layer with N channels and M = height x width positions:
content loss 1/(4NM) * sum (x - p)^2, style loss 1/(4 N^2 M^2) * sum (G - A)^2,
where G and A are the Gram matrices of the generated and style features.
The total is beta * content + alpha * style (+ tv_weight * total variation),
each summed over its layers with the layers' weights.

normalization='tutorial' is the TensorFlow tutorials' instead: the mean of the
squared differences, Gram matrices divided by M first, i.e. content
1/(NM) * sum (x - p)^2 and style 1/N^2 * sum (G/M - A/M)^2 (4x art.py's per layer).
normalization='paper' keeps art.py's style loss (the paper's) and takes the
paper's content loss 1/2 * sum (x - p)^2 (equation 1).
The same functions serve the graph and the eager backends.
"""
import tensorflow as tf

tf1 = tf.compat.v1

CONSTANT_LIMIT_BYTES = 1 << 30  # GraphDef protos stop at 2 GB; stay well below


def gram(features):
    """Gram matrix F^T F of a (1, H, W, N) feature map, F reshaped to (M, N)."""
    channels = features.shape[-1]
    flat = tf.reshape(features, (-1, channels))
    return tf.matmul(flat, flat, transpose_a=True)


def _size(features):
    _, height, width, channels = features.shape
    return int(channels), int(height) * int(width)


def content_layer_loss(x, p, normalization="artpy"):
    """1/(4NM) * sum (x - p)^2 for generated features x and content target p.

    normalization='tutorial': mean (x - p)^2; 'paper': 1/2 * sum (x - p)^2,
    Gatys et al.'s equation 1, the scale their content:style ratios were chosen
    for (2NM times art.py's).
    """
    if normalization == "tutorial":
        return tf.reduce_mean(tf.square(x - p))
    if normalization == "paper":
        return 0.5 * tf.reduce_sum(tf.square(x - p))
    n, m = _size(x)
    return tf.reduce_sum(tf.square(x - p)) / (4.0 * n * m)


def style_layer_loss(x, a_gram, normalization="artpy"):
    """1/(4 N^2 M^2) * sum (G - A)^2, G the Gram matrix of x, A the style target's (tutorial: mean (G/M - A/M)^2)."""
    n, m = _size(x)
    if normalization == "tutorial":
        return tf.reduce_mean(tf.square(gram(x) / m - a_gram / m))
    return tf.reduce_sum(tf.square(gram(x) - a_gram)) / (4.0 * n**2 * m**2)


def total_variation(image):
    """Mean squared difference of vertically plus of horizontally adjacent pixels (anishathalye's TV term).

    A mean rather than a sum, so a --tv-weight means the same at any image size.
    """
    down = image[:, 1:, :, :] - image[:, :-1, :, :]
    right = image[:, :, 1:, :] - image[:, :, :-1, :]
    return tf.reduce_mean(tf.square(down)) + tf.reduce_mean(tf.square(right))


def gram_targets(features, constant_limit=CONSTANT_LIMIT_BYTES):
    """Gram matrices of fetched feature maps (numpy, by layer), computed as art.py computes A.

    art.py takes the Gram matrix of the sess.run features as graph constants;
    doing the same (in a graph of its own, so the constants do not stay in the
    run's graph) gives bit-identical targets: a Gram matrix taken on the live
    features rounds differently in the last place, enough to move the loss 1e-4
    relative after 100 Adam steps at 256x256 (1.5e-7 this way). Only grappler's
    constant folding rounds as art.py did (a fed placeholder, eager and numpy do
    not), and one graph per layer keeps the copies of the constants to one
    layer's: +90 MB peak at 800x600 instead of +706 MB with all layers in one graph.

    Features above CONSTANT_LIMIT_BYTES (conv1_1 above about 4 MP) go through a fed placeholder instead:
    a tf.constant of 2 GB or more cannot be built at all (`Cannot create a tensor proto whose content is
    larger than 2GB`, conv1_1 above 8.4 MP). The two round alike to float32 precision
    (tests/test_losses.py), just not bit for bit, which only the 64x48 art.py test needs.
    """
    targets = {}
    for name, value in features.items():  # a graph per layer: one layer's constant copies at a time
        with tf.Graph().as_default(), tf1.Session() as sess:
            if value.nbytes <= constant_limit:
                targets[name] = sess.run(gram(tf.constant(value)))
            else:
                fed = tf1.placeholder(tf.float32, value.shape)
                targets[name] = sess.run(gram(fed), {fed: value})
    return targets


def materialize_targets(sess, net, content_image, style_image, content_layers, style_layers):
    """art.py's targets: assign each image to the input, sess.run the layers, keep the values.

    Returns (content features by layer, style Gram matrices by layer) as numpy arrays.
    """
    sess.run(net["input"].assign(content_image))
    content = sess.run({name: net[name] for name, _ in content_layers})
    return content, style_targets(sess, net, style_image, style_layers)


def style_targets(sess, net, style_image, style_layers):
    """art.py's style targets: assign the style image, sess.run the style layers, their gram_targets."""
    sess.run(net["input"].assign(style_image))
    return gram_targets(sess.run({name: net[name] for name, _ in style_layers}))


def build_losses(net, content_targets, style_targets, content_layers, style_layers, alpha, beta,
                 normalization="artpy", tv_weight=0.0):
    """Loss tensors {'total', 'content', 'style'} on constant targets, and 'tv' when tv_weight > 0.

    `net` maps layer names to features: the graph dictionary, or the eager
    backend's model outputs (targets then already tensors, used as they are).
    """
    content = tf.add_n([weight * content_layer_loss(net[name], tf.convert_to_tensor(content_targets[name]),
                                                    normalization)
                        for name, weight in content_layers])
    style = tf.add_n([weight * style_layer_loss(net[name], tf.convert_to_tensor(style_targets[name]), normalization)
                      for name, weight in style_layers])
    losses = {"total": beta * content + alpha * style, "content": content, "style": style}
    if tv_weight > 0:
        losses["tv"] = total_variation(net["image"])
        losses["total"] = losses["total"] + tv_weight * losses["tv"]
    return losses


def normalized_gradient(net, content_targets, style_targets, content_layers, style_layers, alpha, beta,
                        tv_weight=0.0, normalization="artpy"):
    """jcjohnson's -normalize_gradients: the image gradient when each loss term's gradient at its own
    layer is divided by its L1 norm (+1e-8) before it is weighted and backpropagated.

    The TV term, which sits on the image, is not normalised (as in neural_style.lua).
    """
    terms = [(name, beta * weight, content_layer_loss(net[name], tf.constant(content_targets[name]), normalization))
             for name, weight in content_layers]
    terms += [(name, alpha * weight, style_layer_loss(net[name], tf.constant(style_targets[name]), normalization))
              for name, weight in style_layers]
    at_layer = {}
    for name, weight, loss in terms:
        grad = tf1.gradients(loss, net[name])[0]
        grad = weight * grad / (tf.reduce_sum(tf.abs(grad)) + 1e-8)
        at_layer[name] = at_layer[name] + grad if name in at_layer else grad
    names = sorted(at_layer)
    gradient = tf1.gradients([net[name] for name in names], net["image"],
                             grad_ys=[at_layer[name] for name in names])[0]
    if tv_weight > 0:
        gradient = gradient + tv_weight * tf1.gradients(total_variation(net["image"]), net["image"])[0]
    return gradient
