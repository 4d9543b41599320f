"""16-bit RGB and RGBA PNG and TIFF files, which Pillow cannot write.

Pillow keeps 8 bits per channel in its multi-channel images (16 bits only for
one-channel 'I;16'; python-pillow/Pillow#1888), so --bit-depth 16 encodes the
files here, with zlib and struct only: a PNG is the signature and four chunks
(IHDR, iCCP, one IDAT of Up-filtered rows, IEND); a TIFF is one baseline IFD
and one uncompressed strip. Both embed the given ICC profile.
"""
import struct
import zlib

import numpy as np

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_UP_FILTER = 2
_SHORT, _LONG, _RATIONAL, _UNDEFINED = 3, 4, 5, 7  # TIFF field types
_DPI = struct.pack("<II", 72, 1)  # the resolution the file states; print size is the printer's choice


def _check(levels):
    levels = np.asarray(levels)
    if levels.dtype != np.uint16 or levels.ndim != 3 or levels.shape[2] not in (3, 4):
        raise ValueError(f"expected uint16 (H, W, 3|4) levels, got {levels.dtype} {levels.shape}")
    return levels


def png_bytes(levels, icc_profile):
    """uint16 (H, W, 3|4) -> a 16-bit RGB (colour type 2) or RGBA (6) PNG with `icc_profile` in iCCP."""
    levels = _check(levels)
    height, width, channels = levels.shape
    rows = levels.astype(">u2").reshape(height, width * channels).view(np.uint8)
    filtered = rows.copy()
    filtered[1:] -= rows[:-1]  # Up: each byte minus the one above it, modulo 256
    scanlines = np.hstack([np.full((height, 1), _PNG_UP_FILTER, np.uint8), filtered])
    header = struct.pack(">IIBBBBB", width, height, 16, 6 if channels == 4 else 2, 0, 0, 0)
    return b"".join([_PNG_SIGNATURE, _chunk(b"IHDR", header),
                     _chunk(b"iCCP", b"sRGB\x00\x00" + zlib.compress(icc_profile)),
                     _chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 6)), _chunk(b"IEND", b"")])


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
