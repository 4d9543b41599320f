"""Image files in and out, and the pixel layout the network expects.

art.py read images with `scipy.misc.imread`, resized them to the working size
with `scipy.misc.imresize` and wrote results with `scipy.misc.imsave`. Those
functions are gone; this module does the same with Pillow and makes every
failure an `ImageError` that names the file, the problem and the fix.

Arrays are numpy: images are uint8 (H, W, 3) RGB; network inputs are float32
(1, H, W, 3) RGB in 0-255 with VGG's mean pixel subtracted.
"""
import errno
import os
import re
import warnings

import numpy as np
from PIL import Image, ImageOps

from ..errors import ConfigError, ImageError, NSTError
from ..vgg.spec import MIN_SIZE
from .atomic import atomic_write, check_directory

MAX_SIZE = 20000

# art.py's working size when the user gives neither --width nor --height.
DEFAULT_HEIGHT, DEFAULT_WIDTH = 600, 800

_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")

# Extension -> (Pillow format, save options). JPEG/WebP at quality 95 rather than
# Pillow's 75, so a stylised result is not visibly blocky.
_SAVE_FORMATS = {
    ".png": ("PNG", {}),
    ".jpg": ("JPEG", {"quality": 95}),
    ".jpeg": ("JPEG", {"quality": 95}),
    ".bmp": ("BMP", {}),
    ".tif": ("TIFF", {}),
    ".tiff": ("TIFF", {}),
    ".webp": ("WEBP", {"quality": 95}),
}


def read_image(path):
    """Read an image file as uint8 (H, W, 3) RGB, fully decoded.

    Any mode Pillow opens becomes RGB: grayscale and 1-bit are repeated over
    the three channels; 16-bit grayscale (I;16, and mode I, read as 0-65535)
    is scaled to 0-255 rather than clipped; transparent pixels (RGBA, LA, PA,
    and P/L/RGB with a transparency key) are composited onto white. The EXIF
    orientation is applied, so a phone photo comes out the way it is shown.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ImageError(f"{path}: no such file; check the path")
    if os.path.isdir(path):
        raise ImageError(f"{path}: is a directory, not an image file; give the path of an image")
    if os.path.getsize(path) == 0:
        raise ImageError(f"{path}: the file is empty; use a real image file")
    try:
        # Treat Pillow's decompression-bomb warning as an error: an image that
        # large would not fit the network anyway.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.load()  # Decode now, so a truncated file fails here.
                return _rgb_pixels(ImageOps.exif_transpose(image), path)
    except NSTError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(_decompression_bomb_message(path, exc)) from exc
    except FileNotFoundError as exc:
        raise ImageError(f"{path}: no such file; check the path") from exc
    except PermissionError as exc:
        raise ImageError(f"{path}: permission denied; make the file readable") from exc
    except Image.UnidentifiedImageError as exc:
        raise ImageError(_unidentified_message(path)) from exc
    except MemoryError as exc:
        raise ImageError(f"{path}: not enough memory to decode the image; use a smaller image") from exc
    except OSError as exc:
        if "truncated" in str(exc).lower():
            raise ImageError(
                f"{path}: the image file is truncated (its data ends early); download or copy it again"
            ) from exc
        raise ImageError(
            f"{path}: cannot decode the image ({_one_line(exc)}); the file is corrupt, "
            "re-save or replace it"
        ) from exc
    except Exception as exc:  # Pillow's decoders raise many types on bad data.
        raise ImageError(
            f"{path}: cannot decode the image ({type(exc).__name__}: {_one_line(exc)}); "
            "the file is corrupt, re-save or replace it"
        ) from exc


def _rgb_pixels(image, path):
    """The pixels of a decoded Pillow image as uint8 (H, W, 3) RGB."""
    if image.mode in _SIXTEEN_BIT_MODES:
        levels = np.clip(np.asarray(image, dtype=np.float64), 0, 65535)
        gray = np.rint(levels / 257.0).astype(np.uint8)  # 65535 / 257 == 255
        return np.repeat(gray[:, :, np.newaxis], 3, axis=2)
    try:
        if image.mode in _ALPHA_MODES or "transparency" in image.info:
            white = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(white, image.convert("RGBA"))
        return np.array(image.convert("RGB"))
    except ValueError as exc:
        raise ImageError(
            f"{path}: pixel mode {image.mode} cannot be converted to RGB "
            f"({_one_line(exc)}); save the image as an RGB PNG or JPEG"
        ) from exc


def _decompression_bomb_message(path, exc):
    found = re.search(r"\((\d+) pixels\)", str(exc))
    pixels = found.group(1) if found else "too many"
    return (
        f"{path}: image has {pixels} pixels, above Pillow's decompression-bomb limit of "
        f"{Image.MAX_IMAGE_PIXELS} pixels; downscale it with an image editor first"
    )


def _unidentified_message(path):
    with open(path, "rb") as file:
        start = file.read(512).lstrip().lower()
    if start.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
        return (
            f"{path}: is an HTML/XML text file, not image data (probably a failed download); "
            "download the image itself"
        )
    return f"{path}: not an image file Pillow can read; use a PNG, JPEG, BMP, TIFF or WebP image"


def _one_line(exc):
    return " ".join(str(exc).split())


def working_size(image_hw, width=None, height=None):
    """The (height, width) to style at, following art.py's --width/--height.

    Neither given: art.py's fixed 800x600, whatever the image. One given: the
    other follows the image's aspect ratio (`image_hw` is (H, W), or an image
    shape). Both given: exactly those.
    """
    for name, value in (("width", width), ("height", height)):
        if value is not None:
            _check_dimension(name, value)

    if width is None and height is None:
        size, context = (DEFAULT_HEIGHT, DEFAULT_WIDTH), "default working size"
    elif width is not None and height is not None:
        size, context = (height, width), "requested working size"
    else:
        image_h, image_w = (int(n) for n in image_hw[:2])
        if width is not None:
            size = (max(1, _round_ratio(width * image_h, image_w)), width)
            context = f"width {width} with the {image_w}x{image_h} image's aspect ratio"
        else:
            size = (height, max(1, _round_ratio(height * image_w, image_h)))
            context = f"height {height} with the {image_w}x{image_h} image's aspect ratio"

    h, w = (int(n) for n in size)
    if min(h, w) < MIN_SIZE:
        raise ConfigError(
            f"{context}: size {w}x{h} is too small; "
            f"width and height must be at least {MIN_SIZE} pixels"
        )
    if max(h, w) > MAX_SIZE:
        raise ConfigError(
            f"{context}: size {w}x{h} is too large; "
            f"width and height must be at most {MAX_SIZE} pixels"
        )
    return h, w


def _check_dimension(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"{name} must be a whole number of pixels, got {value!r}")
    if value <= 0:
        raise ConfigError(f"{name} must be a positive number of pixels, got {value}")
    if value > MAX_SIZE:
        raise ConfigError(f"{name} {value} is too large; width and height must be at most {MAX_SIZE} pixels")


def _round_ratio(numerator, denominator):
    """numerator / denominator rounded half up, in exact integer arithmetic."""
    return (2 * int(numerator) + int(denominator)) // (2 * int(denominator))


def resize(image, size_hw):
    """Resize uint8 (H, W, 3) to `size_hw` with Pillow's default bicubic filter.

    An image already at that size is returned as is, so pre-resized inputs are
    used pixel for pixel.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"resize expects a uint8 (H, W, 3) image, got {image.dtype} {image.shape}")
    h, w = (int(n) for n in size_hw)
    if image.shape[:2] == (h, w):
        return image
    resized = Image.fromarray(image).resize((w, h), Image.Resampling.BICUBIC)
    return np.array(resized)


def load_image(path, size_hw=None):
    """read_image, then resize to `size_hw` (H, W) if one is given."""
    image = read_image(path)
    return image if size_hw is None else resize(image, size_hw)


def to_network(image, mean_pixel):
    """uint8 (H, W, 3) RGB -> float32 (1, H, W, 3) minus VGG's mean pixel (art.py's preprocess)."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"to_network expects an (H, W, 3) image, got shape {image.shape}")
    centred = image.astype(np.float64) - np.asarray(mean_pixel, dtype=np.float64).reshape(3)
    return centred.astype(np.float32)[np.newaxis]


def pixel_bounds(mean_pixel):
    """The network-space values of pixels 0 and 255, each (1, 1, 1, 3) float32: where clipping keeps the image."""
    mean = np.asarray(mean_pixel, dtype=np.float64).reshape(1, 1, 1, 3)
    return (-mean).astype(np.float32), (255.0 - mean).astype(np.float32)


def from_network(x, mean_pixel):
    """Inverse of to_network: add the mean pixel back, clip to 0-255 and round to uint8 (H, W, 3)."""
    x = np.asarray(x, dtype=np.float64)
    return _as_uint8(x + np.asarray(mean_pixel, dtype=np.float64).reshape(3))


def _as_uint8(image):
    """(1, H, W, 3) or (H, W, 3) RGB in 0-255 -> uint8 (H, W, 3), clipped and rounded."""
    image = np.asarray(image)
    if image.ndim == 4 and image.shape[0] == 1:
        image = image[0]
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) or (1, H, W, 3) RGB image, got shape {image.shape}")
    if image.dtype == np.uint8:
        return image
    if np.isnan(image).any():
        raise ImageError(
            "the image contains NaN values, so the optimisation diverged; "
            "lower the learning rate or the style weight"
        )
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def check_output_path(path):
    """Raise ImageError now if `path` cannot take an image: unknown extension, no such directory."""
    path = os.fspath(path)
    extension = os.path.splitext(path)[1].lower()
    if extension not in _SAVE_FORMATS:
        supported = ", ".join(sorted(_SAVE_FORMATS))
        problem = f"unknown image extension '{extension}'" if extension else "no file extension"
        raise ImageError(f"{path}: {problem}; name the output with one of {supported}")
    try:
        return check_directory(path), _SAVE_FORMATS[extension]
    except NSTError as exc:
        raise ImageError(str(exc)) from None


def save_image(path, image):
    """Write an RGB image atomically, in the format its extension names.

    `image` is uint8 (H, W, 3) or float (1, H, W, 3) / (H, W, 3) in 0-255.
    The target is either the old file or the complete new one, never half
    written (see legacy_nst.atomic). Missing directories are not created (a
    typo in the path should not silently make one).
    """
    path = os.fspath(path)
    pixels = _as_uint8(image)
    directory, (image_format, options) = check_output_path(path)
    try:
        atomic_write(path, write=lambda file: Image.fromarray(pixels, "RGB").save(
            file, format=image_format, **options))
    except Exception as exc:
        raise ImageError(_write_error_message(path, directory, exc)) from exc


def _write_error_message(path, directory, exc):
    if isinstance(exc, PermissionError):
        return f"{path}: permission denied writing to {directory}; choose a writable output directory"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return f"{path}: no space left on the device; free some space or write elsewhere"
    return f"{path}: cannot write the image ({type(exc).__name__}: {_one_line(exc)}); the file was not written"
