"""Every option, its default and its help text, in one place, grouped by concern.

The defaults are art.py's (logO's TensorFlow port of Gatys et al.). The command
line builds its flags from these fields (in this order, in these groups), the
Python API takes them as keyword arguments, and bench and sweeps reuse them, so
a default is changed here or nowhere. Which options an engine cannot honour is
each engine's own business (legacy_nst.engines); this module knows only values.
"""
import dataclasses
import difflib
import numbers
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Tuple

from ..errors import ConfigError
from .parse import (LayerWeights, format_layer_weights, parse_counts, parse_flag, parse_layer_weights, parse_numbers,
                    parse_scales, parse_tile)
from .presets import PRESETS, SCHEDULES, with_preset

OPTIMIZERS = ("adam", "sgd", "momentum", "rmsprop", "adagrad", "lbfgs")
INITS = ("noise", "content", "style", "random", "randn")
BACKENDS = ("graph", "eager", "function", "function-xla")
LOSS_NORMALIZATIONS = ("artpy", "tutorial", "paper", "jcjohnson", "anishathalye")  # losses.terms.NORMALIZATIONS
PRECISIONS = ("float32", "bfloat16")
LBFGS_IMPLEMENTATIONS = ("scipy", "float32")
DEFAULT_WEIGHTS = Path("weights") / "imagenet-vgg-verydeep-19.mat"
WEIGHTS_ENV = "LEGACY_NST_WEIGHTS"
PROGRAM = "legacy-nst"  # the command's name, in messages that say what to type
# The groups of fields, in order: the CLI's --help sections.
GROUPS = {
    'images': ('width', 'height', 'image_size', 'init', 'noise_ratio', 'init_std', 'seed', 'style_blend_weights', 'style_scale', 'preserve_colors', 'bit_depth', 'keep_alpha'),
    'algorithm': ('preset', 'schedule', 'alpha', 'beta', 'content_layers', 'style_layers', 'content_weight_blend', 'style_layer_weight_exp', 'loss_normalization', 'tv_weight', 'normalize_gradients', 'pooling', 'kernel_layout'),
    'optimizer': ('optimizer', 'iterations', 'learning_rate', 'adam_beta1', 'adam_epsilon', 'lbfgs_num_correction', 'lbfgs_initial_step', 'lbfgs_implementation', 'lbfgs_restart', 'clip_pixels', 'multiscale', 'multiscale_iterations', 'average_iterates'),
    'engine': ('backend', 'precision', 'float32_finish', 'weights', 'memory_limit', 'tile', 'workers', 'ray_address'),
    'run': ('checkpoint_every', 'checkpoint_dir', 'print_every', 'resume', 'plot', 'strip'),
}


def _option(default, help, flag=None, choices=None, metavar=None, **extra):
    return field(default=default, metadata=dict(help=help, flag=flag, choices=choices, metavar=metavar, **extra))


@dataclass(frozen=True)
class Config:
    """Everything a run needs besides the images themselves."""

    # -- images: what goes in, how it is sized and how the output is written --
    width: Optional[int] = _option(
        None, "working width in pixels; with only --height given, keeps the content's aspect ratio "
        "(default: 800 x 600, as art.py)", metavar="W")
    height: Optional[int] = _option(None, "working height in pixels (see --width)", metavar="H")
    image_size: Optional[int] = _option(
        None, "working size by the longest side in pixels, the other side following the content's aspect ratio "
        "(jcjohnson's -image_size); with it, --style-scale S sizes each style's longest side to S * this "
        "(default: --width/--height)", metavar="PIXELS")
    init: str = _option("noise", "initial image: noise (art.py: uniform(-20,20) mixed with the content by "
                        "--noise-ratio), content, style, random (the uniform noise alone), randn (normal noise of "
                        "--init-std around the mean pixel, as jcjohnson and anishathalye) or an image PATH",
                        metavar="noise|content|style|random|randn|PATH")
    noise_ratio: float = _option(0.6, "share of noise in the noise init (art.py NOISE_RATIO)", metavar="R")
    init_std: float = _option(0.001, "standard deviation, in network units around the mean pixel, of --init "
                              "randn's normal noise (jcjohnson: 0.001; anishathalye: 0.256), drawn with numpy's "
                              "RandomState(--seed)", metavar="SIGMA")
    seed: Optional[int] = _option(None, "seed of numpy's RandomState for the noise (same draws as art.py "
                                  "after np.random.seed(S))", metavar="S")
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
    bit_depth: int = _option(8, "bits per channel of OUTPUT: 16 writes a 16-bit PNG or TIFF (by OUTPUT's extension) "
                             "from the unrounded result, keeping the gradation between 8-bit levels; JPEG, WebP "
                             "and BMP hold only 8. Outputs embed an sRGB ICC profile (BMP excepted) and inputs with "
                             "a profile are converted to sRGB; see docs/print-files.md", choices=(8, 16),
                             metavar="8|16")
    keep_alpha: bool = _option(False, "carry the content's alpha channel (transparency), resized to the output "
                               "size, to OUTPUT (PNG, TIFF or WebP); the network always sees the content "
                               "composited onto white")

    # -- algorithm: the objective (defaults: art.py's) --
    preset: Optional[str] = _option(None, "start from a named recipe; options given explicitly override it: "
                                    "artpy (art.py's values, 800x600, checkpoints every 100), fast (art.py's objective "
                                    "reached in a fraction of its time: bfloat16 L-BFGS, coarse start, float32 "
                                    "finish; see docs/performance.md), tutorial (the "
                                    "TensorFlow eager tutorials' recipe), gatys (the paper's: L-BFGS from white "
                                    "noise, equal style layers, content:style 1e-3 on its losses), jcjohnson (neural_style.lua's "
                                    "defaults and losses, 512 px), anishathalye (neural_style.py's); see the README", choices=tuple(PRESETS), metavar="|".join(PRESETS))
    schedule: Optional[str] = _option(
        None, "how the objective is minimised, for any --preset's objective (whose own optimizer settings it "
        "replaces; explicit options override it): fast (bfloat16 float32-L-BFGS, 80 steps at half size, 190 in "
        "all, a 30-step float32 finish: --preset fast's schedule), e.g. --preset jcjohnson --schedule fast",
        choices=tuple(SCHEDULES), metavar="|".join(SCHEDULES))
    alpha: float = _option(100.0, "style weight (art.py ALPHA)", metavar="A")
    beta: float = _option(5.0, "content weight (art.py BETA)", metavar="B")
    content_layers: LayerWeights = _option((("conv4_2", 1.0),), "content layers with weights",
                                           metavar="LAYER[:W],...", parse=parse_layer_weights)
    style_layers: LayerWeights = _option(
        (("conv1_1", 0.5), ("conv2_1", 1.0), ("conv3_1", 1.5), ("conv4_1", 3.0), ("conv5_1", 4.0)),
        "style layers with weights (art.py's)", metavar="LAYER:W,...", parse=parse_layer_weights)
    content_weight_blend: Optional[float] = _option(
        None, "content layers conv4_2 * B + conv5_2 * (1 - B), as anishathalye (default: --content-layers)",
        metavar="B")
    style_layer_weight_exp: Optional[float] = _option(
        None, "weigh each deeper style layer E times the previous one, keeping the layers' total weight "
        "(default: the weights in --style-layers)", metavar="E")
    loss_normalization: str = _option("artpy", "artpy: content 1/(4NM)*sum (x-p)^2, style 1/(4N^2M^2)*sum (G-A)^2; "
                                      "tutorial: the means of the squared differences, Gram matrices divided by "
                                      "the number of locations M (4x artpy's per layer); paper: content "
                                      "1/2*sum (x-p)^2 (Gatys et al. eq. 1, 2NM times artpy's: the scale of the "
                                      "paper's content:style ratios), style as artpy; jcjohnson (neural_style.lua) "
                                      "and anishathalye (neural_style.py): content mean (x-p)^2, style mean "
                                      "(G/NM-A/NM)^2, TV 1/2*sum over the interior (jcjohnson) or the mean "
                                      "squared differences (anishathalye, and the others')",
                                      choices=LOSS_NORMALIZATIONS)
    tv_weight: float = _option(0.0, "total variation weight: adds W * (mean squared difference of vertically "
                               "and of horizontally adjacent pixels; --loss-normalization jcjohnson: 1/2 * their "
                               "sum over the (H-1)x(W-1) interior), smoothing the result (0: off)", metavar="W")
    normalize_gradients: bool = _option(False, "divide each loss term's gradient at its layer by its L1 norm "
                                        "before weighting and summing, as jcjohnson")
    pooling: str = _option("avg", "pooling between blocks: avg as art.py and Gatys, or max as VGG",
                           choices=("avg", "max"))
    kernel_layout: str = _option("tf", "tf: transpose MatConvNet's [width,height,in,out] kernels to "
                                 "TensorFlow's [height,width,in,out]; artpy: use them untransposed, exactly "
                                 "as art.py did", choices=("tf", "artpy"))

    # -- optimizer: how the objective is minimised --
    optimizer: str = _option("adam", "adam as art.py; sgd, momentum, rmsprop, adagrad (tf.compat.v1.train); "
                             "lbfgs (scipy L-BFGS-B, as Gatys)", choices=OPTIMIZERS)
    iterations: int = _option(5000, "optimizer steps (art.py: 5000)", metavar="N")
    learning_rate: float = _option(2.0, "step size of the tf.compat.v1 optimizers (art.py: Adam 2.0)", metavar="LR")
    adam_beta1: float = _option(0.9, "Adam's beta1 (tf.compat.v1 and Keras default 0.9; the tutorials: 0.99)",
                                metavar="B1")
    adam_epsilon: float = _option(1e-8, "Adam's epsilon, added to sqrt(v) ('epsilon hat', as tf.compat.v1 and "
                                  "Keras do; tf.compat.v1 default 1e-8, the tutorials: 0.1)", metavar="EPS")
    lbfgs_num_correction: int = _option(100, "L-BFGS history size (scipy maxcor)", metavar="M")
    lbfgs_initial_step: float = _option(
        10.0, "RMS change per pixel, in 0-255 levels, of L-BFGS's first trial step (0: scipy's own, a step of "
        "length 1 for the whole image, which its line search needs about 7 evaluations to grow at 800x600)",
        metavar="LEVELS")
    lbfgs_implementation: str = _option(
        "scipy", "scipy: scipy's L-BFGS-B (float64; the one that does bounds, for --clip-pixels); float32: "
        "legacy_nst's float32 L-BFGS, the same algorithm (two-loop recursion, More-Thuente line search) with "
        "float32 vectors: half the history's memory and a fraction of scipy's bookkeeping per step; its "
        "iterates differ from scipy's by float32 round-off", choices=LBFGS_IMPLEMENTATIONS)
    lbfgs_restart: bool = _option(
        False, "when L-BFGS stops before --iterations (scipy's L-BFGS-B does when an iteration leaves the loss "
        "unchanged), start it again from the current image with an empty history until the iterations are spent, "
        "as jcjohnson's optim.lbfgs runs them all (--preset jcjohnson); restarts are counted in the log",
        metavar="true|false", parse=parse_flag, nargs="?", const=True)
    clip_pixels: bool = _option(False, "clip the image to 0-255 after every step, as the tutorials do "
                                "(with lbfgs: L-BFGS-B bounds); a bare --clip-pixels means true", metavar="true|false",
                                parse=parse_flag, nargs="?", const=True)
    multiscale: Tuple[float, ...] = _option(
        (), "coarse-to-fine: optimise first at these fractions of the working size, e.g. 0.25,0.5 (or a "
        "number of halving levels: 3 is 0.25,0.5), each result upsampled to start the next level "
        "(default: full size only)", metavar="F,...|L",
        parse=parse_scales)
    multiscale_iterations: Optional[Tuple[int, ...]] = _option(
        None, "steps at each --multiscale level below full size, taken out of --iterations: one count for "
        "every level, or one per level, coarsest first (e.g. 200,60,20); default: --iterations shared equally "
        "among the levels", metavar="N[,N...]", parse=parse_counts)
    average_iterates: Optional[float] = _option(
        None, "write the exponential moving average of the iterates, bias-corrected, instead of the last one: "
        "average = DECAY * average + (1 - DECAY) * image after every step, restarted at each --multiscale level "
        "(crowsonkb/style-transfer-pytorch's); it takes out the last steps' pixel noise. The output, checkpoint "
        "images and --resume carry it; the log's losses are the iterates', 'average_losses' the average's "
        "(default: off; on at 0.9 in --schedule print; 0 turns it off)", metavar="DECAY")

    # -- engine: what evaluates the network --
    backend: str = _option("graph", "graph: a tf.compat.v1 graph run in a session, as art.py; eager: the same "
                           "algorithm step by step with tf.GradientTape and tf.keras.optimizers on a Keras VGG-19; "
                           "function: the eager step wrapped in tf.function; function-xla: tf.function(jit_compile="
                           "True), opt-in as XLA's kernels round differently", choices=BACKENDS)
    precision: str = _option("float32", "bfloat16 runs the convolutions in bfloat16 (oneDNN; faster where "
                             "the CPU has AVX512-BF16 or AMX) while the image, the Gram matrices and the "
                             "losses stay float32; falls back to float32, with a note, on other CPUs",
                             choices=PRECISIONS)
    float32_finish: int = _option(
        0, "with --precision bfloat16: run the last N of --iterations at full size in float32, from the bfloat16 "
        "image, so the run ends at an exactly computed loss (0: none)", metavar="N")
    weights: Optional[str] = _option(None, f"MatConvNet VGG-19 .mat (default: ${WEIGHTS_ENV}, then {DEFAULT_WEIGHTS})",
                                     metavar="PATH")
    memory_limit: Optional[float] = _option(None, "refuse sizes whose estimated peak memory exceeds GB (default: "
                                            "the memory available now; 0: do not check)", metavar="GB")
    tile: str = _option(
        "auto", "evaluate the loss and its exact gradient tile by tile (engines.tiled), so any size fits in "
        "memory: SIZE is the largest core in pixels (a multiple of 16; each tile adds a halo of the deepest "
        "layer's receptive field), auto tiles only when the untiled run's memory estimate does not fit and then "
        "picks the largest tile that fits, off never tiles", metavar="SIZE|auto|off", parse=parse_tile)
    workers: int = _option(
        0, "evaluate the tiled levels' tiles on N Ray workers (actors holding the network, each with its share "
        "of the CPUs) of a local Ray instance bound to 127.0.0.1, or of --ray-address's cluster; the image, "
        "gradient and optimizer stay in this process and the numbers are the in-process tiled run's. Levels that "
        "do not tile run here; a run none of whose levels tiles is refused, naming a --tile (0: no workers)",
        metavar="N")
    ray_address: Optional[str] = _option(
        None, "run the tiled levels' tiles on the Ray cluster at ADDR (the HOST:PORT 'ray start --head' prints, "
        "or auto) instead of a local instance: --workers workers, by default one per CPU of the cluster (at "
        "most one per tile)", metavar="auto|HOST:PORT")

    # -- run: checkpoints, resuming, progress and figures --
    checkpoint_every: int = _option(0, "write the image and the resumable state every K iterations (art.py: 100; "
                                    "0: never)", metavar="K", aliases=("--save-every",))
    checkpoint_dir: Optional[str] = _option(None, "where checkpoints go (default: OUTPUT's name + '-checkpoints')",
                                            metavar="DIR")
    print_every: int = _option(100, "log a progress line every K iterations when not on a terminal (0: never)",
                               metavar="K")
    resume: Optional[str] = _option(None, "continue the run saved in DIR (a --checkpoint-dir; a Ctrl-C'd run "
                                    "saves there too); --content/--style/--output and the options default to "
                                    "the saved run's, --iterations may be raised", metavar="DIR")
    plot: Optional[str] = _option(None, "write the loss curves (total, content, style; log scale) at the end, on "
                                  "interrupt and at each checkpoint (.png, .svg, .pdf)", metavar="PATH")
    strip: Optional[str] = _option(None, "write a grid of the checkpoint images (needs --checkpoint-every) at the "
                                   "end and on interrupt", metavar="PATH")

    def __post_init__(self):
        self._parse()
        self._check_images()
        self._check_algorithm()
        self._check_optimizer()
        self._check_engine()
        self._check_run()

    def _set(self, name, value):
        object.__setattr__(self, name, value)  # a frozen dataclass normalises its own values once

    def _parse(self):
        for name, parse in (("content_layers", parse_layer_weights), ("style_layers", parse_layer_weights),
                            ("multiscale", parse_scales), ("tile", parse_tile), ("clip_pixels", parse_flag),
                            ("lbfgs_restart", parse_flag), ("style_blend_weights", parse_numbers),
                            ("style_scale", parse_numbers), ("multiscale_iterations", parse_counts)):
            if getattr(self, name) is not None or name not in ("style_blend_weights", "style_scale",
                                                                "multiscale_iterations"):
                self._set(name, parsed(name, parse, getattr(self, name)))
        try:
            step = float(self.lbfgs_initial_step)
        except (TypeError, ValueError):
            step = float("nan")
        if not 0 <= step < float("inf"):
            raise ConfigError(f"--lbfgs-initial-step must be a number >= 0 (pixel levels), got {self.lbfgs_initial_step}")
        self._set("lbfgs_initial_step", step)

    def _check_images(self):
        if not 0.0 <= self.noise_ratio <= 1.0:
            raise ConfigError(f"--noise-ratio must be within [0, 1], got {self.noise_ratio}")
        if self.style_blend_weights is not None and (min(self.style_blend_weights) < 0
                                                     or not sum(self.style_blend_weights) > 0):
            raise ConfigError(f"--style-blend-weights must be >= 0 with a positive sum, got {self.style_blend_weights}")
        if self.style_scale is not None and not min(self.style_scale) > 0:
            raise ConfigError(f"--style-scale must be > 0, got {self.style_scale}")
        if self.image_size is not None:
            if isinstance(self.image_size, bool) or int(self.image_size) != self.image_size or self.image_size < 1:
                raise ConfigError(f"--image-size must be a whole number of pixels >= 1, got {self.image_size}")
            if self.width is not None or self.height is not None:
                raise ConfigError("--image-size sets both sides from the longest one; give it or --width/--height, "
                                  "not both")
        if not self.init_std >= 0:
            raise ConfigError(f"--init-std must be >= 0, got {self.init_std}")
        _check_init(self.init)
        seed = self.seed
        if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)
                                 or not 0 <= seed < 2 ** 32):  # what numpy's RandomState takes
            raise ConfigError(f"--seed must be a whole number from 0 to {2 ** 32 - 1}, got {seed!r}")
        _choose("bit depth", self.bit_depth, (8, 16))

    def _check_algorithm(self):
        _choose("preset", self.preset, tuple(PRESETS), optional=True)
        _choose("schedule", self.schedule, tuple(SCHEDULES), optional=True)
        _choose("loss normalization", self.loss_normalization, LOSS_NORMALIZATIONS)
        _choose("pooling", self.pooling, ("avg", "max"))
        _choose("kernel layout", self.kernel_layout, ("tf", "artpy"))
        if self.alpha < 0 or self.beta < 0:
            raise ConfigError("--alpha and --beta must be >= 0")
        if self.tv_weight < 0:
            raise ConfigError(f"--tv-weight must be >= 0, got {self.tv_weight}")
        if self.content_weight_blend is not None:
            if not 0.0 <= self.content_weight_blend <= 1.0:
                raise ConfigError(f"--content-weight-blend must be within [0, 1], got {self.content_weight_blend}")
            if self.content_layers != Config.__dataclass_fields__["content_layers"].default:
                raise ConfigError("--content-weight-blend chooses the content layers (conv4_2, conv5_2); "
                                  "give it or --content-layers, not both")
        exponent = self.style_layer_weight_exp
        if exponent is not None and not 0 < exponent < float("inf"):
            raise ConfigError(f"--style-layer-weight-exp must be > 0 and finite, got {exponent}")
        if exponent is not None and not _finite_power(exponent, len(self.style_layers) - 1):
            raise ConfigError(f"--style-layer-weight-exp {exponent:g} makes the deepest style layer's weight "
                              f"overflow ({exponent:g}^{len(self.style_layers) - 1}); give a smaller exponent, "
                              "e.g. 2")

    def _check_optimizer(self):
        _choose("optimizer", self.optimizer, OPTIMIZERS)
        for name in ("iterations", "lbfgs_num_correction"):
            if int(getattr(self, name)) < 0:
                raise ConfigError(f"--{name.replace('_', '-')} must be >= 0, got {getattr(self, name)}")
        if self.lbfgs_num_correction < 1:
            raise ConfigError("--lbfgs-num-correction must be >= 1")
        _choose("L-BFGS implementation", self.lbfgs_implementation, LBFGS_IMPLEMENTATIONS)
        if self.lbfgs_implementation == "float32" and self.optimizer == "lbfgs" and self.clip_pixels:
            raise ConfigError("--clip-pixels with --lbfgs-implementation float32: only scipy's L-BFGS-B keeps "
                              "bounds; drop one of them")
        if not self.learning_rate > 0:
            raise ConfigError(f"--learning-rate must be > 0, got {self.learning_rate}")
        if not 0.0 <= self.adam_beta1 < 1.0:
            raise ConfigError(f"--adam-beta1 must be within [0, 1), got {self.adam_beta1}")
        if not self.adam_epsilon >= 0:
            raise ConfigError(f"--adam-epsilon must be >= 0, got {self.adam_epsilon}")
        if self.average_iterates is not None and not 0.0 <= self.average_iterates < 1.0:
            raise ConfigError(f"--average-iterates must be a decay within (0, 1), e.g. 0.9 or 0.99, or 0 for off; got "
                              f"{self.average_iterates}")
        steps = self.multiscale_iterations
        if steps is not None and self.multiscale:
            if len(steps) not in (1, len(self.multiscale)):
                raise ConfigError(f"--multiscale-iterations gives {len(steps)} counts for {len(self.multiscale)} "
                                  "coarse level(s); give one count for all of them or one per level")
            if sum(self.level_steps()[0]) > self.iterations:
                raise ConfigError(f"--multiscale-iterations {','.join(map(str, steps))} at {len(self.multiscale)} "
                                  f"coarse level(s) exceeds --iterations {self.iterations}, which counts the steps "
                                  "of every level; raise --iterations or lower --multiscale-iterations")

    def _check_engine(self):
        _choose("backend", self.backend, BACKENDS)
        _choose("precision", self.precision, PRECISIONS)
        finish = self.float32_finish
        if not (isinstance(finish, int) and finish >= 0):
            raise ConfigError(f"--float32-finish must be a whole number >= 0, got {finish}")
        if finish and self.precision != "bfloat16":
            raise ConfigError(f"--float32-finish {finish} finishes a --precision bfloat16 run; add --precision "
                              "bfloat16 or drop --float32-finish")
        full = self.level_steps()[1]
        if finish > full:
            raise ConfigError(f"--float32-finish {finish} exceeds the {full} full-size steps of "
                              "--iterations; lower it or raise --iterations")
        if isinstance(self.workers, bool) or int(self.workers) != self.workers or self.workers < 0:
            raise ConfigError(f"--workers must be a whole number >= 0 (0: no workers), got {self.workers}")
        if self.ray_address is not None and not str(self.ray_address).strip():
            raise ConfigError("--ray-address is empty; give the HOST:PORT 'ray start --head' prints, or auto")
        if self.memory_limit is not None and not self.memory_limit >= 0:
            raise ConfigError(f"--memory-limit must be >= 0 GB (0: no check), got {self.memory_limit}")

    def _check_run(self):
        for name in ("checkpoint_every", "print_every"):
            if int(getattr(self, name)) < 0:
                raise ConfigError(f"--{name.replace('_', '-')} must be >= 0, got {getattr(self, name)}")
        if self.strip and not self.checkpoint_every:
            raise ConfigError("--strip shows the checkpoint images; add --checkpoint-every K (e.g. a tenth of "
                              "--iterations)")

    def replace(self, **changes) -> "Config":
        """A copy with `changes`; with preset=NAME, the preset's values first, then the other changes.

        --image-size and --width/--height are two ways to give the size: changing one way clears the other
        (a new width keeps the height, as before --image-size existed).
        """
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
        unknown = sorted(set(options) - set(FIELD_NAMES))
        if unknown:
            raise ConfigError(f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(FIELD_NAMES))}")
        return cls(**with_preset(options))


def _check_init(init):
    """--init is one of INITS or an existing image file: a misspelt name is refused before anything runs."""
    if init in INITS or (isinstance(init, (str, os.PathLike)) and os.path.isfile(init)):
        return
    names = ", ".join(INITS)
    close = difflib.get_close_matches(str(init), INITS, n=1, cutoff=0.6)
    if close:
        raise ConfigError(f"unknown --init {init!r}; did you mean {close[0]}? (choose from {names}, or an image path)")
    raise ConfigError(f"--init {init}: no such file, and not one of {names}; give an existing image path or one of "
                      "the names")


def _finite_power(base, exponent):
    try:
        return float(base) ** exponent < float("inf")
    except OverflowError:
        return False


def parsed(name, parse, value):
    """parse(value), its ConfigError naming the option (--style-layers: empty layer list...) if it does not."""
    try:
        return parse(value)
    except ConfigError as error:
        flag = "--" + name.replace("_", "-")
        raise ConfigError(str(error) if str(error).startswith(flag) else f"{flag}: {error}") from None


def _choose(what, value, choices, optional=False):
    if (value is None and optional) or value in choices:
        return
    names = [str(choice) for choice in choices]
    listed = " or ".join(names) if len(names) == 2 else "from " + ", ".join(names)
    raise ConfigError(f"unknown {what} {value!r}; choose {listed}")


FIELDS = {f.name: f for f in dataclasses.fields(Config)}
FIELD_NAMES = tuple(FIELDS)  # the one list of option names: the CLI, --resume and sweeps take theirs from here
