"""A long-lived sweep worker's memory: the resident size of one process running N small jobs one after another.

    python bench/worker_rss.py [--jobs 50] [--width 24] [--iterations 3] [--tag TAG]

What a Ray worker does between tasks, without Ray: `sweep.jobs.run_job` called
N times in this process on the jobs of a spec (tubingen in the shared styles,
a seed axis making them N distinct jobs), the weights kept loaded between jobs
as a worker keeps them. After each job, VmRSS from /proc/self/status. Writes
bench/results/<date>-worker-rss{-TAG}.{json,md,png}: the RSS after every job, and
the growth from the 5th job to the last (the goal: at most 10%).
"""
import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(name, "1")  # a worker of a --jobs 2 sweep on this 2-core machine
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from legacy_nst.io.atomic import atomic_write  # noqa: E402
from legacy_nst.sweep import spec as sweep_spec  # noqa: E402
from legacy_nst.sweep.jobs import run_job  # noqa: E402

STYLES = ("starry_night", "the_scream", "shipwreck", "seated-nude")


def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


def spec_file(folder, shared, weights, jobs, width, iterations):
    seeds = list(range((jobs + len(STYLES) - 1) // len(STYLES)))
    styles = ", ".join(f'"{shared}/images/{s}.jpg"' for s in STYLES)
    path = Path(folder) / "spec.toml"
    path.write_text(f'[base]\ncontent = "{shared}/images/tubingen.jpg"\nweights = "{weights}"\nwidth = {width}\n'
                    f'iterations = {iterations}\n[axes]\nstyle = [{styles}]\nseed = {seeds}\n')
    return path


def measure(jobs, out_dir):
    rows = []
    for index, job in enumerate(jobs, 1):
        started = time.perf_counter()
        result = run_job(job, out_dir)
        assert result["status"] == "completed", result
        rows.append({"job": index, "rss_mb": round(rss_mb(), 1), "seconds": round(time.perf_counter() - started, 2)})
        print(f"job {index}: {rows[-1]['rss_mb']:.1f} MB, {rows[-1]['seconds']:.2f} s", flush=True)
    return rows


def plot(rows, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 3.5), dpi=100)
    axes.plot([r["job"] for r in rows], [r["rss_mb"] for r in rows], marker=".")
    axes.axhline(rows[4]["rss_mb"] * 1.1, color="grey", linestyle="--", linewidth=1, label="5th job + 10%")
    axes.set_xlabel("job (run one after another in one process)")
    axes.set_ylabel("resident memory (MB)")
    axes.set_title(title, fontsize=9)
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--width", type=int, default=24)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--tag", default="")
    parser.add_argument("--shared", default=os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))
    args = parser.parse_args()
    shared = Path(args.shared).resolve()
    started = datetime.datetime.now(datetime.timezone.utc)
    with tempfile.TemporaryDirectory(prefix="worker-rss-") as folder:
        spec = sweep_spec.load(spec_file(folder, shared, shared / "weights" / "vgg19-approx.mat", args.jobs,
                                         args.width, args.iterations))
        rows = measure(spec.jobs[:args.jobs], Path(folder) / "out")
    fifth, last = rows[4]["rss_mb"], rows[-1]["rss_mb"]
    growth = (last - fifth) / fifth
    stem = REPO / "bench" / "results" / f"{started:%Y-%m-%d}-worker-rss{'-' + args.tag if args.tag else ''}"
    title = (f"{len(rows)} sweep jobs ({args.width} px, {args.iterations} steps) in one process: "
             f"{growth:+.1%} from the 5th job to the last")
    plot(rows, stem.with_suffix(".png"), title)
    result = {"date": started.isoformat(timespec="seconds"), "jobs": len(rows), "width": args.width,
              "iterations": args.iterations, "rss_after_job_mb": [r["rss_mb"] for r in rows],
              "seconds": [r["seconds"] for r in rows], "growth_5th_to_last": round(growth, 4),
              "load_after": os.getloadavg()}
    atomic_write(stem.with_suffix(".json"), json.dumps(result, indent=1).encode())
    lines = [f"# A sweep worker's memory over {len(rows)} jobs ({result['date']})", "",
             f"`python bench/worker_rss.py --jobs {args.jobs} --width {args.width} --iterations {args.iterations}`: "
             f"`sweep.jobs.run_job` {len(rows)} times in one process, one thread. RSS after the 1st job "
             f"{rows[0]['rss_mb']:.0f} MB, the 5th {fifth:.0f} MB, the last {last:.0f} MB: **{growth:+.1%}** from "
             f"the 5th to the last (goal: at most +10%).", "", f"![RSS per job]({stem.name}.png)", "",
             "| job | RSS MB | s |", "|---|---|---|"] + [f"| {r['job']} | {r['rss_mb']} | {r['seconds']} |"
                                                            for r in rows]
    atomic_write(stem.with_suffix(".md"), ("\n".join(lines) + "\n").encode())
    print(title)


if __name__ == "__main__":
    main()
