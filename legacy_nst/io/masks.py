"""Masks: greyscale images saying where something applies (white) and where not (black), as floats in [0, 1].

A style mask (losses.guided) is drawn on the content's frame and a style-region mask on its style image's; each
is resized to the image the network reads there, so it may be given at any size of the same aspect ratio.
"""
import numpy as np
from PIL import Image

from ..errors import ConfigError, ImageError
from .images import read_image

LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R 601, as Pillow's convert("L")
ASPECT_TOLERANCE = 0.01  # a mask's aspect ratio may differ from its image's by 1% (and one pixel's rounding)


def as_mask(image):
    """A mask as float32 (H, W) in [0, 1]: uint8 0-255 or float 0-1, greyscale (H, W) or (H, W, 1), or colour
    (H, W, 3 or 4; its luma, alpha ignored)."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    elif array.ndim == 3 and array.shape[2] in (3, 4):
        array = array[:, :, :3].astype(np.float64) @ LUMA
    elif array.ndim != 2:
        raise ValueError(f"a mask is (H, W) or (H, W, 1, 3 or 4), got shape {array.shape}")
    scale = 255.0 if np.asarray(image).dtype == np.uint8 else 1.0
    return np.clip(np.asarray(array, np.float64) / scale, 0.0, 1.0).astype(np.float32)


def read_mask(path, label):
    """The mask in an image file, as_mask of its pixels (any mode Pillow reads; a colour one by its luma); a file
    that is no image is an ImageError naming `label` (e.g. "--style-mask 2")."""
    try:
        return as_mask(read_image(path))
    except ImageError as error:
        raise ImageError(f"{label}: {error}") from None


def resize_mask(mask, size_hw):
    """A float32 (H, W) mask resized to `size_hw` (bilinear, antialiased when shrinking; clipped to [0, 1]); one
    already at that size is returned as it is, so an all-white mask stays exactly 1."""
    mask = np.asarray(mask, np.float32)
    height, width = (int(n) for n in size_hw)
    if mask.shape == (height, width):
        return mask
    resized = Image.fromarray(mask, mode="F").resize((width, height), Image.Resampling.BILINEAR)
    return np.clip(np.array(resized, np.float32), 0.0, 1.0)


def check_mask(mask, image_hw, label, image_label="the content image"):
    """Raise a one-line ConfigError if `mask` (H, W) is empty (black everywhere) or of another aspect ratio than
    an image of `image_hw` (within ASPECT_TOLERANCE and one pixel)."""
    height, width = mask.shape[:2]
    image_h, image_w = image_hw
    slack = ASPECT_TOLERANCE + 1.0 / min(height, width, image_h, image_w)
    if abs((height / width) / (image_h / image_w) - 1.0) > slack:
        raise ConfigError(f"{label} is {width}x{height} but {image_label} is {image_w}x{image_h}, another aspect "
                          f"ratio; draw the mask on {image_label}'s frame")
    if not np.any(np.asarray(mask) > 0):
        raise ConfigError(f"{label} is black everywhere, so its style applies nowhere; paint its region white")
