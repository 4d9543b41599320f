"""Load the 16 convolution layers of MatConvNet's VGG-19 from a `.mat` file.

Two MatConvNet layouts exist (see shared/weights/README.md):
- new: top-level `layers` and `meta`, mean pixel in `meta.normalization.averageImage` (1×1×3);
- old: top-level `layers`, `classes` and `normalization`, mean image in
  `normalization.averageImage` (224×224×3, averaged over height and width).
Fields are read by name and layers are found by their `name`, so the field order
(which differs between the layouts) and the presence of fc6…prob do not matter.

Every way the file can be wrong is reported as a one-line `WeightsError` that
names the problem and the fix; no scipy or numpy traceback reaches the user.
scipy's MAT reader runs in a child process that sends the conv arrays back:
a damaged file can crash its C code (one changed flag byte segfaults scipy
1.17), and that crash is reported in one line too instead of ending the run.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io

from ..errors import WeightsError
from ..io.paths import NotRegularFile, open_regular, path_kind
from ..vgg19 import CONV_LAYERS, CONV_SHAPES

VGG19_URL = "https://www.vlfeat.org/matconvnet/models/imagenet-vgg-verydeep-19.mat"
VGG19_SHA256 = "abdb57167f82a2a1fbab1e1c16ad9373411883f262a1a37ee5db2e6fb0044695"
VGG19_FILENAME = "imagenet-vgg-verydeep-19.mat"

_REDOWNLOAD = f"download imagenet-vgg-verydeep-19.mat again from {VGG19_URL}"
_EXPECTED_SIZES = "about 80 MB for a conv-only file or about 510 MB for the full download"

_VGG16_ONLY_MISSING = {"conv3_4", "conv4_4", "conv5_4"}


@dataclass(frozen=True)
class VGGWeights:
    """The VGG-19 convolution weights and the mean pixel, as stored in the file.

    Kernels keep MatConvNet's [width, height, in, out] order; TensorFlow's conv2d
    needs `np.transpose(kernel, (1, 0, 2, 3))`.
    """

    kernels: dict[str, np.ndarray]
    biases: dict[str, np.ndarray]
    mean_pixel: np.ndarray
    layout: str
    path: str


def load_vgg19(path) -> VGGWeights:
    """Read conv1_1…conv5_4 and the RGB mean pixel; raise WeightsError if the file is unusable.

    The first time, the file is decoded in a child process (see the module's
    docstring), whose peak memory is about the file's decoded size plus one
    kernel (scipy decodes the whole `layers` cell, fc6 included); this process
    receives the conv arrays one by one, about 80 MB. The same file, unchanged,
    is then decoded here (about 0.3 s less than starting a child).
    """
    path = os.fspath(path)
    _check_file(path)
    stat = os.stat(path)
    key = (os.path.realpath(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key in _DECODED:  # decoded safely before, unchanged since: this process can read it itself
        return decode(path)
    weights = _decode_in_child(path)
    _DECODED.add(key)
    return weights


def decode(path: str) -> VGGWeights:
    """load_vgg19's decoding, in this process (what the child runs)."""
    mat = _read_mat(path)
    try:
        return _interpret(path, mat)
    except (IndexError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _error(path, f"unexpected MatConvNet structure ({_reason(exc)})", _REDOWNLOAD) from None


_DECODED = set()  # (real path, inode, size, mtime) of the files a child decoded without crashing
_CHILD = "import sys; from legacy_nst.vgg.matfile import send; sys.exit(send(sys.argv[1], sys.stdout.buffer))"
_REFUSED = 3  # the child's exit status when the file is refused: its stderr holds the one-line WeightsError


def _decode_in_child(path: str) -> VGGWeights:
    """decode(path) in a child process running this same package; in this one if no child can start."""
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    try:
        child = subprocess.Popen([sys.executable, "-c", _CHILD, path], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=env)
    except OSError:
        return decode(path)
    with child:
        try:
            weights = _receive(child.stdout, path)
        except (ValueError, OSError, EOFError):
            weights = None  # the child refused the file or died: its status says which
        error = child.stderr.read().decode("utf-8", "replace").strip()
        status = child.wait()
    if status == 0 and weights is not None:
        return weights
    if status == _REFUSED and error:
        raise WeightsError(error.splitlines()[-1])
    if status < 0:
        raise _error(path, f"the MATLAB reader crashed on it ({signal.Signals(-status).name})",
                     f"the file is corrupt — {_REDOWNLOAD}")
    reason = error.splitlines()[-1] if error else f"exit status {status}"
    raise _error(path, f"cannot be decoded ({reason[:120]})", _REDOWNLOAD)


class _Reader:
    """A pipe seen only through `read`: numpy then reads it in chunks through Python's buffer (given the file
    object itself, it reads the descriptor directly, past what the buffer already holds, and waits forever)."""

    def __init__(self, read):
        self.read = read


def send(path: str, stream) -> int:
    """The child's side: decode `path` and write its arrays to `stream` (.npy records); 3 and the error on stderr
    when the file is refused."""
    try:
        weights = decode(path)
    except WeightsError as error:
        print(error, file=sys.stderr)
        return _REFUSED
    names = sorted(weights.kernels)
    arrays = [np.array(names), np.array(weights.layout), weights.mean_pixel,
              *(weights.kernels[n] for n in names), *(weights.biases[n] for n in names)]
    for array in arrays:
        np.lib.format.write_array(stream, np.asarray(array), allow_pickle=False)
    stream.flush()
    return 0


def _receive(stream, path: str) -> VGGWeights:
    """The parent's side: the arrays `send` wrote, in its order."""
    reader = _Reader(stream.read)

    def read():
        return np.lib.format.read_array(reader, allow_pickle=False)
    names = [str(n) for n in read()]
    layout, mean_pixel = str(read()), read()
    kernels = {n: read() for n in names}
    biases = {n: read() for n in names}
    return VGGWeights(kernels, biases, mean_pixel, layout, path)


def _error(path: str, problem: str, fix: str) -> WeightsError:
    """One line: '<path>: <problem>; <fix>'."""
    return WeightsError(" ".join(f"{path}: {problem}; {fix}".split()))


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_file(path: str) -> None:
    """Reject missing files, directories, special files (a FIFO would block open() forever) and files that are
    not MATLAB v5/v7 before scipy sees them."""
    kind = path_kind(path)
    if kind == "directory":
        raise _error(path, "is a directory, not a .mat file",
                     "pass the path of imagenet-vgg-verydeep-19.mat itself")
    if kind == "missing":
        raise WeightsError(f"VGG-19 weights file not found: {path}; "
                           f"download imagenet-vgg-verydeep-19.mat from {VGG19_URL} and pass its path")
    try:
        with open_regular(path) as stream:
            head = stream.read(128)
    except NotRegularFile as exc:
        raise _error(path, exc.strerror, "pass the path of imagenet-vgg-verydeep-19.mat itself") from None
    except OSError as exc:
        raise _error(path, f"cannot be read ({exc.strerror or _reason(exc)})",
                     "check that the file is readable by this user") from None
    if not head:
        raise _error(path, "file is empty (0 bytes)", f"the download did not complete — {_REDOWNLOAD}")
    if head.startswith(b"MATLAB 7.3"):
        raise _error(path, "is a MATLAB v7.3 (HDF5) file, which scipy cannot read",
                     "re-save it in MATLAB with save(..., '-v7') or " + _REDOWNLOAD)
    if head.startswith(b"MATLAB"):
        return
    start = _describe_start(head)
    if head.lstrip().startswith(b"<"):
        raise _error(path, f"not a MATLAB .mat file (starts with {start})",
                     f"the download probably saved an error page — {_REDOWNLOAD}")
    if head.startswith((b"PK\x03\x04", b"\x1f\x8b")):
        raise _error(path, f"not a MATLAB .mat file but a zip/gzip archive (starts with {start})",
                     "extract the .mat file from the archive and pass its path")
    raise _error(path, f"not a MATLAB .mat file (starts with {start})", _REDOWNLOAD)


def _describe_start(head: bytes) -> str:
    """The file's first characters if they are text, else its first bytes in hex."""
    first_line = head.lstrip().split(b"\n")[0][:20].rstrip()
    if first_line and all(32 <= byte < 127 for byte in first_line):
        return repr(first_line.decode("ascii"))
    return "bytes " + head[:8].hex(" ")


def _read_mat(path: str) -> dict:
    """Decode only `layers` and the mean-pixel holders, turning every scipy failure into WeightsError."""
    size = os.path.getsize(path)
    corrupt = f"truncated or corrupt MATLAB file (size {size:,} bytes, expected {_EXPECTED_SIZES}"
    try:
        names = [name for name, _shape, _kind in scipy.io.whosmat(path)]
    except Exception as exc:
        raise _error(path, f"{corrupt}; {_reason(exc)})", _REDOWNLOAD) from None
    if "layers" not in names:
        found = ", ".join(names) or "nothing"
        raise _error(path, f"MATLAB file has no 'layers' variable (found: {found})",
                     "this is not a MatConvNet SimpleNN model — pass imagenet-vgg-verydeep-19.mat")
    wanted = [name for name in ("layers", "meta", "normalization") if name in names]
    try:
        return scipy.io.loadmat(path, variable_names=wanted)
    except MemoryError:
        raise _error(path, f"not enough memory to decode {size:,} bytes",
                     "free memory (loading needs about twice the file size) and retry") from None
    except Exception as exc:
        raise _error(path, f"{corrupt}; {_reason(exc)})", _REDOWNLOAD) from None


def _interpret(path: str, mat: dict) -> VGGWeights:
    kernels, biases = _conv_weights(path, mat.pop("layers"))
    layout = "new" if "meta" in mat else "old"
    return VGGWeights(kernels=kernels, biases=biases, mean_pixel=_mean_pixel(path, mat),
                      layout=layout, path=path)


def _field(struct, name: str):
    """Field `name` of a 1×1 MATLAB struct (scipy record array), or None if absent."""
    if not isinstance(struct, np.ndarray) or struct.dtype.names is None or name not in struct.dtype.names:
        return None
    if struct.size == 0:
        return None
    return struct.reshape(-1)[0][name]


def _text(value) -> str:
    """A MATLAB char array as str ('' if it is not text)."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "U" and value.size:
        return str(value.reshape(-1)[0])
    return ""


def _conv_weights(path: str, layers) -> tuple[dict, dict]:
    """Copy the conv kernels and biases out of the `layers` cell, releasing each layer as it goes."""
    if not isinstance(layers, np.ndarray) or layers.dtype != object or layers.dtype.names is not None:
        raise _error(path, "'layers' is not a cell array of layer structs",
                     "this is not a MatConvNet SimpleNN model (DagNN files are not supported) — "
                     "pass imagenet-vgg-verydeep-19.mat")
    cells = layers.reshape(-1)
    kernels, biases = {}, {}
    for index in range(cells.size):
        layer, cells[index] = cells[index], None  # drop the cell's reference: each layer is freed once read
        name = _text(_field(layer, "name"))
        if name in CONV_SHAPES and name not in kernels:
            kernels[name], biases[name] = _conv_layer(path, name, layer)
        del layer
    missing = [name for name in CONV_LAYERS if name not in kernels]
    if missing:
        hint = ("this looks like VGG-16 — use imagenet-vgg-verydeep-19.mat"
                if set(missing) == _VGG16_ONLY_MISSING else _REDOWNLOAD)
        raise _error(path, f"missing conv layers {', '.join(missing)} "
                           f"(found {len(kernels)} of {len(CONV_LAYERS)})", hint)
    return ({name: kernels[name] for name in CONV_LAYERS}, {name: biases[name] for name in CONV_LAYERS})


def _conv_layer(path: str, name: str, layer) -> tuple[np.ndarray, np.ndarray]:
    """Validated float32 C-contiguous copies of one layer's kernel and bias."""
    weights = _field(layer, "weights")
    if weights is not None:
        if not (isinstance(weights, np.ndarray) and weights.dtype == object and weights.size == 2):
            count = weights.size if isinstance(weights, np.ndarray) else 1
            raise _error(path, f"layer {name} 'weights' holds {count} entries, expected 2 (kernel, bias)",
                         _REDOWNLOAD)
        kernel, bias = weights.reshape(-1)
    elif _field(layer, "filters") is not None and _field(layer, "biases") is not None:
        kernel, bias = _field(layer, "filters"), _field(layer, "biases")
    else:
        fields = ", ".join(layer.dtype.names or ())
        raise _error(path, f"layer {name} has neither 'weights' nor 'filters'/'biases' (fields: {fields})",
                     _REDOWNLOAD)
    expected = CONV_SHAPES[name]
    if not _is_numeric(kernel) or kernel.shape != expected:
        raise _error(path, f"layer {name} kernel has shape {_shape(kernel)}, expected {expected}",
                     f"the file is not the VGG-19 model — {_REDOWNLOAD}")
    out = expected[3]
    if not _is_numeric(bias) or bias.size != out or max(bias.shape, default=0) != out:
        raise _error(path, f"layer {name} bias has shape {_shape(bias)}, expected ({out},) "
                           f"(stored as {out}×1 or 1×{out})",
                     f"the file is not the VGG-19 model — {_REDOWNLOAD}")
    kernel = np.array(kernel, dtype=np.float32, order="C")
    bias = np.array(bias.reshape(-1), dtype=np.float32)
    if not (np.isfinite(kernel).all() and np.isfinite(bias).all()):
        raise _error(path, f"layer {name} contains NaN or infinite values", f"the file is corrupt — {_REDOWNLOAD}")
    return kernel, bias


def _is_numeric(value) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind in "fiu"


def _shape(value) -> str:
    """Shape for an error message, flagging values that are not numeric arrays."""
    if isinstance(value, np.ndarray):
        return str(tuple(value.shape)) + ("" if value.dtype.kind in "fiu" else f" of {value.dtype}")
    return type(value).__name__


def _mean_pixel(path: str, mat: dict) -> np.ndarray:
    """The RGB mean pixel: 1×1×3 as stored (new layout) or a 224×224×3 image averaged (old layout)."""
    if "meta" in mat:
        where = "meta.normalization.averageImage"
        image = _field(_field(mat["meta"], "normalization"), "averageImage")
    elif "normalization" in mat:
        where = "normalization.averageImage"
        image = _field(mat["normalization"], "averageImage")
    else:
        raise _error(path, "no 'meta' or 'normalization' variable holding the mean pixel (averageImage)",
                     f"the file is not a complete MatConvNet model — {_REDOWNLOAD}")
    if image is None:
        raise _error(path, f"no mean pixel: {where} is missing",
                     f"the file is not a complete MatConvNet model — {_REDOWNLOAD}")
    if not _is_numeric(image) or image.size == 0:
        raise _error(path, f"mean pixel {where} is not a numeric array ({_shape(image)})", _REDOWNLOAD)
    if image.size == 3:
        mean = image.reshape(3).astype(np.float64)
    elif image.ndim == 3 and image.shape[2] == 3:
        mean = image.mean(axis=(0, 1), dtype=np.float64)
    else:
        raise _error(path, f"mean pixel {where} has shape {tuple(image.shape)}, expected 1×1×3 or H×W×3",
                     _REDOWNLOAD)
    if not np.isfinite(mean).all():
        raise _error(path, f"mean pixel {where} contains NaN or infinite values", _REDOWNLOAD)
    return mean.astype(np.float32)
