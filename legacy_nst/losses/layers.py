"""Which layers the content and style terms read, and their weights, after the layer options.

Below losses.terms and losses.guided, which both resolve their layers here.
"""
from ..vgg19 import CONV_LAYERS


def content_layers(config):
    """(name, weight) pairs of the content terms: --content-layers, or anishathalye's
    --content-weight-blend B: conv4_2 * B + conv5_2 * (1 - B), a layer with weight 0 left out."""
    blend = config.content_weight_blend
    if blend is None:
        return tuple(config.content_layers)
    return tuple((name, weight) for name, weight in (("conv4_2", blend), ("conv5_2", 1.0 - blend)) if weight > 0)


def style_layers(config):
    """(name, weight) pairs of the style terms: --style-layers, or with --style-layer-weight-exp E the layers in
    network order weighing 1, E, E^2, ..., rescaled to the total weight of --style-layers (art.py's: 10), so E
    redistributes the style weight between layers without changing its sum (anishathalye's)."""
    exponent = config.style_layer_weight_exp
    if exponent is None:
        return tuple(config.style_layers)
    names = sorted(dict(config.style_layers), key=CONV_LAYERS.index)  # network order
    total = sum(weight for _, weight in config.style_layers)
    raw = [exponent ** depth for depth in range(len(names))]
    return tuple((name, total * weight / sum(raw)) for name, weight in zip(names, raw))
