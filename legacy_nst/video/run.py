"""A clip stylised frame by frame with temporal consistency (Ruder, Dosovitskiy and Brox 2016, single pass), to a
clip, resumable: `run_video`, what `legacy-nst video` runs.

- The first frame runs the full recipe (its --init, --iterations, --multiscale), as a still run would.
- Each later frame j starts from the previous stylised frame warped into it by the optical flow (Ruder's
  `prevWarped`: motion.flow.warp by the backward flow j -> j-1), its unreliable pixels (disocclusions, motion
  boundaries: the flow's consistency weights are 0) taken from the frame's own --init, and runs
  --frame-iterations steps at the working size. Its objective adds the temporal term (losses.temporal) against
  each earlier frame of --temporal-frames, warped the same way, with Ruder's closest-first weights.
- The later frames share one prepared run and one engine, reloaded frame after frame (video.clip): a frame
  pays for its flows and its steps, not for building the network again.
- The previous stylised frames are read back from their PNG files, as artistic_video.lua reads them, so a run
  resumed after any kill (SIGKILL included) computes the frames after it exactly as an uninterrupted run does.
- Frames and flows live in the frames folder (video.frames); the clip is written at the end by io.video.write_clip,
  the source's audio carried over for the frames chosen.

Every check is made before any work (video.frames; io.video.check_output): bad input is one line (NSTError)
and nothing is written. A stop request (Ctrl-C, SIGTERM) ends the run after the current optimizer step with the
finished frames kept: Interrupted (exit 130), continued by --resume.
"""
import json
import secrets
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Optional, Tuple

import numpy as np

from ..config import PROGRAM
from ..config.groups.video import VideoOptions
from ..errors import ConfigError
from ..io.atomic import atomic_write, check_writable
from ..io.checksums import fingerprint
from ..io.images import read_image, read_input, resize, save_image, to_network
from ..io.video import check_output, open_clip, write_clip
from ..motion.cache import flows_for
from ..motion.flow import warp
from ..optim.loop import Step
from ..problem import as_style_list, initial_image
from ..record.checkpoints import weights_fingerprint
from ..record.interrupts import Interrupted, StopRequest
from ..run.levels import Finished, run_levels
from ..vgg.matfile import load_vgg19
from .clip import SharedByFrames
from .frames import FORMAT, FramesDir, clip_checksum, default_frames_dir, result_options
from .measure import temporal_error

RELIABLE = 0.5  # a warped pixel is used where its consistency weight is above this (the weights are 0 or 1)


@dataclass(frozen=True)
class VideoSetup:
    """A video run, checked before any work: the clip, the frames chosen, the sizes, the folders, the configs."""

    clip: object               # io.video.Clip
    selection: range           # the clip's frame indices stylised, in order
    size: Tuple[int, int]      # the working size (height, width)
    frames: FramesDir
    config: object             # the first frame's Config
    later: object              # the later frames' Config: --frame-iterations steps, one level
    video: VideoOptions
    styles: list               # the style paths (or arrays)
    output: str

    @property
    def frame_rate(self) -> Fraction:
        return self.clip.frame_rate / self.selection.step

    def iterations(self, position) -> int:
        return (self.config if position == 0 else self.later).iterations


@dataclass(frozen=True)
class FrameResult:
    """One frame of the run: its index in the clip and in the frames stylised, its final losses and time
    (None and 0 for a frame kept from before a --resume, whose losses are in its .json file)."""

    index: int
    position: int
    losses: Optional[dict]
    seconds: float
    kept: bool


@dataclass(frozen=True)
class VideoResult:
    """What a video run did: the clip written, each frame, the temporal error of each consecutive pair under the
    run's own flows (video.measure), and the notes to show."""

    output: str
    frames_dir: str
    frames: Tuple[FrameResult, ...]
    temporal_errors: Tuple[float, ...]
    seed: int
    notes: Tuple[str, ...]


def plan_video(content, style, output, config, video: VideoOptions) -> VideoSetup:
    """Every check that needs no weights, in the order a user fixes them; nothing is written."""
    styles = as_style_list(style)
    if not styles or any(isinstance(s, str) and not s.strip() for s in styles):
        raise ConfigError("no style image given (an empty path); name at least one style image")
    clip = open_clip(content)
    container = check_output(output, content)
    if container != "pattern":
        check_writable(output, f"--output {output}", "give another --output")
    last = clip.frame_count - 1
    for name, value in (("--start-frame", video.start_frame), ("--end-frame", video.end_frame)):
        if value is not None and value > last:
            raise ConfigError(f"{name} {value}: the clip's frames are 0-{last}; give a frame in that range")
    end = last if video.end_frame is None else video.end_frame
    selection = clip.indices(video.start_frame, end + 1, video.every)
    size = config.working_size((clip.height, clip.width))
    frames = FramesDir(video.frames_dir or default_frames_dir(output, container == "pattern"))
    frames.check(video.resume, video.overwrite)
    if not video.overwrite:
        frames.check_flows(size)
    later = config.replace(iterations=video.frame_iterations if video.frame_iterations is not None
                           else config.iterations, multiscale=(), multiscale_iterations=None)
    return VideoSetup(clip, selection, size, frames, config, later, video, styles, str(output))


def manifest(setup, styles_checksums, weights) -> dict:
    """What the frames folder is of (video.frames): compared by --resume."""
    clip = setup.clip
    return {"format": FORMAT, "clip": {"checksum": clip_checksum(clip), "frame_count": clip.frame_count,
                                       "frame_rate": str(clip.frame_rate), "width": clip.width,
                                       "height": clip.height},
            "styles": styles_checksums, "weights": weights, "size": list(setup.size),
            "frames": [setup.selection.start, setup.selection.stop, setup.selection.step],
            "options": result_options(setup.config, setup.video)}


def _seeded(setup, seed):
    """The setup with --seed `seed` in both configs (a run without --seed draws one: --resume needs it)."""
    return VideoSetup(setup.clip, setup.selection, setup.size, setup.frames, setup.config.replace(seed=seed),
                      setup.later.replace(seed=seed), setup.video, setup.styles, setup.output)


def _start_folder(setup, vgg):
    """Resume or start the frames folder (its lock held): the run's seed and manifest, checked or written."""
    frames, notes = setup.frames, []
    checksums = [fingerprint(s) for s in setup.styles]
    if setup.video.resume:
        seed = setup.config.seed
        if seed is None:
            seed = frames.read_manifest().get("options", {}).get("seed")
        setup = _seeded(setup, seed)
        frames.check_manifest(manifest(setup, checksums, weights_fingerprint(vgg)))
        return setup, notes
    if setup.video.overwrite:
        frames.clear()
    if setup.config.seed is None:
        setup = _seeded(setup, secrets.randbelow(2 ** 32))
        notes.append(f"--seed {setup.config.seed} drawn for the noise (kept in {frames.manifest_path} for --resume)")
    frames.write_manifest(manifest(setup, checksums, weights_fingerprint(vgg)))
    return setup, notes


def run_video(content, style, output, config, video: Optional[VideoOptions] = None, *, log_json=None,
              progress=None, vgg=None) -> VideoResult:
    """Stylise the clip `content` (a video file or an image pattern) with `style` into `output` (.mp4, .mov,
    .mkv or an image pattern), as the module's docstring says. `progress` (cli.progress.Progress, counting
    frames) shows each frame and the ETA; `vgg` reuses weights already loaded; `log_json`: the run's record
    (the manifest, each frame's losses and time, the temporal errors)."""
    video = video or VideoOptions()
    setup = plan_video(content, style, output, config, video)
    if log_json:
        check_writable(log_json, f"--log-json {log_json}", "give another --log-json")
    vgg = vgg or load_vgg19(config.weights_path())
    setup, notes, results = stylise_frames(setup, vgg, progress)
    errors, written = write_output(setup, progress)
    result = VideoResult(str(output), str(setup.frames.folder), tuple(results), errors, setup.config.seed,
                         tuple(notes) + written)
    if log_json:
        atomic_write(log_json, json.dumps(_record(setup, result), indent=1).encode())
    return result


def write_output(setup, progress=None):
    """The clip of the frames folder's frames written to the run's output, with the source's audio for the
    frames chosen, and the temporal errors of its pairs: (errors, the writing's notes, shown as they come)."""
    errors = measured_errors(setup)
    written = write_clip(setup.output, (read_image(setup.frames.frame(i)) for i in setup.selection),
                         setup.frame_rate, audio_from=setup.clip, audio_window=_audio_window(setup),
                         crf=setup.video.crf)
    for note in written.notes:
        _note(progress, note)
    return errors, written.notes


def stylise_frames(setup, vgg, progress=None):
    """The frames of a planned run (plan_video) stylised into its frames folder, its lock held: all of run_video
    but the clip, which is what each segment of --workers runs (video.workers). (setup with its seed, notes,
    each frame's FrameResult)."""
    styles = [read_input(s) for s in setup.styles]
    with setup.frames.lock():
        setup, notes = _start_folder(setup, vgg)
        notes += [note for image in styles for note in image.notes]
        for note in notes:
            _note(progress, note)
        results = _stylise_clip(setup, vgg, [image.pixels for image in styles], progress)
    return setup, notes, results


def _stylise_clip(setup, vgg, styles_rgb, progress):
    """Each chosen frame, kept (its PNG exists) or stylised, in order; the last few content and stylised frames
    are kept at hand for the flows and the warps."""
    back = max(setup.video.temporal_frames + (1,))
    contents, stylised, results = {}, {}, []
    total = len(setup.selection)
    if progress is not None:  # it counts frames, their ETA weighed by their steps
        progress.total = total
        progress.label = lambda done: f"frame {done}/{total}"
        progress.cost = lambda position: setup.iterations(position - 1)
    with StopRequest() as stop, SharedByFrames(setup, vgg, styles_rgb) as shared:
        for position, (index, content_rgb) in enumerate(setup.clip.frames(setup.selection.start,
                                                                            setup.selection.stop,
                                                                            setup.selection.step)):
            contents[position] = content_rgb
            if setup.frames.frame(index).is_file():
                results.append(FrameResult(index, position, None, 0.0, True))
            else:
                if progress is not None and not any(not r.kept for r in results):
                    progress.update(position, f"{position} kept" if position else
                                    f"at {setup.size[1]}x{setup.size[0]}, frames in {setup.frames.folder}")
                results.append(_stylise_frame(setup, position, index, contents, stylised, stop, shared))
                if progress is not None:
                    progress.update(position + 1, _frame_line(results[-1]))
            stylised[position] = read_image(setup.frames.frame(index))
            for old in [p for p in contents if p <= position - back]:
                contents.pop(old)
                stylised.pop(old)
    return results


def _frame_line(frame):
    losses = frame.losses
    terms = " ".join(f"{name} {losses[name]:.4g}" for name in ("content", "style", "temporal") if name in losses)
    return f"clip frame {frame.index}, total {losses['total']:.4g} ({terms}) in {frame.seconds:.1f} s"


def _stylise_frame(setup, position, index, contents, stylised, stop, shared) -> FrameResult:
    """One frame: its problem (the first frame's recipe, or the warm start and the temporal term), solved;
    its losses and then its PNG written, atomically (the PNG says the frame is done). `shared`
    (video.clip.SharedByFrames): the clip's prepared runs and kept engine."""
    began = time.perf_counter()
    prepared = shared.prepared_for(position, contents[position])
    engines = shared.engines_for(position)
    start = inputs = None
    if position > 0:
        start, inputs = warm_start(setup, prepared, position, index, contents, stylised)
    result = None
    with closing(run_levels(prepared, start=start, inputs=inputs, engines=engines)) as events:
        for event in events:
            if isinstance(event, Finished):
                result = event.result
            elif isinstance(event, Step) and stop.requested:
                done = sum(1 for p in range(position) if setup.frames.frame(setup.selection[p]).is_file())
                stopped = Interrupted(stop.signum, event.iteration)
                stopped.report = (f"stopped by {stopped.name} during frame {index}; the {done} frames done are kept "
                                  f"in {setup.frames.folder}; continue with the same command and --resume")
                raise stopped
    losses = {key: value for key, value in result.history[-1].items() if key != "iteration"}
    seconds = time.perf_counter() - began
    atomic_write(setup.frames.losses(index), json.dumps({"index": index, "losses": losses, "seconds": seconds,
                                                         "history": result.history}).encode())
    save_image(setup.frames.frame(index), result.image)
    return FrameResult(index, position, losses, seconds, False)


def warm_start(setup, prepared, position, index, contents, stylised):
    """(start, inputs) of a later frame: the previous stylised frame warped into this one, its unreliable pixels
    from the frame's own --init; and {"previous": [(warped, weights)]} for each --temporal-frames offset that
    exists, closest first, in network space at the working size (losses.temporal). All are the images as the
    network sees them (run.control): under --color-control luminance, grey."""
    size, mean, config, control = setup.size, prepared.vgg.mean_pixel, prepared.config, prepared.control
    content = to_network(resize(control.content_rgb, size), mean)
    style = to_network(resize(control.styles_rgb[0], size), mean)
    own = initial_image(config, content, style, size, mean)[0]
    warped = {}
    for offset in sorted(set(setup.video.temporal_frames) | {1}):
        earlier = position - offset
        if earlier < 0:
            break
        flows = flows_for(setup.frames.folder, setup.selection[earlier], index, contents[earlier],
                          contents[position], size=size)
        image = warp(to_network(control.network_view(stylised[earlier]), mean)[0], flows.backward)
        warped[offset] = (image, flows.backward_weights)
    image, weights = warped[1]
    start = np.where(weights[..., None] > RELIABLE, image, own)[None].astype(np.float32)
    previous = [(image[None], weights[None, ..., None]) for offset, (image, weights) in sorted(warped.items())
                if offset in setup.video.temporal_frames]
    return start, {"previous": previous}


def measured_errors(setup) -> Tuple[float, ...]:
    """The temporal error (video.measure) of each consecutive pair of the frames written, under the run's flows
    (computed now where a pair's were not)."""
    errors, earlier = [], None
    for position, (index, content) in enumerate(setup.clip.frames(setup.selection.start, setup.selection.stop,
                                                                   setup.selection.step)):
        frame = read_image(setup.frames.frame(index))
        if earlier is not None:
            flows = flows_for(setup.frames.folder, earlier[0], index, earlier[1], content, size=setup.size)
            errors.append(temporal_error(earlier[2], frame, flows.backward, flows.backward_weights))
        earlier = (index, content, frame)
    return tuple(errors)


def _audio_window(setup):
    """The seconds of the source the frames chosen span: its audio is cut to them."""
    rate, selection = setup.clip.frame_rate, setup.selection
    return (Fraction(selection.start) / rate, Fraction(selection.start + len(selection) * selection.step) / rate)


def _record(setup, result) -> dict:
    """--log-json: what ran, each frame and the temporal errors."""
    return {"program": PROGRAM, "output": result.output, "frames_dir": result.frames_dir,
            "manifest": setup.frames.read_manifest(), "seed": result.seed,
            "frames": [asdict(frame) for frame in result.frames],
            "temporal_errors": list(result.temporal_errors),
            "temporal_error_mean": float(np.mean(result.temporal_errors)) if result.temporal_errors else None,
            "notes": list(result.notes)}


def _note(progress, text):
    if progress is not None:
        progress.note(text)
