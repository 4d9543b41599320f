"""The --help group "algorithm": the objective (defaults: art.py's).

Config (config.options) is made of these groups' fields, in GROUP_NAMES' order.
"""
import functools
from dataclasses import dataclass
from typing import Optional


from ..checks import FRACTION, WEIGHT, Number
from ..parse import LayerWeights, parse_layer_weights
from ..presets import PRESETS, SCHEDULES
from ..roles import RESULT, SCORING, option

LOSS_NORMALIZATIONS = ("artpy", "tutorial", "paper", "jcjohnson", "anishathalye")  # losses.terms.NORMALIZATIONS
_algorithm = functools.partial(option, group="algorithm")


@dataclass(frozen=True)
class AlgorithmOptions:
    """The objective (defaults: art.py's)."""

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
