"""A long-lived sweep worker's memory: the resident size of one process running N small jobs one after another.

    python bench/worker_rss.py [--jobs 50] [--width 24] [--iterations 3] [--tag TAG]
    python bench/worker_rss.py --levels 16 [--width 128] [--iterations 3]

--levels N measures one `--multiscale` run of N levels instead (fractions 0.80 up
to nearly 1 of --width, so every level is about the same size and any growth is
what the levels leave behind): RSS at the end of each level, each level a new graph
and session. Writes bench/results/<date>-multiscale-rss{-TAG}.{json,md,png}.

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


def measure_levels(levels, width, iterations, shared):
    """One --multiscale run of `levels` levels of nearly one size: the RSS when each level ends."""
    from legacy_nst import Config
    from legacy_nst.run.api import stylize

    scales = tuple(round(0.8 + 0.19 * k / max(1, levels - 2), 4) for k in range(levels - 1))
    config = Config(width=width, iterations=iterations * levels, multiscale=scales, multiscale_iterations=(iterations,),
                    init="content", weights=str(shared / "weights" / "vgg19-approx.mat"), memory_limit=0)
    ends, previous = {}, time.perf_counter()

    def observe(iteration, losses, image):
        ends[losses.get("scale", 1.0)] = (round(rss_mb(), 1), time.perf_counter())

    stylize(shared / "images" / "tubingen.jpg", shared / "images" / "starry_night.jpg", config, observe=observe)
    rows = []
    for index, scale in enumerate(sorted(ends), 1):
        rss, at = ends[scale]
        rows.append({"job": index, "rss_mb": rss, "seconds": round(at - previous, 2)})
        previous = at
        print(f"level {index} (scale {scale:g}): {rss:.1f} MB", flush=True)
    return rows


def plot(rows, path, title, unit="job"):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 3.5), dpi=100)
    axes.plot([r["job"] for r in rows], [r["rss_mb"] for r in rows], marker=".")
    axes.axhline(rows[4]["rss_mb"] * 1.1, color="grey", linestyle="--", linewidth=1, label=f"5th {unit} + 10%")
    axes.set_xlabel(f"{unit} (run one after another in one process)")
    axes.set_ylabel("resident memory (MB)")
    axes.set_title(title, fontsize=9)
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write_results(rows, stem, started, what, command):
    """The plot, JSON and table of `rows` (RSS after each unit), and the growth from the 5th to the last."""
    unit, described = what
    fifth, last = rows[4]["rss_mb"], rows[-1]["rss_mb"]
    growth = (last - fifth) / fifth
    title = f"{described}: {growth:+.1%} from the 5th {unit} to the last"
    plot(rows, stem.with_suffix(".png"), title, unit)
    result = {"date": started.isoformat(timespec="seconds"), "command": command, "unit": unit,
              f"rss_after_{unit}_mb": [r["rss_mb"] for r in rows], "seconds": [r["seconds"] for r in rows],
              "growth_5th_to_last": round(growth, 4), "load_after": os.getloadavg()}
    atomic_write(stem.with_suffix(".json"), json.dumps(result, indent=1).encode())
    lines = [f"# {described} ({result['date']})", "",
             f"`{command}`. RSS after the 1st {unit} {rows[0]['rss_mb']:.0f} MB, the 5th {fifth:.0f} MB, the last "
             f"{last:.0f} MB: **{growth:+.1%}** from the 5th to the last (goal: at most +10%).", "",
             f"![RSS per {unit}]({stem.name}.png)", "", f"| {unit} | RSS MB | s |", "|---|---|---|"]
    lines += [f"| {r['job']} | {r['rss_mb']} | {r['seconds']} |" for r in rows]
    atomic_write(stem.with_suffix(".md"), ("\n".join(lines) + "\n").encode())
    print(title)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--width", type=int, default=24)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--levels", type=int, help="measure one --multiscale run of this many levels instead")
    parser.add_argument("--tag", default="")
    parser.add_argument("--shared", default=os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))
    args = parser.parse_args()
    shared = Path(args.shared).resolve()
    started = datetime.datetime.now(datetime.timezone.utc)
    command = "python bench/worker_rss.py " + " ".join(sys.argv[1:])
    kind = "multiscale-rss" if args.levels else "worker-rss"
    stem = REPO / "bench" / "results" / f"{started:%Y-%m-%d}-{kind}{'-' + args.tag if args.tag else ''}"
    if args.levels:
        rows = measure_levels(args.levels, args.width, args.iterations, shared)
        what = ("level", f"A --multiscale run of {len(rows)} levels ({args.width} px at most, {args.iterations} "
                         f"steps each) in one process")
    else:
        with tempfile.TemporaryDirectory(prefix="worker-rss-") as folder:
            spec = sweep_spec.load(spec_file(folder, shared, shared / "weights" / "vgg19-approx.mat", args.jobs,
                                             args.width, args.iterations))
            rows = measure(spec.jobs[:args.jobs], Path(folder) / "out")
        what = ("job", f"{len(rows)} sweep jobs ({args.width} px, {args.iterations} steps) in one process")
    write_results(rows, stem, started, what, command)


if __name__ == "__main__":
    main()
