"""Named sets of option values (`--preset NAME`): defaults that explicit options still override.

artpy: logO's art.py exactly, including its untransposed kernels and its
checkpoint every 100 steps. gatys: the paper's recipe (Gatys et al. 2016):
L-BFGS from white noise, content conv4_2, style conv1_1 ... conv5_1 with equal
weights w_l = 1/5, average pooling, content:style weight ratio 1e-3: beta = 1
(content), alpha = 1000 (style; art.py's names). The ratio is the paper's for
the paper's losses, so the preset also takes the paper's content loss
1/2 * sum (x - p)^2; with art.py's 1/(4NM) (2NM times smaller: 2e5 at conv4_2
of a 128 x 96 image) a ratio of 1e-3 leaves almost no content, only texture.
The style loss 1/(4 N^2 M^2) * sum (G - A)^2 is the paper's in both.
"""
from .errors import ConfigError

PRESETS = {
    "artpy": {
        "kernel_layout": "artpy", "init": "noise", "noise_ratio": 0.6, "optimizer": "adam", "learning_rate": 2.0,
        "width": 800, "height": 600, "iterations": 5000, "checkpoint_every": 100,
        "alpha": 100.0, "beta": 5.0, "pooling": "avg", "content_layers": "conv4_2:1",
        "style_layers": "conv1_1:0.5,conv2_1:1,conv3_1:1.5,conv4_1:3,conv5_1:4",
    },
    "gatys": {
        "optimizer": "lbfgs", "init": "random", "pooling": "avg", "content_layers": "conv4_2:1",
        "style_layers": "conv1_1:0.2,conv2_1:0.2,conv3_1:0.2,conv4_1:0.2,conv5_1:0.2",
        "content_loss": "paper", "alpha": 1000.0, "beta": 1.0,
    },
}


def apply_preset(name, explicit_options):
    """The options of a run: the preset's values, then `explicit_options` over them (None: no preset).

    Width and height count as one setting: giving either replaces the preset's
    size, so --width alone keeps the content's aspect ratio as usual.
    """
    if name is None:
        return dict(explicit_options)
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    preset = dict(PRESETS[name])
    if {"width", "height"} & set(explicit_options):
        preset.pop("width", None)
        preset.pop("height", None)
    return {**preset, **explicit_options}
