"""The one place where every option, its default and its documentation live.

The defaults are art.py's (logO's TensorFlow port of Gatys et al.). The command
line builds its flags from these fields, the Python API takes them as keyword
arguments and the benchmark reuses them, so a default is changed here or nowhere.
"""
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Tuple

from .errors import ConfigError
from .presets import PRESETS, with_preset
from .multiscale import check_multiscale_iterations, parse_scales
from .weights import CONV_LAYERS

LayerWeights = Tuple[Tuple[str, float], ...]

OPTIMIZERS = ("adam", "sgd", "momentum", "rmsprop", "adagrad", "lbfgs")
INITS = ("noise", "content", "style", "random")
BACKENDS = ("graph", "eager", "function", "function-xla")
EAGER_OPTIMIZERS = ("adam", "sgd", "momentum", "adagrad", "lbfgs")  # those with an exact tf.keras equivalent
LOSS_NORMALIZATIONS = ("artpy", "tutorial", "paper")
PRECISIONS = ("float32", "bfloat16")
DEFAULT_WEIGHTS = Path("weights") / "imagenet-vgg-verydeep-19.mat"
WEIGHTS_ENV = "LEGACY_NST_WEIGHTS"


def parse_layer_weights(text, default_weight=1.0) -> LayerWeights:
    """Parse 'conv1_1:0.5,conv2_1:1.0' (a bare name weighs `default_weight`)."""
    if not isinstance(text, str):
        pairs = tuple((str(name), float(weight)) for name, weight in text)
    else:
        pairs = []
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, _, weight = item.partition(":")
            try:
                pairs.append((name.strip(), float(weight) if weight else default_weight))
            except ValueError:
                raise ConfigError(f"layer weight {item!r} is not a number; write layers as 'conv1_1:0.5,conv2_1:1.0'") from None
        pairs = tuple(pairs)
    if not pairs:
        raise ConfigError("empty layer list; give at least one layer, e.g. 'conv4_2'")
    for name, weight in pairs:
        if name not in CONV_LAYERS:
            raise ConfigError(f"unknown layer {name!r}; choose from {', '.join(CONV_LAYERS)}")
        if weight < 0:
            raise ConfigError(f"layer {name} has negative weight {weight}; layer weights must be >= 0")
    return pairs


def parse_flag(text) -> bool:
    """'true'/'false' (also yes/no, on/off, 1/0) from the command line; bools pass through."""
    if isinstance(text, bool):
        return text
    value = str(text).strip().lower()
    if value in ("true", "yes", "on", "1"):
        return True
    if value in ("false", "no", "off", "0"):
        return False
    raise ConfigError(f"{text!r} is not a yes/no value; write true or false")


def parse_numbers(text) -> Tuple[float, ...]:
    """Parse '0.8,0.2' (or a number, or a sequence of numbers) into a tuple of floats."""
    if isinstance(text, (int, float)):
        text = (text,)
    items = text.split(",") if isinstance(text, str) else list(text)
    try:
        numbers = tuple(float(item) for item in items if not isinstance(item, str) or item.strip())
    except (TypeError, ValueError):
        raise ConfigError(f"{text!r} is not a list of numbers; write e.g. '0.8,0.2'") from None
    if not numbers:
        raise ConfigError("empty list of numbers; give e.g. '0.8,0.2'")
    return numbers


def parse_tile(text) -> str:
    """--tile: 'auto', 'off' or a core size, a positive multiple of 16 (kept as text: '512')."""
    value = str(text).strip().lower()
    if value in ("auto", "off"):
        return value
    if not value.isdigit() or int(value) <= 0:
        raise ConfigError(f"--tile {text!r} is not a size; give a core size in pixels (a multiple of 16, e.g. "
                          "512), auto or off")
    if int(value) % 16:
        raise ConfigError(f"--tile {value} is not a multiple of 16 (tile origins sit on VGG's 16-pixel pooling "
                          f"grid); give e.g. --tile {max(16, 16 * round(int(value) / 16))}")
    return str(int(value))


def format_layer_weights(pairs: LayerWeights) -> str:
    return ",".join(f"{name}:{weight:g}" for name, weight in pairs)


def _option(default, help, flag=None, choices=None, metavar=None, **extra):
    return field(default=default, metadata=dict(help=help, flag=flag, choices=choices, metavar=metavar, **extra))


@dataclass(frozen=True)
class Config:
    """Everything a run needs besides the images themselves."""

    width: Optional[int] = _option(
        None, "working width in pixels; with only --height given, keeps the content's aspect ratio "
        "(default: 800 x 600, as art.py)", metavar="W")
    height: Optional[int] = _option(None, "working height in pixels (see --width)", metavar="H")
    iterations: int = _option(5000, "optimizer steps (art.py: 5000)", metavar="N")
    optimizer: str = _option("adam", "adam as art.py; sgd, momentum, rmsprop, adagrad (tf.compat.v1.train); "
                             "lbfgs (scipy L-BFGS-B, as Gatys)", choices=OPTIMIZERS)
    learning_rate: float = _option(2.0, "step size of the tf.compat.v1 optimizers (art.py: Adam 2.0)", metavar="LR")
    alpha: float = _option(100.0, "style weight (art.py ALPHA)", metavar="A")
    beta: float = _option(5.0, "content weight (art.py BETA)", metavar="B")
    init: str = _option("noise", "initial image: noise (art.py: uniform(-20,20) mixed with the content by "
                        "--noise-ratio), content, style, random (the uniform noise alone) or an image PATH",
                        metavar="noise|content|style|random|PATH")
    noise_ratio: float = _option(0.6, "share of noise in the noise init (art.py NOISE_RATIO)", metavar="R")
    seed: Optional[int] = _option(None, "seed of numpy's RandomState for the noise (same draws as art.py "
                                  "after np.random.seed(S))", metavar="S")
    pooling: str = _option("avg", "pooling between blocks: avg as art.py and Gatys, or max as VGG",
                           choices=("avg", "max"))
    kernel_layout: str = _option("tf", "tf: transpose MatConvNet's [width,height,in,out] kernels to "
                                 "TensorFlow's [height,width,in,out]; artpy: use them untransposed, exactly "
                                 "as art.py did", choices=("tf", "artpy"))
    content_layers: LayerWeights = _option((("conv4_2", 1.0),), "content layers with weights",
                                           metavar="LAYER[:W],...", parse=parse_layer_weights)
    style_layers: LayerWeights = _option(
        (("conv1_1", 0.5), ("conv2_1", 1.0), ("conv3_1", 1.5), ("conv4_1", 3.0), ("conv5_1", 4.0)),
        "style layers with weights (art.py's)", metavar="LAYER:W,...", parse=parse_layer_weights)
    lbfgs_num_correction: int = _option(100, "L-BFGS history size (scipy maxcor)", metavar="M")
    lbfgs_initial_step: float = _option(
        10.0, "RMS change per pixel, in 0-255 levels, of L-BFGS's first trial step (0: scipy's own, a step of "
        "length 1 for the whole image, which its line search needs about 7 evaluations to grow at 800x600)",
        metavar="LEVELS")
    weights: Optional[str] = _option(None, f"MatConvNet VGG-19 .mat (default: ${WEIGHTS_ENV}, then {DEFAULT_WEIGHTS})",
                                     metavar="PATH")
    checkpoint_every: int = _option(0, "write the image and the resumable state every K iterations (art.py: 100; "
                                    "0: never)", metavar="K", aliases=("--save-every",))
    checkpoint_dir: Optional[str] = _option(None, "where checkpoints go (default: OUTPUT's name + '-checkpoints')",
                                            metavar="DIR")
    print_every: int = _option(100, "log a progress line every K iterations when not on a terminal (0: never)",
                               metavar="K")

    # -- eager comparison (issue 3): fields below this line --
    backend: str = _option("graph", "graph: a tf.compat.v1 graph run in a session, as art.py; eager: the same "
                           "algorithm step by step with tf.GradientTape and tf.keras.optimizers on a Keras VGG-19; "
                           "function: the eager step wrapped in tf.function; function-xla: tf.function(jit_compile="
                           "True), opt-in as XLA's kernels round differently", choices=BACKENDS)
    preset: Optional[str] = _option(None, "start from a named recipe; options given explicitly override it: "
                                    "artpy (art.py's values, 800x600, checkpoints every 100), tutorial (the "
                                    "TensorFlow eager tutorials' recipe), gatys (the paper's: L-BFGS from white "
                                    "noise, equal style layers, content:style 1e-3 on its losses); see the README", choices=tuple(PRESETS), metavar="|".join(PRESETS))
    loss_normalization: str = _option("artpy", "artpy: content 1/(4NM)*sum (x-p)^2, style 1/(4N^2M^2)*sum (G-A)^2; "
                                      "tutorial: the means of the squared differences, Gram matrices divided by "
                                      "the number of locations M (4x artpy's per layer); paper: content "
                                      "1/2*sum (x-p)^2 (Gatys et al. eq. 1, 2NM times artpy's: the scale of the "
                                      "paper's content:style ratios), style as artpy", choices=LOSS_NORMALIZATIONS)
    adam_beta1: float = _option(0.9, "Adam's beta1 (tf.compat.v1 and Keras default 0.9; the tutorials: 0.99)",
                                metavar="B1")
    adam_epsilon: float = _option(1e-8, "Adam's epsilon, added to sqrt(v) ('epsilon hat', as tf.compat.v1 and "
                                  "Keras do; tf.compat.v1 default 1e-8, the tutorials: 0.1)", metavar="EPS")
    clip_pixels: bool = _option(False, "clip the image to 0-255 after every step, as the tutorials do "
                                "(with lbfgs: L-BFGS-B bounds); a bare --clip-pixels means true", metavar="true|false",
                                parse=parse_flag, nargs="?", const=True)

    # -- long runs: resume, limits, plots (issue 4): fields below this line --
    resume: Optional[str] = _option(None, "continue the run saved in DIR (a --checkpoint-dir; a Ctrl-C'd run "
                                    "saves there too); --content/--style/--output and the options default to "
                                    "the saved run's, --iterations may be raised", metavar="DIR")
    memory_limit: Optional[float] = _option(None, "refuse sizes whose estimated peak memory exceeds GB (default: "
                                            "the memory available now; 0: do not check)", metavar="GB")
    plot: Optional[str] = _option(None, "write the loss curves (total, content, style; log scale) at the end, on "
                                  "interrupt and at each checkpoint (.png, .svg, .pdf)", metavar="PATH")
    strip: Optional[str] = _option(None, "write a grid of the checkpoint images (needs --checkpoint-every) at the "
                                   "end and on interrupt", metavar="PATH")

    # -- feature parity with anishathalye / jcjohnson (issue 5): fields below this line --
    tv_weight: float = _option(0.0, "total variation weight: adds W * (mean squared difference of vertically "
                               "and of horizontally adjacent pixels), smoothing the result (0: off)", metavar="W")
    style_blend_weights: Optional[Tuple[float, ...]] = _option(
        None, "with several --style images: how much of each style's Gram targets to use, normalised to sum 1 "
        "(default: equal)", metavar="W,W,...", parse=parse_numbers)
    style_scale: Optional[Tuple[float, ...]] = _option(
        None, "resize each style image, keeping its aspect ratio, to S times the working width before its Gram "
        "matrices are taken; one value, or one per style (default: stretched to the working size, as art.py)",
        metavar="S[,S,...]", parse=parse_numbers)
    preserve_colors: bool = _option(False, "keep the content's colours: the result's luminance with the content's "
                                    "chroma (YCbCr), applied to the output and checkpoints",
                                    aliases=("--original-colors",))
    content_weight_blend: Optional[float] = _option(
        None, "content layers conv4_2 * B + conv5_2 * (1 - B), as anishathalye (default: --content-layers)",
        metavar="B")
    style_layer_weight_exp: Optional[float] = _option(
        None, "weigh each deeper style layer E times the previous one, keeping the layers' total weight "
        "(default: the weights in --style-layers)", metavar="E")
    normalize_gradients: bool = _option(False, "divide each loss term's gradient at its layer by its L1 norm "
                                        "before weighting and summing, as jcjohnson")

    def _check_parity_options(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen dataclass)
        for name in ("style_blend_weights", "style_scale"):
            if getattr(self, name) is not None:
                set_(name, parse_numbers(getattr(self, name)))
        if self.backend != "graph":
            graph_only = [flag for flag, used in (
                ("--tv-weight", self.tv_weight > 0), ("--normalize-gradients", self.normalize_gradients),
                ("--style-scale", self.style_scale is not None),
                ("--style-blend-weights", self.style_blend_weights is not None),
                ("--content-weight-blend", self.content_weight_blend is not None),
                ("--style-layer-weight-exp", self.style_layer_weight_exp is not None),
                ("--precision bfloat16", self.precision != "float32")) if used]
            if graph_only:
                raise ConfigError(f"{', '.join(graph_only)}: implemented for --backend graph only; drop them or use "
                                  f"--backend graph")
        if self.tv_weight < 0:
            raise ConfigError(f"--tv-weight must be >= 0, got {self.tv_weight}")
        if self.style_blend_weights is not None and (min(self.style_blend_weights) < 0
                                                     or not sum(self.style_blend_weights) > 0):
            raise ConfigError(f"--style-blend-weights must be >= 0 with a positive sum, got {self.style_blend_weights}")
        if self.style_scale is not None and not min(self.style_scale) > 0:
            raise ConfigError(f"--style-scale must be > 0, got {self.style_scale}")
        if self.content_weight_blend is not None:
            if not 0.0 <= self.content_weight_blend <= 1.0:
                raise ConfigError(f"--content-weight-blend must be within [0, 1], got {self.content_weight_blend}")
            if self.content_layers != Config.__dataclass_fields__["content_layers"].default:
                raise ConfigError("--content-weight-blend chooses the content layers (conv4_2, conv5_2); "
                                  "give it or --content-layers, not both")
        if self.style_layer_weight_exp is not None and not self.style_layer_weight_exp > 0:
            raise ConfigError(f"--style-layer-weight-exp must be > 0, got {self.style_layer_weight_exp}")

    # -- performance (issue 6): fields below this line --
    precision: str = _option("float32", "bfloat16 runs the convolutions in bfloat16 (oneDNN; faster where "
                             "the CPU has AVX512-BF16 or AMX) while the image, the Gram matrices and the "
                             "losses stay float32; falls back to float32, with a note, on other CPUs",
                             choices=PRECISIONS)
    multiscale: Tuple[float, ...] = _option(
        (), "coarse-to-fine: optimise first at these fractions of the working size, e.g. 0.25,0.5 (or a "
        "number of halving levels: 3 is 0.25,0.5), each result upsampled to start the next level "
        "(default: full size only)", metavar="F,...|L",
        parse=parse_scales)
    multiscale_iterations: Optional[int] = _option(
        None, "steps at each --multiscale level below full size, taken out of --iterations (default: "
        "--iterations shared equally among the levels)", metavar="N")


    # -- engine: tiled evaluation (issue 11): fields below this line --
    tile: str = _option(
        "auto", "evaluate the loss and its exact gradient tile by tile, so any size fits in memory: SIZE is the "
        "largest core in pixels (a multiple of 16; each tile adds a halo of the deepest layer's receptive field), "
        "auto tiles only when the untiled run's memory estimate does not fit and then picks the largest tile "
        "that fits, off never tiles", metavar="SIZE|auto|off", parse=parse_tile)

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen dataclass)
        set_("content_layers", parse_layer_weights(self.content_layers))
        set_("style_layers", parse_layer_weights(self.style_layers))
        set_("multiscale", parse_scales(self.multiscale))
        set_("tile", parse_tile(self.tile))
        for name in ("iterations", "checkpoint_every", "print_every", "lbfgs_num_correction"):
            if int(getattr(self, name)) < 0:
                raise ConfigError(f"--{name.replace('_', '-')} must be >= 0, got {getattr(self, name)}")
        if self.lbfgs_num_correction < 1:
            raise ConfigError("--lbfgs-num-correction must be >= 1")
        try:
            step = float(self.lbfgs_initial_step)
        except (TypeError, ValueError):
            step = float("nan")
        if not 0 <= step < float("inf"):
            raise ConfigError(f"--lbfgs-initial-step must be a number >= 0 (pixel levels), got {self.lbfgs_initial_step}")
        set_("lbfgs_initial_step", step)
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"unknown optimizer {self.optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
        if self.pooling not in ("avg", "max"):
            raise ConfigError(f"unknown pooling {self.pooling!r}; choose avg or max")
        if self.kernel_layout not in ("tf", "artpy"):
            raise ConfigError(f"unknown kernel layout {self.kernel_layout!r}; choose tf or artpy")
        if not 0.0 <= self.noise_ratio <= 1.0:
            raise ConfigError(f"--noise-ratio must be within [0, 1], got {self.noise_ratio}")
        if not self.learning_rate > 0:
            raise ConfigError(f"--learning-rate must be > 0, got {self.learning_rate}")
        if self.alpha < 0 or self.beta < 0:
            raise ConfigError("--alpha and --beta must be >= 0")
        if self.memory_limit is not None and not self.memory_limit >= 0:
            raise ConfigError(f"--memory-limit must be >= 0 GB (0: no check), got {self.memory_limit}")
        if self.strip and not self.checkpoint_every:
            raise ConfigError("--strip shows the checkpoint images; add --checkpoint-every K (e.g. a tenth of "
                              "--iterations)")
        self._check_eager_comparison_options()

    def _check_eager_comparison_options(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen dataclass)
        set_("clip_pixels", parse_flag(self.clip_pixels))
        if self.backend not in BACKENDS:
            raise ConfigError(f"unknown backend {self.backend!r}; choose from {', '.join(BACKENDS)}")
        if self.backend != "graph" and self.optimizer not in EAGER_OPTIMIZERS:
            raise ConfigError(f"--optimizer {self.optimizer} has no exact tf.keras equivalent, so --backend "
                              f"{self.backend} does not offer it; choose from {', '.join(EAGER_OPTIMIZERS)} "
                              f"or use --backend graph")
        if self.preset is not None and self.preset not in PRESETS:
            raise ConfigError(f"unknown preset {self.preset!r}; choose from {', '.join(PRESETS)}")
        if self.loss_normalization not in LOSS_NORMALIZATIONS:
            raise ConfigError(f"unknown loss normalization {self.loss_normalization!r}; "
                              f"choose from {', '.join(LOSS_NORMALIZATIONS)}")
        if not 0.0 <= self.adam_beta1 < 1.0:
            raise ConfigError(f"--adam-beta1 must be within [0, 1), got {self.adam_beta1}")
        if not self.adam_epsilon >= 0:
            raise ConfigError(f"--adam-epsilon must be >= 0, got {self.adam_epsilon}")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"unknown precision {self.precision!r}; choose from {', '.join(PRECISIONS)}")
        check_multiscale_iterations(self)
        self._check_parity_options()

    def replace(self, **changes) -> "Config":
        """A copy with `changes`; with preset=NAME, the preset's values first, then the other changes."""
        return dataclasses.replace(self, **with_preset(changes))

    @property
    def layers_in_use(self):
        """Every layer a loss reads, --content-weight-blend's included (see legacy_nst.layers)."""
        from .layers import layers_in_use

        return layers_in_use(self)

    def weights_path(self) -> Path:
        """--weights, else $LEGACY_NST_WEIGHTS, else weights/imagenet-vgg-verydeep-19.mat."""
        return Path(self.weights or os.environ.get(WEIGHTS_ENV) or DEFAULT_WEIGHTS)

    def to_json(self) -> dict:
        out = dataclasses.asdict(self)
        out["content_layers"] = format_layer_weights(self.content_layers)
        out["style_layers"] = format_layer_weights(self.style_layers)
        return out

    @classmethod
    def from_options(cls, **options) -> "Config":
        """Build from keyword options, naming any unknown one instead of a TypeError.

        With preset=NAME the preset's values are the defaults the other options override.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigError(f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**with_preset(options))
