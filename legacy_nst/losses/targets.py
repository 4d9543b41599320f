"""What the generated image is compared with: content features and style Gram matrices, as art.py takes them.

`make_targets` is the one function every engine calls: the engine measures an image its own way (a session
run, the Keras model, tile by tile); which images and layers, the Gram rounding and the blending of several
styles happen here, once.
"""
import numpy as np
import tensorflow as tf

from ..vgg19 import positions
from .normalizations import gram

tf1 = tf.compat.v1

CONSTANT_LIMIT_BYTES = 1 << 30  # GraphDef protos stop at 2 GB; stay well below


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

    Features above `constant_limit` bytes (conv1_1 above about 4 MP) go through a fed placeholder instead:
    a tf.constant of 2 GB or more cannot be built at all (`Cannot create a tensor proto whose content is
    larger than 2GB`, conv1_1 above 8.4 MP). The two agree to float32 rounding
    (tests/engines/test_tiled.py), not bit for bit, which only the small art.py reproduction tests need.
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


def guided(features, guides=None):
    """Fetched feature maps {layer: (1, h, w, N)} times their guides {layer: (1, h, w, 1)} (as they are without):
    what a guided Gram measurement takes the Gram matrix of, in an engine that fetches whole feature maps."""
    if guides is None:
        return features
    return {name: value * guides[name] for name, value in features.items()}


def blend_style_targets(grams, weights, generated_positions):
    """Blend several styles' Gram targets: A_l = sum_i w_i * A_l^(i) * M_l / M_l^(i).

    `grams` holds one {layer: (Gram matrix, positions M_l^(i))} per style, in
    the order of `weights` (normalised to sum 1); `generated_positions` is
    {layer: M_l} of the generated image. art.py's style loss divides by the
    generated image's M^2 while G sums over its M positions, so a style taken
    at another size is rescaled to what its Gram matrix would be at the
    working size. One style at the working size is returned as it is (art.py's
    targets, bit for bit).
    """
    if len(grams) == 1 and all(m == generated_positions[name] for name, (_, m) in grams[0].items()):
        return {name: value for name, (value, _) in grams[0].items()}
    style = {}
    for per_layer, weight in zip(grams, weights):
        for name, (value, m) in per_layer.items():
            target = weight * (value * np.float32(generated_positions[name] / m))
            style[name] = style[name] + target if name in style else target
    return style


def region_targets(terms, problem, measure):
    """{(region, layer): A_r} for guided terms (losses.guided): the Gram matrix of region r's style image
    (problem.styles[r]), whole or guided by the term's style-side guide T_s (G_s = (T_s o F)^T (T_s o F)),
    rescaled from the style region's size M_s to the working region's M_r: A_r = G_s * M_r / M_s."""
    targets = {}
    for region in dict.fromkeys(term.region for term in terms):
        mine = [term for term in terms if term.region == region]
        image, layers = problem.styles[region], tuple(dict.fromkeys(term.layer for term in mine))
        guides = {term.layer: term.style_guide for term in mine if term.style_guide is not None}
        grams = measure(image, layers, "gram", guides) if guides else measure(image, layers, "gram")
        for term in mine:
            m_style = term.style_positions or positions(image.shape[1:3], term.layer)
            targets[(region, term.layer)] = grams[term.layer] * np.float32(term.positions / m_style)
    return targets


def make_targets(objective, problem, measure):
    """{source: {key: target}} for the objective's terms (losses.term.Term.source): "content" the content
    image's features and "style" the blended Gram matrices of the problem's style images at the working size,
    by layer; "region" each guided term's (region, layer) target (region_targets).

    `measure(image, layers, what, guides=None)` -> {layer: numpy array} is the engine's: `what` is "features"
    (the layers' feature maps) or "gram" (their Gram matrices, summed over positions, as gram_targets rounds
    them); with `guides` ({layer: (1, h, w, 1) array} for every layer asked), the Gram matrices of the features
    times the guide, (T o F)^T (T o F): a guided measurement.
    """
    targets = {}
    content = objective.sources("content")
    if content:
        targets["content"] = measure(problem.content, content, "features")
    style = objective.sources("style")
    if style:
        grams = [{name: (value, positions(style_x.shape[1:3], name))
                  for name, value in measure(style_x, style, "gram").items()} for style_x in problem.styles]
        generated = {name: positions(problem.size, name) for name in style}
        targets["style"] = blend_style_targets(grams, problem.style_weights, generated)
    guided = [term for term in objective.terms if term.source == "region"]
    if guided:
        targets["region"] = region_targets(guided, problem, measure)
    return targets
