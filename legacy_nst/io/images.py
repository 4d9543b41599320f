"""Image files in and out, and the pixel layout the network expects.

art.py read images with `scipy.misc.imread`, resized them to the working size
with `scipy.misc.imresize` and wrote results with `scipy.misc.imsave`. Those
functions are gone; this module does the same with Pillow and makes every
failure an `ImageError` that names the file, the problem and the fix.

Arrays are numpy: images are uint8 (H, W, 3) RGB; network inputs are float32
(1, H, W, 3) RGB in 0-255 with VGG's mean pixel subtracted.

Colour management (io.icc): an input with an ICC profile is converted to sRGB
when read, and every output embeds an sRGB profile. `read_image_with_notes`
says what reading changed (profile, greyscale, CMYK, palette, alpha) and keeps
the alpha channel; `save_image(..., bit_depth=16)` writes a 16-bit PNG or TIFF
(io.sixteen_bit) from a float image, and `alpha=` attaches an alpha channel.
"""
import errno
import os
import re
import warnings
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from PIL import Image, ImageOps

from ..config.sizes import MAX_SIZE  # noqa: F401 -- problem reads the bound here
from ..errors import ConfigError, ImageError, NSTError, WriteError
from ..vgg19 import MIN_SIZE
from .atomic import atomic_write, check_directory
from .icc import CONVERTIBLE_MODES, is_srgb, srgb_profile, to_srgb
from .paths import PHRASES, NotRegularFile, open_regular, path_kind
from .sixteen_bit import is_sixteen_bit_colour, png_bytes, read_levels, tiff_bytes


_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
_ORIENTATION = 0x0112  # the EXIF tag

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
BIT_DEPTHS = (8, 16)
_SIXTEEN_BIT_WRITERS = {"PNG": png_bytes, "TIFF": tiff_bytes}  # the formats --bit-depth 16 can write
_FORMATS_WITH_ALPHA = ("PNG", "TIFF", "WEBP")  # the formats --keep-alpha can write
_MODE_NOTES = {
    "1": "1-bit black and white, read as greyscale",
    "L": "greyscale, repeated over R, G and B",
    "LA": "greyscale, repeated over R, G and B",
    "P": "palette image, expanded to its RGB colours",
    "PA": "palette image, expanded to its RGB colours",
    "I;16": "16-bit greyscale, scaled to 8 bits and repeated over R, G and B",
}


@dataclass(frozen=True)
class InputImage:
    """An image file as read: its sRGB pixels, its alpha channel if it had one, and what reading changed."""

    pixels: np.ndarray                  # uint8 (H, W, 3) sRGB, float32 in 0-255 from a 16-bit RGB(A) PNG or TIFF;
    #                                     transparent pixels composited onto white
    alpha: Optional[np.ndarray] = None  # uint8 (H, W): the file's alpha channel (or transparency key), else None
    notes: Tuple[str, ...] = ()         # "PATH: what was done", one line each (empty for a plain sRGB RGB file)


def read_image(path):
    """Read an image file as (H, W, 3) sRGB, fully decoded (read_image_with_notes' pixels: uint8, or float32 in
    0-255 from a 16-bit RGB(A) PNG or TIFF)."""
    return read_image_with_notes(path).pixels


def as_rgb_image(source, what):
    """A path or an (H, W, 3) array as uint8 RGB; `what` ("content", "style"...) names it in the error."""
    if isinstance(source, np.ndarray):
        if source.ndim != 3 or source.shape[2] != 3:
            raise ConfigError(f"{what} array must be (height, width, 3) RGB, got shape {source.shape}")
        return np.clip(source, 0, 255).astype(np.uint8)
    return read_image(source)


def read_input(source):
    """An InputImage of a path (read_image_with_notes), or of an array, taken as it is with no notes."""
    return InputImage(source) if isinstance(source, np.ndarray) else read_image_with_notes(source)


def read_image_with_notes(path) -> InputImage:
    """Read an image file as an InputImage: uint8 (H, W, 3) sRGB pixels, the alpha channel, notes.

    Any mode Pillow opens becomes RGB: grayscale and 1-bit are repeated over
    the three channels; 16-bit grayscale (I;16, and mode I, read as 0-65535)
    is scaled to 0-255 rather than clipped; transparent pixels (RGBA, LA, PA,
    and P/L/RGB with a transparency key) are composited onto white, their
    alpha kept aside. An embedded ICC profile is converted to sRGB (io.icc);
    CMYK without one gets Pillow's plain formula. The EXIF orientation is
    applied, so a phone photo comes out the way it is shown.
    """
    path = os.fspath(path)
    kind = path_kind(path)
    if kind == "missing":
        raise ImageError(f"{path}: no such file; check the path")
    if kind == "directory":
        raise ImageError(f"{path}: is a directory, not an image file; give the path of an image")
    if kind != "file":
        raise ImageError(f"{path}: {PHRASES[kind]}; give the path of an image file")
    if os.path.getsize(path) == 0:
        raise ImageError(f"{path}: the file is empty; use a real image file")
    try:
        # Treat Pillow's decompression-bomb warning as an error: an image that
        # large would not fit the network anyway.
        with warnings.catch_warnings(), open_regular(path) as handle:
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(handle) as image:
                deep = is_sixteen_bit_colour(image)
                image.load()  # Decode now, so a truncated file fails here.
                if deep and _full_depth(image):
                    return _decode_levels(handle, image.info.get("icc_profile"), path)
                return _decode(ImageOps.exif_transpose(image), path)
    except NSTError:
        raise
    except NotRegularFile as exc:
        raise ImageError(f"{exc}; give the path of an image file") from None
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


def _decode(image, path):
    """A decoded Pillow image as an InputImage (see read_image_with_notes)."""
    icc = image.info.get("icc_profile")
    mode_note = _MODE_NOTES.get("I;16" if image.mode in _SIXTEEN_BIT_MODES else image.mode)
    notes = [mode_note] if mode_note else []
    if image.mode in _SIXTEEN_BIT_MODES:
        levels = np.clip(np.asarray(image, dtype=np.float64), 0, 65535)
        gray = np.rint(levels / 257.0).astype(np.uint8)  # 65535 / 257 == 255
        notes += ["its ICC profile is not applied to 16-bit greyscale; read as sRGB"] if icc else []
        return InputImage(np.repeat(gray[:, :, np.newaxis], 3, axis=2), None, _with_path(path, notes))
    colour, alpha = _split_alpha(image, path)
    if alpha is not None:
        notes.append("transparent pixels composited onto white (--keep-alpha carries the alpha to the output)")
    if icc:
        colour, note = to_srgb(colour, icc)
        notes.append(note)
    elif image.mode == "CMYK":
        notes.append("CMYK without an ICC profile, converted with Pillow's plain formula; colours are approximate")
    rgb = _convert(colour, "RGB", path)
    if alpha is not None:
        white = Image.new("RGBA", rgb.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(white, Image.merge("RGBA", (*rgb.split(), Image.fromarray(alpha))))
    return InputImage(np.array(rgb.convert("RGB")), alpha, _with_path(path, notes))


def _full_depth(image):
    """Whether a 16-bit RGB(A) file is read at its 16 bits: no ICC profile or an sRGB one (another profile is
    converted by LittleCMS, at 8 bits), and no EXIF rotation."""
    icc = image.info.get("icc_profile")
    return (not icc or is_srgb(icc)) and image.getexif().get(_ORIENTATION, 1) == 1


def _decode_levels(handle, icc, path):
    """A 16-bit sRGB file's levels (OpenCV's) as an InputImage of float32 pixels in 0-255 (the 16 bits kept), the
    alpha channel (composited onto white, as _decode does) kept aside at 8 bits."""
    handle.seek(0)
    levels = read_levels(handle.read())
    colour = levels[:, :, :3].astype(np.float64) / 257.0  # 65535 / 257 == 255
    notes = ["16 bits per channel kept" + (" (its ICC profile is sRGB)" if icc else "")]
    alpha = None
    if levels.shape[2] == 4:
        opacity = levels[:, :, 3:].astype(np.float64) / 65535.0
        colour = colour * opacity + 255.0 * (1.0 - opacity)
        alpha = np.rint(levels[:, :, 3] / 257.0).astype(np.uint8)
        notes.append("transparent pixels composited onto white (--keep-alpha carries the alpha to the output)")
    return InputImage(colour.astype(np.float32), alpha, _with_path(path, notes))


def _split_alpha(image, path):
    """(the colours, in a mode LittleCMS converts; the uint8 alpha channel, or None if the image is opaque)."""
    alpha = None
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = _convert(image, "RGBA", path)
        alpha = np.array(rgba.getchannel("A"))
        image = _convert(image, "L", path) if image.mode in ("L", "LA", "La") else rgba.convert("RGB")
    if image.mode not in CONVERTIBLE_MODES:
        image = _convert(image, "RGB", path)
    return image, alpha


def _convert(image, mode, path):
    try:
        return image if image.mode == mode else image.convert(mode)
    except ValueError as exc:
        raise ImageError(
            f"{path}: pixel mode {image.mode} cannot be converted to RGB "
            f"({_one_line(exc)}); save the image as an RGB PNG or JPEG"
        ) from exc


def _with_path(path, notes):
    return tuple(f"{path}: {note}" for note in notes)


def _decompression_bomb_message(path, exc):
    found = re.search(r"\((\d+) pixels\)", str(exc))
    pixels = found.group(1) if found else "too many"
    return (
        f"{path}: image has {pixels} pixels, above Pillow's decompression-bomb limit of "
        f"{Image.MAX_IMAGE_PIXELS} pixels; downscale it with an image editor first"
    )


def _unidentified_message(path):
    with open_regular(path) as file:
        start = file.read(512).lstrip().lower()
    if start.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
        return (
            f"{path}: is an HTML/XML text file, not image data (probably a failed download); "
            "download the image itself"
        )
    return f"{path}: not an image file Pillow can read; use a PNG, JPEG, BMP, TIFF or WebP image"


def _one_line(exc):
    return " ".join(str(exc).split())


def resize(image, size_hw):
    """Resize uint8 (or a 16-bit file's float32) (H, W, 3) to `size_hw` with Pillow's bicubic filter.

    An image already at that size is returned as is, so pre-resized inputs are
    used pixel for pixel.
    """
    image = np.asarray(image)
    if image.dtype not in (np.uint8, np.float32) or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"resize expects a uint8 or float32 (H, W, 3) image, got {image.dtype} {image.shape}")
    h, w = (int(n) for n in size_hw)
    if image.shape[:2] == (h, w):
        return image
    if image.dtype == np.float32:  # a 16-bit file's pixels: each channel in Pillow's float mode, then clipped
        channels = [np.asarray(Image.fromarray(np.ascontiguousarray(image[:, :, c]), "F").resize(
            (w, h), Image.Resampling.BICUBIC)) for c in range(3)]
        return np.clip(np.stack(channels, axis=-1), 0.0, 255.0).astype(np.float32)
    resized = Image.fromarray(image).resize((w, h), Image.Resampling.BICUBIC)
    return np.array(resized)


def as_pixels(image):
    """An RGB image as resize takes it: a 16-bit file's float32 pixels as they are, anything else as uint8."""
    image = np.asarray(image)
    return image if image.dtype == np.float32 else image.astype(np.uint8)


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


def from_network(x, mean_pixel, bit_depth=8):
    """Inverse of to_network: add the mean pixel back, clip to 0-255 and round to uint8 (H, W, 3).

    With bit_depth 16 the clipped image is returned unrounded, as float64 (H, W, 3), for save_image to
    keep the gradation between 8-bit levels.
    """
    x = np.asarray(x, dtype=np.float64) + np.asarray(mean_pixel, dtype=np.float64).reshape(3)
    return _as_uint8(x) if bit_depth == 8 else np.clip(_rgb_array(x), 0.0, 255.0)


def _rgb_array(image):
    """(1, H, W, 3) or (H, W, 3) RGB -> (H, W, 3), refusing NaN (a diverged run)."""
    image = np.asarray(image)
    if image.ndim == 4 and image.shape[0] == 1:
        image = image[0]
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) or (1, H, W, 3) RGB image, got shape {image.shape}")
    if image.dtype != np.uint8 and np.isnan(image).any():
        raise ImageError(
            "the image contains NaN values, so the optimisation diverged; "
            "lower the learning rate or the style weight"
        )
    return image


def _as_uint8(image):
    """(1, H, W, 3) or (H, W, 3) RGB in 0-255 -> uint8 (H, W, 3), clipped and rounded."""
    image = _rgb_array(image)
    return image if image.dtype == np.uint8 else np.clip(np.rint(image), 0, 255).astype(np.uint8)


def _levels(image, bit_depth):
    """An RGB image in 0-255 as the integer levels of `bit_depth`: uint8, or uint16 (0-65535) from the floats."""
    if bit_depth == 8:
        return _as_uint8(image)
    image = _rgb_array(image)
    if image.dtype == np.uint8:
        return image.astype(np.uint16) * 257  # 255 * 257 == 65535
    return np.rint(np.clip(image.astype(np.float64), 0, 255) * (65535 / 255)).astype(np.uint16)


def _alpha_levels(alpha, size_hw, bit_depth):
    """A uint8 (h, w) alpha channel resized (bicubic, in floats) to `size_hw`, as levels of `bit_depth`."""
    alpha = np.asarray(alpha, dtype=np.float32)
    if alpha.ndim != 2:
        raise ValueError(f"expected an (H, W) alpha channel, got shape {alpha.shape}")
    h, w = size_hw
    if alpha.shape != (h, w):
        alpha = np.asarray(Image.fromarray(alpha, "F").resize((w, h), Image.Resampling.BICUBIC))
    scale, dtype = (1, np.uint8) if bit_depth == 8 else (257, np.uint16)
    return np.rint(np.clip(alpha, 0, 255) * scale).astype(dtype)


def check_output_path(path, bit_depth=8, alpha=False):
    """Raise now if `path` cannot take the image: unknown extension, no such directory (ImageError), or a
    format that cannot hold `bit_depth` bits per channel or an alpha channel (ConfigError)."""
    path = os.fspath(path)
    extension = os.path.splitext(path)[1].lower()
    if extension not in _SAVE_FORMATS:
        supported = ", ".join(sorted(_SAVE_FORMATS))
        problem = f"unknown image extension '{extension}'" if extension else "no file extension"
        raise ImageError(f"{path}: {problem}; name the output with one of {supported}")
    image_format = _SAVE_FORMATS[extension][0]
    if bit_depth not in BIT_DEPTHS:
        raise ConfigError(f"--bit-depth must be 8 or 16, got {bit_depth!r}")
    if bit_depth == 16 and image_format not in _SIXTEEN_BIT_WRITERS:
        raise ConfigError(f"{path}: {image_format} holds 8 bits per channel, not --bit-depth 16; "
                          "name the output .png or .tif, or drop --bit-depth 16")
    if alpha and image_format not in _FORMATS_WITH_ALPHA:
        raise ConfigError(f"{path}: {image_format} has no alpha channel for --keep-alpha; "
                          "name the output .png, .tif or .webp, or drop --keep-alpha")
    try:
        return check_directory(path), _SAVE_FORMATS[extension]
    except NSTError as exc:
        raise ImageError(str(exc)) from None


def save_image(path, image, bit_depth=8, alpha=None):
    """Write an RGB image atomically, in the format its extension names, with an sRGB ICC profile.

    `image` is uint8 (H, W, 3) or float (1, H, W, 3) / (H, W, 3) in 0-255;
    bit_depth 16 writes a 16-bit PNG or TIFF, from the floats when given
    floats. `alpha` (uint8 (h, w), resized to the image) makes it RGBA.
    The target is either the old file or the complete new one, never half
    written (see legacy_nst.atomic). Missing directories are not created (a
    typo in the path should not silently make one).
    """
    path = os.fspath(path)
    directory, (image_format, options) = check_output_path(path, bit_depth, alpha is not None)
    levels = _levels(image, bit_depth)
    if alpha is not None:
        levels = np.dstack([levels, _alpha_levels(alpha, levels.shape[:2], bit_depth)])
    try:
        atomic_write(path, write=_encoder(levels, image_format, options))
    except NSTError as exc:
        if not isinstance(exc, WriteError):
            raise  # something other than a regular file at `path`: said in one line already
        raise ImageError(_write_error_message(path, directory, exc)) from exc
    except Exception as exc:
        raise ImageError(_write_error_message(path, directory, exc)) from exc


def _encoder(levels, image_format, options):
    """write(file) for uint8 or uint16 (H, W, 3|4) levels, embedding the sRGB profile."""
    if levels.dtype == np.uint16:
        return lambda file: file.write(_SIXTEEN_BIT_WRITERS[image_format](levels, srgb_profile()))
    mode = "RGBA" if levels.shape[2] == 4 else "RGB"
    return lambda file: Image.fromarray(levels, mode).save(file, format=image_format, icc_profile=srgb_profile(),
                                                           **options)


def _write_error_message(path, directory, exc):
    """One line naming `path` (never the temporary file beside it), the reason and the fix."""
    code = getattr(exc, "errno", None)
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        return f"{path}: permission denied writing to {directory}; choose a writable output directory"
    if code == errno.ENOSPC:
        return f"{path}: no space left on the device; free some space or write elsewhere"
    if code == errno.EROFS:
        return f"{path}: {directory} is on a read-only file system; choose a writable output directory"
    if isinstance(exc, OSError) and code is not None:
        return f"{path}: cannot write the image ({exc.strerror}); the file was not written"
    return f"{path}: cannot write the image ({type(exc).__name__}: {_one_line(exc)}); the file was not written"
