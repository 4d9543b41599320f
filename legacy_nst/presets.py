"""Named recipes: option values applied as defaults that explicitly given options override.

`--preset artpy` is art.py's constants (the Config defaults, spelled out so the
recipe stays put if a default ever changes). `--preset tutorial` is the recipe
of the TensorFlow eager tutorials (tensorflow.org's style transfer tutorial and
the earlier "Neural Style Transfer with eager execution" one): Keras VGG-19
(max pooling), content conv5_2, style conv1_1 ... conv5_1 with equal weights,
Gram / number of locations, mean squared differences, style weight 1e-2 and
content weight 1e4 (each divided by its layer count), Adam(5, beta1 0.99,
epsilon 0.1) on the 0-255 image, starting from the content, clipped after each
step, 1000 steps. The README says how this relates to the tutorials exactly.
"""
from .errors import ConfigError

EQUAL_STYLE_LAYERS = ",".join(f"conv{block}_1:0.2" for block in range(1, 6))  # style_weight / num_style_layers

PRESETS = {
    "artpy": dict(iterations=5000, optimizer="adam", learning_rate=2.0, adam_beta1=0.9, adam_epsilon=1e-8,
                  alpha=100.0, beta=5.0, init="noise", noise_ratio=0.6, pooling="avg",
                  content_layers="conv4_2:1", style_layers="conv1_1:0.5,conv2_1:1,conv3_1:1.5,conv4_1:3,conv5_1:4",
                  loss_normalization="artpy", clip_pixels=False),
    "tutorial": dict(iterations=1000, optimizer="adam", learning_rate=5.0, adam_beta1=0.99, adam_epsilon=0.1,
                     alpha=1e-2, beta=1e4, init="content", pooling="max",
                     content_layers="conv5_2:1", style_layers=EQUAL_STYLE_LAYERS,
                     loss_normalization="tutorial", clip_pixels=True),
}


def with_preset(options: dict) -> dict:
    """`options` over the values of the preset they name (options['preset']), if any."""
    name = options.get("preset")
    if name is None:
        return dict(options)
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    return {**PRESETS[name], **options}
