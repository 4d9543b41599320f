"""The bounds of a working size and its arithmetic (Config.working_size gives the size itself)."""
from typing import Tuple

from ..errors import ConfigError
from ..vgg19 import MIN_SIZE

MAX_SIZE = 20000  # pixels on either side: well beyond any print, and refused before an image of it is made
DEFAULT_HEIGHT, DEFAULT_WIDTH = 600, 800  # art.py's working size when no size option is given


def round_ratio(numerator, denominator) -> int:
    """numerator / denominator rounded half up, in exact integer arithmetic."""
    return (2 * int(numerator) + int(denominator)) // (2 * int(denominator))


def checked_size(size_hw, context) -> Tuple[int, int]:
    """(height, width) as ints, or a ConfigError when a side is under MIN_SIZE or over MAX_SIZE."""
    h, w = (int(n) for n in size_hw)
    if min(h, w) < MIN_SIZE:
        raise ConfigError(f"{context}: size {w}x{h} is too small; width and height must be at least {MIN_SIZE} "
                          "pixels")
    if max(h, w) > MAX_SIZE:
        raise ConfigError(f"{context}: size {w}x{h} is too large; width and height must be at most {MAX_SIZE} "
                          "pixels")
    return h, w
