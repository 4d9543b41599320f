"""`legacy-nst video --workers N [--ray-address ADDR]`: the segments of video.segments, each a video run of its own
on a Ray worker, and the clip assembled here.

- The frames folder (--frames-dir) holds the run's manifest (video.run.manifest, with the segments), one
  sub-folder per segment, `segment-NN/` (a normal video run's frames folder: its frames, flows, manifest and
  lock, so each segment resumes on its own), and the final frames, the seams cross-faded, as out-NNNNN.png with
  their flows (the temporal error is measured on them, as a run without --workers measures its own).
- A segment is one Ray task (cluster.connect: a local instance binds to 127.0.0.1 only). A worker that dies has
  its task run again by Ray (MAX_RETRIES), which continues the segment's folder from its last finished frame.
- --resume continues every segment (a finished one is only read) and assembles the clip again.
"""
import dataclasses
import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Optional, Tuple

from ..cluster import capacity, connect, worker_environment
from ..config import PROGRAM
from ..config.groups.video import VideoOptions
from ..errors import ConfigError, NSTError
from ..io.atomic import atomic_write, check_writable
from ..io.checksums import fingerprint
from ..io.images import read_image, save_image
from ..record.interrupts import Interrupted, StopRequest
from ..vgg.matfile import load_vgg19
from .frames import FramesDir
from .run import VideoResult, manifest, plan_video, stylise_frames, write_output
from .segments import SegmentPlan, blend, plan_segments

MAX_RETRIES = 3  # Ray runs a segment whose worker died again this many times, each resuming its folder
CANCEL_WAIT_SECONDS = 10


@dataclass(frozen=True)
class SegmentJob:
    """What a worker needs to run one segment: a video run's arguments, the frames and folder the segment's."""

    number: int
    content: str
    style: object
    output: str
    config: object        # the run's Config: its seed set, no --workers
    video: VideoOptions   # the segment's --start-frame, --end-frame and --frames-dir


@dataclass(frozen=True)
class SegmentDone:
    """A segment's frames (video.run.FrameResult, kept ones included), where and how long it ran."""

    number: int
    frames: tuple
    seconds: float
    host: str
    pid: int


@dataclass(frozen=True)
class SegmentedResult:
    """A --workers run: the clip (as a run without workers reports it), the plan, each segment, and the mean
    temporal error of the seams' pairs against the other pairs'."""

    video: VideoResult
    plan: SegmentPlan
    segments: Tuple[SegmentDone, ...]
    seam_error: float
    interior_error: float
    ray_seconds: float = 0.0       # from joining Ray to the last segment done
    assembly_seconds: float = 0.0  # the seams cross-faded, the clip's temporal errors measured and the clip written


def requested_workers(config, video: VideoOptions) -> Optional[int]:
    """The segments a video run asks for (--workers), None for a run in this process; --overlap or --ray-address
    without --workers is one line."""
    if config.workers:
        return config.workers
    if config.ray_address:
        raise ConfigError(f"--ray-address {config.ray_address}: a video run's segments go to Ray with --workers; "
                          f"give --workers N (the number of segments)")
    if video.overlap is not None:
        raise ConfigError(f"--overlap {video.overlap}: blends the segments of --workers; give --workers N (2 or "
                          f"more), or leave --overlap out")
    return None


def segment_folder(frames: FramesDir, number) -> FramesDir:
    return FramesDir(frames.folder / f"segment-{number:02d}")


def run_segments(content, style, output, config, video: VideoOptions, *, log_json=None,
                 progress=None) -> SegmentedResult:
    """The clip `content` stylised in --workers segments on Ray (the module's docstring) into `output`; every
    check first, one line for bad input and nothing written."""
    address = config.ray_address
    setup = plan_video(content, style, output, config.replace(workers=0, ray_address=None), video)
    plan = plan_segments(len(setup.selection), requested_workers(config, video), video.overlap)
    if log_json:
        check_writable(log_json, f"--log-json {log_json}", "give another --log-json")
    with setup.frames.lock():
        setup, notes = _start_folder(setup, plan)
        for note in notes:
            _note(progress, note)
        jobs = [_job(setup, plan, number) for number in range(len(plan.segments))]
        began = time.perf_counter()
        done = _run_on_ray(jobs, address, setup.frames, progress)
        ray_seconds, began = time.perf_counter() - began, time.perf_counter()
        _assemble(setup, plan)
    errors, written = write_output(setup, progress)
    owners = [dict((f.index, f) for f in done[s.number].frames) for s in plan.segments]
    frames = tuple(owners[plan.sources(p)[-1][0]][index] for p, index in enumerate(setup.selection))
    result = SegmentedResult(VideoResult(str(output), str(setup.frames.folder), frames, errors, setup.config.seed,
                                         tuple(notes) + written),
                             plan, tuple(done), *plan.seam_and_interior(errors), ray_seconds,
                             time.perf_counter() - began)
    if log_json:
        atomic_write(log_json, json.dumps(_record(setup, result), indent=1).encode())
    return result


def _start_folder(setup, plan):
    """Resume or start the run's folder (its lock held): the seed, and the manifest with the segments, checked
    or written; --overwrite empties the segments' folders too. (The weights are each segment's to check.)"""
    frames, notes, seed = setup.frames, [], setup.config.seed
    if setup.video.resume and seed is None:
        seed = frames.read_manifest().get("options", {}).get("seed")
    if seed is None:
        seed = secrets.randbelow(2 ** 32)
        notes.append(f"--seed {seed} drawn for the noise (kept in {frames.manifest_path} for --resume)")
    setup = dataclasses.replace(setup, config=setup.config.replace(seed=seed), later=setup.later.replace(seed=seed))
    expected = dict(manifest(setup, [fingerprint(s) for s in setup.styles], None), segments=plan.to_json())
    if setup.video.resume:
        frames.check_manifest(expected)  # its segments first
        return setup, notes
    if setup.video.overwrite:
        frames.clear()
        for folder in sorted(frames.folder.glob("segment-*")):
            FramesDir(folder).clear()
    frames.write_manifest(expected)
    return setup, notes


def _job(setup, plan, number) -> SegmentJob:
    """Segment `number` as a video run of its own: its frames, its folder, the run's seed."""
    positions = plan.segments[number].positions
    video = dataclasses.replace(setup.video, start_frame=setup.selection[positions.start],
                                end_frame=setup.selection[positions.stop - 1],
                                frames_dir=str(segment_folder(setup.frames, number).folder), resume=False,
                                overwrite=False, overlap=None)
    style = setup.styles if len(setup.styles) != 1 else setup.styles[0]
    return SegmentJob(number, setup.clip.source, style, setup.output, setup.config, video)


_weights = {}  # a worker's weights, loaded once for all the segments it runs


def run_segment(job: SegmentJob) -> SegmentDone:
    """One segment, here (a Ray task's body): a video run of the segment's frames into its folder, continued
    from its last finished frame when the folder holds a start (a retried task, or --resume)."""
    began = time.perf_counter()
    video = dataclasses.replace(job.video, resume=FramesDir(job.video.frames_dir).manifest_path.is_file())
    setup = plan_video(job.content, job.style, job.output, job.config, video)
    key = job.config.weights_path()
    if key not in _weights:
        _weights[key] = load_vgg19(key)
    _, _, frames = stylise_frames(setup, _weights[key])
    return SegmentDone(job.number, tuple(frames), time.perf_counter() - began, socket.gethostname(), os.getpid())


def _run_on_ray(jobs, address, frames, progress) -> list:
    """Every job as a Ray task, one CPU share each; their SegmentDone by segment number. A stop request cancels
    them (the frames they finished are kept) and raises Interrupted."""
    import ray  # heavy, and only runs with --workers need it

    started = connect(ray, address)
    try:
        threads = capacity(ray).threads_each(len(jobs))
        task = ray.remote(run_segment).options(
            name="legacy-nst-segment", num_cpus=threads, max_retries=MAX_RETRIES, retry_exceptions=False,
            runtime_env={"env_vars": worker_environment(threads)})
        pending, done = {task.remote(job): job for job in jobs}, [None] * len(jobs)
        with StopRequest() as stop:
            while pending and not stop.requested:
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.5)
                for ref in ready:
                    number = pending.pop(ref).number
                    finished = done[number] = _result(ray, ref, f"segment {number + 1}/{len(jobs)}")
                    _note(progress, f"segment {finished.number + 1}/{len(jobs)} done in {finished.seconds:.1f} s "
                                    f"on {finished.host} (pid {finished.pid})")
        if pending:
            _cancel(ray, pending)
            stopped = Interrupted(stop.signum, None)
            stopped.report = (f"stopped by {stopped.name}; the segments' finished frames are kept in "
                              f"{frames.folder}; continue with the same command and --resume")
            raise stopped
        return done
    finally:
        if started:
            ray.shutdown()


def _result(ray, ref, name) -> SegmentDone:
    """A finished task's SegmentDone; its failure as one line naming the segment."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as error:
        cause = getattr(error, "cause", None)
        if isinstance(cause, NSTError):
            raise type(cause)(f"{name}: {cause}") from None
        reason = (str(cause or error).strip().splitlines() or [type(error).__name__])[-1]
        raise NSTError(f"{name} failed on its worker ({reason}); continue with --resume") from None
    except ray.exceptions.RayError as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise NSTError(f"{name}: its worker was lost, and again in each of {MAX_RETRIES} retries ({reason}); "
                       f"continue with --resume") from None


def _cancel(ray, pending):
    for ref in pending:
        ray.cancel(ref)
    ray.wait(list(pending), num_returns=len(pending), timeout=CANCEL_WAIT_SECONDS)


def _assemble(setup, plan: SegmentPlan):
    """The final frames in the run's folder: each the frame of the segment that owns it, or the cross-fade of
    two segments' frames over an overlap (video.segments)."""
    folders = [segment_folder(setup.frames, s.number) for s in plan.segments]
    for position, index in enumerate(setup.selection):
        sources = plan.sources(position)
        images = [read_image(folders[number].frame(index)) for number, _ in sources]
        save_image(setup.frames.frame(index), blend(images, [weight for _, weight in sources]))


def _record(setup, result: SegmentedResult) -> dict:
    """--log-json: what ran, each segment, the temporal errors and the seams' against the interior's."""
    video = result.video
    return {"program": PROGRAM, "output": video.output, "frames_dir": video.frames_dir,
            "manifest": setup.frames.read_manifest(), "seed": video.seed,
            "segments": [{**dataclasses.asdict(done), "positions": [s.positions.start, s.owned, s.positions.stop]}
                         for done, s in zip(result.segments, result.plan.segments)],
            "overlap": result.plan.overlap, "frames_stylised": result.plan.frames_stylised,
            "temporal_errors": list(video.temporal_errors), "seam_pairs": list(result.plan.seam_pairs()),
            "seam_error": result.seam_error, "interior_error": result.interior_error, "notes": list(video.notes)}


def _note(progress, text):
    if progress is not None:
        progress.note(text)
