"""The run that writes its files (`run_to_files`): the one the command line and every sweep job run.

The level loop (run.levels) writes nothing; this module takes its events in
one plain loop (`_follow`) and writes a run's files, each atomically: the
output image, the checkpoints (NNNNN.png and the resumable state), the
--log-json record with the plan and every iteration's losses, the
--plot/--strip figures and the --tensorboard events (record.tensorboard).
On SIGINT/SIGTERM it writes the current image to OUTPUT, the lowest-loss
one to OUTPUT.best, the state, the log and the
figures, then raises Interrupted; a resumed run that completes writes
OUTPUT.best again, from the lowest loss across the resume. If the loss turns
NaN/inf, the last image with a finite loss goes to OUTPUT.last-good (OUTPUT
itself is not written) and the error says so. Before any work, every file it
would write is checked (a regular file or nothing, in a writable folder), and
a run that keeps a state holds its checkpoint folder's lock while it runs.
"""
import contextlib
import json
import os
import re
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Optional

import numpy as np

from ..config import INITS, PROGRAM, require_weights
from ..engines import resumable
from ..errors import ConfigError, NSTError, OptimizationError
from ..io.atomic import atomic_write, check_directory, check_writable
from ..io.colors import render
from ..io.images import check_output_path, save_image
from ..io.paths import check_regular_files
from ..optim.loop import Step
from ..problem import as_style_list
from ..run.levels import Finished, Note, run_levels
from ..run.prepare import load_network, prepare, resolved
from ..run.scale import check_style_sources, scale_regions, scale_style
from .checkpoints import (PREVIOUS_JSON, STATE_JSON, STATE_NPZ, RunHistory, check_compatible, check_folder,
                          load_state, run_lock, weights_fingerprint)
from .intermediate import intermediate_path
from .interrupts import Interrupted, StopRequest
from .plots import Figures, check_plot_path
from .run_record import run_record, versions
from .tensorboard import Board, check_board

TILE_NOTE_SECONDS = 30  # a long tiled evaluation reports its tiles at most this often
CHECKPOINT_IMAGE = re.compile(r"^[0-9]{5,}\.png$")  # NNNNN.png, RunFiles.checkpoint_image's names
INTERMEDIATE_CHECKED = 100_000  # iterations whose intermediate image is checked before the run (later: as written)


@dataclass(frozen=True)
class RunPaths:
    """Where one run's files go."""

    output: Path
    log_json: Optional[Path]
    checkpoints: Path  # --checkpoint-dir, else the --resume folder, else OUTPUT's name + '-checkpoints'

    @classmethod
    def of(cls, output, config, log_json=None) -> "RunPaths":
        output = Path(output)
        if not output.name:
            raise NSTError(f"--output {str(output)!r} has no file name; give a file name, e.g. out.png")
        checkpoints = config.checkpoint_dir or config.resume or output.with_name(output.stem + "-checkpoints")
        return cls(output, Path(log_json) if log_json else None, Path(checkpoints))

    @property
    def scale_style(self) -> Path:
        """out.png -> out.style.png: scale control's new style image (run.scale), lossless whatever OUTPUT's format."""
        return self.output.with_name(f"{self.output.stem}.style.png")

    def sibling(self, label) -> Path:
        """out.png -> out.best.png: where the extra images of a run go, beside its output."""
        return self.output.with_name(f"{self.output.stem}.{label}{self.output.suffix}")

    def check(self, config, inputs=(), intermediate=None):
        """Fail before any work when a file of the run could not be written, or would replace one of its
        `inputs` ([(option, path)], see run_inputs); `intermediate(iteration)` names the peers' images."""
        check_output_path(self.output, config.bit_depth, config.keep_alpha)
        if self.log_json:
            check_directory(self.log_json)
        for option, path in (("--plot", config.plot), ("--strip", config.strip)):
            if path:
                check_plot_path(path, option)
        keeps_state = bool(config.checkpoint_every or config.resume)
        if keeps_state and self.checkpoints.exists() and not self.checkpoints.is_dir():
            raise NSTError(f"--checkpoint-dir {self.checkpoints}: is a file, not a folder; give a folder")
        check_not_inputs(self.written(config, intermediate), inputs)
        for option, source in inputs:
            if os.path.exists(source):
                if keeps_state and _checkpoint_file(source, self.checkpoints):
                    raise NSTError(f"the checkpoint {'folder' if os.path.isdir(source) else 'file'} "
                                   f"{Path(source).absolute()} is the {option} file; the run would replace it; give "
                                   "another --checkpoint-dir")
        check_regular_files(inputs)  # never open a FIFO (it blocks) or a device
        check_board(config)
        probed = set()  # each folder tried once
        for label, path, fix in self.written(config, intermediate):
            check_writable(path, label, fix, probed)
        if saves_state(config):
            check_folder(self.checkpoints, config)

    def written(self, config, intermediate=None):
        """[(label, path, fix)] of the files the run may write outside its checkpoint folder."""
        output = "give another --output"
        found = [(f"--output {self.output.absolute()}", self.output, output),
                 (f"the lowest-loss image {self.sibling('best').absolute()} (written on Ctrl-C and by a resumed run)",
                  self.sibling("best"), output),
                 (f"the last good image {self.sibling('last-good').absolute()} (written if the loss diverges)",
                  self.sibling("last-good"), output)]
        if config.style_fine is not None and not config.resume:
            found.append((f"the scale-control style image {self.scale_style.absolute()}", self.scale_style, output))
        for option, path in (("--log-json", self.log_json), ("--plot", config.plot), ("--strip", config.strip)):
            if path:
                found.append((f"{option} {Path(path).absolute()}", Path(path), f"give another {option}"))
        for iteration in range(min(config.iterations, INTERMEDIATE_CHECKED) + 1) if intermediate else ():
            path = intermediate(iteration)
            if path is not None:
                found.append((f"the intermediate image {Path(path).absolute()} (iteration {iteration})", Path(path),
                              "name the intermediate images differently"))
        return found


def saves_state(config) -> bool:
    """Whether the run may write a state into its checkpoint folder: at checkpoints, when resumed, or on Ctrl-C."""
    return bool(config.checkpoint_every or config.resume) or resumable(config)


def run_inputs(content, style, config) -> list:
    """[(option, path)] of the files a run reads: the content, each style, each mask, scale control's two
    paintings, an --init image, the weights."""
    found = [("--content", content), *(("--style", s) for s in as_style_list(style))]
    found += [("--style-mask", path) for path in config.style_mask or ()]
    found += [("--style-region-mask", path) for path in config.style_region_mask or ()]
    found += [("--style-fine", config.style_fine), ("--style-coarse", config.style_coarse)]
    if config.init not in INITS:
        found.append(("--init", config.init))
    weights = require_weights(config)
    found.append(("--weights" if weights.source == "--weights" else f"the weights ({weights.source})", weights.path))
    return [(option, Path(path)) for option, path in found if isinstance(path, (str, os.PathLike))]


def check_not_inputs(written, inputs):
    """Refuse in one line a file to write ([(label, path, fix)]) that is one of `inputs` ([(option, path)])."""
    for option, source in inputs:
        if os.path.exists(source):
            for label, path, fix in written:
                if _same_file(path, source):
                    raise NSTError(f"{label} is the {option} file; the run would replace it; {fix}")


def _same_file(written, source):
    """Whether writing `written` would replace `source` (an existing file): one file by inode, link or name."""
    try:
        if os.path.samefile(written, source):
            return True
    except OSError:
        pass
    return os.path.realpath(written) == os.path.realpath(source)


def _checkpoint_file(source, checkpoints):
    """Whether `source` is the checkpoint folder or a name the run writes in it (NNNNN.png, the state files)."""
    if _same_file(checkpoints, source):
        return True
    name = Path(source).name
    return (_same_file(Path(source).parent, checkpoints)
            and bool(CHECKPOINT_IMAGE.match(name) or STATE_NPZ.match(name) or name in (STATE_JSON, PREVIOUS_JSON)))


class RunFiles:
    """What a run writes besides its progress: checkpoint images and states as it goes, and at its end the
    output and the log, on completion, on a stop request, or when the loss turns non-finite."""

    def __init__(self, paths, prepared, saved, meta, hparams=None):
        self.paths, self.prepared, self.config, self.saved, self.meta = paths, prepared, prepared.config, saved, meta
        self.history = RunHistory.continuing(saved)
        self.figures = Figures(self.config, paths.checkpoints)
        self.current = None  # (steps, image) when stopped
        self.board = Board.open(prepared, saved, self.as_rgb, hparams)  # --tensorboard's events, or None

    def as_rgb(self, image):
        """A network-space image as uint8 RGB (checkpoint and intermediate images)."""
        return render(self.config, image, self.prepared.vgg.mean_pixel, self.prepared.inputs.content_rgb)

    def write_image(self, path, image):
        """OUTPUT or a sibling: at --bit-depth from the unrounded network-space image, with --keep-alpha's alpha."""
        depth, inputs = self.config.bit_depth, self.prepared.inputs
        save_image(path, render(self.config, image, self.prepared.vgg.mean_pixel, inputs.content_rgb, depth), depth,
                   inputs.alpha)

    def checkpoint_image(self, iteration, image):
        """NNNNN.png in the checkpoint folder."""
        self.paths.checkpoints.mkdir(parents=True, exist_ok=True)
        save_image(self.paths.checkpoints / f"{iteration:05d}.png", self.as_rgb(image))

    def save(self, steps, variables, status):
        """The state after `steps` steps as the newest checkpoint, when its image is finite."""
        if np.isfinite(variables["input"]).all():
            self.history.save(self.paths.checkpoints, steps, variables, self.meta, status)

    def write_log(self, status, size, result=None):
        """--log-json: the run record, the plan, and every iteration's losses."""
        if not self.paths.log_json:
            return
        plan, history, inputs = self.prepared.plan, self.history, self.prepared.inputs
        log = {**run_record(self.config, size, *inputs.named, output=str(self.paths.output),
                            precision=plan.precision),
               "plan": plan.to_json(), "s_per_iter": result and result.s_per_iter, "status": status,
               "best": history.best, "iterations": history.entries}
        if result is not None and result.tiling:  # core and halo sizes, tiles per evaluation, window shapes
            log["tiling"] = result.tiling
        if result is not None and result.stopped_early:  # L-BFGS converged (or its search failed) early
            log["stopped_early"] = result.stopped_early
        if result is not None and result.average_losses:  # --average-iterates: the written image's losses
            log["average_losses"] = result.average_losses
        if result is not None and self.config.lbfgs_restart:
            log["lbfgs_restarts"] = result.restarts
        if inputs.notes:  # what reading the images changed: ICC profile, greyscale, CMYK, palette, alpha
            log["image_notes"] = inputs.notes
        if self.saved is not None and self.saved.note:  # the newest state was damaged: resumed from the one before
            log["resume_note"] = self.saved.note
        atomic_write(self.paths.log_json, json.dumps(log, indent=1).encode())

    def completed(self, result):
        """OUTPUT, the log and the figures; a resumed run also OUTPUT.best, the lowest-loss image across the
        resume (a stopped run wrote the one before it). A write that fails (a full disk) says what is kept and how
        to go on."""
        try:
            self.write_image(self.paths.output, result.network_image)
        except NSTError as error:
            raise NSTError(f"{error}; {self.kept(result)}") from None
        try:
            if self.saved is not None and self.history.best_image is not None:
                self.write_image(self.paths.sibling("best"), self.history.best_image)
            self.write_log("completed", result.size, result)
            self.figures.all(self.history.entries, result.image, self.history.entries[-1]["iteration"])
        except NSTError as error:
            raise NSTError(f"{error} (the image is in {self.paths.output})") from None

    def kept(self, result):
        """Where the image of a run whose OUTPUT could not be written is: its saved state, else a temporary file."""
        folder, suffix = self.paths.checkpoints, self.paths.output.suffix
        if resumable(self.config) and (self.config.checkpoint_every or self.saved is not None) \
                and (folder / STATE_JSON).is_file():
            return (f"the image is computed and its state saved in {folder}: write it elsewhere with {PROGRAM} "
                    f"--resume {folder} --output elsewhere{suffix}")
        fallback = Path(tempfile.gettempdir()) / f"{self.paths.output.stem}.{os.getpid()}{suffix}"
        try:
            self.write_image(fallback, result.network_image)
        except NSTError:
            return "the image is lost (the run kept no state: --checkpoint-every K keeps one)"
        return f"the image is in {fallback} instead"

    def interrupted(self, interrupted):
        """Write the current and the best image, the log and the figures; say so in `interrupted.report`."""
        history, output = self.history, self.paths.output
        steps, image = self.current
        self.write_image(output, image)
        written = [f"{output} (after {steps} steps)"]
        if history.best_image is not None:
            best = self.paths.sibling("best")
            self.write_image(best, history.best_image)
            written.append(f"{best} (lowest loss, iteration {history.best['iteration']})")
        self.write_log(f"interrupted by {interrupted.name} after {steps} steps", image.shape[1:3])
        figures = self.figures.all(history.entries, image, steps, self.prepared.vgg.mean_pixel)
        written += [str(p) for p in (self.paths.log_json, figures) if p]
        resume = f"; continue with: {PROGRAM} --resume {self.paths.checkpoints}" if resumable(self.config) else ""
        interrupted.report = (f"stopped by {interrupted.name} after {steps} of {self.config.iterations} steps; wrote "
                              f"{', '.join(written)}{resume}")

    def diverged(self, error):
        """The error to raise when the loss turned non-finite, after writing the last image whose loss was finite."""
        if self.history.last is None:
            return error
        iteration, image = self.history.last
        last_good = self.paths.sibling("last-good")
        self.write_image(last_good, image)
        return OptimizationError(f"{error}; the last image with a finite loss (iteration {iteration}) is in "
                                 f"{last_good}")


def _meta(prepared, paths, saved):
    """What the checkpoints and the log say of the run (and what --resume checks against)."""
    config, inputs = prepared.config, prepared.inputs
    checksums = dict(inputs.fingerprints)
    if config.checkpoint_every or saved is not None:
        checksums["weights"] = weights_fingerprint(prepared.vgg)
    if saved is not None:
        check_compatible(saved, config, checksums)
    styles = inputs.styles
    return {"config": config.to_json(), "content": inputs.content, "style": styles[0] if len(styles) == 1 else styles,
            "output": resolved(paths.output), "log_json": resolved(paths.log_json) if paths.log_json else None,
            "inputs": checksums, "versions": versions()}


def run_to_files(content, style, output, config, log_json=None, progress=None, vgg=None, intermediate=None,
                 hparams=None):
    """Stylise as run.api.stylize does, writing OUTPUT, checkpoints, the --log-json record and figures
    (see the module's docstring); returns run.levels' Result. `progress` (cli.progress.Progress) shows the
    plan, the losses and the ETA; `vgg` reuses weights already loaded (a sweep worker's);
    `intermediate(iteration)` -> a path or None: where the peers' intermediate images go (record.intermediate);
    `hparams`: a sweep job's (id, {axis: value}) for its --tensorboard board."""
    check_style_sources(style, config)
    if any(isinstance(s, str) and not s.strip() for s in ([] if style is None else as_style_list(style))):
        raise ConfigError("no style image given (an empty path); name at least one style image")
    paths = RunPaths.of(output, config, log_json)
    inputs = run_inputs(content, style, config)
    paths.check(config, inputs, intermediate)
    with run_lock(paths.checkpoints) if saves_state(config) else contextlib.nullcontext():
        return _run_locked(paths, content, style, config, progress, vgg, intermediate, inputs, hparams)


def _run_locked(paths, content, style, config, progress, vgg, intermediate, inputs, hparams=None):
    """run_to_files' run, its checkpoint folder locked (one run at a time there)."""
    saved = load_state(config.resume) if config.resume else None
    if config.style_fine is not None and saved is None:  # scale control: stage 1 first, its image the style
        vgg = load_network(config, vgg)
        style = _scale_style(paths, config, vgg, progress)
    prepared = prepare(content, style, config, vgg=vgg, resuming=saved is not None)
    files = RunFiles(paths, prepared, saved, _meta(prepared, paths, saved), hparams)
    if progress is not None:
        _show_plan(progress, prepared, ([saved.note] if saved is not None and saved.note else [])
                   + prepared.inputs.notes)
    intermediate = intermediate and partial(intermediate_path, intermediate, inputs=inputs)
    stop, result = StopRequest(), None
    try:
        with stop, closing(run_levels(prepared, saved, progress and _tile_notes(progress))) as events:
            result = _follow(events, files, stop, progress, intermediate)
    except Interrupted as interrupted:
        files.interrupted(interrupted)
        raise
    except OptimizationError as error:
        raise files.diverged(error) from None
    finally:
        if files.board is not None:
            files.board.close()
        if progress is not None:
            _close_progress(progress, result)
    files.completed(result)
    return result


def _scale_style(paths, config, vgg, progress):
    """Scale control's first stage (run.scale): the new style image, written as NAME.style.png; its path."""
    fine, coarse = (", ".join(names) for names in scale_regions(config)["region_layers"])
    if progress is not None:
        progress.note(f"scale control: making the style image {paths.scale_style} from --style-coarse "
                      f"{config.style_coarse} ({coarse}) and --style-fine {config.style_fine} ({fine})")
    began = time.perf_counter()

    def on_step(step):
        if progress is not None and config.print_every and step.iteration % config.print_every == 0:
            progress.note(f"scale control: step {step.iteration}/{config.iterations}, style {step.losses['style']:.4g}")
    save_image(paths.scale_style, scale_style(config, vgg, on_step))
    if progress is not None:
        progress.note(f"scale control: wrote {paths.scale_style} in {time.perf_counter() - began:.0f} s; now the "
                      "transfer with it as the style")
    return str(paths.scale_style)


def _follow(events, files, stop, progress=None, intermediate=None):
    """The run's one loop: each entry logged, shown and written as it comes; the state saved every
    --checkpoint-every steps, on a stop request (which then ends the run: Interrupted) and at the end.
    Returns the Result."""
    every, plot, result = files.config.checkpoint_every, files.config.plot, None
    for event in events:
        if isinstance(event, Finished):  # a completed run keeps its last state when it keeps any
            result, state = event.result, event.state
            if state is not None and state.resumable and (every or files.saved is not None):
                files.save(state.steps, state.variables(), "completed")
            continue
        if isinstance(event, Note):
            if progress is not None:
                progress.note(event.text)
            continue
        if isinstance(event, Step):
            files.history.add(event.iteration, event.losses, event.image)
            if files.board is not None:
                files.board.step(event)
            if progress is not None:
                progress.update(event.iteration, event.losses)
            if every and event.iteration % every == 0:
                files.checkpoint_image(event.iteration, event.image)
            path = intermediate and intermediate(event.iteration)
            if path is not None:
                save_image(path, files.as_rgb(event.image))
        state = event.state  # where the optimizer stands after a step (or a coarse level): save, stop
        if state is None:
            continue
        stopping, due = stop.requested, bool(every) and state.steps % every == 0
        if due and plot:
            files.figures.losses(files.history.entries)
        if not (stopping or due and state.resumable):
            continue
        variables = state.variables()
        if state.resumable:
            files.save(state.steps, variables, "interrupted" if stopping else "running")
        if stopping:  # the image a stopped run writes: the iterate average when the run keeps one
            files.current = (state.steps, np.asarray(variables.get("average", variables["input"]), np.float32))
            raise Interrupted(stop.signum, state.steps)
    return result


def _show_plan(progress, prepared, notes):
    """The notes on the inputs and the plan's lines; the losses shown weighted (the objective's group weights:
    problem.build_problem), the ETA weighing each level's steps by their work."""
    config, plan = prepared.config, prepared.plan
    for line in [*notes, *plan.lines()]:
        progress.note(line)
    progress.weights = {"content": config.beta, "style": config.alpha, "tv": config.tv_weight}
    if len(plan.levels) > 1:
        progress.cost = plan.step_costs()


def _tile_notes(progress, clock=time.perf_counter):
    """on_tile for the engines: a tiled evaluation's tiles on the bar at every tile, and as a note at most every
    TILE_NOTE_SECONDS."""
    last_note = [clock()]

    def on_tile(label, done, total):
        tiles = getattr(progress, "tiles", None)  # cli.progress.Progress has it; a stand-in need not
        if tiles is not None:
            tiles(label, done, total)
        if clock() - last_note[0] > TILE_NOTE_SECONDS:
            last_note[0] = clock()
            progress.note(f"{label}: tile {done} of {total}")
    return on_tile


def _close_progress(progress, result):
    """The bar closed; what the user should know of how L-BFGS ended."""
    progress.close()
    if result is not None and result.stopped_early:
        progress.note(result.stopped_early)
    if result is not None and result.restarts:
        progress.note(f"L-BFGS stopped early and was restarted {result.restarts} time"
                      f"{'s' if result.restarts > 1 else ''} with a fresh history (--lbfgs-restart), "
                      f"reaching iteration {result.history[-1]['iteration']}")
