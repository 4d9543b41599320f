"""The layers the losses read, with their weights, after anishathalye's layer options.

--content-weight-blend B: content from conv4_2 * B + conv5_2 * (1 - B), a layer
with weight 0 left out (so B = 1 is the default conv4_2 alone).
--style-layer-weight-exp E: the style layers, in network order, weigh
1, E, E^2, ..., rescaled to the total weight of --style-layers (art.py's: 10),
so E redistributes the style weight between layers without changing its sum.
"""
from .weights import CONV_LAYERS


def content_layers(config):
    """(name, weight) pairs for the content loss."""
    blend = config.content_weight_blend
    if blend is None:
        return config.content_layers
    return tuple((name, weight) for name, weight in (("conv4_2", blend), ("conv5_2", 1.0 - blend)) if weight > 0)


def style_layers(config):
    """(name, weight) pairs for the style loss."""
    exponent = config.style_layer_weight_exp
    if exponent is None:
        return config.style_layers
    names = sorted(dict(config.style_layers), key=CONV_LAYERS.index)  # network order
    total = sum(weight for _, weight in config.style_layers)
    raw = [exponent ** depth for depth in range(len(names))]
    return tuple((name, total * weight / sum(raw)) for name, weight in zip(names, raw))


def layers_in_use(config):
    """Every layer a loss reads, after the layer options (Config.layers_in_use)."""
    return tuple(name for name, _ in content_layers(config) + style_layers(config))
