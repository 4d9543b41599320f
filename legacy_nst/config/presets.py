"""Named recipes (`--preset NAME`): option values applied as defaults that explicit options override.

artpy: logO's art.py exactly, including its untransposed kernels, 800x600 and
its checkpoint every 100 steps (the other values are the Config defaults,
spelled out so the recipe stays put if a default ever changes).

tutorial: the recipe of the TensorFlow eager tutorials (tensorflow.org's style
transfer tutorial and the earlier "Neural Style Transfer with eager execution"
one): Keras VGG-19 (max pooling), content conv5_2, style conv1_1 ... conv5_1
with equal weights, Gram / number of locations, mean squared differences, style
weight 1e-2 and content weight 1e4 (each divided by its layer count), Adam(5,
beta1 0.99, epsilon 0.1) on the 0-255 image, starting from the content, clipped
after each step, 1000 steps. The README says how this relates to the tutorials.

gatys: the paper's recipe (Gatys et al. 2016): L-BFGS from white noise, content
conv4_2, style conv1_1 ... conv5_1 with equal weights w_l = 1/5, average
pooling, content:style weight ratio 1e-3: beta = 1 (content), alpha = 1000
(style). The ratio is the paper's for the paper's losses, so the preset also
takes the paper's content loss 1/2 * sum (x - p)^2 (loss_normalization
'paper'); with art.py's 1/(4NM) (2NM times smaller: 2e5 at conv4_2 of a
128 x 96 image) a ratio of 1e-3 leaves almost no content, only texture.

fast: art.py's objective exactly (the artpy preset's kernels, layers, weights,
alpha, beta, normalization and noise start) reached sooner: L-BFGS instead of
Adam, the float32 L-BFGS with a short history, bfloat16 convolutions, a
coarse half-size start and a float32 finish. The size stays the user's (art.py's
800x600 by default). Chosen by bench/finish.py; docs/performance.md has the
measurements.
"""
from ..errors import ConfigError

ARTPY_STYLE_LAYERS = "conv1_1:0.5,conv2_1:1,conv3_1:1.5,conv4_1:3,conv5_1:4"
EQUAL_STYLE_LAYERS = ",".join(f"conv{block}_1:0.2" for block in range(1, 6))  # the paper's w_l = 1/5

PRESETS = {
    "artpy": dict(kernel_layout="artpy", width=800, height=600, iterations=5000, checkpoint_every=100,
                  optimizer="adam", learning_rate=2.0, adam_beta1=0.9, adam_epsilon=1e-8,
                  alpha=100.0, beta=5.0, init="noise", noise_ratio=0.6, pooling="avg",
                  content_layers="conv4_2:1", style_layers=ARTPY_STYLE_LAYERS,
                  loss_normalization="artpy", clip_pixels=False),
    "fast": dict(kernel_layout="artpy", alpha=100.0, beta=5.0, init="noise", noise_ratio=0.6, pooling="avg",
                 content_layers="conv4_2:1", style_layers=ARTPY_STYLE_LAYERS, loss_normalization="artpy",
                 clip_pixels=False, optimizer="lbfgs", lbfgs_implementation="float32", lbfgs_num_correction=10,
                 lbfgs_initial_step=10.0, precision="bfloat16", multiscale=(0.5,), multiscale_iterations=60,
                 iterations=180, float32_finish=30),
    "tutorial": dict(iterations=1000, optimizer="adam", learning_rate=5.0, adam_beta1=0.99, adam_epsilon=0.1,
                     alpha=1e-2, beta=1e4, init="content", pooling="max",
                     content_layers="conv5_2:1", style_layers=EQUAL_STYLE_LAYERS,
                     loss_normalization="tutorial", clip_pixels=True),
    "gatys": dict(optimizer="lbfgs", init="random", pooling="avg", content_layers="conv4_2:1",
                  style_layers=EQUAL_STYLE_LAYERS, loss_normalization="paper", alpha=1000.0, beta=1.0),
}


def with_preset(options: dict) -> dict:
    """`options` over the values of the preset they name (options['preset']), if any.

    Width and height count as one setting: giving either replaces the preset's
    size, so --width alone keeps the content's aspect ratio as usual.
    """
    name = options.get("preset")
    if name is None:
        return dict(options)
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    preset = dict(PRESETS[name])
    if {"width", "height"} & set(options):
        preset.pop("width", None)
        preset.pop("height", None)
    return {**preset, **options}
