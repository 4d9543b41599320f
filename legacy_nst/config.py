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
from .multiscale import check_multiscale_iterations, parse_scales
from .weights import CONV_LAYERS

LayerWeights = Tuple[Tuple[str, float], ...]

OPTIMIZERS = ("adam", "sgd", "momentum", "rmsprop", "adagrad", "lbfgs")
INITS = ("noise", "content", "style", "random")
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
    weights: Optional[str] = _option(None, f"MatConvNet VGG-19 .mat (default: ${WEIGHTS_ENV}, then {DEFAULT_WEIGHTS})",
                                     metavar="PATH")
    checkpoint_every: int = _option(0, "write the image every K iterations (art.py: 100; 0: never)", metavar="K")
    checkpoint_dir: Optional[str] = _option(None, "where checkpoints go (default: OUTPUT's name + '-checkpoints')",
                                            metavar="DIR")
    print_every: int = _option(100, "log a progress line every K iterations when not on a terminal (0: never)",
                               metavar="K")

    # -- eager comparison (issue 3): fields below this line --

    # -- long runs: resume, limits, plots (issue 4): fields below this line --

    # -- feature parity with anishathalye / jcjohnson (issue 5): fields below this line --

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

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen dataclass)
        set_("content_layers", parse_layer_weights(self.content_layers))
        set_("style_layers", parse_layer_weights(self.style_layers))
        set_("multiscale", parse_scales(self.multiscale))
        for name in ("iterations", "checkpoint_every", "print_every", "lbfgs_num_correction"):
            if int(getattr(self, name)) < 0:
                raise ConfigError(f"--{name.replace('_', '-')} must be >= 0, got {getattr(self, name)}")
        if self.lbfgs_num_correction < 1:
            raise ConfigError("--lbfgs-num-correction must be >= 1")
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
        if self.precision not in PRECISIONS:
            raise ConfigError(f"unknown precision {self.precision!r}; choose from {', '.join(PRECISIONS)}")
        check_multiscale_iterations(self)

    def replace(self, **changes) -> "Config":
        return dataclasses.replace(self, **changes)

    @property
    def layers_in_use(self):
        return tuple(name for name, _ in self.content_layers + self.style_layers)

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
        """Build from keyword options, naming any unknown one instead of a TypeError."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigError(f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**options)
