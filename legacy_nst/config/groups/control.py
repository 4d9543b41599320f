"""The --help group "control": where each style goes and which colours stay (Gatys et al. 2017, "Controlling
Perceptual Factors in Neural Style Transfer", sections 4 and 5).

Config (config.options) is made of these groups' fields, in GROUP_NAMES' order. run.control reads the masks and
prepares the images these options ask for; losses.guided and io.color_control hold the maths.
"""
import functools
from dataclasses import dataclass
from typing import Optional, Tuple


from ..parse import parse_paths
from ..roles import PATH, RESULT, SCORING, option

GUIDANCE_MODES = ("simple", "inside")  # losses.guidance.MODES
COLOR_CONTROLS = ("luminance", "histogram")
_control = functools.partial(option, group="control")


@dataclass(frozen=True)
class ControlOptions:
    """Where each style goes and which colours stay."""

    style_mask: Optional[Tuple[str, ...]] = _control(
        None, "a greyscale image on the content's frame, white where its style applies; give one per --style, in "
        "the same order (or PATH,PATH). Each style is matched by guided Gram matrices over its own region only "
        "(Gatys et al. 2017, section 4); where no mask is white the content term alone applies, with a note. Masks "
        "are resized to each level's working size (and cut with the tiles); any size of the content's aspect ratio "
        "does (default: every style everywhere, blended)", metavar="PATH", parse=parse_paths, action="append",
        roles=(RESULT, PATH, SCORING))
    style_region_mask: Optional[Tuple[str, ...]] = _control(
        None, "a greyscale image on a style image's frame, white on the part of that painting its style is taken "
        "from (the paper's sky/ground example); one per --style, in the same order (default: the whole painting)",
        metavar="PATH", parse=parse_paths, action="append", roles=(RESULT, PATH, SCORING))
    guidance: str = _control(
        "simple", "how the masks reach each style layer: simple (downsampled with the network's own pooling) or "
        "inside (eroded: a position counts only when its whole receptive field is inside the region)",
        choices=GUIDANCE_MODES, roles=(RESULT, SCORING))
    color_control: Optional[str] = _control(
        None, "keep the content's colours (Gatys et al. 2017, section 5): luminance transfers on luminance alone "
        "(the style's matched to the content's mean and variance) and puts the content's chroma back at the end "
        "(YIQ); histogram first maps the style's colours to the content's mean and covariance, then transfers as "
        "usual. Needs a colour content image. --preserve-colors is jcjohnson's after-the-fact swap (default: off)",
        choices=COLOR_CONTROLS, metavar="|".join(COLOR_CONTROLS), roles=(RESULT, SCORING))
