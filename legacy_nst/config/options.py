"""Every option, its default, its help text and its roles, in one place, grouped by concern.

The defaults are art.py's (logO's TensorFlow port of Gatys et al.). The command
line builds its flags from these fields (in this order, in these groups), the
Python API takes them as keyword arguments, and bench and sweeps reuse them, so
a default is changed here or nowhere. Each field's roles (config.roles) say what
it is for; every list of options elsewhere is derived from them (`fields_with`).
Which options an engine cannot honour is each engine's own business
(legacy_nst.engines); this module knows only values.
"""
import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

from ..errors import ConfigError
from . import checks
from .checks import COUNT, FRACTION, PIXELS, WEIGHT, Number
from .parse import LayerWeights, format_layer_weights, parse_counts, parse_flag, parse_layer_weights, parse_numbers, \
    parse_scales, parse_tile
from .presets import PRESETS, SCHEDULES
from .roles import (CHECKPOINT, PATH, PER_JOB, RESULT, RESUME_MAY_CHANGE, SCORING, SIZE, WORKERS, groups, names_with,
                    names_without, option)
from .sizes import DEFAULT_HEIGHT, DEFAULT_WIDTH, checked_size, round_ratio
from .weights import APPROXIMATE, DEFAULT_WEIGHTS, PROGRAM, SHARED_ENV, WEIGHTS_ENV, require_weights

OPTIMIZERS = ("adam", "sgd", "momentum", "rmsprop", "adagrad", "lbfgs")
INITS = ("noise", "content", "style", "random", "randn")
BACKENDS = ("graph", "eager", "function", "function-xla")
LOSS_NORMALIZATIONS = ("artpy", "tutorial", "paper", "jcjohnson", "anishathalye")  # losses.terms.NORMALIZATIONS
PRECISIONS = ("float32", "bfloat16")
LBFGS_IMPLEMENTATIONS = ("scipy", "float32")
DECAY = Number(0, 1, below=True, text="a decay within (0, 1), e.g. 0.9 or 0.99, or 0 for off")
GIGABYTES = Number(0, text="a number of GB >= 0 and finite (0: no check)")
# The fields' --help groups (config.roles.GROUP_NAMES), one maker each.
_images, _algorithm, _optimizer, _engine, _run = (functools.partial(option, group=name) for name in
                                                  ("images", "algorithm", "optimizer", "engine", "run"))


@dataclass(frozen=True)
class Config:
    """Everything a run needs besides the images themselves."""

    # -- images: what goes in, how it is sized and how the output is written --
    width: Optional[int] = _images(
        None,
        "working width in pixels; with only --height given, keeps the content's aspect ratio (default: 800 x 600, as "
        "art.py)", metavar="W", roles=(RESULT, SIZE, SCORING), number=PIXELS)
    height: Optional[int] = _images(
        None, "working height in pixels (see --width)", metavar="H", roles=(RESULT, SIZE, SCORING), number=PIXELS)
    image_size: Optional[int] = _images(
        None,
        "working size by the longest side in pixels, the other side following the content's aspect ratio (jcjohnson's "
        "-image_size); with it, --style-scale S sizes each style's longest side to S * this (default: "
        "--width/--height)", metavar="PIXELS", roles=(RESULT, SIZE, SCORING), number=PIXELS)
    init: str = _images(
        "noise",
        "initial image: noise (art.py: uniform(-20,20) mixed with the content by --noise-ratio), content, style, "
        "random (the uniform noise alone), randn (normal noise of --init-std around the mean pixel, as jcjohnson and "
        "anishathalye) or an image PATH", metavar="noise|content|style|random|randn|PATH", roles=(RESULT, PATH))
    noise_ratio: float = _images(
        0.6, "share of noise in the noise init (art.py NOISE_RATIO)", metavar="R", roles=(RESULT,), number=FRACTION)
    init_std: float = _images(
        0.001,
        "standard deviation, in network units around the mean pixel, of --init randn's normal noise (jcjohnson: "
        "0.001; anishathalye: 0.256), drawn with numpy's RandomState(--seed)", metavar="SIGMA", roles=(RESULT,),
        number=Number(0))
    seed: Optional[int] = _images(
        None, "seed of numpy's RandomState for the noise (same draws as art.py after np.random.seed(S))", metavar="S",
        roles=(RESULT,), number=Number(0, 2 ** 32 - 1, whole=True))
    style_blend_weights: Optional[Tuple[float, ...]] = _images(
        None,
        "with several --style images: how much of each style's Gram targets to use, normalised to sum 1 (default: "
        "equal)", metavar="W,W,...", parse=parse_numbers, roles=(RESULT, SCORING))
    style_scale: Optional[Tuple[float, ...]] = _images(
        None,
        "resize each style image, keeping its aspect ratio, to S times the working width before its Gram matrices are "
        "taken; one value, or one per style (default: stretched to the working size, as art.py)", metavar="S[,S,...]",
        parse=parse_numbers, roles=(RESULT, SCORING))
    preserve_colors: bool = _images(
        False,
        "keep the content's colours: the result's luminance with the content's chroma (YCbCr), applied to the output "
        "and checkpoints", aliases=("--original-colors",), roles=(RESULT,))
    bit_depth: int = _images(
        8, "bits per channel of OUTPUT: 16 writes a 16-bit PNG or TIFF (by OUTPUT's extension) from the unrounded "
        "result, keeping the gradation between 8-bit levels; JPEG, WebP and BMP hold only 8. Outputs embed an sRGB "
        "ICC profile (BMP excepted) and inputs with a profile are converted to sRGB; see docs/print-files.md",
        choices=(8, 16), metavar="8|16")
    keep_alpha: bool = _images(
        False,
        "carry the content's alpha channel (transparency), resized to the output size, to OUTPUT (PNG, TIFF or WebP); "
        "the network always sees the content composited onto white")

    # -- algorithm: the objective (defaults: art.py's) --
    preset: Optional[str] = _algorithm(
        None, "start from a named recipe; options given explicitly override it: artpy (art.py's values, 800x600, "
        "checkpoints every 100), fast (art.py's objective reached in a fraction of its time: bfloat16 L-BFGS, coarse "
        "start, float32 finish; see docs/performance.md), tutorial (the TensorFlow eager tutorials' recipe), gatys "
        "(the paper's: L-BFGS from white noise, equal style layers, content:style 1e-3 on its losses), jcjohnson "
        "(neural_style.lua's defaults and losses, 512 px), anishathalye (neural_style.py's); see the README",
        choices=tuple(PRESETS), metavar="|".join(PRESETS), roles=(RESULT, SCORING))
    schedule: Optional[str] = _algorithm(
        None,
        "how the objective is minimised, for any --preset's objective (whose own optimizer settings it replaces; "
        "explicit options override it): fast (bfloat16 float32-L-BFGS, 80 steps at half size, 190 in all, a 30-step "
        "float32 finish: --preset fast's schedule), e.g. --preset jcjohnson --schedule fast", choices=tuple(SCHEDULES),
        metavar="|".join(SCHEDULES), roles=(RESULT,))
    alpha: float = _algorithm(100.0, "style weight (art.py ALPHA)", metavar="A", roles=(RESULT, SCORING), number=WEIGHT)
    beta: float = _algorithm(5.0, "content weight (art.py BETA)", metavar="B", roles=(RESULT, SCORING), number=WEIGHT)
    content_layers: LayerWeights = _algorithm(
        (("conv4_2", 1.0),), "content layers with weights", metavar="LAYER[:W],...", parse=parse_layer_weights,
        roles=(RESULT, SCORING))
    style_layers: LayerWeights = _algorithm(
        (("conv1_1", 0.5), ("conv2_1", 1.0), ("conv3_1", 1.5), ("conv4_1", 3.0), ("conv5_1", 4.0)),
        "style layers with weights (art.py's)", metavar="LAYER:W,...", parse=parse_layer_weights,
        roles=(RESULT, SCORING))
    content_weight_blend: Optional[float] = _algorithm(
        None, "content layers conv4_2 * B + conv5_2 * (1 - B), as anishathalye (default: --content-layers)",
        metavar="B", roles=(RESULT, SCORING), number=FRACTION)
    style_layer_weight_exp: Optional[float] = _algorithm(
        None, "weigh each deeper style layer E times the previous one, keeping the layers' total weight (default: the "
        "weights in --style-layers)", metavar="E", roles=(RESULT, SCORING), number=Number(0, above=True))
    loss_normalization: str = _algorithm(
        "artpy",
        "artpy: content 1/(4NM)*sum (x-p)^2, style 1/(4N^2M^2)*sum (G-A)^2; tutorial: the means of the squared "
        "differences, Gram matrices divided by the number of locations M (4x artpy's per layer); paper: content "
        "1/2*sum (x-p)^2 (Gatys et al. eq. 1, 2NM times artpy's: the scale of the paper's content:style ratios), "
        "style as artpy; jcjohnson (neural_style.lua) and anishathalye (neural_style.py): content mean (x-p)^2, style "
        "mean (G/NM-A/NM)^2, TV 1/2*sum over the interior (jcjohnson) or the mean squared differences (anishathalye, "
        "and the others')", choices=LOSS_NORMALIZATIONS, roles=(RESULT, SCORING))
    tv_weight: float = _algorithm(
        0.0,
        "total variation weight: adds W * (mean squared difference of vertically and of horizontally adjacent pixels; "
        "--loss-normalization jcjohnson: 1/2 * their sum over the (H-1)x(W-1) interior), smoothing the result (0: off)",
        metavar="W", roles=(RESULT, SCORING), number=WEIGHT)
    temporal_weight: Optional[float] = _algorithm(
        None, "weight of the temporal term of a video run (Ruder et al. 2016): the flow-warped previous stylised "
        "frame's mean squared difference over the reliable pixels (default: Ruder's temporal:content ratio of 200, "
        "his 1e3 at content weight 5 under --loss-normalization jcjohnson; see docs/video.md)",
        metavar="W", roles=(RESULT,), number=WEIGHT)
    normalize_gradients: bool = _algorithm(
        False,
        "divide each loss term's gradient at its layer by its L1 norm before weighting and summing, as jcjohnson",
        roles=(RESULT,))
    pooling: str = _algorithm(
        "avg", "pooling between blocks: avg as art.py and Gatys, or max as VGG", choices=("avg", "max"),
        roles=(RESULT, SCORING))
    kernel_layout: str = _algorithm(
        "tf",
        "tf: transpose MatConvNet's [width,height,in,out] kernels to TensorFlow's [height,width,in,out]; artpy: use "
        "them untransposed, exactly as art.py did", choices=("tf", "artpy"), roles=(RESULT, SCORING))

    # -- optimizer: how the objective is minimised --
    optimizer: str = _optimizer(
        "adam",
        "adam as art.py; sgd, momentum, rmsprop, adagrad (tf.compat.v1.train); lbfgs (scipy L-BFGS-B, as Gatys)",
        choices=OPTIMIZERS, roles=(RESULT,))
    iterations: int = _optimizer(
        5000, "optimizer steps (art.py: 5000)", metavar="N", roles=(RESULT, RESUME_MAY_CHANGE), number=COUNT)
    learning_rate: float = _optimizer(
        2.0, "step size of the tf.compat.v1 optimizers (art.py: Adam 2.0)", metavar="LR", roles=(RESULT,),
        number=Number(0, above=True))
    adam_beta1: float = _optimizer(
        0.9, "Adam's beta1 (tf.compat.v1 and Keras default 0.9; the tutorials: 0.99)", metavar="B1", roles=(RESULT,),
        number=Number(0, 1, below=True))
    adam_epsilon: float = _optimizer(
        1e-8,
        "Adam's epsilon, added to sqrt(v) ('epsilon hat', as tf.compat.v1 and Keras do; tf.compat.v1 default 1e-8, "
        "the tutorials: 0.1)", metavar="EPS", roles=(RESULT,), number=Number(0))
    lbfgs_num_correction: int = _optimizer(
        100, "L-BFGS history size (scipy maxcor)", metavar="M", roles=(RESULT,), number=Number(1, whole=True))
    lbfgs_initial_step: float = _optimizer(
        10.0,
        "RMS change per pixel, in 0-255 levels, of L-BFGS's first trial step (0: scipy's own, a step of length 1 for "
        "the whole image, which its line search needs about 7 evaluations to grow at 800x600)", metavar="LEVELS",
        roles=(RESULT,), number=Number(0))
    lbfgs_implementation: str = _optimizer(
        "scipy",
        "scipy: scipy's L-BFGS-B (float64; the one that does bounds, for --clip-pixels); float32: legacy_nst's "
        "float32 L-BFGS, the same algorithm (two-loop recursion, More-Thuente line search) with float32 vectors: half "
        "the history's memory and a fraction of scipy's bookkeeping per step; its iterates differ from scipy's by "
        "float32 round-off", choices=LBFGS_IMPLEMENTATIONS, roles=(RESULT,))
    lbfgs_restart: bool = _optimizer(
        False,
        "when L-BFGS stops before --iterations (scipy's L-BFGS-B does when an iteration leaves the loss unchanged), "
        "start it again from the current image with an empty history until the iterations are spent, as jcjohnson's "
        "optim.lbfgs runs them all (--preset jcjohnson); restarts are counted in the log", metavar="true|false",
        parse=parse_flag, nargs="?", const=True, roles=(RESULT,))
    clip_pixels: bool = _optimizer(
        False, "clip the image to 0-255 after every step, as the tutorials do (with lbfgs: L-BFGS-B bounds); a bare "
        "--clip-pixels means true", metavar="true|false", parse=parse_flag, nargs="?", const=True, roles=(RESULT,))
    multiscale: Tuple[float, ...] = _optimizer(
        (),
        "coarse-to-fine: optimise first at these fractions of the working size, e.g. 0.25,0.5 (or a number of halving "
        "levels: 3 is 0.25,0.5), each result upsampled to start the next level (default: full size only)",
        metavar="F,...|L", parse=parse_scales, roles=(RESULT,))
    multiscale_iterations: Optional[Tuple[int, ...]] = _optimizer(
        None,
        "steps at each --multiscale level below full size, taken out of --iterations: one count for every level, or "
        "one per level, coarsest first (e.g. 200,60,20); default: --iterations shared equally among the levels",
        metavar="N[,N...]", parse=parse_counts, roles=(RESULT,))
    average_iterates: Optional[float] = _optimizer(
        None,
        "write the exponential moving average of the iterates, bias-corrected, instead of the last one: average = "
        "DECAY * average + (1 - DECAY) * image after every step, restarted at each --multiscale level "
        "(crowsonkb/style-transfer-pytorch's); it takes out the last steps' pixel noise. The output, checkpoint "
        "images and --resume carry it; the log's losses are the iterates', 'average_losses' the average's (default: "
        "off; on at 0.9 in --schedule print; 0 turns it off)", metavar="DECAY", roles=(RESULT,), number=DECAY)

    # -- engine: what evaluates the network --
    backend: str = _engine(
        "graph",
        "graph: a tf.compat.v1 graph run in a session, as art.py; eager: the same algorithm step by step with "
        "tf.GradientTape and tf.keras.optimizers on a Keras VGG-19; function: the eager step wrapped in tf.function; "
        "function-xla: tf.function(jit_compile=True), opt-in as XLA's kernels round differently", choices=BACKENDS,
        roles=(RESULT,))
    precision: str = _engine(
        "float32",
        "bfloat16 runs the convolutions in bfloat16 (oneDNN; faster where the CPU has AVX512-BF16 or AMX) while the "
        "image, the Gram matrices and the losses stay float32; falls back to float32, with a note, on other CPUs",
        choices=PRECISIONS, roles=(RESULT,))
    float32_finish: int = _engine(
        0,
        "with --precision bfloat16: run the last N of --iterations at full size in float32, from the bfloat16 image, "
        "so the run ends at an exactly computed loss (0: none)", metavar="N", roles=(RESULT,), number=COUNT)
    weights: Optional[str] = _engine(
        None, f"MatConvNet VGG-19 .mat (default: ${WEIGHTS_ENV}, then {DEFAULT_WEIGHTS}, then the approximate "
        f"weights ${{{SHARED_ENV}:-../shared}}/{APPROXIMATE}, with a note; docs/weights.md)", metavar="PATH",
        roles=(RESULT, RESUME_MAY_CHANGE, PATH, SCORING))
    memory_limit: Optional[float] = _engine(
        None,
        "refuse sizes whose estimated peak memory exceeds GB (default: the memory available now; 0: do not check)",
        metavar="GB", roles=(SCORING,), number=GIGABYTES)
    tile: str = _engine(
        "auto",
        "evaluate the loss and its exact gradient tile by tile (engines.tiled), so any size fits in memory: SIZE is "
        "the largest core in pixels (a multiple of 16; each tile adds a halo of the deepest layer's receptive field), "
        "auto tiles only when the untiled run's memory estimate does not fit and then picks the largest tile that "
        "fits, off never tiles", metavar="SIZE|auto|off", parse=parse_tile)
    workers: int = _engine(
        0, "evaluate the tiled levels' tiles on N Ray workers (actors holding the network, each with its share of the "
        "CPUs) of a local Ray instance bound to 127.0.0.1, or of --ray-address's cluster; the image, gradient and "
        "optimizer stay in this process and the numbers are the in-process tiled run's. Levels that do not tile run "
        "here; a run none of whose levels tiles is refused, naming a --tile (0: no workers)", metavar="N",
        roles=(WORKERS,), number=Number(0, whole=True, text="a whole number >= 0 (0: no workers)"))
    ray_address: Optional[str] = _engine(
        None,
        "run the tiled levels' tiles on the Ray cluster at ADDR (the HOST:PORT 'ray start --head' prints, or auto) "
        "instead of a local instance: --workers workers, by default one per CPU of the cluster (at most one per tile)",
        metavar="auto|HOST:PORT", roles=(WORKERS,))

    # -- run: checkpoints, resuming, progress and figures --
    checkpoint_every: int = _run(
        0, "write the image and the resumable state every K iterations (art.py: 100; 0: never)", metavar="K",
        aliases=("--save-every",), roles=(CHECKPOINT,), number=COUNT)
    checkpoint_dir: Optional[str] = _run(
        None, "where checkpoints go (default: OUTPUT's name + '-checkpoints')", metavar="DIR",
        roles=(CHECKPOINT, PER_JOB, PATH))
    print_every: int = _run(
        100, "log a progress line every K iterations when not on a terminal (0: never)", metavar="K", number=COUNT)
    resume: Optional[str] = _run(
        None, "continue the run saved in DIR (a --checkpoint-dir; a Ctrl-C'd run saves there too); "
        "--content/--style/--output and the options default to the saved run's, --iterations may be raised",
        metavar="DIR", roles=(PER_JOB, PATH))
    overwrite: bool = _run(
        False, "start afresh in a checkpoint folder that holds a saved state, replacing it (without it, such a folder "
        "is refused: --resume continues the saved run)")
    plot: Optional[str] = _run(
        None,
        "write the loss curves (total, content, style; log scale) at the end, on interrupt and at each checkpoint "
        "(.png, .svg, .pdf)", metavar="PATH", roles=(PER_JOB, PATH))
    strip: Optional[str] = _run(
        None, "write a grid of the checkpoint images (needs --checkpoint-every) at the end and on interrupt",
        metavar="PATH", roles=(PER_JOB, PATH))

    def __post_init__(self):
        self._parse()
        checks.check_numbers(self, FIELDS.values())
        checks.check_numbers_in_lists(self)
        checks.check_images(self, INITS)
        checks.check_algorithm(self, PRESETS, SCHEDULES, LOSS_NORMALIZATIONS, FIELDS["content_layers"].default)
        checks.check_optimizer(self, OPTIMIZERS, LBFGS_IMPLEMENTATIONS)
        checks.check_engine(self, BACKENDS, PRECISIONS)
        checks.check_run(self)

    def _set(self, name, value):
        object.__setattr__(self, name, value)  # a frozen dataclass normalises its own values once

    def _parse(self):
        """Each field with a `parse` turns its text into its value (None stays None where it is the default)."""
        for name, f in FIELDS.items():
            if "parse" in f.metadata and not (getattr(self, name) is None and f.default is None):
                self._set(name, parsed(name, f.metadata["parse"], getattr(self, name)))
        try:
            step = float(self.lbfgs_initial_step)
        except (TypeError, ValueError):
            step = float("nan")
        if not 0 <= step < float("inf"):
            raise ConfigError(f"--lbfgs-initial-step must be a number >= 0 (pixel levels), got "
                              f"{self.lbfgs_initial_step}")
        self._set("lbfgs_initial_step", step)

    def replace(self, **changes) -> "Config":
        """A copy with `changes`; with preset=NAME, the preset's values first, then the other changes.

        --image-size and --width/--height are two ways to give the size: changing one way clears the other
        (a new width keeps the height).
        """
        checks.check_names(changes, FIELD_NAMES)
        changes = with_preset(changes)
        if "image_size" in changes:
            changes = {"width": None, "height": None, **changes}
        elif {"width", "height"} & set(changes):
            changes = {"image_size": None, **changes}
        return dataclasses.replace(self, **changes)

    def level_steps(self) -> Tuple[Tuple[int, ...], int]:
        """(steps at each --multiscale level below full size, coarsest first; steps at full size): how
        --iterations is shared among the levels (run.plan's levels; a --float32-finish is taken out of the
        full-size steps)."""
        levels = len(self.multiscale)
        counts = self.multiscale_iterations or (self.iterations // (levels + 1),)
        coarse = tuple(counts) * levels if len(counts) == 1 else tuple(counts[:levels])
        return coarse, self.iterations - sum(coarse)

    def working_size(self, image_hw) -> Tuple[int, int]:
        """The (height, width) to style at, from the content's (height, width) (or an image's shape).

        No size option: art.py's fixed 800x600, whatever the image. --width or --height alone: the other side
        follows the image's aspect ratio (rounded half up). Both: exactly those. --image-size (jcjohnson's
        -image_size, and presets') stands for whichever of them is the image's longer side.
        """
        image_h, image_w = (int(n) for n in image_hw[:2])
        width, height = self.width, self.height
        if self.image_size is not None:
            width, height = (self.image_size, None) if image_w >= image_h else (None, self.image_size)
        if width is None and height is None:
            return checked_size((DEFAULT_HEIGHT, DEFAULT_WIDTH), "default working size")
        if width is not None and height is not None:
            return checked_size((height, width), "requested working size")
        if width is not None:
            return checked_size((max(1, round_ratio(width * image_h, image_w)), width),
                                f"width {width} with the {image_w}x{image_h} image's aspect ratio")
        return checked_size((height, max(1, round_ratio(height * image_w, image_h))),
                            f"height {height} with the {image_w}x{image_h} image's aspect ratio")

    def weights_path(self) -> Path:
        """The weights file this run uses, by config.weights' one rule (--weights, $LEGACY_NST_WEIGHTS, the
        default file, the approximate weights with a note once per process); ConfigError when none is found."""
        return require_weights(self).path

    def to_json(self) -> dict:
        out = dataclasses.asdict(self)
        out["content_layers"] = format_layer_weights(self.content_layers)
        out["style_layers"] = format_layer_weights(self.style_layers)
        return out

    @classmethod
    def from_options(cls, **options) -> "Config":
        """Build from keyword options, a misspelt one answered with 'did you mean' instead of a TypeError.

        With preset=NAME the preset's values are the defaults the other options override.
        """
        checks.check_names(options, FIELD_NAMES)
        return cls(**with_preset(options))


def _checked_init(init):
    """Config(...) itself: an unknown keyword is a ConfigError with 'did you mean', as from_options gives."""
    @functools.wraps(init)
    def __init__(self, *args, **options):
        checks.check_names(options, FIELD_NAMES)
        init(self, *args, **options)
    return __init__


Config.__init__ = _checked_init(Config.__init__)


def with_preset(options: dict) -> dict:
    """`options` over the values of the schedule (options['schedule']) and the preset (options['preset']) they
    name, if any: explicit options first, then the schedule's, then the preset's.

    The size options (role SIZE: width, height, image size) count as one setting: giving any replaces the
    preset's size, so --width alone keeps the content's aspect ratio as usual. A recipe's --float32-finish
    belongs to its bfloat16 precision: `--preset fast --precision float32` runs the same recipe in float32
    throughout.
    """
    name, schedule = options.get("preset"), options.get("schedule")
    if name is None and schedule is None:
        return dict(options)
    if name is not None and name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    if schedule is not None and schedule not in SCHEDULES:
        raise ConfigError(f"unknown schedule {schedule!r}; choose from {', '.join(SCHEDULES)}")
    preset = {**PRESETS.get(name, {}), **SCHEDULES.get(schedule, {})}
    if set(fields_with(SIZE)) & set(options):
        for size in fields_with(SIZE):
            preset.pop(size, None)
    if options.get("precision", preset.get("precision")) != "bfloat16" and "float32_finish" not in options:
        preset.pop("float32_finish", None)
    return {**preset, **options}


def parsed(name, parse, value):
    """parse(value), its ConfigError naming the option (--style-layers: empty layer list...) if it does not."""
    try:
        return parse(value)
    except ConfigError as error:
        flag = checks.flag(name)
        raise ConfigError(str(error) if str(error).startswith(flag) else f"{flag}: {error}") from None


FIELDS = {f.name: f for f in dataclasses.fields(Config)}
FIELD_NAMES = tuple(FIELDS)  # the one list of option names: the CLI, --resume and sweeps take theirs from here
GROUPS = groups(FIELDS.values())  # {--help group: field names}, from each field's group


def fields_with(role) -> Tuple[str, ...]:
    """The names of the fields tagged `role` (config.roles), in Config's order."""
    return names_with(FIELDS.values(), role)


def fields_without(role) -> Tuple[str, ...]:
    return names_without(FIELDS.values(), role)
