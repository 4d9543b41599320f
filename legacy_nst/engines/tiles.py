"""Where the tiles of an exact tiled evaluation fall: cores on VGG's 16-pixel grid, windows with a halo.

Each tile is a core (the positions it answers for) plus a halo of at least the deepest layer's
receptive-field radius, with its origin on the 16-pixel grid of VGG's four poolings, so its core's features
equal the whole image's (pooling windows and SAME padding fall as on the whole image). Pure Python: the
memory model and the plan read it without TensorFlow.
"""
import math
from dataclasses import dataclass

from ..errors import ConfigError
from ..vgg19 import deepest_layer, layer_sequence, stride_of

GRID = 16  # VGG-19's four 2x2 poolings: tile origins on multiples of 16 see the same pooling windows


def receptive_field(layer, pooling="avg"):
    """Pixels across the receptive field of one position of `layer` (156 for conv5_1)."""
    size, jump = 1, 1
    for name in layer_sequence(pooling):
        if name.startswith("conv"):
            size += 2 * jump  # 3x3 convolution
        else:
            size += jump  # 2x2 pooling, stride 2
            jump *= 2
        if name == layer:
            return size
    raise ConfigError(f"unknown layer {layer!r}")


def halo_for(layers, pooling="avg"):
    """The halo a tile needs around its core: half the deepest layer's receptive field, on the 16-px grid."""
    radius = math.ceil(receptive_field(deepest_layer(layers, pooling), pooling) / 2)
    return GRID * math.ceil(radius / GRID)


def check_tile(core, halo):
    """Raise ConfigError unless `core` is a multiple of 16 and at least the halo (smaller wastes > 9x)."""
    if core % GRID:
        raise ConfigError(f"--tile {core} is not a multiple of {GRID}; give e.g. "
                          f"{max(GRID, GRID * round(core / GRID))}, or auto")
    smallest = max(GRID, halo)
    if core < smallest:
        raise ConfigError(f"--tile {core} is smaller than the smallest useful core, {smallest} pixels (the halo "
                          f"of the deepest layer in use); give --tile {smallest} or more, or auto")


@dataclass(frozen=True)
class Tile:
    """A core (the positions this tile answers for) inside its window (the pixels it reads), image pixels."""

    core: tuple  # (y0, y1, x0, x1)
    window: tuple  # (y0, y1, x0, x1)

    @property
    def shape(self):
        y0, y1, x0, x1 = self.window
        return y1 - y0, x1 - x0

    def core_in_window(self):
        (cy0, cy1, cx0, cx1), (wy0, _, wx0, _) = self.core, self.window
        return cy0 - wy0, cy1 - wy0, cx0 - wx0, cx1 - wx0

    def at_layer(self, layer):
        """(window, core) rows and columns in `layer`'s feature map of the whole image (SAME pooling rounds up)."""
        s = stride_of(layer)
        up = lambda v: -(-v // s)  # noqa: E731
        wy0, wy1, wx0, wx1 = self.window
        cy0, cy1, cx0, cx1 = self.core
        return (wy0 // s, up(wy1), wx0 // s, up(wx1)), (cy0 // s, up(cy1), cx0 // s, up(cx1))


def _cores(length, core):
    """Split [0, length) into the fewest cores of at most `core` pixels, as equal as the 16-px grid allows.

    Equal cores make the edge windows one shape (fewer tile graphs) and no core a sliver.
    """
    count = -(-length // core)
    step = GRID * -(-length // (count * GRID))
    starts = list(range(0, length, step))
    return [(start, min(start + step, length)) for start in starts]


def window_lengths(length, core, halo):
    """The distinct window lengths along one side (each pair of a row's and a column's is one tile graph)."""
    return sorted({min(length, end + halo) - max(0, start - halo) for start, end in _cores(length, core)})


def plan_tiles(height, width, core, halo):
    """Cores of at most `core` pixels on the 16-px grid, row by row; windows add the halo, clipped at the border."""
    if core % GRID or halo % GRID:
        raise ValueError("core and halo must be multiples of 16")
    tiles = []
    for y0, y1 in _cores(height, core):
        for x0, x1 in _cores(width, core):
            window = (max(0, y0 - halo), min(height, y1 + halo), max(0, x0 - halo), min(width, x1 + halo))
            tiles.append(Tile((y0, y1, x0, x1), window))
    return tiles


def core_for_tiles(height, width, count, halo):
    """The largest core (a multiple of 16, at least the halo) that splits the image into `count` tiles or more,
    as the cores come out (equal, so maybe smaller than asked); None when even the smallest does not."""
    core = GRID * (max(height, width) // GRID)
    while core >= max(GRID, halo):
        tiles = plan_tiles(height, width, core, halo)
        if len(tiles) >= count:
            return max(max(y1 - y0, x1 - x0) for y0, y1, x0, x1 in (tile.core for tile in tiles))
        core -= GRID
    return None
