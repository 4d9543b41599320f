"""Colour management: inputs converted to sRGB on read, every output tagged as sRGB.

VGG-19 was trained on sRGB photographs and the result is written as sRGB, so
an input that carries an ICC profile (Adobe RGB, Display P3, a CMYK press
profile, a grey gamma) is converted to sRGB with Pillow's LittleCMS bindings
when it is read, and every file written embeds Pillow's built-in sRGB profile,
so a print shop or a colour-managed viewer does not have to guess.
"""
import functools
import io

from PIL import Image, ImageCms

# The modes LittleCMS converts (after the alpha channel is taken off): colour, grey and CMYK.
CONVERTIBLE_MODES = ("RGB", "L", "CMYK")


@functools.lru_cache(maxsize=1)
def srgb_profile():
    """Pillow's built-in sRGB profile, as the bytes to embed in a file."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def to_srgb(image: Image.Image, icc_bytes):
    """(`image` converted from the profile `icc_bytes` to sRGB, as RGB; a one-line note).

    `image` is in one of CONVERTIBLE_MODES. A profile LittleCMS cannot use
    (corrupt, or for another colour space than the pixels') leaves the pixels
    as they are, read as sRGB, and the note says so.
    """
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_bytes))
        name = ImageCms.getProfileDescription(source).strip() or "unnamed"
        target = ImageCms.ImageCmsProfile(io.BytesIO(srgb_profile()))
        converted = ImageCms.profileToProfile(image, source, target, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return image, f"its ICC profile cannot be applied ({reason}); the pixels are read as sRGB"
    return converted, f"colours converted from its ICC profile '{name}' to sRGB"


def is_srgb(icc_bytes) -> bool:
    """Whether the profile `icc_bytes` describes itself as sRGB (Pillow's, which every output embeds, included):
    pixels in it need no conversion."""
    try:
        return "srgb" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc_bytes))).lower()
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return False
