"""Seconds per step of two commits side by side: the same run, alternating between the trees.

    python bench/commits.py OLD_COMMIT [NEW_COMMIT] [--size 256] [--steps 20] [--rounds 4] [--out FILE]

Each commit is checked out with `git worktree add --detach` into a temporary
folder; every round runs one process per commit (the order alternating), each
doing the same Adam run through the public API (`legacy_nst.stylize`) and
reporting its step times (wall and process CPU time). A ratio is new/old of
the per-round medians; the report gives the median over rounds, the ratio of
the minima, the CPU-time ratio (less sensitive to a busy machine) and the load.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))

WORKER = """
import json, sys, time
import legacy_nst
size, steps, weights, content, style = json.loads(sys.argv[1])
times, cpu = [], []
last = [None]
def observe(iteration, losses, image):
    now = (time.perf_counter(), time.process_time())
    if last[0] is not None:
        times.append(now[0] - last[0][0])
        cpu.append(now[1] - last[0][1])
    last[0] = now
result = legacy_nst.stylize(content, style, width=size, height=size, iterations=steps, init="content",
                            weights=weights, observe=observe)
print(json.dumps({"times": times[1:], "cpu": cpu[1:], "final": result.history[-1]["total"], "file": legacy_nst.__file__}))
"""


def checkout(commit, folder):
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-f", str(folder), commit], check=True,
                   capture_output=True)


def run(tree, args):
    env = {**os.environ, "PYTHONPATH": str(tree), "TF_CPP_MIN_LOG_LEVEL": "2"}
    spec = json.dumps([args.size, args.steps, str(SHARED / "weights" / "vgg19-approx.mat"),
                       str(SHARED / "images" / "tubingen.jpg"), str(SHARED / "images" / "starry_night.jpg")])
    done = subprocess.run([sys.executable, "-c", WORKER, spec], env=env, cwd=tree, capture_output=True, text=True,
                          check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["file"].startswith(str(tree)), out["file"]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?", default="HEAD")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        trees = {name: Path(scratch) / name for name in ("old", "new")}
        for name, commit in (("old", args.old), ("new", args.new)):
            checkout(commit, trees[name])
        load_start = os.getloadavg()
        rounds = []
        try:
            for index in range(args.rounds):
                order = ("old", "new") if index % 2 == 0 else ("new", "old")
                got = {name: run(trees[name], args) for name in order}
                medians = {name: float(np.median(got[name]["times"])) for name in got}
                cpu = {name: float(np.median(got[name]["cpu"])) for name in got}
                rounds.append({"order": order, "medians": medians, "cpu_medians": cpu,
                               "finals": {n: got[n]["final"] for n in got}})
                print(f"round {index + 1}: old {medians['old']:.3f} s/step, new {medians['new']:.3f} s/step, "
                      f"new/old {medians['new'] / medians['old']:.3f}; CPU s/step old {cpu['old']:.3f}, new "
                      f"{cpu['new']:.3f}, new/old {cpu['new'] / cpu['old']:.3f}", flush=True)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                               capture_output=True)
    ratios = [r["medians"]["new"] / r["medians"]["old"] for r in rounds]
    cpu_ratios = [r["cpu_medians"]["new"] / r["cpu_medians"]["old"] for r in rounds]
    minima = {name: min(r["medians"][name] for r in rounds) for name in ("old", "new")}
    report = {"date": time.strftime("%Y-%m-%d %H:%M"), "old": args.old, "new": args.new, "size": args.size,
              "steps": args.steps, "rounds": rounds, "ratio_median": float(np.median(ratios)),
              "ratio_of_minima": minima["new"] / minima["old"], "cpu_ratio_median": float(np.median(cpu_ratios)),
              "loadavg_start": load_start,
              "loadavg_end": os.getloadavg()}
    print(f"new/old s/step: median of rounds {report['ratio_median']:.3f}, ratio of minima "
          f"{report['ratio_of_minima']:.3f} (old {minima['old']:.3f}, new {minima['new']:.3f} s/step); CPU time "
          f"per step, median of rounds {report['cpu_ratio_median']:.3f}; "
          f"final losses old {rounds[0]['finals']['old']:.7g}, new {rounds[0]['finals']['new']:.7g}; load "
          f"{load_start[0]:.1f} -> {report['loadavg_end'][0]:.1f}")
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
