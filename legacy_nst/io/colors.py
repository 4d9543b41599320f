"""Colour preservation: the result's luminance with the content's chroma.

anishathalye's --preserve-colors recombines in YCbCr, jcjohnson's
-original_colors in YUV. Both keep Y = 0.299 R + 0.587 G + 0.114 B from the
result, and both chroma pairs are fixed multiples of (B - Y, R - Y), so taking
the chroma from the content gives the same RGB in either space: one operation,
done here in full-range YCbCr (ITU-T T.871, JPEG's and Pillow's) in float64,
rounded once at the end.
"""
import numpy as np

from .color_control import with_content_chroma
from .images import as_pixels, from_network, resize

_TO_YCBCR = np.array([[0.299, 0.587, 0.114],
                      [-0.168736, -0.331264, 0.5],
                      [0.5, -0.418688, -0.081312]])
_OFFSET = np.array([0.0, 128.0, 128.0])


def rgb_to_ycbcr(rgb):
    """uint8 or float (..., 3) RGB -> float64 (..., 3) YCbCr, Cb and Cr centred on 128."""
    return np.asarray(rgb, dtype=np.float64) @ _TO_YCBCR.T + _OFFSET


def ycbcr_to_rgb(ycbcr):
    """Inverse of rgb_to_ycbcr, as float64 (not clipped)."""
    return (np.asarray(ycbcr, dtype=np.float64) - _OFFSET) @ np.linalg.inv(_TO_YCBCR).T


def preserve_colors(result, content):
    """`result`'s luminance with `content`'s chroma (content resized to the result's size).

    A uint8 result gives uint8 (H, W, 3); a float one (--bit-depth 16's) gives float64 clipped to 0-255, unrounded.
    """
    content = resize(as_pixels(content), result.shape[:2])
    mixed = rgb_to_ycbcr(content)
    mixed[..., 0] = rgb_to_ycbcr(result)[..., 0]
    rgb = np.clip(ycbcr_to_rgb(mixed), 0, 255)
    return rgb if np.asarray(result).dtype.kind == "f" else np.rint(rgb).astype(np.uint8)


def render(config, image, mean_pixel, content_rgb, bit_depth=8):
    """A network-space image as uint8 RGB (bit_depth 16: float, unrounded), with the content's chroma under
    --color-control luminance (YIQ, io.color_control) and the content's colours under --preserve-colors: how a
    run's images become pixels (its output, checkpoints, intermediate images). `content_rgb` is the content as
    read, not as the network saw it."""
    rgb = from_network(image, mean_pixel, bit_depth)
    if config.color_control == "luminance":
        rgb = with_content_chroma(rgb, content_rgb)
    return preserve_colors(rgb, content_rgb) if config.preserve_colors else rgb
