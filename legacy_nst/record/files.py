"""A stylisation that writes its files: the one the command line and every sweep job run.

The pipeline (run.stylize) writes nothing; this is where a run's files are
written, each atomically: the output image, the checkpoints (NNNNN.png and
the resumable state), the --log-json record with the plan and every
iteration's losses, and the --plot/--strip figures. On SIGINT/SIGTERM it
writes the current image to OUTPUT, the lowest-loss one to OUTPUT.best, the
state, the log and the figures, then raises Interrupted. If the loss turns
NaN/inf, the last image with a finite loss goes to OUTPUT.last-good (OUTPUT
itself is not written) and the error says so.
"""
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from ..config import INITS, PROGRAM
from ..engines import resumable
from ..errors import ConfigError, NSTError, OptimizationError
from ..io.atomic import atomic_write, check_directory
from ..io.images import check_output_path, read_input, save_image
from ..problem import as_style_list, check_styles
from ..run.plan import make_plan
from ..run.stylize import as_rgb_image, render, stylize
from ..vgg.matfile import load_vgg19
from .checkpoints import (PREVIOUS_JSON, STATE_JSON, STATE_NPZ, Checkpointer, check_compatible, fingerprint,
                          load_state, weights_fingerprint)
from .intermediate import IntermediateImages
from .interrupts import Interrupted, StopRequest
from .plots import Figures, check_plot_path
from .run_record import run_record, versions

TILE_NOTE_SECONDS = 30  # a long tiled evaluation reports its tiles at most this often
CHECKPOINT_IMAGE = re.compile(r"^[0-9]{5,}\.png$")  # NNNNN.png, CheckpointImages' names
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

    def written(self, config, intermediate=None):
        """[(label, path, fix)] of the files the run may write outside its checkpoint folder."""
        output = "give another --output"
        found = [(f"--output {self.output.absolute()}", self.output, output),
                 (f"the lowest-loss image {self.sibling('best').absolute()} (written on Ctrl-C)", self.sibling("best"),
                  output),
                 (f"the last good image {self.sibling('last-good').absolute()} (written if the loss diverges)",
                  self.sibling("last-good"), output)]
        for option, path in (("--log-json", self.log_json), ("--plot", config.plot), ("--strip", config.strip)):
            if path:
                found.append((f"{option} {Path(path).absolute()}", Path(path), f"give another {option}"))
        for iteration in range(min(config.iterations, INTERMEDIATE_CHECKED) + 1) if intermediate else ():
            path = intermediate(iteration)
            if path is not None:
                found.append((f"the intermediate image {Path(path).absolute()} (iteration {iteration})", Path(path),
                              "name the intermediate images differently"))
        return found


def run_inputs(content, style, config) -> list:
    """[(option, path)] of the files a run reads: the content, each style, an --init image, the weights."""
    found = [("--content", content), *(("--style", s) for s in as_style_list(style))]
    if config.init not in INITS:
        found.append(("--init", config.init))
    found.append(("--weights", config.weights_path()))
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


def _resolved(source):
    return None if isinstance(source, np.ndarray) else str(Path(source).resolve())


@dataclass(frozen=True)
class Inputs:
    """The run's images, decoded, with what the record says of them (paths and checksums)."""

    content_rgb: np.ndarray
    styles_rgb: list
    content: Optional[str]   # the resolved path, None for an array
    styles: list
    fingerprints: dict       # {"content": sha256, "style": [sha256, ...]}
    named: tuple             # (content, [style, ...]) as given, for the log
    alpha: Optional[np.ndarray]  # the content's alpha channel under --keep-alpha, else None
    notes: list              # what reading changed (ICC profile to sRGB, greyscale, CMYK, palette, alpha)

    @classmethod
    def read(cls, content, style, keep_alpha=False) -> "Inputs":
        styles = as_style_list(style)
        read = [read_input(source) for source in [content, *styles]]  # sRGB, with notes
        notes = [note for image in read for note in image.notes]
        alpha = read[0].alpha if keep_alpha else None
        if keep_alpha and alpha is None:
            notes.append("--keep-alpha: the content has no alpha channel; the output is opaque")
        return cls(as_rgb_image(read[0].pixels, "content"), [as_rgb_image(image.pixels, "style") for image in read[1:]],
                   _resolved(content), [_resolved(s) for s in styles],
                   {"content": fingerprint(content), "style": [fingerprint(s) for s in styles]},
                   (str(content), [str(s) for s in styles]), alpha, notes)


class ProgressReport:
    """An observer: what the user sees of a run on `progress` (cli.progress.Progress): the plan, each
    iteration's losses, a long tiled evaluation's tiles, and an L-BFGS run that ended early."""

    def __init__(self, progress, clock=time.perf_counter):
        self.progress, self.clock = progress, clock
        self.last_note = clock()

    def plan(self, plan, notes=()):
        for line in [*notes, *plan.lines()]:
            self.progress.note(line)
        if len(plan.levels) > 1:  # the ETA weighs each level's steps by their work
            self.progress.cost = plan.step_costs()

    def observe(self, iteration, losses, image):
        self.progress.update(iteration, losses)

    def on_tile(self, label, done, total):
        """A tiled evaluation's progress: on the bar at every tile, and as a note at most every 30 s."""
        tiles = getattr(self.progress, "tiles", None)  # cli.progress.Progress has it; a stand-in need not
        if tiles is not None:
            tiles(label, done, total)
        if self.clock() - self.last_note > TILE_NOTE_SECONDS:
            self.last_note = self.clock()
            self.progress.note(f"{label}: tile {done} of {total}")

    def close(self, result=None):
        self.progress.close()
        if result is not None and result.stopped_early:
            self.progress.note(result.stopped_early)
        if result is not None and result.restarts:
            self.progress.note(f"L-BFGS stopped early and was restarted {result.restarts} time"
                               f"{'s' if result.restarts > 1 else ''} with a fresh history (--lbfgs-restart), "
                               f"reaching iteration {result.history[-1]['iteration']}")


class CheckpointImages:
    """An observer: every --checkpoint-every iterations, the image as NNNNN.png in the checkpoint folder and
    the --plot refreshed from the history so far."""

    def __init__(self, directory, config, as_rgb, figures, checkpointer):
        self.directory, self.every, self.plot = directory, config.checkpoint_every, config.plot
        self.as_rgb, self.figures, self.checkpointer = as_rgb, figures, checkpointer

    def observe(self, iteration, losses, image):
        if self.every and iteration % self.every == 0:
            self.directory.mkdir(parents=True, exist_ok=True)
            save_image(self.directory / f"{iteration:05d}.png", self.as_rgb(image))

    def step_done(self, state):
        if self.plot and self.every and state.steps % self.every == 0:
            self.figures.losses(self.checkpointer.history)


class RunFiles:
    """What a run writes at its end: on completion, on a stop request, or when the loss turns non-finite."""

    def __init__(self, paths, config, checkpointer, inputs, mean_pixel):
        self.paths, self.config, self.checkpointer, self.inputs = paths, config, checkpointer, inputs
        self.mean_pixel = mean_pixel
        self.figures = Figures(config, paths.checkpoints)

    def as_rgb(self, image):
        """A network-space image as uint8 RGB (checkpoint images)."""
        return render(self.config, image, self.mean_pixel, self.inputs.content_rgb)

    def write_image(self, path, image):
        """OUTPUT or a sibling: at --bit-depth from the unrounded network-space image, with --keep-alpha's alpha."""
        depth = self.config.bit_depth
        save_image(path, render(self.config, image, self.mean_pixel, self.inputs.content_rgb, depth), depth,
                   self.inputs.alpha)

    def log(self, status, size, plan, result=None):
        """--log-json: the run record, the plan, and every iteration's losses."""
        if not self.paths.log_json:
            return
        state = self.checkpointer
        log = {**run_record(self.config, size, *self.inputs.named,
                            output=str(self.paths.output), precision=plan.precision),
               "plan": plan.to_json(), "s_per_iter": result and result.s_per_iter, "status": status,
               "best": state.best, "iterations": state.history}
        if result is not None and result.tiling:  # core and halo sizes, tiles per evaluation, window shapes
            log["tiling"] = result.tiling
        if result is not None and result.stopped_early:  # L-BFGS converged (or its search failed) early
            log["stopped_early"] = result.stopped_early
        if result is not None and result.average_losses:  # --average-iterates: the written image's losses
            log["average_losses"] = result.average_losses
        if result is not None and self.config.lbfgs_restart:
            log["lbfgs_restarts"] = result.restarts
        if self.inputs.notes:  # what reading the images changed: ICC profile, greyscale, CMYK, palette, alpha
            log["image_notes"] = self.inputs.notes
        if state.saved is not None and state.saved.note:  # the newest state was damaged: resumed from the one before
            log["resume_note"] = state.saved.note
        atomic_write(self.paths.log_json, json.dumps(log, indent=1).encode())

    def completed(self, result):
        self.write_image(self.paths.output, result.network_image)
        self.log("completed", result.size, result.plan, result)
        self.figures.all(self.checkpointer.history, result.image, self.checkpointer.history[-1]["iteration"])

    def interrupted(self, interrupted, plan):
        """Write the current and the best image, the log and the figures; say so in `interrupted.report`."""
        state, output = self.checkpointer, self.paths.output
        steps, image = state.current
        self.write_image(output, image)
        written = [f"{output} (after {steps} steps)"]
        if state.best_image is not None:
            best = self.paths.sibling("best")
            self.write_image(best, state.best_image)
            written.append(f"{best} (lowest loss, iteration {state.best['iteration']})")
        self.log(f"interrupted by {interrupted.name} after {steps} steps", image.shape[1:3], plan)
        written += [str(p) for p in (self.paths.log_json, self.figures.all(state.history, image, steps, self.mean_pixel))
                    if p]
        resume = f"; continue with: {PROGRAM} --resume {self.paths.checkpoints}" if resumable(self.config) else ""
        interrupted.report = (f"stopped by {interrupted.name} after {steps} of {self.config.iterations} steps; wrote "
                              f"{', '.join(written)}{resume}")

    def diverged(self, error):
        """The error to raise when the loss turned non-finite, after writing the last image whose loss was finite."""
        if self.checkpointer.last is None:
            return error
        iteration, image = self.checkpointer.last
        last_good = self.paths.sibling("last-good")
        self.write_image(last_good, image)
        return OptimizationError(f"{error}; the last image with a finite loss (iteration {iteration}) is in "
                                 f"{last_good}")


def _meta(config, inputs, paths, vgg, saved):
    """What the checkpoints and the log say of the run (and what --resume checks against)."""
    checksums = dict(inputs.fingerprints)
    if config.checkpoint_every or saved is not None:
        checksums["weights"] = weights_fingerprint(vgg)
    if saved is not None:
        check_compatible(saved, config, checksums)
    styles = inputs.styles
    return {"config": config.to_json(), "content": inputs.content, "style": styles[0] if len(styles) == 1 else styles,
            "output": _resolved(paths.output),
            "log_json": _resolved(paths.log_json) if paths.log_json else None, "inputs": checksums,
            "versions": versions()}


def stylize_to_files(content, style, output, config, log_json=None, progress=None, vgg=None, intermediate=None):
    """Stylise as run.stylize does, writing OUTPUT, checkpoints, the --log-json record and figures
    (see the module's docstring); returns run.stylize's Result. `progress` (cli.progress.Progress) shows the
    plan, the losses and the ETA; `vgg` reuses weights already loaded (a sweep worker's);
    `intermediate(iteration)` -> a path or None: where the peers' intermediate images go (record.intermediate)."""
    if not as_style_list(style) or any(isinstance(s, str) and not s.strip() for s in as_style_list(style)):
        raise ConfigError("no style image given (an empty path); name at least one style image")
    paths = RunPaths.of(output, config, log_json)
    paths.check(config, run_inputs(content, style, config), intermediate)
    saved = load_state(config.resume) if config.resume else None
    vgg = vgg or load_vgg19(config.weights_path())
    inputs = Inputs.read(content, style, config.keep_alpha)
    size = config.working_size(inputs.content_rgb.shape[:2])
    check_styles(config, inputs.styles_rgb, size)
    meta = _meta(config, inputs, paths, vgg, saved)
    plan = make_plan(config, size, resuming=saved is not None)
    stop = StopRequest()
    checkpointer = Checkpointer(paths.checkpoints, config.checkpoint_every, meta, stop=stop, saved=saved)
    files = RunFiles(paths, config, checkpointer, inputs, vgg.mean_pixel)
    report = ProgressReport(progress) if progress is not None else None
    if report:
        report.plan(plan, ([saved.note] if saved is not None and saved.note else []) + inputs.notes)
    observers = [report, CheckpointImages(paths.checkpoints, config, files.as_rgb, files.figures, checkpointer),
                 intermediate and IntermediateImages(intermediate, files.as_rgb, run_inputs(content, style, config)),
                 checkpointer]
    result = None
    try:
        with stop:
            result = stylize(inputs.content_rgb, inputs.styles_rgb, config, vgg=vgg, observers=observers, saved=saved,
                             plan=plan, on_tile=report and report.on_tile)
    except Interrupted as interrupted:
        files.interrupted(interrupted, plan)
        raise
    except OptimizationError as error:
        raise files.diverged(error) from None
    finally:
        if report:
            report.close(result)
    files.completed(result)
    return result
