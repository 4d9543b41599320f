"""One run, top to bottom: problem -> engine -> loop -> Result. The Python API behind the command line.

`stylize(content, style, **options)` returns the image and the loss history;
it writes nothing (the command line writes files, see legacy_nst.cli.stylize).
With --multiscale it solves one Problem per level, each level's result
upsampled to start the next (run.multiscale); without, one level.
"""
import time
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from ..config import Config
from ..engines import check_supported, create_engine
from ..engines.base import check_restorable
from ..engines.runtime import resolve_precision
from ..errors import ConfigError
from ..io.colors import preserve_colors
from ..io.images import from_network, read_image, working_size
from ..optim.lbfgs import minimize_lbfgs
from ..optim.loop import Observers, Stopwatch, first_order
from ..problem import as_style_list, build_problem
from ..vgg.matfile import load_vgg19
from .memory import check_fits
from .multiscale import LevelObservers, plan, upsample


@dataclass
class Result:
    """The stylised image (uint8 RGB), its loss history and the timing."""

    image: np.ndarray
    history: List[dict]
    s_per_iter: Optional[float]
    config: Config
    size: tuple                   # (height, width)
    precision: str                # what the convolutions ran in (bfloat16 falls back to float32)
    network_image: np.ndarray     # the final image in network space, float32 (1, H, W, 3)
    levels: list = field(default_factory=list)  # --multiscale: per level scale, size, iterations, s_per_iter
    tiling: Optional[dict] = None  # --tile: the last level's tiling (engines.tiled.TiledEngine.tiling), else None
    stopped_early: Optional[str] = None  # why L-BFGS ended before its iterations (it does when it converges), else None


class Recorder:
    """The history of a run: every entry with its seconds since the first step (`elapsed`) and the size and
    precision it was computed at (a --multiscale level's or a bfloat16 part's entries told apart), passed on."""

    def __init__(self, observers):
        self.observers = observers
        self.history = []
        self.started = None
        self.computed_at = {}

    def start_clock(self):
        if self.started is None:
            self.started = time.perf_counter()

    def observe(self, iteration, losses, image):
        losses = {**losses, "elapsed": time.perf_counter() - self.started, **self.computed_at}
        self.history.append({"iteration": iteration, **losses})
        self.observers.observe(iteration, losses, image)

    def step_done(self, state):
        self.observers.step_done(state)

    def finished(self, state):
        self.observers.finished(state)


class FunctionObserver:
    """An `observe(iteration, losses, image)` function as an observer."""

    def __init__(self, function):
        self.observe = function


def as_rgb_image(source, what):
    """A path or an (H, W, 3) array as uint8 RGB."""
    if isinstance(source, np.ndarray):
        if source.ndim != 3 or source.shape[2] != 3:
            raise ConfigError(f"{what} array must be (height, width, 3) RGB, got shape {source.shape}")
        return np.clip(source, 0, 255).astype(np.uint8)
    return read_image(source)


def render(config, image, mean_pixel, content_rgb, bit_depth=8):
    """A network-space image as uint8 RGB (bit_depth 16: float, unrounded), with the content's colours under
    --preserve-colors."""
    rgb = from_network(image, mean_pixel, bit_depth)
    return preserve_colors(rgb, content_rgb) if config.preserve_colors else rgb


def solve(problem, vgg, config, precision, iterations, observers, saved=None, ready=None, tile=None, on_tile=None,
          report=None):
    """Minimise one Problem with config's engine and optimizer; returns (final image, Stopwatch).

    `saved` (a record.checkpoints.SavedState) continues a run from its step count;
    `ready()` is called once the engine is built, just before the first step.
    `tile`: the core size when the memory plan tiles this level (the tiled engine, and L-BFGS in float32);
    `report` (a dict) receives the tiled engine's "tiling", and "stopped_early" when L-BFGS ends early.
    """
    start = saved.steps if saved is not None else 0
    stopwatch = Stopwatch()
    with create_engine(problem, vgg, config, precision, tile=tile, on_tile=on_tile) as engine:
        if config.optimizer == "lbfgs":
            x0 = problem.start
            if saved is not None:
                check_restorable(saved.variables, {"input": problem.start}, saved.directory)
                x0 = saved.variables["input"]
            if ready:
                ready()
            image = minimize_lbfgs(engine.compute_loss_and_grads, x0, iterations, observers, start=start,
                                   num_correction=config.lbfgs_num_correction, bounds=problem.bounds,
                                   initial_step=config.lbfgs_initial_step, stopwatch=stopwatch,
                                   resumable=config.backend == "graph",
                                   implementation="float32" if tile else config.lbfgs_implementation,
                                   on_stop=None if report is None else lambda reason: report.update(
                                       stopped_early=f"{reason} (at {problem.size[1]}x{problem.size[0]})"))
        else:
            stepper = engine.stepper(config)
            if saved is not None:
                check_restorable(saved.variables, stepper.variables(), saved.directory)
                stepper.restore(saved.variables)
            if ready:
                ready()
            image = first_order(stepper, iterations, observers, start=start, stopwatch=stopwatch,
                                hint=f"lower --learning-rate (now {config.learning_rate:g})")
        if tile and report is not None:
            report["tiling"] = engine.tiling
    return image, stopwatch


def stylize(content, style, config: Optional[Config] = None, *, vgg=None, observe=None, observers=(), saved=None,
            on_estimate=None, on_tile=None, **options) -> Result:
    """Stylise `content` (path or uint8 RGB array) with `style` (one, or a list to blend), as art.py does.

    Options are Config fields (e.g. iterations=100, optimizer='lbfgs',
    preset='gatys'); `vgg` reuses already loaded weights; `observe(iteration,
    losses, image)` sees every iteration (image: float32 network space), and
    `observers` (see optim.loop) also see each step's state. A size whose
    memory estimate exceeds --memory-limit (default: what is available) is
    refused before the graph is built; `on_estimate(estimate)` sees the
    estimate. `saved` (record.checkpoints.SavedState) continues a saved run.
    Each level whose memory plan tiles (--tile; auto when the untiled run does
    not fit) runs on the tiled engine, which calls `on_tile(pass, done, total)`.
    """
    config = (config or Config()).replace(**options) if options else (config or Config())
    check_supported(config, resuming=saved is not None)
    if saved is not None and config.multiscale:
        raise ConfigError("--resume continues single-scale runs only; rerun without --resume or without "
                          "--multiscale")
    if saved is not None and config.float32_finish:
        raise ConfigError("--resume continues single-precision runs only; rerun without --resume or without "
                          "--float32-finish")
    vgg = vgg or load_vgg19(config.weights_path())
    precision = resolve_precision(config.precision)
    content_rgb = as_rgb_image(content, "content")
    size = working_size(content_rgb.shape[:2], config.width, config.height, config.image_size)
    estimate = check_fits(*size, config)  # before the working-size arrays, which alone can be gigabytes
    if on_estimate is not None:
        on_estimate(estimate)
    styles_rgb = [as_rgb_image(image, "style") for image in as_style_list(style)]
    recorder = Recorder(Observers(FunctionObserver(observe) if observe else None, *observers))
    levels = plan(config, size, precision)
    start, offset, summary, report = None, 0, [], {}
    for index, (level_size, steps, scale, level_precision) in enumerate(levels):
        last = index == len(levels) - 1
        tile = (estimate if last else check_fits(*level_size, config)).tile  # the one place --tile picks the engine
        if tile:
            check_supported(config, resuming=saved is not None, tile=tile)
        problem = build_problem(config, content_rgb, styles_rgb, vgg.mean_pixel, level_size, start)
        sink = recorder if len(levels) == 1 else LevelObservers(recorder, offset, steps, scale, last)
        recorder.computed_at = {"height": level_size[0], "width": level_size[1], "precision": level_precision}
        image, stopwatch = solve(problem, vgg, config, level_precision, steps, sink, saved,
                                 ready=recorder.start_clock, tile=tile, on_tile=on_tile, report=report)
        summary.append({"scale": scale, "width": level_size[1], "height": level_size[0], "iterations": steps,
                        "precision": level_precision, "s_per_iter": stopwatch.median()})
        offset += steps
        if not last:
            start = image if levels[index + 1][0] == level_size else upsample(image, levels[index + 1][0])
    return Result(image=render(config, image, vgg.mean_pixel, content_rgb), history=recorder.history,
                  s_per_iter=stopwatch.median(), config=config, size=size, precision=precision,
                  network_image=image, levels=summary if len(levels) > 1 else [], tiling=report.get("tiling"),
                  stopped_early=report.get("stopped_early"))
