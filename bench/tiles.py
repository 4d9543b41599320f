"""Tiled vs untiled, side by side: s/iter and peak RSS of whole CLI runs, alternating, one process each.

    python bench/tiles.py [--size 1024x768] [--tile 512] [--iterations 5] [--rounds 2] [--tag NAME]

Each run is `legacy-nst ... --init content --tile off|T --log-json` under /usr/bin/time -v; s/iter is
the log's (median of the steps after the first), peak RSS is time's "Maximum resident set size".
Writes bench/results/<date>-tiles[-tag].json and .md with the load average at start and end.
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))


def one_run(size, tile, iterations, workdir):
    width, height = size
    log = Path(workdir) / f"log-{tile}.json"
    timing = Path(workdir) / f"time-{tile}.txt"
    command = ["/usr/bin/time", "-v", "-o", str(timing), sys.executable, "-m", "legacy_nst.cli",
               "--content", str(SHARED / "images" / "tubingen.jpg"), "--style", str(SHARED / "images" / "starry_night.jpg"),
               "--weights", str(SHARED / "weights" / "vgg19-approx.mat"), "--width", str(width), "--height", str(height),
               "--iterations", str(iterations), "--init", "content", "--tile", tile, "--memory-limit", "0" if tile == "off" else "20",
               "--log-json", str(log), "--output", str(Path(workdir) / f"out-{tile}.png"), "--quiet"]
    subprocess.run(command, check=True, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True)
    record = json.loads(log.read_text())
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", timing.read_text()).group(1))
    return {"tile": tile, "s_per_iter": record["s_per_iter"], "peak_rss_mib": peak_kb / 1024,
            "losses": [entry["total"] for entry in record["iterations"]], "tiling": record.get("tiling")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1024x768")
    parser.add_argument("--tile", default="512")
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    load_start = os.getloadavg()
    runs = []
    with tempfile.TemporaryDirectory() as workdir:
        for round_ in range(args.rounds):
            for tile in ("off", args.tile) if round_ % 2 == 0 else (args.tile, "off"):  # alternate the order
                run = one_run(size, tile, args.iterations, workdir)
                run["round"] = round_
                runs.append(run)
                print(json.dumps({k: v for k, v in run.items() if k != "losses"}), flush=True)
    load_end = os.getloadavg()
    by = {tile: [r for r in runs if r["tile"] == tile] for tile in ("off", args.tile)}
    ratios = [t["s_per_iter"] / o["s_per_iter"] for o, t in zip(by["off"], by[args.tile])]
    worst_loss_gap = max(abs(a - b) / abs(a) for o, t in zip(by["off"], by[args.tile])
                         for a, b in zip(o["losses"], t["losses"]))
    summary = {
        "date": datetime.datetime.utcnow().isoformat(timespec="seconds") + "Z", "size": args.size, "tile": args.tile,
        "iterations": args.iterations, "load_average_start": load_start, "load_average_end": load_end,
        "cpus": os.cpu_count(), "runs": runs, "ratio_per_round": ratios, "ratio_median": statistics.median(ratios),
        "ratio_of_minima": min(r["s_per_iter"] for r in by[args.tile]) / min(r["s_per_iter"] for r in by["off"]),
        "max_relative_loss_gap": worst_loss_gap,
    }
    name = f"{datetime.date.today().isoformat()}-tiles{'-' + args.tag if args.tag else ''}"
    out = REPO / "bench" / "results"
    (out / f"{name}.json").write_text(json.dumps(summary, indent=1))
    rows = ["| round | tile | s/iter | peak RSS MiB |", "|---|---|---|---|"]
    rows += [f"| {r['round']} | {r['tile']} | {r['s_per_iter']:.2f} | {r['peak_rss_mib']:.0f} |" for r in runs]
    (out / f"{name}.md").write_text(
        f"# Tiled vs untiled, {args.size}, --tile {args.tile}, {args.iterations} Adam steps from the content\n\n"
        f"{summary['date']}, {os.cpu_count()} CPUs, load average {load_start[0]:.1f} at start, {load_end[0]:.1f} at end "
        f"(shared machine).\n\n" + "\n".join(rows) + "\n\n"
        f"tiled / untiled s/iter: per round {', '.join(f'{r:.2f}' for r in ratios)}; median {summary['ratio_median']:.2f}; "
        f"ratio of minima {summary['ratio_of_minima']:.2f}. Largest relative gap between the runs' losses: "
        f"{worst_loss_gap:.1e}.\n")
    print(json.dumps({k: summary[k] for k in ("ratio_per_round", "ratio_median", "ratio_of_minima",
                                              "max_relative_loss_gap")}))


if __name__ == "__main__":
    main()
