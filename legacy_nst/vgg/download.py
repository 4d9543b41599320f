"""Fetch the official VGG-19 MatConvNet weights, find the file a run uses, and check a weights file.

The file is about 510 MB, so the download streams to `<name>.part`, resumes an
interrupted transfer with an HTTP Range request, and only gives the file its
final name once its sha256 matches: a file at the final name is always good.
"""
import hashlib
import http.client
import os
import re
import urllib.error
import urllib.request
from pathlib import Path

from ..config import DEFAULT_WEIGHTS, PROGRAM, WEIGHTS_ENV, Weights, find_weights
from ..config.weights import approximate_note, approximate_weights
from ..errors import WeightsError
from ..io.checksums import sha256_file
from ..io.paths import PHRASES, path_kind
from .matfile import VGG19_FILENAME, VGG19_SHA256, VGG19_URL, load_vgg19
from ..vgg19 import CONV_LAYERS, CONV_SHAPES

_CHUNK = 1 << 16
# Everything a dropped, reset or stalled connection can raise while reading
# (URLError and socket timeouts are OSErrors; IncompleteRead is not).
_NETWORK_ERRORS = (OSError, http.client.HTTPException)
DOWNLOAD_COMMAND = f"'{PROGRAM} weights download'"
# Every download error ends with the other ways to give the network its weights.
OTHERWISE = f"or use a copy you have with --weights PATH or ${WEIGHTS_ENV}"


def download_weights(dest_dir="weights", url=VGG19_URL, sha256=VGG19_SHA256,
                     progress=None, timeout=60, filename=VGG19_FILENAME):
    """Download the weights into `dest_dir/filename` and return that path.

    `progress(name, total, initial)`, when given, makes the bar the bytes are reported to: an object with
    update(done) and close() (cli.progress.download_bar); `total` may be None, `initial` is a resumed offset.

    An existing file with the right sha256 is returned untouched. A `.part` file
    left by an interrupted run is resumed. Raises WeightsError on network errors
    (keeping the `.part` file) and on a sha256 mismatch (deleting it).
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / filename
    part = dest / (filename + ".part")
    expected = sha256.lower()

    if final.exists():
        got = sha256_file(final)
        if got == expected:
            return final
        raise WeightsError(
            f"{final} already exists but its sha256 is {got}, not {expected}; "
            f"move or delete it and rerun {DOWNLOAD_COMMAND} to download a fresh copy, {OTHERWISE}")

    # At most one restart from zero: after a 416 whose part file is bad, or a
    # 206 that does not start where the part file ends.
    for attempt in range(2):
        outcome = _fetch(url, part, timeout, progress)
        if outcome == "restart":
            continue
        got = sha256_file(part)
        if got == expected:
            os.replace(part, final)
            return final
        part.unlink()
        if outcome == "416" and attempt == 0:
            continue
        raise WeightsError(
            f"downloaded {filename} is corrupt: sha256 {got}, expected {expected}; "
            f"the bad file was deleted, rerun {DOWNLOAD_COMMAND} to download it again "
            f"(if it fails again, the server at {url} is serving a different file), {OTHERWISE}")
    raise WeightsError(f"the server at {url} keeps answering resume requests wrongly; "
                       f"delete {part} and rerun {DOWNLOAD_COMMAND}, {OTHERWISE}")


def locate_weights(download=False, fallback=None, url=VGG19_URL, progress=None) -> Weights:
    """The weights a run without --weights uses, by config.weights' rule, for `legacy-nst weights locate`.

    With `download`, when neither $LEGACY_NST_WEIGHTS nor weights/imagenet-vgg-verydeep-19.mat names a file,
    that file is fetched first; when the network cannot be reached, the rule's approximate weights (or an
    existing `fallback` instead) are used, the note saying why.
    """
    if not download or os.environ.get(WEIGHTS_ENV) or DEFAULT_WEIGHTS.is_file():
        return find_weights()
    approximate = Path(fallback) if fallback else approximate_weights()
    try:
        return Weights(download_weights(DEFAULT_WEIGHTS.parent, url=url, progress=progress), "default")
    except OfflineError as offline:
        if not approximate.is_file():
            raise
        return Weights(approximate, "approximate", f"cannot download the VGG-19 weights ({offline.reason}); "
                                                   f"{approximate_note(approximate)}")


def _fetch(url, part, timeout, progress):
    """Bring `part` up to the full remote file; return '200', '206', '416' or 'restart'."""
    offset = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": "legacy-nst", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                          timeout=timeout)
    except urllib.error.HTTPError as e:
        e.close()
        if e.code == 416 and offset:
            return "416"  # the part file is already complete (or too big): let the caller check
        raise WeightsError(f"cannot download {url}: the server answered HTTP {e.code} {e.reason}; "
                           f"rerun {DOWNLOAD_COMMAND} later{_resume_hint(part, offset)}, {OTHERWISE}") from None
    except _NETWORK_ERRORS as e:
        raise OfflineError(f"cannot download {url}: {_reason(e)}; check the network and rerun {DOWNLOAD_COMMAND}"
                           f"{_resume_hint(part, offset)}, {OTHERWISE}", _reason(e)) from None

    with response:
        length = response.headers.get("Content-Length")
        length = int(length) if length and length.isdigit() else None
        if response.status == 206 and offset:
            match = re.match(r"bytes (\d+)-\d+/(\d+|\*)",
                             response.headers.get("Content-Range", ""))
            if not match or int(match[1]) != offset:
                part.unlink()
                return "restart"
            total = int(match[2]) if match[2] != "*" else (
                offset + length if length is not None else None)
            mode = "ab"
        else:
            # 200: the server sent the whole file (it ignored or was not sent a Range).
            offset, total, mode = 0, length, "wb"

        done = offset
        bar = progress(part.name[:-len(".part")], total, offset) if progress else _NoBar()
        try:
            with open(part, mode) as out:
                while True:
                    try:
                        block = response.read1(_CHUNK)
                    except _NETWORK_ERRORS as e:
                        raise OfflineError(_interrupted(part, done, total, _reason(e)), _reason(e)) from None
                    if not block:
                        break
                    try:
                        out.write(block)
                    except OSError as e:
                        raise WeightsError(f"cannot write {part}: {e.strerror or e}") from None
                    done += len(block)
                    bar.update(done)
                out.flush()
                os.fsync(out.fileno())
        finally:
            bar.close()
        # http.client returns an empty read, not an error, when the server closes early.
        if total is not None and done < total:
            raise OfflineError(_interrupted(part, done, total, "connection closed early"), "connection closed early")
        return "206" if mode == "ab" else "200"


class OfflineError(WeightsError):
    """The download could not reach the server, or lost it midway: `reason` says how."""

    def __init__(self, message, reason):
        super().__init__(message)
        self.reason = reason


class _NoBar:
    def update(self, done):
        pass

    def close(self):
        pass


def _reason(error):
    """Short human text for a network exception."""
    if isinstance(error, urllib.error.URLError) and not isinstance(error.reason, str):
        error = error.reason
    return str(error) or type(error).__name__


def _interrupted(part, done, total, reason):
    of = f" of {total:,}" if total is not None else ""
    return (f"download interrupted at {done:,}{of} bytes ({reason}); rerun the same command to resume it "
            f"({DOWNLOAD_COMMAND}; the partial file {part} is kept), {OTHERWISE}")


def _resume_hint(part, offset):
    if not offset:
        return ""
    return f" ({offset:,} bytes are kept in {part}; rerunning resumes)"


def describe_weights(path, expected_sha256=None):
    """Facts about a weights file, for `legacy-nst weights verify PATH`.

    Compares the sha256 with `expected_sha256` (default: the official download)
    and loads the file to check its layout, conv layers and mean pixel.
    Raises WeightsError if the file is missing or cannot be loaded.
    """
    path = Path(path)
    kind = path_kind(path)
    if kind == "missing":
        raise WeightsError(f"{path}: no such file; download it with `legacy-nst weights download`")
    if kind != "file":
        raise WeightsError(f"{path}: {PHRASES[kind]}; give the path of the .mat file")
    expected = (expected_sha256 or VGG19_SHA256).lower()
    digest = sha256_file(path)
    weights = load_vgg19(path)

    bad = []
    for name in CONV_LAYERS:
        kernel, bias = weights.kernels.get(name), weights.biases.get(name)
        want = tuple(CONV_SHAPES[name])
        if kernel is None or bias is None:
            bad.append(f"{name} missing")
        elif tuple(kernel.shape) != want or bias.size != want[-1]:
            bad.append(f"{name} kernel {tuple(kernel.shape)} bias {tuple(bias.shape)}, "
                       f"expected kernel {want}")
    return {
        "path": str(path),
        "size": path.stat().st_size,
        "sha256": digest,
        "expected_sha256": expected,
        "expected_is_official": expected == VGG19_SHA256,
        "sha256_ok": digest == expected,
        "layout": weights.layout,
        "conv_layers": sum(name in weights.kernels for name in CONV_LAYERS),
        "expected_conv_layers": len(CONV_LAYERS),
        "shapes_ok": not bad,
        "shape_problems": bad,
        "mean_pixel": [float(v) for v in weights.mean_pixel],
    }


def format_description(desc):
    """Readable multi-line text for the dict returned by describe_weights."""
    which = "official file" if desc["expected_is_official"] else "expected value"
    if desc["sha256_ok"]:
        check = f"matches the {which}"
    else:
        check = f"differs from the {which} {desc['expected_sha256']}"
    shapes = "ok" if desc["shapes_ok"] else "WRONG: " + "; ".join(desc["shape_problems"])
    mean = ", ".join(f"{v:.3f}" for v in desc["mean_pixel"])
    return "\n".join([
        f"file:        {desc['path']}",
        f"size:        {desc['size']:,} bytes",
        f"sha256:      {desc['sha256']} ({check})",
        f"layout:      {desc['layout']} MatConvNet format",
        f"conv layers: {desc['conv_layers']} of {desc['expected_conv_layers']}, shapes {shapes}",
        f"mean pixel:  RGB [{mean}]",
    ])
