"""A forecast of `legacy-nst video --workers W` (segments on Ray) for 4, 16 and 64 workers, from measured costs.

    python bench/video_workers.py [--costs bench/results/2026-12-07-video-reuse.json] [--frames 600] [--overlap 4]

Only what fits this machine (2 cores) is run; 4/16/64 workers are forecast, never run:
- per-frame costs at 450x350 from bench/video.py's result (--costs): the first frame of a segment (the full
  recipe) and each later frame, at the bench's steps (its first_steps, later_steps) and extrapolated to Ruder's 2000,1000;
- Ray's overhead, measured by a small local run (run_segments on a 48x36 pan of 6 frames, 2 workers, 1 step a
  frame): joining Ray, and per segment the worker's start (Python, TensorFlow, the weights) beyond its frames;
- the main process's share per frame at 450x350, measured: the seam cross-fade (two PNGs read, one written), the
  DIS flows and weights of the pair for the clip's temporal error, and the H.264 encoding.

Model, for F frames, W workers, overlap K (video.segments' plan): every segment stylises S = ceil((F + (W-1) K)/W)
frames, one first frame and S - 1 later ones, all at once (each worker as fast as this 2-core machine: one node
per worker), then the main process assembles F frames:

    wall(W) = ray_join + segment_start + first + (S - 1) later + F x main_per_frame

Frames per hour = 3600 F / wall(W); W = 1 is the run without --workers (no Ray, no seams: first + (F-1) later +
F x (flows + encode), the cross-fade left out). Writes bench/results/<date>-video-workers.json and .md.
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
sys.path.insert(0, str(REPO))

from legacy_nst.video.segments import plan_segments  # noqa: E402

WORKERS = (1, 4, 16, 64)


def pan(folder, size, frames, step=4):
    """folder/%04d.png: a camera pan over the shared photo, (width, height) `size`."""
    width, height = size
    photo = Image.open(SHARED / "images" / "tubingen.jpg").convert("RGB")
    photo = np.array(photo.resize((640, round(photo.height * 640 / photo.width)), Image.Resampling.LANCZOS))
    top = (photo.shape[0] - height) // 2
    for k in range(frames):
        Image.fromarray(photo[top:top + height, 20 + step * k:20 + step * k + width]).save(folder / f"{k:04d}.png")
    return str(folder / "%04d.png")


def ray_overhead(workdir) -> dict:
    """A small local run of run_segments: Ray's join, and each segment's start beyond its frames."""
    import ray

    from legacy_nst import Config
    from legacy_nst.cluster import loopback_only
    from legacy_nst.config.groups.video import VideoOptions
    from legacy_nst.video.workers import run_segments

    (workdir / "tiny").mkdir()
    content = pan(workdir / "tiny", (48, 36), 6, step=2)
    began = time.perf_counter()
    loopback_only(ray)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 2**20)
    join = time.perf_counter() - began
    try:
        config = Config(weights=str(SHARED / "weights" / "vgg19-approx.mat"), width=48, optimizer="lbfgs",
                        iterations=1, seed=0, workers=2)
        result = run_segments(content, str(SHARED / "images" / "starry_night.jpg"), str(workdir / "tiny.mp4"),
                              config, VideoOptions(frame_iterations=1, overlap=1))
    finally:
        ray.shutdown()
    starts = [done.seconds - sum(frame.seconds for frame in done.frames) for done in result.segments]
    busiest = max(done.seconds for done in result.segments)
    return {"join_s": join, "segment_start_s": statistics.mean(starts) + (result.ray_seconds - busiest),
            "worker_fixed_s": statistics.mean(starts), "dispatch_s": result.ray_seconds - busiest,
            "ray_phase_s": result.ray_seconds, "segments_s": [done.seconds for done in result.segments]}


def main_share(workdir, size, frames=8) -> dict:
    """The main process's seconds per frame at `size`: cross-fade, flows of a pair, and H.264 encoding."""
    from legacy_nst.io.images import read_image, save_image
    from legacy_nst.io.video import open_clip, write_clip
    from legacy_nst.motion.cache import flows_for
    from legacy_nst.video.segments import blend

    (workdir / "big").mkdir()
    clip = open_clip(pan(workdir / "big", size, frames))
    images = [image for _, image in clip.frames()]
    began = time.perf_counter()
    for k in range(1, frames):
        save_image(workdir / "blend.png", blend([read_image(workdir / "big" / f"{k - 1:04d}.png"),
                                                 read_image(workdir / "big" / f"{k:04d}.png")], [0.5, 0.5]))
    fade = (time.perf_counter() - began) / (frames - 1)
    began = time.perf_counter()
    for k in range(1, frames):
        flows_for(workdir / "big", k - 1, k, images[k - 1], images[k], size=(size[1], size[0]))
    flows = (time.perf_counter() - began) / (frames - 1)
    began = time.perf_counter()
    write_clip(workdir / "big.mp4", iter(images), clip.frame_rate)
    encode = (time.perf_counter() - began) / frames
    return {"fade_s": fade, "flows_s": flows, "encode_s": encode}


def forecast(costs, overhead, share, frames, overlap) -> list:
    rows = []
    for workers in WORKERS:
        plan = plan_segments(frames, workers, overlap if workers > 1 else None)
        longest = max(len(s.positions) for s in plan.segments)
        row = {"workers": workers, "overlap": plan.overlap, "segment_frames": longest,
               "frames_stylised": plan.frames_stylised}
        per_frame = share["flows_s"] + share["encode_s"] + (share["fade_s"] if workers > 1 else 0)
        fixed = overhead["join_s"] + overhead["segment_start_s"] if workers > 1 else 0
        for name, first, later in (("bench", costs["first_s"], costs["later_s"]),
                                   ("ruder", costs["ruder_2000_1000_first_s"], costs["ruder_2000_1000_later_s"])):
            wall = fixed + first + (longest - 1) * later + frames * per_frame
            row[f"{name}_wall_h"] = wall / 3600
            row[f"{name}_frames_per_hour"] = 3600 * frames / wall
        rows.append(row)
    return rows


def markdown(result) -> str:
    o, s, c = result["overhead"], result["main_share"], result["costs"]
    first, later = c.get("first_steps", 10), c.get("later_steps", 5)  # the first bench's result had no steps
    lines = [f"# legacy-nst video --workers: forecast for 4, 16 and 64 workers ({result['date']})", "",
             f"CPU: {result['cpu']} ({result['cores']} cores, shared with other jobs; load average "
             f"{result['load_start']} at start, {result['load_end']} at end).", "",
             "**4, 16 and 64 workers were not run** (this machine has 2 cores): the table is a forecast from the "
             "costs measured below (bench/video_workers.py's docstring gives the model).", "",
             f"A {result['frames']}-frame clip at {result['size']}, --overlap {result['overlap']} (the default), "
             f"per-frame costs from {result['costs_file']} (one process on this 2-core machine; each worker is "
             "assumed to be such a machine).", "",
             "| measured | seconds |", "|---|---|",
             f"| first frame of a segment, {first} steps | {c['first_s']:.1f} |",
             f"| later frame, {later} steps | {c['later_s']:.1f} |",
             f"| first frame, Ruder's 2000 steps (extrapolated by bench/video.py) | {c['ruder_2000_1000_first_s']:.0f} |",
             f"| later frame, Ruder's 1000 steps (extrapolated) | {c['ruder_2000_1000_later_s']:.0f} |",
             f"| joining a local Ray instance | {o['join_s']:.1f} |",
             f"| a segment's start on its worker beyond its frames (worker start, TensorFlow, weights) | "
             f"{o['segment_start_s']:.1f} |",
             f"| main process per frame at {result['size']}: cross-fade | {s['fade_s']:.3f} |",
             f"| main process per frame: DIS flows and weights of a pair (temporal error) | {s['flows_s']:.3f} |",
             f"| main process per frame: H.264 encoding | {s['encode_s']:.3f} |", "",
             f"| workers | overlap | frames a segment | frames stylised | wall ({first},{later} steps) | "
             f"frames/hour ({first},{later}) | "
             "wall (2000,1000) | frames/hour (2000,1000) |", "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['workers']}{' (no Ray)' if r['workers'] == 1 else ''} | {r['overlap']} | {r['segment_frames']} | "
              f"{r['frames_stylised']} | {r['bench_wall_h']:.2f} h | {r['bench_frames_per_hour']:.0f} | "
              f"{r['ruder_wall_h']:.1f} h | {r['ruder_frames_per_hour']:.1f} |" for r in result["forecast"]]
    last = result["forecast"][-1]
    lines += ["", "Overlap frames are extra work: (W - 1) x K frames stylised twice. Each segment's first frame "
              f"costs a full first frame. At {last['workers']} workers a segment is {last['segment_frames']} frames, "
              "so its first frame and its overlap are a large share of each worker's time; the main process's "
              "share (flows, encoding) grows with the clip and does not shrink with W."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--costs", default=str(REPO / "bench" / "results" / "2026-12-07-video-reuse.json"))
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--overlap", type=int, default=4)
    parser.add_argument("--size", default="450x350")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    cpu = subprocess.run("lscpu | grep 'Model name'", shell=True, capture_output=True, text=True).stdout
    costs = json.loads(Path(args.costs).read_text())["summary"]
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as workdir:
        overhead = ray_overhead(Path(workdir))
        share = main_share(Path(workdir), size)
    today = datetime.date.today().isoformat()
    result = {"date": today, "cpu": cpu.split(":", 1)[-1].strip(), "cores": os.cpu_count(),
              "load_start": round(load_start, 2), "load_end": round(os.getloadavg()[0], 2), "size": args.size,
              "frames": args.frames, "overlap": args.overlap, "costs_file": os.path.relpath(args.costs, REPO),
              "costs": costs, "overhead": overhead, "main_share": share,
              "forecast": forecast(costs, overhead, share, args.frames, args.overlap)}
    stem = REPO / "bench" / "results" / f"{today}-video-workers"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1))
    stem.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
