"""The --help group "images": what goes in, how it is sized and how the output is written.

Config (config.options) is made of these groups' fields, in GROUP_NAMES' order.
"""
import functools
from dataclasses import dataclass
from typing import Optional, Tuple


from ..checks import FRACTION, PIXELS, Number
from ..parse import parse_numbers
from ..roles import PATH, RESULT, SCORING, SIZE, option

INITS = ("noise", "content", "style", "random", "randn")
_images = functools.partial(option, group="images")


@dataclass(frozen=True)
class ImageOptions:
    """What goes in, how it is sized and how the output is written."""

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
    init_noiseblend: float = _images(
        0.0,
        "start from (1 - B) * the --init image + B * normal noise of --init-std, in network units around the mean "
        "pixel (anishathalye's --initial-noiseblend); 0: the --init image alone", metavar="B", roles=(RESULT,),
        number=FRACTION)
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
