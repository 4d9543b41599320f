"""Frames per hour of `legacy-nst video` at Ruder's demo size (450x350), first frame and later frames apart.

    python bench/video.py [--size 450x350] [--frames 4] [--first 10] [--later 5] [--tag NAME]

A clip of FRAMES frames is cut from a shared photo (tubingen.jpg, downscaled to 640 px wide) as a camera pan of
4 px right a frame, written as PNG files, and stylised by one `legacy-nst video` process (L-BFGS, the approximate
weights, seed 0): FIRST steps for the first frame, LATER for each later one (Ruder's -num_iterations FIRST,LATER;
his defaults are 2000,1000). Each frame's time is the frames folder's out-NNNNN.json `seconds` (problem set up,
flows computed, optimized, written); its seconds per step are the median step of its history's `elapsed`, its
set-up the rest (split into: outside the optimizer's loop, the start's evaluation, L-BFGS's first iteration).
The later frames' cost is given as a ratio of the first frame's, per frame and per step, beside each frame's final
losses: "at the same quality" holds when every later frame ends at a style loss and a total loss (its temporal
term included) no higher than the first frame's, and the step at which each later frame's style loss first
reaches the first frame's final one is shown. Frames per hour are extrapolated to Ruder's 2000,1000 as (set-up +
steps x s/step). Writes bench/results/<date>-video[-tag].json and .md with the CPU and the load average at start
and end.
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

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))
STEP = 4  # px a frame, to the right


def make_clip(folder, size, frames):
    """frames/%04d.png: the pan, each frame a (width, height) crop of the photo."""
    width, height = size
    photo = Image.open(SHARED / "images" / "tubingen.jpg").convert("RGB")
    photo = np.array(photo.resize((640, round(photo.height * 640 / photo.width)), Image.Resampling.LANCZOS))
    top, left = (photo.shape[0] - height) // 2, 20
    for k in range(frames):
        crop = photo[top:top + height, left + STEP * k:left + STEP * k + width]
        Image.fromarray(crop).save(folder / f"{k:04d}.png")
    return str(folder / "%04d.png")


LOSSES = ("total", "content", "style", "temporal")


def frame_figures(frames_dir, count):
    """Each frame's seconds, steps, median s/step (from its history's elapsed), set-up seconds (the rest), its
    final losses and its style loss after each step."""
    figures = []
    for index in range(count):
        record = json.loads((frames_dir / f"out-{index:05d}.json").read_text())
        elapsed = [entry["elapsed"] for entry in record["history"] if "elapsed" in entry]
        steps = [b - a for a, b in zip(elapsed, elapsed[1:])]
        step = statistics.median(steps) if steps else None
        figures.append({"index": index, "seconds": record["seconds"], "steps": len(record["history"]) - 1,
                        "s_per_step": step, "setup_s": record["seconds"] - (step or 0) * len(steps),
                        "outside_loop_s": record["seconds"] - elapsed[-1], "first_evaluation_s": elapsed[0],
                        "first_step_s": steps[0] if steps else None,
                        "losses": {name: record["losses"][name] for name in LOSSES if name in record["losses"]},
                        "style_by_step": [entry["style"] for entry in record["history"]]})
    return figures


def reached(figure, style):
    """The first step after which a frame's style loss is at most `style` (None: never)."""
    return next((step for step, value in enumerate(figure["style_by_step"]) if value <= style), None)


def summary(figures, first_steps, later_steps):
    """The later frames against the first: per frame, per step, set-up, frames per hour, and whether they end
    at a style and total loss no worse than the first frame's (the same quality)."""
    first, later = figures[0], figures[1:]
    later_s = statistics.mean(f["seconds"] for f in later)
    later_step = statistics.median(f["s_per_step"] for f in later)
    later_setup = statistics.mean(f["setup_s"] for f in later)
    ruder_first = first["setup_s"] + 2000 * first["s_per_step"]
    ruder_later = later_setup + 1000 * later_step
    worst = {name: max(f["losses"][name] for f in later) for name in ("total", "style")}
    return {"first_s": first["seconds"], "first_s_per_step": first["s_per_step"], "first_setup_s": first["setup_s"],
            "later_s": later_s, "later_s_per_step": later_step, "later_setup_s": later_setup,
            "later_over_first_per_frame": later_s / first["seconds"],
            "later_over_first_per_step": later_step / first["s_per_step"],
            "frames_per_hour_later": 3600 / later_s,
            # in steps of its own (seconds / its s/step): the per-frame ratio with the load's changes divided out
            "later_over_first_in_own_steps": statistics.mean(f["seconds"] / f["s_per_step"] for f in later)
            / (first["seconds"] / first["s_per_step"]),
            "later_style_at_most_first": worst["style"] <= first["losses"]["style"],
            "later_total_at_most_first": worst["total"] <= first["losses"]["total"],
            "later_worst_style_over_first": worst["style"] / first["losses"]["style"],
            "later_worst_total_over_first": worst["total"] / first["losses"]["total"],
            "later_steps_to_first_style": [reached(f, first["losses"]["style"]) for f in later],
            "ruder_2000_1000_first_s": ruder_first, "ruder_2000_1000_later_s": ruder_later,
            "ruder_2000_1000_frames_per_hour": 3600 / ruder_later,
            "first_steps": first_steps, "later_steps": later_steps}


def run(size, frames, first, later, workdir):
    clip_folder = workdir / "clip"
    clip_folder.mkdir()
    content = make_clip(clip_folder, size, frames)
    frames_dir = workdir / "frames"
    (workdir / "out").mkdir()
    command = [sys.executable, "-m", "legacy_nst.cli", "video", "--content", content,
               "--style", str(SHARED / "images" / "starry_night.jpg"), "--output", str(workdir / "out" / "%04d.png"),
               "--frames-dir", str(frames_dir), "--weights", str(SHARED / "weights" / "vgg19-approx.mat"),
               "--width", str(size[0]), "--height", str(size[1]), "--optimizer", "lbfgs", "--iterations", str(first),
               "--frame-iterations", str(later), "--seed", "0", "--log-json", str(workdir / "log.json"), "--quiet"]
    began = time.perf_counter()
    subprocess.run(command, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    wall = time.perf_counter() - began
    log = json.loads((workdir / "log.json").read_text())
    return wall, frame_figures(frames_dir, frames), log["temporal_errors"]


def markdown(result):
    s = result["summary"]
    lines = [f"# legacy-nst video at {result['size']}: frames per hour ({result['date']})", "",
             f"CPU: {result['cpu']} ({result['cores']} cores, shared with other jobs); load average "
             f"{result['load_start']} at start, {result['load_end']} at end.", "",
             f"A {result['frames']}-frame pan ({STEP} px a frame) of tubingen.jpg, starry_night.jpg, L-BFGS, "
             f"approximate weights, seed 0, {s['first_steps']} steps for the first frame and {s['later_steps']} for "
             f"each later one; one `legacy-nst video` process, {result['wall_s']:.0f} s wall (TensorFlow and weights "
             f"loaded once). Set-up: a frame's seconds less its steps at the median s/step; of it, outside the "
             f"optimizer's loop: the problem, flows, engine (built or reloaded), PNG and .json; entry 0: the start's "
             f"evaluation; step 1: L-BFGS's first iteration, whose line search may evaluate several times.",
             "", "| frame | seconds | steps | s/step | set-up s | outside the loop s | entry 0 s | step 1 s | total | "
             "content | style | temporal |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {f['index']} | {f['seconds']:.1f} | {f['steps']} | {f['s_per_step']:.3f} | {f['setup_s']:.1f} | "
              f"{f['outside_loop_s']:.1f} | {f['first_evaluation_s']:.1f} | {f['first_step_s']:.1f} | "
              + " | ".join(f"{f['losses'][name]:.4g}" if name in f["losses"] else "" for name in LOSSES) + " |"
              for f in result["figures"]]
    lines += ["", "| figure | value |", "|---|---|",
              f"| later frame / first frame, per frame | {s['later_over_first_per_frame']:.2f} |",
              f"| later frame / first frame, per step | {s['later_over_first_per_step']:.2f} |",
              f"| later frame / first frame, per frame in each frame's own s/step (load changes divided out) | "
              f"{s['later_over_first_in_own_steps']:.2f} |",
              f"| set-up s, first frame / later frame (mean) | {s['first_setup_s']:.1f} / {s['later_setup_s']:.1f} |",
              f"| later frames' style loss at most the first frame's | {s['later_style_at_most_first']} "
              f"(worst {s['later_worst_style_over_first']:.3f}x) |",
              f"| later frames' total loss (temporal term included) at most the first frame's | "
              f"{s['later_total_at_most_first']} (worst {s['later_worst_total_over_first']:.3f}x) |",
              f"| later frames' step reaching the first frame's final style loss | "
              f"{', '.join(str(step) for step in s['later_steps_to_first_style'])} |",
              f"| frames per hour at {s['later_steps']} steps a later frame | {s['frames_per_hour_later']:.0f} |",
              f"| Ruder's 2000,1000 (extrapolated): first frame | {s['ruder_2000_1000_first_s'] / 60:.1f} min |",
              f"| Ruder's 2000,1000 (extrapolated): later frame | {s['ruder_2000_1000_later_s'] / 60:.1f} min |",
              f"| Ruder's 2000,1000 (extrapolated): frames per hour | {s['ruder_2000_1000_frames_per_hour']:.2f} |",
              "", f"Temporal errors (video.measure, under the run's DIS flows): "
              f"{', '.join(f'{e:.4g}' for e in result['temporal_errors'])}."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="450x350")
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--first", type=int, default=10)
    parser.add_argument("--later", type=int, default=5)
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    cpu = subprocess.run("lscpu | grep 'Model name'", shell=True, capture_output=True, text=True).stdout
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as workdir:
        wall, figures, errors = run(size, args.frames, args.first, args.later, Path(workdir))
    today = datetime.date.today().isoformat()
    result = {"date": today, "size": args.size, "frames": args.frames, "cpu": cpu.split(":", 1)[-1].strip(),
              "cores": os.cpu_count(), "load_start": round(load_start, 2), "load_end": round(os.getloadavg()[0], 2),
              "wall_s": wall, "figures": figures, "temporal_errors": errors,
              "summary": summary(figures, args.first, args.later)}
    stem = REPO / "bench" / "results" / f"{today}-video{'-' + args.tag if args.tag else ''}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1))
    stem.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
