"""Style targets from several style images, each at its own scale, blended (jcjohnson's way).

One style image at the working size takes art.py's path unchanged
(losses.materialize_targets). Otherwise each style image's Gram matrices are
taken at its own size, on a second graph dictionary built for that size, and
the targets are blended: A_l = sum_i w_i * A_l^(i), the weights normalised to
sum 1 (--style-blend-weights).

Normalisation: art.py's style loss 1/(4 N^2 M^2) * sum (G - A)^2 takes M from
the generated image, and G sums over its M positions. A style image at another
size has M_s positions at that layer, so its Gram matrix is rescaled by
M / M_s: the target is then the style's Gram matrix per position, times the
generated image's M, which is what art.py's A would be for a style image with
the same texture at the working size.
"""
import math

import numpy as np
import tensorflow as tf

from .errors import ConfigError
from .images import MAX_SIZE, MIN_SIZE, resize, to_network
from .losses import gram_targets, materialize_targets, style_targets
from .network import build_graph, deepest_layer

tf1 = tf.compat.v1


def as_style_list(style):
    """One style (path or array) or a list/tuple of them -> a list."""
    return list(style) if isinstance(style, (list, tuple)) else [style]


def blend_weights(config, count):
    """--style-blend-weights normalised to sum 1 (equal weights by default)."""
    weights = config.style_blend_weights or (1.0,) * count
    if len(weights) != count:
        raise ConfigError(f"--style-blend-weights has {len(weights)} value(s) for {count} style image(s); "
                          "give one weight per --style")
    return tuple(w / sum(weights) for w in weights)


def style_sizes(style_shapes, working_hw, config):
    """(height, width) of each style image in the network.

    Without --style-scale: the working size (art.py stretches the style to it).
    With S: S times the working width, the style's own aspect ratio kept
    (anishathalye's); with --image-size L as well, the style's longest side is
    ceil(S * L), as jcjohnson's -style_scale.
    """
    scales = config.style_scale
    if scales is None:
        return [tuple(working_hw)] * len(style_shapes)
    if len(scales) == 1:
        scales = scales * len(style_shapes)
    if len(scales) != len(style_shapes):
        raise ConfigError(f"--style-scale has {len(scales)} values for {len(style_shapes)} style images; "
                          "give one value, or one per --style")
    sizes = []
    for (image_h, image_w), scale in zip(style_shapes, scales):
        if config.image_size is not None:
            longest = math.ceil(scale * config.image_size)
            height, width = ((max(1, round(longest * image_h / image_w)), longest) if image_w >= image_h
                             else (longest, max(1, round(longest * image_w / image_h))))
        else:
            width = max(1, round(scale * working_hw[1]))
            height = max(1, round(width * image_h / image_w))
        if min(height, width) < MIN_SIZE or max(height, width) > MAX_SIZE:
            raise ConfigError(f"--style-scale {scale:g} makes a {image_w}x{image_h} style image {width}x{height}; "
                              f"each side must be within {MIN_SIZE}..{MAX_SIZE} pixels, choose another scale")
        sizes.append((height, width))
    return sizes


def check_styles(config, styles_rgb, working_hw):
    """Raise ConfigError now if the blend weights or style scales do not fit these style images."""
    blend_weights(config, len(styles_rgb))
    style_sizes([image.shape[:2] for image in styles_rgb], working_hw, config)


def prepare_styles(styles_rgb, working_hw, config, mean_pixel):
    """The style images resized for the network: a list of float32 (1, h, w, 3)."""
    sizes = style_sizes([image.shape[:2] for image in styles_rgb], working_hw, config)
    return [to_network(resize(image, size), mean_pixel) for image, size in zip(styles_rgb, sizes)]


def _positions(features):
    return int(features.shape[1]) * int(features.shape[2])


def style_grams(vgg, style_x, style_layers, config):
    """Gram matrices of one style image on a graph dictionary built at its own size."""
    names = [name for name, _ in style_layers]
    graph = tf.Graph()
    with graph.as_default(), tf1.Session(graph=graph) as sess:
        net = build_graph(vgg, *style_x.shape[1:3], pooling=config.pooling, kernel_layout=config.kernel_layout,
                          deepest=deepest_layer(names, config.pooling))
        features = sess.run({name: net[name] for name in names}, {net["image"]: style_x})
    return {name: (value, features[name].shape[1] * features[name].shape[2])
            for name, value in gram_targets(features).items()}


def materialize_all_targets(sess, net, vgg, content_x, styles_x, weights, content_layers, style_layers, config):
    """Content features and blended, size-normalised style Gram targets, as numpy arrays by layer."""
    if len(styles_x) == 1 and styles_x[0].shape == content_x.shape:
        return materialize_targets(sess, net, content_x, styles_x[0], content_layers, style_layers)
    sess.run(net["input"].assign(content_x))
    content = sess.run({name: net[name] for name, _ in content_layers})
    style = {}
    for style_x, weight in zip(styles_x, weights):
        if style_x.shape == content_x.shape:  # art.py's way, on this graph
            grams = {name: (value, _positions(net[name]))
                     for name, value in style_targets(sess, net, style_x, style_layers).items()}
        else:
            grams = style_grams(vgg, style_x, style_layers, config)
        for name, (value, positions) in grams.items():
            target = weight * (value * np.float32(_positions(net[name]) / positions))
            style[name] = style[name] + target if name in style else target
    return content, style
