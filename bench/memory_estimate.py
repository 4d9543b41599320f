"""legacy_nst.run.memory's estimate against the measured peak RSS of real runs.

Each case runs in a fresh Python process: import TensorFlow, load the shared
vgg19-approx.mat, note the RSS (what the estimate is compared against: the
memory check runs at this point), make the run's plan (tiled as --tile says;
`auto` against the memory available now), run `stylize`, and report the peak
RSS (VmHWM) above that baseline beside the plan's estimate. Random content and
style images, so the size is exact.

L-BFGS runs M + 2 iterations: scipy allocates its 2·M correction vectors with
calloc, so they only become resident as the history fills.

--record PATH writes PATH.json (every case with its configuration, measured peak
and estimate by part) and PATH.md (the table). --from-json PATH.json re-estimates
recorded cases with the current model without running them again (for a refit).

Usage: python bench/memory_estimate.py [WxH ...] [--optimizers adam,lbfgs] [--iterations N] [--tile off|auto|N]
           [--precision float32|bfloat16] [--lbfgs-implementation scipy|float32] [--lbfgs-num-correction M]
           [--record PATH [--append]] [--from-json PATH.json]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
WEIGHTS = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared")) / "weights" / "vgg19-approx.mat"

_MEASURE = """
import json, sys
import numpy as np
from legacy_nst import Config
from legacy_nst.run.api import stylize
from legacy_nst.vgg.matfile import load_vgg19

def status(field):
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) * 1024 for line in handle if line.startswith(field + ":"))

options, weights = json.loads(sys.argv[1]), sys.argv[2]
vgg = load_vgg19(weights)
rng = np.random.RandomState(0)
content, style = (rng.randint(0, 256, (options["height"], options["width"], 3)).astype(np.uint8) for _ in range(2))
config = Config(init="content", **options)
baseline = status("VmRSS")
result = stylize(content, style, config, vgg=vgg)  # its plan: run.plan.make_plan at the content's size
print(json.dumps({"baseline": baseline, "peak": status("VmHWM") - baseline, "tile": result.plan.levels[-1].tile,
                  "s_per_iter": result.s_per_iter}))
"""


def measure(options):
    """One case in a fresh process: its baseline RSS, the peak above it, and the tile its plan chose."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(options), str(WEIGHTS)], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def estimate_parts(options, tile):
    """The current model's estimate of a recorded case (its tile as run), by part, in bytes."""
    from legacy_nst import Config
    from legacy_nst.run.memory import check_fits

    config = Config(init="content", **{**options, "tile": "off" if tile is None else str(tile), "memory_limit": 0})
    parts = check_fits(options["height"], options["width"], config)
    return {"total": parts.total, "runtime": parts.runtime, "weights": parts.weights,
            "feature_maps": parts.feature_maps, "optimizer": parts.optimizer, "images": parts.images}


def cases(args):
    for size in args.sizes:
        width, height = map(int, size.lower().split("x"))
        for optimizer in args.optimizers.split(","):
            iterations = args.iterations if optimizer != "lbfgs" else max(args.iterations,
                                                                          args.lbfgs_num_correction + 2)
            options = dict(width=width, height=height, optimizer=optimizer, iterations=iterations,
                           lbfgs_num_correction=args.lbfgs_num_correction, precision=args.precision,
                           lbfgs_implementation=args.lbfgs_implementation, tile=args.tile,
                           memory_limit=None if args.tile == "auto" else 0)
            yield options


HEADER = (f"| size | optimizer | tile | baseline MB | measured MB | estimate MB | est/meas | s/iter |\n"
          f"|---|---|---|---|---|---|---|---|")


def table_row(case):
    options, tile = case["options"], case["tile"]
    return (f"| {options['width']}x{options['height']} | {options['optimizer']} "
            f"{options['precision']}{' ' + options['lbfgs_implementation'] if options['optimizer'] == 'lbfgs' else ''}"
            f" | {tile or 'off'} | {case['baseline'] / 1e6:.0f} | {case['peak'] / 1e6:.0f} | "
            f"{case['estimate']['total'] / 1e6:.0f} | {case['estimate']['total'] / case['peak']:.2f} | "
            f"{case['s_per_iter'] if case['s_per_iter'] is None else round(case['s_per_iter'], 2)} |")


def record(path, recorded, command):
    from legacy_nst.io.atomic import atomic_write

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    body = {"command": command, "cpu": cpu, "date": time.strftime("%Y-%m-%d"), "cases": recorded}
    atomic_write(Path(str(path) + ".json"), (json.dumps(body, indent=1) + "\n").encode())
    text = (f"# Memory estimate against measured peak RSS, {body['date']}\n\n`{command}`; CPU: {cpu}.\n"
            f"MB above the RSS once the weights are loaded (VmHWM - VmRSS).\n\n{HEADER}\n"
            + "\n".join(table_row(case) for case in recorded) + "\n")
    atomic_write(Path(str(path) + ".md"), text.encode())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=["128x96", "400x300", "800x600"])
    parser.add_argument("--optimizers", default="adam,lbfgs")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--tile", default="off", help="off, auto or a core size, as legacy-nst --tile")
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--lbfgs-implementation", default="scipy")
    parser.add_argument("--lbfgs-num-correction", type=int, default=100,
                        help="L-BFGS runs M + 2 iterations, so all M correction pairs are in memory")
    parser.add_argument("--record", type=Path, help="write PATH.json and PATH.md")
    parser.add_argument("--append", action="store_true", help="with --record: keep the cases PATH.json holds")
    parser.add_argument("--from-json", type=Path, help="re-estimate a recorded run's cases without running them")
    args = parser.parse_args()
    command = "python bench/memory_estimate.py " + " ".join(sys.argv[1:])
    if args.from_json:
        previous = json.loads(args.from_json.read_text())
        recorded = previous["cases"]
        command = f"{previous['command']}; re-estimated by {command}"
        for case in recorded:
            case["estimate"] = estimate_parts(case["options"], case["tile"])
        print(HEADER + "\n" + "\n".join(table_row(case) for case in recorded))
    else:
        recorded = []
        print(HEADER, flush=True)
        for options in cases(args):
            measured = measure(options)
            recorded.append({"options": options, **measured, "estimate": estimate_parts(options, measured["tile"])})
            print(table_row(recorded[-1]), flush=True)
    if args.record:
        earlier = Path(str(args.record) + ".json")
        if args.append and earlier.exists():
            previous = json.loads(earlier.read_text())
            recorded = previous["cases"] + recorded
            command = previous["command"] + "; " + command
        record(args.record, recorded, command)


if __name__ == "__main__":
    main()
