"""The --help group "optimizer": how the objective is minimised.

Config (config.options) is made of these groups' fields, in GROUP_NAMES' order.
"""
import functools
from dataclasses import dataclass
from typing import Optional, Tuple


from ..checks import COUNT, Number
from ..parse import parse_counts, parse_flag, parse_scales
from ..roles import RESULT, RESUME_MAY_CHANGE, option

OPTIMIZERS = ("adam", "sgd", "momentum", "rmsprop", "adagrad", "lbfgs")
LBFGS_IMPLEMENTATIONS = ("scipy", "float32")
DECAY = Number(0, 1, below=True, text="a decay within (0, 1), e.g. 0.9 or 0.99, or 0 for off")
_optimizer = functools.partial(option, group="optimizer")


@dataclass(frozen=True)
class OptimizerOptions:
    """How the objective is minimised."""

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
    tol_loss_relative: float = _optimizer(
        0.0,
        "stop a level's optimisation when the total loss has changed by less than this fraction of itself over the "
        "last --tol-loss-relative-interval steps, checked every interval (Ruder's artistic_video.lua "
        "-tol_loss_relative, 1e-4 there, for L-BFGS; here for every optimizer; 0: off, every step is run)",
        metavar="FRACTION", roles=(RESULT,), number=Number(0))
    tol_loss_relative_interval: int = _optimizer(
        50, "the steps between two comparisons of --tol-loss-relative (Ruder's -tol_loss_relative_interval)",
        metavar="N", roles=(RESULT,), number=Number(1, whole=True))
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
