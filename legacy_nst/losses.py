"""art.py's N/M-normalised losses (Gatys et al., equations 1, 3-5).

For a layer with N channels and M = height x width positions:
content loss 1/(4NM) * sum (x - p)^2, style loss 1/(4 N^2 M^2) * sum (G - A)^2,
where G and A are the Gram matrices of the generated and style features.
The total is beta * content + alpha * style, each summed over its layers with
the layers' weights.

normalization='tutorial' is the TensorFlow tutorials' instead: the mean of the
squared differences, Gram matrices divided by M first, i.e. content
1/(NM) * sum (x - p)^2 and style 1/N^2 * sum (G/M - A/M)^2 (4x art.py's per layer).
The same functions serve the graph and the eager backends.
"""
import tensorflow as tf

tf1 = tf.compat.v1


def gram(features):
    """Gram matrix F^T F of a (1, H, W, N) feature map, F reshaped to (M, N)."""
    channels = features.shape[-1]
    flat = tf.reshape(features, (-1, channels))
    return tf.matmul(flat, flat, transpose_a=True)


def _size(features):
    _, height, width, channels = features.shape
    return int(channels), int(height) * int(width)


def content_layer_loss(x, p, normalization="artpy"):
    """1/(4NM) * sum (x - p)^2 for generated features x and content target p (tutorial: mean (x - p)^2)."""
    if normalization == "tutorial":
        return tf.reduce_mean(tf.square(x - p))
    n, m = _size(x)
    return tf.reduce_sum(tf.square(x - p)) / (4.0 * n * m)


def style_layer_loss(x, a_gram, normalization="artpy"):
    """1/(4 N^2 M^2) * sum (G - A)^2, G the Gram matrix of x, A the style target's (tutorial: mean (G/M - A/M)^2)."""
    n, m = _size(x)
    if normalization == "tutorial":
        return tf.reduce_mean(tf.square(gram(x) / m - a_gram / m))
    return tf.reduce_sum(tf.square(gram(x) - a_gram)) / (4.0 * n**2 * m**2)


def materialize_targets(sess, net, content_image, style_image, content_layers, style_layers):
    """art.py's targets: assign each image to the input, sess.run the layers, keep the values.

    Returns (content features by layer, style Gram matrices by layer) as numpy arrays.
    """
    sess.run(net["input"].assign(content_image))
    content = sess.run({name: net[name] for name, _ in content_layers})
    sess.run(net["input"].assign(style_image))
    style = sess.run({name: gram(net[name]) for name, _ in style_layers})
    return content, style


def build_losses(net, content_targets, style_targets, content_layers, style_layers, alpha, beta,
                 normalization="artpy"):
    """Loss tensors {'total', 'content', 'style'} on constant targets.

    `net` maps layer names to features: the graph dictionary, or the eager
    backend's model outputs (targets then already tensors, used as they are).
    """
    content = tf.add_n([weight * content_layer_loss(net[name], tf.convert_to_tensor(content_targets[name]),
                                                    normalization)
                        for name, weight in content_layers])
    style = tf.add_n([weight * style_layer_loss(net[name], tf.convert_to_tensor(style_targets[name]), normalization)
                      for name, weight in style_layers])
    return {"total": beta * content + alpha * style, "content": content, "style": style}
