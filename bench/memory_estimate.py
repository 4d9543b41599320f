"""legacy_nst.run.memory's estimate against the measured peak RSS of real runs.

Each (size, optimizer) runs in a fresh Python process: import TensorFlow, load
the shared vgg19-approx.mat, note the RSS (what the estimate is compared
against: the memory check runs at this point), run `stylize` for a few
iterations, and report the peak RSS (VmHWM) above that baseline beside the
estimate. Random content and style images, so the size is exact.

L-BFGS runs M + 2 iterations: scipy allocates its 2·M correction vectors with
calloc, so they only become resident as the history fills.

Usage: python bench/memory_estimate.py [WxH ...] [--optimizers adam,lbfgs] [--iterations N]
                                       [--lbfgs-num-correction M]
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WEIGHTS = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared")) / "weights" / "vgg19-approx.mat"

_MEASURE = """
import sys
import numpy as np
from legacy_nst import Config
from legacy_nst.run.memory import estimate
from legacy_nst.run.stylize import stylize
from legacy_nst.vgg.matfile import load_vgg19

def status(field):
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) * 1024 for line in handle if line.startswith(field + ":"))

width, height, optimizer, iterations, corrections, weights = (int(sys.argv[1]), int(sys.argv[2]), sys.argv[3],
                                                             int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
vgg = load_vgg19(weights)
rng = np.random.RandomState(0)
content, style = (rng.randint(0, 256, (height, width, 3)).astype(np.uint8) for _ in range(2))
config = Config(width=width, height=height, optimizer=optimizer, iterations=iterations, init="content",
                lbfgs_num_correction=corrections, memory_limit=0)
baseline = status("VmRSS")
result = stylize(content, style, config, vgg=vgg)
print(baseline, status("VmHWM") - baseline, estimate(height, width, config).total, result.s_per_iter)
"""


def measure(width, height, optimizer, iterations, corrections):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(width), str(height), optimizer, str(iterations),
                           str(corrections), str(WEIGHTS)], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    baseline, peak, estimated, s_per_iter = done.stdout.split()
    return int(baseline), int(peak), int(estimated), float(s_per_iter)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=["128x96", "400x300", "800x600"])
    parser.add_argument("--optimizers", default="adam,lbfgs")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--lbfgs-num-correction", type=int, default=100,
                        help="L-BFGS runs M + 2 iterations, so all M correction pairs are in memory")
    args = parser.parse_args()
    print(f"{'size':>9} {'optimizer':>9} {'baseline':>9} {'measured':>9} {'estimate':>9} {'est/meas':>8} "
          f"{'s/iter':>7}   (MB above the RSS after loading the weights)")
    for size in args.sizes:
        width, height = map(int, size.lower().split("x"))
        for optimizer in args.optimizers.split(","):
            iterations = args.iterations if optimizer != "lbfgs" else max(args.iterations,
                                                                          args.lbfgs_num_correction + 2)
            baseline, peak, estimated, s_per_iter = measure(width, height, optimizer, iterations,
                                                            args.lbfgs_num_correction)
            print(f"{size:>9} {optimizer:>9} {baseline / 1e6:9.0f} {peak / 1e6:9.0f} {estimated / 1e6:9.0f} "
                  f"{estimated / peak:8.2f} {s_per_iter:7.2f}", flush=True)


if __name__ == "__main__":
    main()
