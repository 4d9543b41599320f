"""--tensorboard DIR: a run's events as TensorBoard event files, written as the run goes.

record.files' one loop (`_follow`) hands each Step to `Board.step`, which writes at the entry's iteration (the
run's step axis, continued across a --resume) the scalars: `loss/total`, each loss group as the log holds it
(`unweighted/content`, ...: its layers' weights applied, not its group weight) and weighted by its group weight
(`weighted/...`: they add up to the total), a first-order level's `optimizer/learning_rate`, the step size
(`optimizer/step_rms`: the RMS change of the image since the previous entry, network-space units, which
L-BFGS's line search decides), `time/seconds_per_step` and `memory/rss_mb` (the process's resident memory);
the current image every --tensorboard-every iterations and at the end; with each image written during the
run, each term of the objective layer by layer (`terms/style/conv1_1`, ... and `terms_weighted/...`: one more
forward pass each time, a tiled engine's pass 1). Once, at the start: the content and
style images, the options as text and, for the graph backend, its network (the Graphs tab).

The events are written with TensorBoard's own event file writer and protocol buffers, not tf.summary: the TF2
writer needs eager execution, and while a graph engine's level runs its tf.Graph is the default one
(tf.summary then fails: "Attempting to capture an EagerTensor without building a function").

Every run starts its events with a SessionLog START at its first step: a resumed run, writing into the same
folder, makes TensorBoard drop the first run's events from the step it continues from (the steps it did after
its saved state), so no step shows twice and the axis goes on where the saved run stopped.

A sweep (`legacy-nst sweep --tensorboard`) gives each job a folder of its own under OUT/tensorboard/, each job's
board its axis values (the HParams plugin's session), and the sweep's folder the axes and the metrics
(`write_hparams_config`): the HParams tab's table then compares the jobs.
"""
import functools
import io
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from PIL import Image

from ..engines import network_graph
from ..errors import ConfigError, NSTError
from ..io.atomic import check_folder_writable
from ..run.levels import GROUP_WEIGHTS

INSTALL = "pip install '.[tensorboard]' (or pip install tensorboard)"
FLUSH_SECONDS = 5  # a live view is at most this far behind the run


@functools.lru_cache(maxsize=None)
def protos():
    """TensorBoard's event and summary protocol buffers and its writer (an optional extra: imported on use)."""
    try:
        from tensorboard.compat.proto.event_pb2 import Event, SessionLog
        from tensorboard.compat.proto.summary_pb2 import Summary
        from tensorboard.plugins.hparams import api as hparams_api
        from tensorboard.plugins.text.summary_v2 import text_pb
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise ConfigError(f"--tensorboard needs the tensorboard package, which is not installed; {INSTALL}") \
            from None
    return SimpleNamespace(Event=Event, SessionLog=SessionLog, Summary=Summary, text_pb=text_pb,
                           EventFileWriter=EventFileWriter, hparams=hparams_api)


def check_board(config):
    """Before any work: --tensorboard is a writable folder, or can be made in one, and the package is there."""
    if not config.tensorboard:
        return
    folder = Path(config.tensorboard).absolute()
    check_folder_writable(folder, f"--tensorboard {folder}", "give another --tensorboard folder")
    protos()


def resident_mb():
    """The process's resident memory in MB (/proc), else its peak (getrusage), else None."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2 ** 20 if sys.platform == "darwin" else peak / 2 ** 10


def png(rgb, longest=None):
    """uint8 (H, W, 3) RGB as PNG bytes, and its (height, width): shrunk to `longest` pixels on its longest side
    when given (an input photo is written at about the run's size, not at its own)."""
    image = Image.fromarray(np.asarray(rgb, np.uint8))
    if longest:
        image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue(), (image.height, image.width)


class Board:
    """One run's TensorBoard events in --tensorboard's folder (see the module's docstring)."""

    def __init__(self, prepared, first, render, hparams=None):
        """`first`: the run's first iteration (a resumed run's saved steps); `render(image)`: a network-space
        image as uint8 RGB; `hparams`: a sweep job's (id, {axis: value})."""
        self.pb, self.config, self.plan, self.render = protos(), prepared.config, prepared.plan, render
        folder = Path(self.config.tensorboard)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise NSTError(f"--tensorboard {folder.absolute()}: {error.strerror}; give another folder") from None
        self.writer = self.pb.EventFileWriter(str(folder), flush_secs=FLUSH_SECONDS)
        self.weights = {group: getattr(self.config, option) or 0.0 for group, option in GROUP_WEIGHTS}
        self.previous = None  # (iteration, elapsed, image) of the entry before
        self.imaged = None    # the iteration whose image was written last
        self.write_event(first, session_log=self.pb.SessionLog(status=self.pb.SessionLog.START))
        if hparams is not None:
            trial, values = hparams
            self.write(first, list(self.pb.hparams.hparams_pb(hparam_values(values), trial_id=trial).value))
        self.started(prepared, first)

    @classmethod
    def open(cls, prepared, saved, render, hparams=None):
        """The run's Board, or None without --tensorboard."""
        if not prepared.config.tensorboard:
            return None
        return cls(prepared, saved.steps if saved is not None else 0, render, hparams)

    def write_event(self, step, **fields):
        self.writer.add_event(self.pb.Event(wall_time=time.time(), step=step, **fields))

    def write(self, step, values):
        """Summary values at `step`."""
        self.write_event(step, summary=self.pb.Summary(value=values))

    def scalar(self, tag, value):
        return self.pb.Summary.Value(tag=tag, simple_value=float(value))

    def image(self, tag, rgb, longest=None):
        encoded, (height, width) = png(rgb, longest)
        return self.pb.Summary.Value(tag=tag, image=self.pb.Summary.Image(
            height=height, width=width, colorspace=3, encoded_image_string=encoded))

    def started(self, prepared, first):
        """The options as text, the content and style images, the graph backend's network."""
        options = json.dumps(self.config.to_json(), indent=1)
        values = list(self.pb.text_pb("config", "```\n" + options + "\n```").value)
        inputs, longest = prepared.inputs, max(self.plan.size)
        values.append(self.image("input/content", inputs.content_rgb, longest))
        values += [self.image(f"input/style_{index}" if len(inputs.styles_rgb) > 1 else "input/style", style,
                              longest) for index, style in enumerate(inputs.styles_rgb)]
        self.write(first, values)
        graph = network_graph(prepared.vgg, self.config, self.plan.levels[-1])
        if graph is not None:
            self.write_event(first, graph_def=graph.SerializeToString())
        self.writer.flush()

    def step(self, step):
        """One entry's scalars, and its image when due."""
        iteration, losses = step.iteration, step.losses
        values = [self.scalar("loss/total", losses["total"])]
        for group, weight in self.weights.items():
            if group in losses:
                values += [self.scalar(f"unweighted/{group}", losses[group]),
                           self.scalar(f"weighted/{group}", weight * losses[group])]
        level = self.plan.levels[step.level]
        if not level.lbfgs:
            values.append(self.scalar("optimizer/learning_rate", self.config.learning_rate))
        elapsed = losses.get("elapsed")
        if self.previous is not None and iteration > self.previous[0]:
            before, was, image = self.previous
            if elapsed is not None and was is not None:
                values.append(self.scalar("time/seconds_per_step", (elapsed - was) / (iteration - before)))
            if image.shape == step.image.shape:  # not across a level's upsampling
                values.append(self.scalar("optimizer/step_rms", np.sqrt(np.mean((step.image - image) ** 2))))
        memory = resident_mb()
        if memory is not None:
            values.append(self.scalar("memory/rss_mb", memory))
        every = self.config.tensorboard_every
        if self.imaged is None or every and iteration % every == 0:
            values.append(self.image("image", self.render(step.image)))
            values += self.term_scalars(step)
            self.imaged = iteration
        self.write(iteration, values)
        self.previous = (iteration, elapsed, np.array(step.image, copy=True))

    def term_scalars(self, step):
        """Each term's value (`terms/GROUP/LAYER`) and its weighted share (`terms_weighted/...`: a group's add up
        to weighted/GROUP), from one more forward pass at the entry's image (Engine.evaluate_terms)."""
        values = step.terms() if step.terms is not None else None
        return [self.scalar(f"{prefix}/{term.label}", getattr(term, field)) for term in values or ()
                for prefix, field in (("terms", "value"), ("terms_weighted", "weighted"))]

    def close(self):
        """The last entry's image (when not written yet), everything flushed."""
        if self.previous is not None and self.imaged != self.previous[0]:
            iteration, _, image = self.previous
            self.write(iteration, [self.image("image", self.render(image))])
        self.writer.close()


def hparam_value(value):
    """A value as the HParams plugin takes it: a flag or text as it is, a number as a float (an axis of 100 and
    1000.5 is one numeric axis), anything else (a list of styles) as its JSON."""
    if isinstance(value, (bool, str)):
        return value
    return float(value) if isinstance(value, (int, float)) else json.dumps(value)


def hparam_values(values):
    """{axis: value} as the HParams plugin takes them (hparam_value)."""
    return {name: hparam_value(value) for name, value in values.items()}


def hparam(api, name, values):
    """The axis `name` with its values as its domain; without one when they are of several kinds."""
    found = sorted(set(hparam_value(value) for value in values), key=str)
    try:
        return api.HParam(name, api.Discrete(found))
    except ValueError:  # mixed kinds (a number and a word): the table still shows each job's value
        return api.HParam(name)


def write_hparams_config(folder, axes, metrics=("loss/total", "unweighted/content", "unweighted/style")):
    """The sweep's HParams experiment in `folder` (its jobs' boards are below it): each axis with its values
    (`axes`: ((name, values), ...)), and the metrics its table shows (each job's last value)."""
    pb = protos()
    api = pb.hparams
    summary = api.hparams_config_pb(hparams=[hparam(api, name, values) for name, values in axes],
                                    metrics=[api.Metric(tag) for tag in metrics])
    Path(folder).mkdir(parents=True, exist_ok=True)
    writer = pb.EventFileWriter(str(folder))
    writer.add_event(pb.Event(wall_time=time.time(), step=0, summary=summary))
    writer.close()
