"""16-bit RGB and RGBA PNG and TIFF files at full depth, which Pillow reads and writes at 8 bits.

Pillow keeps 8 bits per channel in its multi-channel images (16 bits only for
one-channel 'I;16'; python-pillow/Pillow#1888): it reads a 16-bit RGB PNG or
TIFF by its high bytes. OpenCV keeps the 16 bits: `read_levels` decodes with
cv2.imdecode(IMREAD_UNCHANGED), and `png_bytes` encodes with cv2.imencode and
adds the ICC profile as an iCCP chunk (OpenCV writes none). A TIFF is still
written here (one baseline IFD, one uncompressed strip), as OpenCV's TIFF
encoder cannot embed the ICC profile every output carries.
"""
import struct
import zlib

import cv2
import numpy as np

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SHORT, _LONG, _RATIONAL, _UNDEFINED = 3, 4, 5, 7  # TIFF field types
_DPI = struct.pack("<II", 72, 1)  # the resolution the file states; print size is the printer's choice


def is_sixteen_bit_colour(image):
    """Whether a Pillow image, opened and not yet loaded, is a 16-bit RGB or RGBA file (its raw mode's ';16')."""
    if image.mode not in ("RGB", "RGBA") or len(image.tile) != 1:
        return False
    raw = image.tile[0].args
    return ";16" in str(raw[0] if isinstance(raw, tuple) else raw)


def read_levels(data: bytes):
    """A 16-bit PNG or TIFF file's bytes -> uint16 (H, W, 3|4) RGB(A) levels, by OpenCV."""
    levels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if levels is None or levels.dtype != np.uint16 or levels.ndim != 3 or levels.shape[2] not in (3, 4):
        raise ValueError("OpenCV did not decode 16-bit RGB(A) levels")
    order = [2, 1, 0, 3][:levels.shape[2]]  # OpenCV's BGR(A)
    return np.ascontiguousarray(levels[:, :, order])


def _check(levels):
    levels = np.asarray(levels)
    if levels.dtype != np.uint16 or levels.ndim != 3 or levels.shape[2] not in (3, 4):
        raise ValueError(f"expected uint16 (H, W, 3|4) levels, got {levels.dtype} {levels.shape}")
    return levels


def png_bytes(levels, icc_profile):
    """uint16 (H, W, 3|4) -> a 16-bit RGB or RGBA PNG (OpenCV's), with `icc_profile` in an iCCP chunk after IHDR."""
    levels = _check(levels)
    order = [2, 1, 0, 3][:levels.shape[2]]
    done, encoded = cv2.imencode(".png", np.ascontiguousarray(levels[:, :, order]))
    if not done:
        raise ValueError("OpenCV could not encode the 16-bit PNG")
    data = encoded.tobytes()
    header_end = len(_PNG_SIGNATURE) + 8 + 13 + 4  # the IHDR chunk: length, type, 13 bytes, CRC
    return data[:header_end] + _chunk(b"iCCP", b"sRGB\x00\x00" + zlib.compress(icc_profile)) + data[header_end:]


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiff_bytes(levels, icc_profile):
    """uint16 (H, W, 3|4) -> a little-endian 16-bit RGB(A) TIFF, one uncompressed strip, `icc_profile` in tag 34675.

    A fourth channel is unassociated alpha (ExtraSamples 2), as Pillow writes RGBA.
    """
    levels = _check(levels)
    height, width, channels = levels.shape
    pixels = levels.astype("<u2").tobytes()
    tags = [(256, _LONG, 1, width), (257, _LONG, 1, height),
            (258, _SHORT, channels, struct.pack(f"<{channels}H", *[16] * channels)),
            (259, _SHORT, 1, 1), (262, _SHORT, 1, 2), (273, _LONG, 1, 0), (277, _SHORT, 1, channels),
            (278, _LONG, 1, height), (279, _LONG, 1, len(pixels)), (282, _RATIONAL, 1, _DPI),
            (283, _RATIONAL, 1, _DPI), (284, _SHORT, 1, 1), (296, _SHORT, 1, 2),
            *([(338, _SHORT, 1, 2)] if channels == 4 else []), (34675, _UNDEFINED, len(icc_profile), icc_profile)]
    values_at = 8 + 2 + 12 * len(tags) + 4  # header, entry count, entries, next-IFD offset
    values, entries = b"", []
    for tag, kind, count, value in tags:
        if isinstance(value, bytes):  # longer than the entry's 4 bytes: stored after the IFD, at an even offset
            value, values = values_at + len(values), values + value + bytes(len(value) % 2)
        entries.append((tag, kind, count, value))
    strip_at = values_at + len(values)
    ifd = b"".join(struct.pack("<HHII", tag, kind, count, strip_at if tag == 273 else value)
                   for tag, kind, count, value in entries)
    return b"II" + struct.pack("<HIH", 42, 8, len(entries)) + ifd + struct.pack("<I", 0) + values + pixels
