"""The done-when check of issue 29 on a real-looking clip, and docs/video.md's figure: the quickstart's recipe run
frame by frame against `legacy-nst video`, both --init content and the same seed.

    python bench/video_quality.py render WORKDIR [--first 100] [--later 50] [--temporal-weight W] [--tag T]
                                  [--video-only] [--more '--tol-loss-relative 0.001 ...']  # tries: video-T/
    python bench/video_quality.py report WORKDIR [--tag T]      # after render: the table, the figure, the .md

The clip: a camera pan and zoom over a shared photo (tubingen.jpg): 6 frames of 224x168, each a crop of the photo
moving 8 px right and 2 % closer a frame, resized with Lanczos, written as PNG files (WORKDIR/clip/%04d.png).

render runs the quickstart's recipe (`--preset jcjohnson --schedule fast --init content`, the approximate weights
here, seed 0) with --iterations FIRST (the fast schedule shrunk in its proportions) twice:
- frame by frame: one still `legacy-nst` run per frame (WORKDIR/still/NNNN.png);
- `legacy-nst video`: the first frame as the still run (the same steps), each later one LATER steps from the
  previous stylised frame warped by the flow, with the temporal term (WORKDIR/video[-T]/NNNN.png).
Each command line and its wall time go to WORKDIR/commands.json.

report scores both clips with `legacy-nst score`'s clip mode (run.score_clip: the temporal error of each pair
under the content clip's DIS flows, video.measure, and each frame's losses under the recipe's objective), writes
docs/images/video-flicker.png (the strip: content, frame by frame, temporally consistent, and each run's
|s_j - warp(s_i)| magnified, under the consistency weights) and prints the markdown table for
bench/results/2026-12-07-video-quality.md and docs/video.md.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))
SIZE = (224, 168)  # width, height
FRAMES = 6
PAN, ZOOM = 8, 1.02  # px right a frame (in the 640 px photo), closer a frame
STYLE = SHARED / "images" / "starry_night.jpg"
RECIPE = ["--preset", "jcjohnson", "--schedule", "fast", "--init", "content", "--seed", "0", "--width", str(SIZE[0]),
          "--weights", str(SHARED / "weights" / "vgg19-approx.mat")]


def make_clip(folder):
    """folder/%04d.png: the camera's view of the photo (640 px wide) a frame at a time, pan and zoom."""
    folder.mkdir(parents=True, exist_ok=True)
    photo = Image.open(SHARED / "images" / "tubingen.jpg").convert("RGB")
    photo = photo.resize((640, round(photo.height * 640 / photo.width)), Image.Resampling.LANCZOS)
    width, height = SIZE
    for k in range(FRAMES):
        view_w = 400 / ZOOM ** k
        view_h = view_w * height / width
        cx, cy = 260 + PAN * k, photo.height / 2
        box = (cx - view_w / 2, cy - view_h / 2, cx + view_w / 2, cy + view_h / 2)
        photo.resize(SIZE, Image.Resampling.LANCZOS, box=box).save(folder / f"{k:04d}.png")
    return str(folder / "%04d.png")


def timed(command, log):
    began = time.perf_counter()
    subprocess.run(command, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    log.append({"command": " ".join(command[2:]), "seconds": round(time.perf_counter() - began, 1)})
    print(f"{log[-1]['seconds']} s: {log[-1]['command']}", flush=True)


def render(workdir, first, later, temporal_weight, tag, skip_still, more=()):
    """Both runs (or only the video one with skip_still), their command lines and times in commands.json."""
    content = make_clip(workdir / "clip")
    program = [sys.executable, "-m", "legacy_nst.cli"]
    steps = ["--iterations", str(first)]
    record = workdir / "commands.json"
    log = json.loads(record.read_text()) if record.exists() else []
    name = "video" + (f"-{tag}" if tag else "")
    (workdir / name).mkdir(exist_ok=True)
    extra = (["--temporal-weight", str(temporal_weight)] if temporal_weight is not None else []) + list(more)
    timed(program + ["video", "--content", content, "--style", str(STYLE), "--output",
                     str(workdir / name / "%04d.png"), "--frames-dir", str(workdir / f"{name}-frames"),
                     "--overwrite", *RECIPE, *steps, "--frame-iterations", str(later), *extra,
                     "--log-json", str(workdir / f"{name}.json"), "--quiet"], log)
    record.write_text(json.dumps(log, indent=1))
    if skip_still:
        return
    (workdir / "still").mkdir(exist_ok=True)
    for k in range(FRAMES):
        timed(program + ["--content", str(workdir / "clip" / f"{k:04d}.png"), "--style", str(STYLE), "--output",
                         str(workdir / "still" / f"{k:04d}.png"), *RECIPE, *steps, "--overwrite", "--quiet"], log)
        record.write_text(json.dumps(log, indent=1))


def runs(workdir):
    """The stylised clips made: 'still' (frame by frame), 'video', then any 'video-TAG' (other tries)."""
    names = ["still", "video"] + sorted(p.name for p in workdir.glob("video-*") if p.is_dir() and
                                        not p.name.endswith("-frames"))
    return [name for name in names if len(list((workdir / name).glob("*.png"))) == FRAMES]


def score_runs(workdir, names):
    """score --clip on every run at once, under the video run's DIS flows (its frames folder)."""
    from legacy_nst.config import Config
    from legacy_nst.video.score import score_clip
    config = Config.from_options(preset="jcjohnson", width=SIZE[0], weights=RECIPE[RECIPE.index("--weights") + 1])
    return score_clip(str(workdir / "clip" / "%04d.png"), str(STYLE),
                      [str(workdir / name / "%04d.png") for name in names], config,
                      flows_dir=str(workdir / "video-frames"), names=names)


def difference(earlier, later, backward, weights, gain=4):
    """|s_j - warp(s_i)| magnified `gain` times, black where the flow is unreliable (uint8 RGB)."""
    from legacy_nst.motion.flow import warp
    diff = np.abs(later.astype(np.float32) - warp(earlier.astype(np.float32), backward)) * gain
    return np.clip(diff * weights[..., None], 0, 255).astype(np.uint8)


def figure(workdir, path, gain=4):
    """The strip: rows content, frame by frame, `legacy-nst video`, then each run's differences (column k: the
    pair k-1 -> k, under the content's flow and weights); a label column on the left."""
    from PIL import ImageDraw, ImageFont
    from legacy_nst.motion.cache import flows_for
    load = lambda name, k: np.array(Image.open(sorted((workdir / name).glob("*.png"))[k]).convert("RGB"))  # noqa
    rows = {title: [load(name, k) for k in range(FRAMES)]
            for title, name in (("content", "clip"), ("frame by frame", "still"), ("legacy-nst video", "video"))}
    flows = [flows_for(workdir / "video-frames", k - 1, k, rows["content"][k - 1], rows["content"][k])
             for k in range(1, FRAMES)]
    for name in ("frame by frame", "legacy-nst video"):
        frames = rows[name]
        rows[f"|difference| x{gain}, {name}"] = [np.zeros_like(frames[0])] + [
            difference(frames[k - 1], frames[k], flows[k - 1].backward, flows[k - 1].backward_weights, gain)
            for k in range(1, FRAMES)]
    width, height, label, gap = SIZE[0], SIZE[1], 150, 4
    canvas = Image.new("RGB", (label + FRAMES * (width + gap), len(rows) * (height + gap)), "white")
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=15)
    for r, (name, frames) in enumerate(rows.items()):
        top = r * (height + gap)
        words, line = name.split(" "), ""
        lines = []
        for word in words:  # wrap the label at ~20 characters
            if line and len(line) + len(word) > 20:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        draw.multiline_text((6, top + height // 2 - 9 * len(lines + [line])), "\n".join(lines + [line]), fill="black",
                            font=font)
        for k, frame in enumerate(frames):
            if r >= 3 and k == 0:
                continue
            canvas.paste(Image.fromarray(frame), (label + k * (width + gap), top))
    # 256 colours, no dithering: 0.75 MB instead of 2.4 (the difference images compress badly), no visible change
    canvas.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    return path


def report(workdir, tag):
    """Score every run, draw the strip, write the bench result's markdown (stdout and the file)."""
    names = ["clip"] + runs(workdir)  # the content itself: the floor the flows' own errors set
    scores = score_runs(workdir, names)
    (workdir / "scores.json").write_text(json.dumps(scores.to_json(), indent=1))
    figure(workdir, REPO / "docs" / "images" / "video-flicker.png")
    print(markdown(workdir, scores))


def markdown(workdir, scores):
    clips = {clip.name: clip for clip in scores.clips}
    still = clips["still"]
    style_still = [frame.losses["style"] for frame in still.frames]
    lines = ["| run | temporal error, each pair 0->1 ... 4->5 | mean | x frame by frame | style loss a frame "
             "(mean) | x frame by frame | worst frame's x |", "|---|---|---|---|---|---|---|"]
    for name, clip in clips.items():
        if name == "clip":
            lines.append(f"| the content itself | {', '.join(f'{e:.5f}' for e in clip.temporal_errors)} | "
                         f"{clip.mean_temporal_error:.5f} | {clip.mean_temporal_error / still.mean_temporal_error:.2f}"
                         f" | | | |")
            continue
        style = [frame.losses["style"] for frame in clip.frames]
        lines.append(f"| {name} | {', '.join(f'{e:.5f}' for e in clip.temporal_errors)} | "
                     f"{clip.mean_temporal_error:.5f} | {clip.mean_temporal_error / still.mean_temporal_error:.2f} | "
                     f"{np.mean(style):.4g} | {np.mean(style) / np.mean(style_still):.3f} | "
                     f"{max(a / b for a, b in zip(style, style_still)):.3f} |")
    commands = json.loads((workdir / "commands.json").read_text())
    shown = [f"    {c['seconds']} s: legacy-nst {c['command'].replace('legacy_nst.cli ', '', 1)}" for c in commands]
    return "\n".join(lines + ["", "Commands (seconds):"] + shown)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", choices=("render", "report"))
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--first", type=int, default=100)
    parser.add_argument("--later", type=int, default=50)
    parser.add_argument("--temporal-weight", type=float)
    parser.add_argument("--tag", default="")
    parser.add_argument("--video-only", action="store_true")
    parser.add_argument("--more", default="", help="more options of the video run, e.g. '--tol-loss-relative 0.01'")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.phase == "render":
        render(args.workdir, args.first, args.later, args.temporal_weight, args.tag, args.video_only,
               args.more.split())
    else:
        report(args.workdir, args.tag)


if __name__ == "__main__":
    main()
