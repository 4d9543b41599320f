"""Guidance channels (Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer", section 4.1):
a region's greyscale mask on the image, carried to the positions of every layer. Pure numpy.

A mask is an (H, W) array in [0, 1] on the image the network reads (white, 1: the region). Its guidance
channel T^l at a layer has one value per position of that layer's feature map (ceil(H / s) x ceil(W / s) for a
layer of stride s, as engines.tiles and vgg19.positions round), in one of two modes:

- "simple": the mask downsampled as the feature maps are, by the network's own pooling at each pooling layer
  (2x2, stride 2, SAME: an odd last row or column is a window of one, as TensorFlow's pooling treats it; the
  mean for avg pooling, the max for max pooling) and kept as it is by the convolutions (3x3, stride 1, SAME).
  An all-white mask stays exactly 1 everywhere.
- "inside" (eroded): T^l is 1 at a position whose whole receptive field lies inside the region, else 0. The
  mask is first made binary (a pixel is in the region where the mask is >= 0.5, as the authors' code
  thresholds it); the receptive field is every pixel the position reads through the convolutions and
  poolings (`receptive_span`), clipped to the image: the zero padding beyond the border belongs to no region,
  so an all-white mask is 1 everywhere here too. This is the authors' probe (a position is inside when noise
  outside the region does not reach it) computed in closed form.
"""
import numpy as np

from ..errors import ConfigError
from ..vgg19 import layer_sequence

MODES = ("simple", "inside")
THRESHOLD = 0.5  # "inside": a pixel belongs to the region where its mask is at least this


def receptive_span(layer, pooling="avg"):
    """(before, after, stride): position i of `layer` reads image rows (and columns) stride*i - before to
    stride*i + after, both included, before clipping to the image (conv2_1: (4, 5, 2), 10 pixels across)."""
    before = after = 0
    stride = 1
    for name in layer_sequence(pooling):
        if name.startswith("conv"):  # 3x3, SAME: one position more on each side
            before, after = before + stride, after + stride
        else:  # 2x2, stride 2, SAME with its padding after: positions 2i and 2i + 1
            after += stride
            stride *= 2
        if name == layer:
            return before, after, stride
    raise ConfigError(f"unknown layer {layer!r}; choose from {', '.join(layer_sequence(pooling))}")


def pool_guide(guide, pooling="avg"):
    """One 2x2, stride-2, SAME pooling of an (h, w) guide: the mean (avg) or max (max) of each window's pixels
    inside the guide (an odd last row or column is a window of one)."""
    height, width = guide.shape
    padded = np.pad(guide, ((0, height % 2), (0, width % 2)), mode="edge")  # a copy changes neither mean nor max
    windows = padded.reshape(padded.shape[0] // 2, 2, padded.shape[1] // 2, 2)
    return windows.max(axis=(1, 3)) if pooling == "max" else windows.mean(axis=(1, 3))


def _outside_in_windows(outside, before, after, stride, axis):
    """For each position along `axis`, how many `outside` pixels its clipped window holds (prefix sums)."""
    length = outside.shape[axis]
    starts = np.arange(-(-length // stride)) * stride
    low, high = np.clip(starts - before, 0, length), np.clip(starts + after + 1, 0, length)
    sums = np.concatenate([np.zeros_like(np.take(outside, [0], axis=axis)), np.cumsum(outside, axis=axis)], axis)
    return np.take(sums, high, axis=axis) - np.take(sums, low, axis=axis)


def inside_guide(mask, layer, pooling="avg"):
    """The "inside" guidance channel of `mask` at `layer`: 1 where the receptive field holds no pixel outside
    the region (mask < THRESHOLD), else 0."""
    before, after, stride = receptive_span(layer, pooling)
    outside = (np.asarray(mask) < THRESHOLD).astype(np.int64)
    rows = _outside_in_windows(outside, before, after, stride, axis=0)
    both = _outside_in_windows(rows, before, after, stride, axis=1)
    return (both == 0).astype(np.float64)


def propagate(mask, layers, pooling="avg", mode="simple"):
    """{layer: T^l as float32 (1, h, w, 1)} of an (H, W) mask in [0, 1] for each of `layers` (see the module)."""
    if mode not in MODES:
        raise ConfigError(f"unknown guidance {mode!r}; choose from {', '.join(MODES)}")
    mask = np.asarray(mask, np.float64)
    if mask.ndim != 2:
        raise ValueError(f"a mask is (H, W), got shape {mask.shape}")
    wanted = set(layers)
    guides, current = {}, mask
    for name in layer_sequence(pooling):
        if not wanted - set(guides):
            break
        if not name.startswith("conv"):
            current = pool_guide(current, pooling)
        if name in wanted:
            guide = current if mode == "simple" else inside_guide(mask, name, pooling)
            guides[name] = guide.astype(np.float32)[None, :, :, None]
    missing = wanted - set(guides)
    if missing:
        raise ConfigError(f"unknown layer(s) {', '.join(sorted(missing))}; "
                          f"choose from {', '.join(layer_sequence(pooling))}")
    return guides


def region_size(guide):
    """M_r: the region's size at a layer, the sum of its guidance channel (float64, exact for a binary one)."""
    return float(np.sum(guide, dtype=np.float64))


def uncovered(masks):
    """The fraction of the image's pixels that no mask touches (every mask 0 there): content only."""
    return float(np.mean(np.max(np.stack([np.asarray(m, np.float64) for m in masks]), axis=0) == 0))
