"""Tiles on Ray workers against the in-process tiled run: s/iter, bytes moved and compute per tile.

    python bench/ray_tiles.py [--size 2048x1536] [--tile 512] [--workers 2] [--iterations 4] [--rounds 3] [--tag NAME]

One CLI process per run, alternating the order each round: `--tile T` in this process with TensorFlow's
pools at --workers threads, against `--tile T --workers N` (a local Ray instance on 127.0.0.1, N workers of
one thread each). s/iter is the log's (median of the steps after the first). From the worker runs' logs:
the bytes one gradient evaluation moved between driver and workers, and each tile's compute seconds per
pass. Writes bench/results/<date>-ray-tiles[-tag].json and .md, with the CPU model and `uptime` at start
and end (the machine is shared: a disturbed measurement says so).
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))


def one_run(args, workers, workdir):
    """One CLI run: in this process (workers 0, TensorFlow on args.workers threads) or on `workers` workers."""
    width, height = args.size
    log = Path(workdir) / f"log-{workers}.json"
    command = [sys.executable, "-m", "legacy_nst.cli", "--content", str(SHARED / "images" / "tubingen.jpg"),
               "--style", str(SHARED / "images" / "starry_night.jpg"), "--weights",
               str(SHARED / "weights" / "vgg19-approx.mat"), "--width", str(width), "--height", str(height),
               "--iterations", str(args.iterations), "--init", "content", "--tile", args.tile, "--memory-limit", "0",
               "--log-json", str(log), "--output", str(Path(workdir) / "out.png"), "--quiet"]
    threads = str(args.workers)
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": threads}
    if workers:
        command += ["--workers", str(workers)]
    subprocess.run(command, check=True, env=env, capture_output=True)
    record = json.loads(log.read_text())
    run = {"workers": workers, "s_per_iter": record["s_per_iter"], "losses": [e["total"] for e in record["iterations"]]}
    if workers:
        pool = record["tiling"]["workers"]
        last = pool["last_evaluation"]
        run.update(threads=pool["threads"], bytes=last["bytes"], pass_seconds=list(zip(pool["pass_1_seconds"],
                                                                                     pool["pass_2_seconds"])),
                   tile_seconds={label: statistics.median(t["seconds"] for t in last["tiles"] if t["pass"] == label)
                                 for label in ("pass 1", "pass 2")}, tiles=record["tiling"]["tiles"])
    return run


def machine():
    """The CPU model (lscpu) and `uptime`, as the result files give them."""
    model = next((line.split(":", 1)[1].strip() for line in subprocess.run(["lscpu"], capture_output=True, text=True)
                  .stdout.splitlines() if line.startswith("Model name")), "unknown")
    return model, subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def report(args, runs, model, uptimes):
    """The summary and its Markdown table."""
    here = [r for r in runs if not r["workers"]]
    there = [r for r in runs if r["workers"]]
    ratios = [w["s_per_iter"] / h["s_per_iter"] for h, w in zip(here, there)]
    gap = max(abs(a - b) / abs(b) for h, w in zip(here, there) for a, b in zip(w["losses"], h["losses"]))
    summary = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "cpu": model, "uptime_start": uptimes[0], "uptime_end": uptimes[1], "size": args.size_text,
               "tile": args.tile, "workers": args.workers, "iterations": args.iterations, "runs": runs,
               "ratio_per_round": ratios, "ratio_median": statistics.median(ratios),
               "max_relative_loss_gap": gap,
               "bytes_per_iteration_median": statistics.median(sum(r["bytes"].values()) for r in there),
               "tile_seconds_median": {p: statistics.median(r["tile_seconds"][p] for r in there)
                                       for p in ("pass 1", "pass 2")}}
    rows = ["| round | run | s/iter | bytes per iteration | median tile s (pass 1, pass 2) |", "|---|---|---|---|---|"]
    for r in runs:
        what = f"{r['workers']} workers x {r.get('threads')} thread" if r["workers"] else f"in process, {args.workers} threads"
        moved = f"{sum(r['bytes'].values()) / 1e6:.0f} MB" if r["workers"] else ""
        tiles = f"{r['tile_seconds']['pass 1']:.1f}, {r['tile_seconds']['pass 2']:.1f}" if r["workers"] else ""
        rows.append(f"| {r['round']} | {what} | {r['s_per_iter']:.1f} | {moved} | {tiles} |")
    text = (f"# {args.workers} Ray workers against the in-process tiled run, {args.size_text}, --tile {args.tile}, "
            f"{args.iterations} Adam steps\n\n{summary['date']}; {model}; {os.cpu_count()} CPUs.\n\n"
            f"uptime at start: `{uptimes[0]}`\n\nuptime at end: `{uptimes[1]}`\n\n" + "\n".join(rows) + "\n\n"
            f"workers / in-process s/iter per round: {', '.join(f'{r:.3f}' for r in ratios)}; median "
            f"{summary['ratio_median']:.3f}. Largest relative gap between the runs' losses: {gap:.1e}.\n")
    return summary, text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="2048x1536")
    parser.add_argument("--tile", default="512")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    args.size_text, args.size = args.size, tuple(int(v) for v in args.size.split("x"))
    model, start = machine()
    runs = []
    with tempfile.TemporaryDirectory() as workdir:
        for round_ in range(args.rounds):
            for workers in (0, args.workers) if round_ % 2 == 0 else (args.workers, 0):  # alternate the order
                run = {**one_run(args, workers, workdir), "round": round_}
                runs.append(run)
                print(json.dumps({k: v for k, v in run.items() if k != "losses"}), flush=True)
    summary, text = report(args, runs, model, (start, machine()[1]))
    name = f"{datetime.date.today().isoformat()}-ray-tiles{'-' + args.tag if args.tag else ''}"
    out = REPO / "bench" / "results"
    (out / f"{name}.json").write_text(json.dumps(summary, indent=1))
    (out / f"{name}.md").write_text(text)
    print(json.dumps({k: summary[k] for k in ("ratio_per_round", "ratio_median", "max_relative_loss_gap",
                                              "bytes_per_iteration_median", "tile_seconds_median")}))


if __name__ == "__main__":
    main()
