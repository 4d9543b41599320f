"""`legacy-nst video --workers N --overlap K`: the plan of the segments (pure), the refusals (one line, exit 2,
nothing written), and one run on a local Ray instance over a synthetic pan: a worker SIGKILLed mid-segment has
its segment resumed at its first unfinished frame by Ray's retry, each segment's frames are that segment run
alone, a segment's folder that lost its last frame is continued to the same frame, and the seam's temporal error
is at most 1.5x the interior's."""
import json
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from clips import pan, photo, write_clip_with_pyav
from legacy_nst import Config
from legacy_nst.cli.main import main
from legacy_nst.cluster import loopback_only, worker_environment
from legacy_nst.config.groups.video import VideoOptions
from legacy_nst.errors import ConfigError
from legacy_nst.io.images import read_image
from legacy_nst.io.video import open_clip
from legacy_nst.video.run import plan_video, run_video
from legacy_nst.video.segments import blend, plan_segments
from legacy_nst.video.workers import SegmentJob, run_segment, run_segments
from legacy_nst.video.workers import _start_folder as start_folder
from messages import assert_says

SIZE = (36, 48)  # (height, width)
FRAMES = 9
OVERLAP = 4  # the seam's cross-fade spreads over 5 pairs (docs/video.md: why 4 here)
OPTIONS = dict(width=48, optimizer="lbfgs", iterations=12, seed=0, init="content")
FRAME_ITERATIONS = 6


@pytest.mark.parametrize("total, workers, overlap", [(9, 2, 4), (600, 4, 4), (600, 64, 4), (10, 3, 1), (5, 5, 0),
                                                     (7, 1, 0), (13, 4, 2)])
def test_the_segments_cover_the_frames_in_order_and_each_after_the_first_starts_overlap_frames_early(
        total, workers, overlap):
    plan = plan_segments(total, workers, overlap)
    segments = plan.segments
    assert len(segments) == workers and segments[0].positions.start == 0 == segments[0].owned
    assert segments[-1].positions.stop == total
    for earlier, later in zip(segments, segments[1:]):
        assert later.owned == earlier.positions.stop and later.positions.start == later.owned - overlap
        assert earlier.owned < later.positions.start  # the earlier segment keeps frames of its own
    lengths = [len(s.positions) for s in segments]
    assert max(lengths) - min(lengths) <= 1 and sum(lengths) == total + (workers - 1) * overlap
    for position in range(total):
        sources = plan.sources(position)
        assert abs(sum(weight for _, weight in sources) - 1) < 1e-12
        assert all(position in segments[number].positions for number, _ in sources)


def test_the_overlap_is_a_linear_cross_fade_and_the_seam_pairs_are_the_ones_it_touches():
    plan = plan_segments(9, 2, 4)  # segment 0: positions 0-6, segment 1: 3-8, owning 7-8
    assert [plan.sources(p) for p in (2, 3, 6, 7)] == [((0, 1.0),), ((0, 0.8), (1, 0.2)),
                                                        ((0, pytest.approx(0.2)), (1, 0.8)), ((1, 1.0),)]
    assert plan.seam_pairs() == (2, 3, 4, 5, 6)  # pairs (2, 3) ... (6, 7)
    assert plan.seam_and_interior([1, 1, 4, 4, 4, 4, 4, 2]) == (4.0, pytest.approx(4 / 3))
    assert plan_segments(6, 2, 0).seam_pairs() == (2,)  # a hard cut: the one pair across it
    white, black = np.full((2, 2, 3), 255, np.uint8), np.zeros((2, 2, 3), np.uint8)
    assert np.array_equal(blend([white, black], [0.2, 0.8]), np.full((2, 2, 3), 51, np.uint8))


def test_the_default_overlap_is_four_frames_or_what_the_segments_allow():
    assert plan_segments(600, 4).overlap == 4 and plan_segments(6, 2).overlap == 4
    assert plan_segments(7, 3).overlap == 1 and plan_segments(5, 5).overlap == 0 and plan_segments(8, 1).overlap == 0


@pytest.mark.parametrize("total, workers, overlap, parts", [
    (6, 7, None, ("--workers 7", "6 frames", "at most 6")),
    (6, 2, 5, ("--overlap 5", "at most 4", "fewer --workers")),
    (20, 4, 6, ("--overlap 6", "at most 3")),
    (6, 1, 2, ("--overlap 2", "--workers 2")),
])
def test_what_cannot_be_cut_into_segments_is_one_line_naming_the_fix(total, workers, overlap, parts):
    with pytest.raises(ConfigError) as refused:
        plan_segments(total, workers, overlap)
    assert_says(refused.value, *parts)


@pytest.fixture(scope="module")
def clip_path(tmp_path_factory, shared_dir):
    frames = pan(photo(shared_dir, width=160), FRAMES, step=(0, 2), origin=(30, 20), size=SIZE)
    return write_clip_with_pyav(tmp_path_factory.mktemp("clip") / "pan.mp4", frames)


@pytest.mark.parametrize("flags, parts", [
    (["--workers", "10"], ("--workers 10", "at most 9")),
    (["--workers", "2", "--overlap", "8"], ("--overlap 8", "at most 7")),
    (["--overlap", "2"], ("--overlap 2", "--workers")),
    (["--ray-address", "127.0.0.1:1"], ("--ray-address", "--workers N")),
])
def test_bad_workers_options_are_one_line_exit_2_and_nothing_written(tmp_path, clip_path, style_path,
                                                                    approx_weights_path, capsys, flags, parts):
    status = main(["video", "--content", str(clip_path), "--style", str(style_path), "--output",
                   str(tmp_path / "out.mp4"), "--weights", str(approx_weights_path), "--width", "48", "--iterations", "1", *flags])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert status == 2 and len(lines) == 1, lines
    assert_says(lines[0], *parts)
    assert os.listdir(tmp_path) == []


def test_resume_with_other_segments_than_the_runs_is_one_line_and_leaves_the_folder_as_it_was(
        tmp_path, clip_path, style_path, approx_weights_path):
    config = Config(weights=str(approx_weights_path), **OPTIONS)
    first = plan_video(str(clip_path), str(style_path), str(tmp_path / "out.mp4"), config, VideoOptions())
    first.frames.folder.mkdir()  # as run_segments' lock makes it
    start_folder(first, plan_segments(FRAMES, 2, 4))  # what run_segments writes before any segment runs
    before = first.frames.manifest_path.read_bytes()
    again = plan_video(str(clip_path), str(style_path), str(tmp_path / "out.mp4"), config, VideoOptions(resume=True))
    with pytest.raises(ConfigError) as refused:
        start_folder(again, plan_segments(FRAMES, 2, 2))
    assert_says(refused.value, "--resume", "other segments", "--workers and --overlap")
    assert start_folder(again, plan_segments(FRAMES, 2, 4))[0].config.seed == 0  # the run's own: taken
    assert first.frames.manifest_path.read_bytes() == before


LOOPBACK_NODE = {"node_ip_address": "127.0.0.1", "num_cpus": 1}


def test_a_resume_without_workers_of_a_segmented_run_names_the_segments_not_the_weights(
        tmp_path, clip_path, style_path, approx_weights_path, vgg):
    config = Config(weights=str(approx_weights_path), **OPTIONS)
    first = plan_video(str(clip_path), str(style_path), str(tmp_path / "out.mp4"), config, VideoOptions())
    first.frames.folder.mkdir()
    start_folder(first, plan_segments(FRAMES, 2, 4))
    with pytest.raises(ConfigError) as refused:
        run_video(str(clip_path), str(style_path), str(tmp_path / "out.mp4"), config, VideoOptions(resume=True),
                  vgg=vgg)
    assert_says(refused.value, "--resume", "other segments", "--workers and --overlap")
    assert "weights" not in str(refused.value)


@pytest.fixture(scope="module")
def ray_instance():
    """Two Ray nodes on 127.0.0.1, one CPU each (ray.cluster_utils.Cluster), joined by this process: the two
    segments' tasks (one CPU each) run one on each node, as on a cluster."""
    import ray  # only this test needs it
    from ray.cluster_utils import Cluster

    loopback_only(ray)
    cluster = Cluster(initialize_head=True, head_node_args={**LOOPBACK_NODE, "include_dashboard": False})
    try:
        cluster.add_node(**LOOPBACK_NODE)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        assert [node["NodeManagerAddress"] for node in ray.nodes() if node["Alive"]] == ["127.0.0.1"] * 2
        yield ray
    finally:
        ray.shutdown()
        cluster.shutdown()


def kill_when(frame_path, lock_path, killed):
    """SIGKILL the process holding `lock_path` (a segment's worker) once `frame_path` exists."""
    while not frame_path.exists():
        time.sleep(0.05)
    pid = json.loads(lock_path.read_text())["pid"]
    os.kill(pid, signal.SIGKILL)
    killed.append(pid)


def on_worker(ray, function, *args):
    """`function(*args)` as a Ray task on a worker like run_segments' (one thread: the two CPUs shared by two)."""
    task = ray.remote(function).options(num_cpus=1, runtime_env={"env_vars": worker_environment(1)})
    return ray.get(task.remote(*args))


def frames_of(folder, indices):
    return [read_image(Path(folder) / f"out-{index:05d}.png") for index in indices]


@pytest.mark.slow
def test_two_segments_on_ray_survive_a_killed_worker_equal_their_runs_alone_and_the_seam_flickers_little(
        tmp_path, ray_instance, clip_path, style_path, approx_weights_path):
    config = Config(weights=str(approx_weights_path), workers=2, **OPTIONS)
    video = VideoOptions(frame_iterations=FRAME_ITERATIONS, overlap=OVERLAP)
    # Segment 0's worker is SIGKILLed once the segment's third frame is written: Ray runs its task again.
    killed, segment = [], tmp_path / "out-frames" / "segment-00"
    threading.Thread(target=kill_when, args=(segment / "out-00002.png", segment / "video.lock", killed),
                     daemon=True).start()
    result = run_segments(str(clip_path), str(style_path), str(tmp_path / "out.mp4"), config, video)
    plan, folder = result.plan, Path(result.video.frames_dir)
    assert [s.positions for s in plan.segments] == [range(0, 7), range(3, 9)]
    assert len(killed) == 1 and killed[0] not in {done.pid for done in result.segments}
    assert [frame.kept for frame in result.segments[0].frames] == [True] * 3 + [False] * 4  # resumed at frame 3
    assert open_clip(tmp_path / "out.mp4").frame_count == FRAMES
    assert result.seam_error <= 1.5 * result.interior_error, (result.seam_error, result.interior_error)
    # Segment 1 run alone (its first two frames: the start that matters) by run_video on a worker like theirs
    # (the same threads: 1 and 2 threads differ by a level or two after a few L-BFGS steps) equals its frames.
    alone = on_worker(ray_instance, run_video, str(clip_path), str(style_path), str(tmp_path / "alone.mp4"),
                      config.replace(workers=0), VideoOptions(frame_iterations=FRAME_ITERATIONS, start_frame=3,
                                                              end_frame=4))
    for ours, theirs in zip(frames_of(folder / "segment-01", (3, 4)), frames_of(alone.frames_dir, (3, 4))):
        assert np.array_equal(ours, theirs)
    # The task run again on a folder that lost its last frame computes it again, the same.
    before = frames_of(segment, range(7))
    (segment / "out-00006.png").unlink()
    job = SegmentJob(0, str(clip_path), str(style_path), str(tmp_path / "out.mp4"), config.replace(workers=0),
                     VideoOptions(frame_iterations=FRAME_ITERATIONS, start_frame=0, end_frame=6,
                                  frames_dir=str(segment)))
    again = on_worker(ray_instance, run_segment, job)
    assert [frame.kept for frame in again.frames] == [True] * 6 + [False]
    assert all(np.array_equal(a, b) for a, b in zip(frames_of(segment, range(7)), before))
    # The final frames: the cross-fade over the overlap, each segment's frames outside it.
    final = frames_of(folder, range(FRAMES))
    assert np.array_equal(final[4], blend([before[4], read_image(folder / "segment-01" / "out-00004.png")],
                                          [0.6, 0.4]))
    assert np.array_equal(final[8], read_image(folder / "segment-01" / "out-00008.png"))
