"""Peak memory of `load_vgg19` on a full-size synthetic VGG-19 file, uncompressed and compressed.

The real imagenet-vgg-verydeep-19.mat (~510 MB, fc6 alone ~411 MB) cannot be
downloaded here, so this writes one with the real shapes (conv1_1…fc8, random
float32) into a temporary directory, loads it in a fresh Python process and
reports that process's peak RSS increase over its baseline after imports. The
shared conv-only vgg19-approx.mat is measured too when present. Target: ≤ 2×.

Usage: python bench/loader_memory.py
"""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the synthetic-file writer lives with the tests
from matfiles import random_conv_params, write_vgg19_mat  # noqa: E402

SHARED_APPROX = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared")) / "weights" / "vgg19-approx.mat"

# Runs in a fresh interpreter so earlier allocations do not hide the loader's peak. VmHWM (Linux) is
# the peak RSS of this process image; ru_maxrss is not used because Linux carries it over from the
# parent across fork and exec, and this parent has just held the ~600 MB of arrays it wrote.
_MEASURE = """
import sys, time
import numpy, scipy.io
from legacy_nst.vgg.matfile import load_vgg19

def peak_rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))

before = peak_rss()
start = time.perf_counter()
weights = load_vgg19(sys.argv[1])
seconds = time.perf_counter() - start
print(before, peak_rss(), seconds)
"""


def measure(path: Path) -> tuple[int, int, float]:
    """(baseline RSS, peak RSS, load seconds) of a fresh process loading `path`; RSS in bytes."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    output = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], env=env, check=True,
                            capture_output=True, text=True).stdout.split()
    return int(output[0]), int(output[1]), float(output[2])


def report(label: str, path: Path) -> None:
    size = path.stat().st_size
    before, after, seconds = measure(path)
    increase = after - before
    print(f"{label:<28} {size / 2**20:9.1f} MiB {increase / 2**20:11.1f} MiB {increase / size:6.2f}x "
          f"{seconds:6.2f} s", flush=True)


def main() -> None:
    print(f"{'file':<28} {'size':>13} {'peak RSS +':>15} {'ratio':>7} {'load':>8}", flush=True)
    if SHARED_APPROX.exists():
        report("vgg19-approx.mat (conv only)", SHARED_APPROX)
    params = random_conv_params(seed=0)
    with tempfile.TemporaryDirectory(prefix="vgg19-bench-") as directory:
        for compressed in (False, True):
            path = Path(directory) / f"vgg19-full-{'compressed' if compressed else 'plain'}.mat"
            start = time.perf_counter()
            write_vgg19_mat(path, params, with_fc=True, fc_full_size=True, do_compression=compressed)
            print(f"  (wrote {path.name} in {time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)
            report(f"full, {'compressed' if compressed else 'uncompressed'}", path)
            path.unlink()


if __name__ == "__main__":
    main()
