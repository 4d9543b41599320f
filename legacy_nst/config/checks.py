"""Config's checks, run when it is built: every value, the CLI's, a sweep spec's, the API's and `score`'s alike.

Each numeric option carries a `Number` in its field's metadata (`number=`): a
real number (a whole one for counts and sizes), never NaN or infinite, within
its bounds. The message names the option, what it takes and the value given,
in one line. The checks that relate several options follow.
"""
import difflib
import math
import numbers
import os
from dataclasses import dataclass
from typing import Optional

from ..errors import ConfigError
from .sizes import MAX_SIZE

# The largest weight a loss group (--alpha, --beta, --tv-weight) may have, times its layer weights' total. The
# losses are float32 (largest about 3.4e38). The largest unweighted term measured, the 'paper' content sum at
# conv4_2 (`legacy-nst score --normalization paper`, Tuebingen against Starry Night), is 1.0e11 at 512x384,
# so about 1.2e13 at 6000x4000 (it grows with the pixels): 1e20 keeps a weighted total some five orders of
# magnitude below float32's overflow, room for a noise start's larger terms. The presets' weights are at most
# 1e4; --alpha 1e30 made the first loss infinite.
MAX_WEIGHT = 1e20


@dataclass(frozen=True)
class Number:
    """What a numeric option takes: a finite number within [low, high] (`above`: > low, `below`: < high),
    whole if `whole`; `text` says it in the message ('must be TEXT, got VALUE'), generated when not given."""

    low: float = 0
    high: float = math.inf
    whole: bool = False
    above: bool = False
    below: bool = False
    unit: str = ""
    text: Optional[str] = None

    def describe(self) -> str:
        if self.text:
            return self.text
        if self.whole:
            kind = f"a whole number{self.unit}"
            return f"{kind} >= {self.low}" if self.high == math.inf else f"{kind} from {self.low} to {self.high}"
        low = f"{'>' if self.above else '>='} {self.low:g}"
        if self.high == math.inf:
            return f"{low} and finite"
        return f"within {'(' if self.above else '['}{self.low:g}, {self.high:g}{')' if self.below else ']'}"

    def holds(self, value) -> bool:
        kind = numbers.Integral if self.whole else numbers.Real
        if not isinstance(value, kind) or isinstance(value, bool) or not math.isfinite(value):
            return False
        low = value > self.low if self.above else value >= self.low
        high = value < self.high if self.below else value <= self.high
        return low and high


WEIGHT = Number(0, MAX_WEIGHT, text=f">= 0 and at most {MAX_WEIGHT:g}")
COUNT = Number(0, whole=True)
PIXELS = Number(1, MAX_SIZE, whole=True, unit=" of pixels")
FRACTION = Number(0, 1)


def flag(name) -> str:
    return "--" + name.replace("_", "-")


def shown(value) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def check_numbers(config, fields):
    """Every field with a `number` in its metadata holds such a number (None where None is the default)."""
    for f in fields:
        number, value = f.metadata.get("number"), getattr(config, f.name)
        if number and not (value is None and f.default is None) and not number.holds(value):
            raise ConfigError(f"{flag(f.name)} must be {number.describe()}, got {shown(value)}")


def check_numbers_in_lists(config):
    """The options that hold several numbers: each finite, within its option's bounds."""
    weights = config.style_blend_weights
    if weights is not None and (not all(math.isfinite(w) and w >= 0 for w in weights) or not sum(weights) > 0):
        raise ConfigError(f"--style-blend-weights must be finite and >= 0 with a positive sum, got {weights}")
    if config.style_scale is not None and not all(math.isfinite(s) and s > 0 for s in config.style_scale):
        raise ConfigError(f"--style-scale must be > 0 and finite, got {config.style_scale}")
    for name, group in (("style_layers", "alpha"), ("content_layers", "beta")):
        total = sum(weight for _, weight in getattr(config, name))
        if getattr(config, group) * total > MAX_WEIGHT:
            raise ConfigError(f"{flag(group)} {getattr(config, group):g} times the {flag(name)} weights' total "
                              f"{total:g} exceeds {MAX_WEIGHT:g}, beyond which float32 losses overflow; lower "
                              f"{flag(group)} or the layer weights")


def check_images(config, inits):
    if config.image_size is not None and (config.width is not None or config.height is not None):
        raise ConfigError("--image-size sets both sides from the longest one; give it or --width/--height, not both")
    check_init(config.init, inits)
    choose("--bit-depth", config.bit_depth, (8, 16))


def check_algorithm(config, presets, schedules, normalizations, default_content_layers):
    choose("preset", config.preset, tuple(presets), optional=True)
    choose("schedule", config.schedule, tuple(schedules), optional=True)
    choose("loss normalization", config.loss_normalization, normalizations)
    choose("pooling", config.pooling, ("avg", "max"))
    choose("kernel layout", config.kernel_layout, ("tf", "artpy"))
    if config.content_weight_blend is not None and config.content_layers != default_content_layers:
        raise ConfigError("--content-weight-blend chooses the content layers (conv4_2, conv5_2); give it or "
                          "--content-layers, not both")
    exponent = config.style_layer_weight_exp
    if exponent is not None and not finite_power(exponent, len(config.style_layers) - 1):
        raise ConfigError(f"--style-layer-weight-exp {exponent:g} makes the deepest style layer's weight overflow "
                          f"({exponent:g}^{len(config.style_layers) - 1}); give a smaller exponent, e.g. 2")


def check_control(config, guidance_modes, color_controls):
    choose("guidance", config.guidance, guidance_modes)
    choose("color control", config.color_control, color_controls, optional=True)
    if config.style_mask and config.style_blend_weights is not None:
        raise ConfigError("--style-blend-weights blends the styles everywhere, --style-mask puts each in its own "
                          "region; give one of them")


def check_optimizer(config, optimizers, implementations):
    choose("optimizer", config.optimizer, optimizers)
    choose("L-BFGS implementation", config.lbfgs_implementation, implementations)
    if config.lbfgs_implementation == "float32" and config.optimizer == "lbfgs" and config.clip_pixels:
        raise ConfigError("--clip-pixels with --lbfgs-implementation float32: only scipy's L-BFGS-B keeps bounds; "
                          "drop one of them")
    steps = config.multiscale_iterations
    if steps is not None and config.multiscale:
        if len(steps) not in (1, len(config.multiscale)):
            raise ConfigError(f"--multiscale-iterations gives {len(steps)} counts for {len(config.multiscale)} "
                              "coarse level(s); give one count for all of them or one per level")
        if sum(config.level_steps()[0]) > config.iterations:
            raise ConfigError(f"--multiscale-iterations {','.join(map(str, steps))} at {len(config.multiscale)} "
                              f"coarse level(s) exceeds --iterations {config.iterations}, which counts the steps "
                              "of every level; raise --iterations or lower --multiscale-iterations")


def check_engine(config, backends, precisions):
    choose("backend", config.backend, backends)
    choose("precision", config.precision, precisions)
    finish = config.float32_finish
    if finish and config.precision != "bfloat16":
        raise ConfigError(f"--float32-finish {finish} finishes a --precision bfloat16 run; add --precision "
                          "bfloat16 or drop --float32-finish")
    full = config.level_steps()[1]
    if finish > full:
        raise ConfigError(f"--float32-finish {finish} exceeds the {full} full-size steps of --iterations; lower it "
                          "or raise --iterations")
    if config.ray_address is not None and not str(config.ray_address).strip():
        raise ConfigError("--ray-address is empty; give the HOST:PORT 'ray start --head' prints, or auto")


def check_run(config):
    if config.strip and not config.checkpoint_every:
        raise ConfigError("--strip shows the checkpoint images; add --checkpoint-every K (e.g. a tenth of "
                          "--iterations)")


def check_init(init, names):
    """--init is one of `names` or an existing image file: a misspelt name is refused before anything runs."""
    if init in names or (isinstance(init, (str, os.PathLike)) and os.path.lexists(init)
                         and not os.path.isdir(init)):
        return  # a file: reading it says what is wrong with it (io.paths: a FIFO, a device, a link loop)
    listed = ", ".join(names)
    close = difflib.get_close_matches(str(init), names, n=1, cutoff=0.6)
    if close:
        raise ConfigError(f"unknown --init {init!r}; did you mean {close[0]}? (choose from {listed}, or an image "
                          "path)")
    raise ConfigError(f"--init {init}: no such file, and not one of {listed}; give an existing image path or one "
                      "of the names")


def check_names(given, known, where="option"):
    """A ConfigError for the first of `given` not in `known`, with the closest known name ('did you mean')."""
    unknown = sorted(set(given) - set(known))
    if not unknown:
        return
    close = difflib.get_close_matches(unknown[0], known, n=1)
    hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(sorted(known))}"
    raise ConfigError(f"unknown {where}{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; {hint}")


def finite_power(base, exponent) -> bool:
    try:
        return float(base) ** exponent < float("inf")
    except OverflowError:
        return False


def choose(what, value, choices, optional=False):
    if (value is None and optional) or value in choices:
        return
    names = [str(choice) for choice in choices]
    listed = " or ".join(names) if len(names) == 2 else "from " + ", ".join(names)
    raise ConfigError(f"unknown {what} {value!r}; choose {listed}")
