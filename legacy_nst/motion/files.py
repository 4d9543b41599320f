"""Flow and weight files as Ruder's scripts read and write them: Middlebury .flo flows and binary .pgm weights.

.flo (Middlebury, read by artistic-videos' flowFileLoader.lua): the float32 202021.25 ("PIEH" in ASCII, a check
that floats are little-endian IEEE), the width and the height as int32, then height x width (u, v) float32 pairs,
row by row. .pgm: "P5", width, height, the largest value, then one byte (or big-endian 16-bit word) a pixel;
Ruder's consistencyChecker writes 255 for reliable pixels and 0 for the others. Weights are float32 in 0-1 here.
Both writes are atomic (io.atomic); a wrong magic, a truncated file or another size is one line (NSTError).
"""
import re

import numpy as np

from ..errors import NSTError
from ..io.atomic import atomic_write

FLO_MAGIC = 202021.25
_FLO_HEADER = np.dtype([("magic", "<f4"), ("width", "<i4"), ("height", "<i4")])
_PGM_HEADER = re.compile(rb"\A(P[25])(?:\s+|#[^\n]*\n)*?(\d+)(?:\s+|#[^\n]*\n)+?(\d+)(?:\s+|#[^\n]*\n)+?(\d+)\s")


def write_flo(path, flow):
    """Write a float32 (H, W, 2) flow as a Middlebury .flo file, atomically."""
    flow = np.asarray(flow, dtype="<f4")
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise NSTError(f"{path}: a flow is (height, width, 2), not {flow.shape}; give (u, v) per pixel")
    header = np.array([(FLO_MAGIC, flow.shape[1], flow.shape[0])], dtype=_FLO_HEADER)
    atomic_write(path, header.tobytes() + flow.tobytes())


def read_flo(path, size=None):
    """A Middlebury .flo file as float32 (H, W, 2); `size` (height, width), if given, is the size it must have."""
    data = _read(path)
    if len(data) < _FLO_HEADER.itemsize:
        raise NSTError(f"{path}: not a .flo flow file (only {len(data)} bytes); give a Middlebury .flo file")
    magic, width, height = np.frombuffer(data, _FLO_HEADER, count=1)[0]
    if magic != np.float32(FLO_MAGIC):
        raise NSTError(f"{path}: not a .flo flow file (it starts {data[:4]!r}, not b'PIEH'); give a Middlebury "
                       f".flo file")
    expected = _FLO_HEADER.itemsize + 8 * int(width) * int(height)
    if width <= 0 or height <= 0 or len(data) != expected:
        raise NSTError(f"{path}: a {width}x{height} .flo file has {expected} bytes, this one {len(data)}; the "
                       f"file is truncated or damaged, compute the flow again")
    flow = np.frombuffer(data, "<f4", offset=_FLO_HEADER.itemsize).reshape(int(height), int(width), 2)
    _check_size(path, "a flow", flow.shape[:2], size)
    return flow.astype(np.float32)


def write_pgm(path, weights):
    """Write weights in 0-1 (H, W) as a binary 8-bit .pgm (0-255, as consistencyChecker writes), atomically."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2:
        raise NSTError(f"{path}: weights are (height, width), not {weights.shape}; give one weight per pixel")
    levels = np.round(np.clip(weights, 0, 1) * 255).astype(np.uint8)
    atomic_write(path, b"P5\n%d %d\n255\n" % (weights.shape[1], weights.shape[0]) + levels.tobytes())


def read_pgm(path, size=None):
    """A binary .pgm file as float32 (H, W) weights in 0-1 (value / its largest value); `size` as for read_flo."""
    data = _read(path)
    header = _PGM_HEADER.match(data)
    if header is None:
        raise NSTError(f"{path}: not a binary .pgm file (it starts {data[:8]!r}); give weights written as P5 "
                       f"PGM, e.g. by consistencyChecker")
    kind, width, height, largest = header.group(1), *(int(value) for value in header.groups()[1:])
    if kind != b"P5" or not 0 < largest < 65536:
        raise NSTError(f"{path}: only binary (P5) .pgm files with values up to 65535 are read; write the "
                       f"weights as binary PGM")
    dtype = np.dtype(">u2") if largest > 255 else np.dtype("u1")
    expected = header.end() + width * height * dtype.itemsize
    if len(data) < expected:
        raise NSTError(f"{path}: a {width}x{height} .pgm file has {expected} bytes, this one {len(data)}; the "
                       f"file is truncated, write the weights again")
    levels = np.frombuffer(data, dtype, count=width * height, offset=header.end()).reshape(height, width)
    _check_size(path, "weights", (height, width), size)
    return (levels / np.float32(largest)).astype(np.float32)


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise NSTError(f"{path}: cannot be read ({exc.strerror}); check the path") from None


def _check_size(path, what, actual, size):
    if size is not None and tuple(actual) != tuple(size):
        raise NSTError(f"{path}: holds {what} of {actual[1]}x{actual[0]} pixels, the frames are {size[1]}x{size[0]}; "
                       f"compute them at the frames' size")
