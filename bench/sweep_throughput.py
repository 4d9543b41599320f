"""Throughput of `legacy-nst sweep --jobs 2` against the same runs one after another through the CLI.

    python bench/sweep_throughput.py [--rounds 2] [--width 128] [--iterations 50] [--tag TAG]

8 jobs (the four shared styles x seeds 0 and 1) of 128 px x 50 Adam steps.
Each round times both ways, each in fresh subprocesses and a fresh output
folder: the sweep (`legacy-nst sweep SPEC --out DIR --jobs 2`, its local Ray
start-up included) and 8 separate `legacy-nst` commands in sequence. Rounds
alternate which goes first (ABBA). Writes bench/results/<date>-sweep-throughput
{.md,.json} with the load average before and after. Issue 12's target:
sweep / sequential <= 0.6.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from legacy_nst.io.atomic import atomic_write  # noqa: E402

STYLES = ("starry_night", "the_scream", "shipwreck", "seated-nude")
SEEDS = (0, 1)


def command():
    return [sys.executable, "-m", "legacy_nst.cli"]


def environment():
    return {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"}


def run_sweep(shared, weights, width, iterations, folder):
    spec = folder / "spec.toml"
    spec.write_text(f'[base]\ncontent = "{shared}/images/tubingen.jpg"\nweights = "{weights}"\nwidth = {width}\n'
                    f'iterations = {iterations}\noptimizer = "adam"\n[axes]\n'
                    f'style = [{", ".join(repr(str(shared / "images" / f"{s}.jpg")) for s in STYLES)}]\n'
                    f'seed = {list(SEEDS)}\n'.replace("'", '"'))
    started = time.perf_counter()
    subprocess.run(command() + ["sweep", str(spec), "--out", str(folder / "out"), "--jobs", "2", "--quiet"],
                   env=environment(), check=True)
    seconds = time.perf_counter() - started
    entries = [json.loads(line) for line in (folder / "out" / "manifest.jsonl").read_text().splitlines()]
    assert [e["status"] for e in entries] == ["completed"] * len(STYLES) * len(SEEDS), entries
    return seconds


def run_sequential(shared, weights, width, iterations, folder):
    started = time.perf_counter()
    for style in STYLES:
        for seed in SEEDS:
            subprocess.run(command() + ["--content", str(shared / "images" / "tubingen.jpg"), "--style",
                                        str(shared / "images" / f"{style}.jpg"), "--output",
                                        str(folder / f"{style}-{seed}.png"), "--weights", str(weights), "--width",
                                        str(width), "--iterations", str(iterations), "--seed", str(seed),
                                        "--optimizer", "adam", "--quiet"], env=environment(), check=True)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared")))
    parser.add_argument("--tag", default="", help="appended to the results file name")
    args = parser.parse_args()
    weights = os.environ.get("LEGACY_NST_WEIGHTS") or args.shared / "weights" / "vgg19-approx.mat"
    load_before = os.getloadavg()
    rounds = []
    for index in range(args.rounds):
        order = ("sweep", "sequential") if index % 2 == 0 else ("sequential", "sweep")
        timing = {}
        for way in order:
            with tempfile.TemporaryDirectory() as folder:
                run = run_sweep if way == "sweep" else run_sequential
                timing[way] = run(args.shared, weights, args.width, args.iterations, Path(folder))
            print(f"round {index + 1}: {way} {timing[way]:.1f} s (load {os.getloadavg()[0]:.1f})", flush=True)
        rounds.append({"order": list(order), **timing, "ratio": timing["sweep"] / timing["sequential"],
                       "load": os.getloadavg()[0]})
    load_after = os.getloadavg()
    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "cpus": os.cpu_count(), "jobs": len(STYLES) * len(SEEDS), "width": args.width,
              "iterations": args.iterations, "load_before": load_before, "load_after": load_after, "rounds": rounds,
              "median_ratio": statistics.median(r["ratio"] for r in rounds),
              "ratio_of_minima": min(r["sweep"] for r in rounds) / min(r["sequential"] for r in rounds)}
    lines = [f"# Sweep throughput ({result['date']})", "",
             f"{result['jobs']} jobs of {args.width} px x {args.iterations} Adam steps on {result['cpus']} CPUs: "
             "`legacy-nst sweep --jobs 2` (its local Ray start-up included) against the same runs one after "
             "another through the CLI. Load average (1, 5, 15 min) before "
             f"{', '.join(f'{x:.1f}' for x in load_before)}, after {', '.join(f'{x:.1f}' for x in load_after)}.", "",
             "| round | order | sweep s | sequential s | sweep / sequential | load after |", "|---|---|---|---|---|---|"]
    for i, r in enumerate(rounds, 1):
        lines.append(f"| {i} | {' then '.join(r['order'])} | {r['sweep']:.1f} | {r['sequential']:.1f} | "
                     f"{r['ratio']:.2f} | {r['load']:.1f} |")
    lines += ["", f"Median of the rounds' ratios: **{result['median_ratio']:.2f}**; ratio of the minima: "
              f"{result['ratio_of_minima']:.2f} (target <= 0.6).", ""]
    out = REPO / "bench" / "results" / f"{result['date'][:10]}-sweep-throughput{'-' + args.tag if args.tag else ''}"
    atomic_write(f"{out}.json", json.dumps(result, indent=1).encode())
    atomic_write(f"{out}.md", "\n".join(lines).encode())
    print("\n".join(lines))


if __name__ == "__main__":
    main()
