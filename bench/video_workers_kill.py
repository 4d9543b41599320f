"""A probe of `--workers`' claim that a killed worker's segment is resumed: too slow for the suite's budget
(tests/video/test_segments.py runs the resumed task without a kill), so it is replayed here and recorded.

    python bench/video_workers_kill.py

On a local Ray instance (2 CPUs), the 9-frame 48x36 pan of tests/video/test_segments.py is stylised twice by
run_segments (2 workers, --overlap 4, --init content, L-BFGS 12 then 6 steps, seed 0): once undisturbed, once
with segment 0's worker SIGKILLed (the pid in its folder's video.lock) as soon as the segment's third frame is
written. Ray runs the task again on a new worker (max_retries), which keeps the finished frames and computes the
rest. Records which frames each run kept, and whether every segment frame and every final frame equal the
undisturbed run's, in bench/results/<date>-video-workers-kill.md with the CPU. Asserts nothing.
"""
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from clips import pan, photo, write_clip_with_pyav  # noqa: E402
from legacy_nst import Config  # noqa: E402
from legacy_nst.config.groups.video import VideoOptions  # noqa: E402
from legacy_nst.io.images import read_image  # noqa: E402
from legacy_nst.video.workers import run_segments  # noqa: E402


def kill_when(frame_path, lock_path, killed):
    """SIGKILL the process holding `lock_path` once `frame_path` exists."""
    while not frame_path.exists():
        time.sleep(0.1)
    pid = json.loads(lock_path.read_text())["pid"]
    os.kill(pid, signal.SIGKILL)
    killed.append(pid)


def run(clip, folder, kill):
    config = Config(weights=str(SHARED / "weights" / "vgg19-approx.mat"), width=48, optimizer="lbfgs",
                    iterations=12, seed=0, workers=2, init="content")
    killed = []
    if kill:
        segment = folder / "out-frames" / "segment-00"
        threading.Thread(target=kill_when, args=(segment / "out-00002.png", segment / "video.lock", killed),
                         daemon=True).start()
    began = time.perf_counter()
    result = run_segments(str(clip), str(SHARED / "images" / "starry_night.jpg"), str(folder / "out.mp4"), config,
                          VideoOptions(frame_iterations=6, overlap=4))
    return result, time.perf_counter() - began, killed


def frames(folder):
    return {path.relative_to(folder): read_image(path) for path in sorted(folder.rglob("out-*.png"))}


def main():
    import ray

    from legacy_nst.cluster import loopback_only

    cpu = subprocess.run("lscpu | grep 'Model name'", shell=True, capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as workdir:
        workdir = Path(workdir)
        clip = write_clip_with_pyav(workdir / "pan.mp4", pan(photo(SHARED, width=160), 9, step=(0, 2),
                                                             origin=(30, 20), size=(36, 48)))
        loopback_only(ray)
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 2**20)
        try:
            (workdir / "calm").mkdir()
            (workdir / "killed").mkdir()
            calm, calm_s, _ = run(clip, workdir / "calm", kill=False)
            hit, hit_s, killed = run(clip, workdir / "killed", kill=True)
        finally:
            ray.shutdown()
        ours, theirs = frames(workdir / "killed" / "out-frames"), frames(workdir / "calm" / "out-frames")
        equal = ours.keys() == theirs.keys() and all(np.array_equal(ours[k], theirs[k]) for k in ours)
    lines = [f"# --workers: a segment's worker killed mid-segment ({datetime.date.today().isoformat()})", "",
             f"CPU: {cpu.split(':', 1)[-1].strip()} ({os.cpu_count()} cores, shared with other jobs). "
             "bench/video_workers_kill.py's docstring says what ran.", "",
             "| run | seconds | segment: pid, frames kept (K) or computed (c) |", "|---|---|---|"]
    for name, result, seconds in (("undisturbed", calm, calm_s), (f"worker {killed} SIGKILLed", hit, hit_s)):
        kept = "; ".join(f"{d.number}: pid {d.pid}, {''.join('K' if f.kept else 'c' for f in d.frames)}"
                         for d in result.segments)
        lines.append(f"| {name} | {seconds:.0f} | {kept} |")
    lines += ["", f"Every segment frame and every final frame equal the undisturbed run's: {equal} "
              f"({len(ours)} frames compared). Seam/interior temporal error: {hit.seam_error:.4g} / "
              f"{hit.interior_error:.4g} (undisturbed: {calm.seam_error:.4g} / {calm.interior_error:.4g})."]
    text = "\n".join(lines) + "\n"
    (REPO / "bench" / "results" / f"{datetime.date.today().isoformat()}-video-workers-kill.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
