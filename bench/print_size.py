"""One print-size run of the CLI under /usr/bin/time -v: peak RSS, wall and CPU time, s/iter, the tiling.

    python bench/print_size.py --size 6000x4000 [--optimizer adam] [--iterations 1] [--tag T] [-- EXTRA CLI OPTIONS]

Runs `legacy-nst --content tubingen.jpg --style starry_night.jpg --width W --height H --iterations N
--tile auto --optimizer O --log-json ... --output ...` (the style stretched to the working size, as art.py
does) plus any options after `--`, and writes bench/results/<date>-print-<W>x<H>[-tag].{json,md} with the
machine's load average before and after. Issue 11's targets: 6000x4000 with one Adam step in a peak RSS of
at most 20 GiB; 8000x6000 measured the same way with L-BFGS.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))
sys.path.insert(0, str(REPO))

from legacy_nst.io.atomic import atomic_write  # noqa: E402

GIB = 2 ** 30


def time_field(text, name):
    return re.search(rf"{re.escape(name)}: (.+)", text).group(1).strip()


def wall_seconds(text):
    """/usr/bin/time's "h:mm:ss" or "m:ss.ss" elapsed time in seconds."""
    parts = [float(p) for p in time_field(text, "Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    return sum(value * 60 ** power for power, value in enumerate(reversed(parts)))


def main():
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="6000x4000")
    parser.add_argument("--optimizer", default="adam")
    parser.add_argument("--iterations", type=int, default=1)
    parser.add_argument("--tag", default="")
    parser.add_argument("--keep", type=Path, help="copy the image here (default: deleted with the work folder)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="print-size-") as work:
        work = Path(work)
        output = args.keep or work / "out.png"
        command = ["legacy-nst", "--content", str(SHARED / "images" / "tubingen.jpg"),
                   "--style", str(SHARED / "images" / "starry_night.jpg"),
                   "--weights", str(SHARED / "weights" / "vgg19-approx.mat"),
                   "--width", str(width), "--height", str(height), "--iterations", str(args.iterations),
                   "--optimizer", args.optimizer, "--tile", "auto", *extra,
                   "--log-json", str(work / "log.json"), "--output", str(output)]
        started = datetime.datetime.now(datetime.timezone.utc)
        run = subprocess.run(["/usr/bin/time", "-v", "-o", str(work / "time.txt"),
                              sys.executable, "-m", "legacy_nst.cli", *command[1:]],
                             env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True)
        timing = (work / "time.txt").read_text()
        log = json.loads((work / "log.json").read_text()) if (work / "log.json").exists() else {}
        written = None
        if output.exists():
            from PIL import Image
            with Image.open(output) as image:
                written = list(image.size)
    peak_kib = int(time_field(timing, "Maximum resident set size (kbytes)"))
    result = {
        "date": started.isoformat(timespec="seconds"), "command": " ".join(command), "exit_status": run.returncode,
        "stderr_tail": run.stderr.strip().splitlines()[-8:], "image_written": written,
        "peak_rss_gib": round(peak_kib * 1024 / GIB, 2), "wall_s": round(wall_seconds(timing), 1),
        "user_s": float(time_field(timing, "User time (seconds)")),
        "system_s": float(time_field(timing, "System time (seconds)")),
        "s_per_iter": log.get("s_per_iter"), "tiling": log.get("tiling"),
        "losses": [{k: v for k, v in entry.items() if k in ("iteration", "total", "content", "style", "elapsed")}
                   for entry in log.get("iterations", [])],
        "stopped_early": log.get("stopped_early"),
        "load_before": [round(v, 2) for v in load_before], "load_after": [round(v, 2) for v in os.getloadavg()],
        "cpus": os.cpu_count()}
    name = f"{result['date'][:10]}-print-{width}x{height}{'-' + args.tag if args.tag else ''}"
    out = REPO / "bench" / "results" / name
    atomic_write(out.with_suffix(".json"), json.dumps(result, indent=1).encode())
    tiling = result["tiling"] or {}
    losses = result["losses"]
    lines = [f"# Print size: {width}x{height}, {args.iterations} {args.optimizer} step(s), --tile auto ({result['date']})",
             "", f"{result['cpus']} CPUs; load average (1, 5, 15 min) {result['load_before']} before, "
             f"{result['load_after']} after.", "", "    " + result["command"], "",
             "| | value |", "|---|---|",
             f"| exit status | {run.returncode} |",
             f"| image written | {'x'.join(map(str, written)) if written else 'no'} |",
             f"| peak RSS (/usr/bin/time -v) | {peak_kib:,} kB = {result['peak_rss_gib']} GiB |",
             f"| tiling | {json.dumps(tiling) if tiling else 'untiled'} |",
             f"| wall time | {result['wall_s']:.0f} s (user {result['user_s']:.0f} s, system {result['system_s']:.0f} s) |",
             f"| s/iter (log) | {result['s_per_iter']} |"]
    if losses:
        lines.append(f"| total loss | {losses[0]['total']:.4g} -> {losses[-1]['total']:.4g} over {len(losses) - 1} step(s) |")
    if result["stopped_early"]:
        lines.append(f"| stopped early | {result['stopped_early']} |")
    if run.returncode:
        lines += ["", "stderr (last lines):", "", *("    " + line for line in result["stderr_tail"])]
    atomic_write(out.with_suffix(".md"), ("\n".join(lines) + "\n").encode())
    print(out.with_suffix(".md").read_text())
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
