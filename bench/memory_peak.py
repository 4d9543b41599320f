"""The whole process's peak RSS of real runs against the plan's memory estimate (issue 31).

Each case is one `python -m legacy_nst` run in a fresh process, as a user types it: default options (Adam,
float32, the graph engine, noise start), the weights the project's rule finds (no --weights: the shared
vgg19-approx.mat beside the repository), random content and style PNGs of exactly the working size, `--tile off`
or `--tile N`, `--memory-limit 0` (this script guards the machine instead, below) and a few iterations. The
measured peak is the child's own ru_maxrss from os.wait4 (its VmHWM: Python, TensorFlow's runtime, the weights,
the decoded inputs and every array the run makes), the estimate the plan's (`memory_bytes` in --log-json) and
the current model's (legacy_nst.run.memory.check_fits, for a refit).

The machine is shared: before each case whose current estimate is above 2 GB, `MemAvailable` must exceed the
estimate + 3 GB, else the case is recorded as skipped. Run the largest cases last.

--record PATH writes PATH.json (every case: options, measured peak, estimates, seconds) and PATH.md (the table
with the CPU). --append keeps PATH.json's cases. --from-json PATH.json re-estimates recorded cases with the
current model without running them.

Usage: python bench/memory_peak.py [WxH[@TILE] ...] [--iterations N] [--record PATH [--append]] [--from-json F]
  (default cases: 256x256 512x512 800x600 1600x1200 3000x2000 1600x1200@512 3000x2000@512 6000x4000@512)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEFAULT_CASES = ["256x256", "512x512", "800x600", "1600x1200", "1600x1200@512", "3000x2000@512", "3000x2000",
                 "6000x4000@512"]
MARGIN = 3e9  # what must stay free besides the estimate for a case to run


def parse_case(text):
    size, _, tile = text.partition("@")
    width, height = map(int, size.lower().split("x"))
    return {"width": width, "height": height, "tile": tile or "off"}


def cpu_name():
    done = subprocess.run(["lscpu"], capture_output=True, text=True)
    return next((line.split(":", 1)[1].strip() for line in done.stdout.splitlines()
                 if line.startswith("Model name")), "unknown")


def current_estimate(case):
    """The current model's estimate of the case as it runs (its tile, no memory check), bytes."""
    from legacy_nst import Config
    from legacy_nst.run.memory import check_fits

    config = Config(tile=case["tile"], memory_limit=0)
    return check_fits(case["height"], case["width"], config).total


def available():
    with open("/proc/meminfo") as meminfo:
        return next(int(line.split()[1]) * 1024 for line in meminfo if line.startswith("MemAvailable:"))


def write_inputs(folder, width, height):
    """Random content and style PNGs of exactly the working size (their pixels do not matter to memory)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    paths = []
    for name in ("content", "style"):
        pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        path = Path(folder) / f"{name}.png"
        Image.fromarray(pixels).save(path, compress_level=1)
        paths.append(path)
    return paths


def run_case(case, iterations):
    """One run in a fresh process: its peak RSS (bytes), the plan's estimate and its wall seconds."""
    with tempfile.TemporaryDirectory(prefix="memory-peak-") as folder:
        content, style = write_inputs(folder, case["width"], case["height"])
        log = Path(folder) / "log.json"
        command = [sys.executable, "-m", "legacy_nst.cli", "--content", str(content), "--style", str(style),
                   "--output", str(Path(folder) / "out.png"), "--width", str(case["width"]), "--height",
                   str(case["height"]), "--iterations", str(iterations), "--tile", case["tile"], "--memory-limit",
                   "0", "--log-json", str(log), "--quiet"]
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
        env.pop("LEGACY_NST_WEIGHTS", None)
        started = time.time()
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stderr = child.stderr.read().decode(errors="replace")
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            raise SystemExit(f"{case}: exit {child.returncode}\n{stderr}")
        plan = json.loads(log.read_text())["plan"][-1]
        return {"peak": usage.ru_maxrss * 1024, "plan_estimate": plan["memory_bytes"], "plan_tile": plan["tile"],
                "seconds": round(time.time() - started, 1)}


HEADER = ("| size | tile | iterations | measured peak MB | estimate MB | est/meas | plan's estimate when run, MB "
          "| s |\n|---|---|---|---|---|---|---|---|")


def table_row(entry):
    """One case: its peak, the current model's estimate, and the estimate the plan printed when it ran."""
    case = entry["case"]
    head = f"| {case['width']}x{case['height']} | {case['tile']} | {entry['iterations']} |"
    if entry.get("skipped"):
        return f"{head} skipped: {entry['skipped']} | {entry['estimate'] / 1e6:.0f} | | | |"
    return (f"{head} {entry['peak'] / 1e6:.0f} | {entry['estimate'] / 1e6:.0f} | "
            f"{entry['estimate'] / entry['peak']:.2f} | {entry['plan_estimate'] / 1e6:.0f} "
            f"({entry['plan_estimate'] / entry['peak']:.2f}) | {entry['seconds']} |")


def measure_case(case, iterations):
    needed = current_estimate(case)
    entry = {"case": case, "iterations": iterations, "estimate": needed}
    free = available()
    if needed > 2e9 and free < needed + MARGIN:
        entry["skipped"] = f"{free / 1e9:.1f} GB available < estimate + {MARGIN / 1e9:.0f} GB"
        return entry
    return {**entry, **run_case(case, iterations)}


def record(path, entries, command):
    body = {"command": command, "cpu": cpu_name(), "date": time.strftime("%Y-%m-%d"), "cases": entries}
    Path(str(path) + ".json").write_text(json.dumps(body, indent=1) + "\n")
    text = (f"# Whole-process peak RSS against the memory estimate, {body['date']}\n\n`{command}`\n\n"
            f"CPU: {body['cpu']}. Default options (Adam, float32, graph engine, noise start), the shared "
            f"vgg19-approx.mat, one fresh process per row; measured: the child's ru_maxrss (VmHWM), MB = 1e6 bytes."
            f"\n\n{HEADER}\n" + "\n".join(table_row(entry) for entry in entries) + "\n")
    Path(str(path) + ".md").write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=DEFAULT_CASES, help="WxH or WxH@TILE")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--record", type=Path)
    parser.add_argument("--append", action="store_true")
    parser.add_argument("--from-json", type=Path)
    args = parser.parse_args()
    command = "python bench/memory_peak.py " + " ".join(sys.argv[1:])
    if args.from_json:
        previous = json.loads(args.from_json.read_text())
        entries, command = previous["cases"], f"{previous['command']}; re-estimated by {command}"
        for entry in entries:
            entry["estimate"] = current_estimate(entry["case"])
    else:
        entries = []
        if args.append and args.record and Path(str(args.record) + ".json").exists():
            previous = json.loads(Path(str(args.record) + ".json").read_text())
            entries, command = previous["cases"], previous["command"] + "; " + command
        print(HEADER, flush=True)
        for text in args.cases:
            entries.append(measure_case(parse_case(text), args.iterations))
            print(table_row(entries[-1]), flush=True)
            if args.record:
                record(args.record, entries, command)
    print(HEADER + "\n" + "\n".join(table_row(entry) for entry in entries))
    if args.record:
        record(args.record, entries, command)


if __name__ == "__main__":
    main()
