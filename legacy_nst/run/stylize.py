"""One run, top to bottom: problem -> engine -> loop -> Result. The Python API behind the command line.

`stylize(content, style, **options)` returns the image and the loss history;
it writes nothing (the run that writes files is legacy_nst.record.files).
With --multiscale it solves one Problem per level, each level's result
upsampled to start the next (run.multiscale); without, one level.
"""
import gc
import sys
import time
from dataclasses import dataclass, field, replace
from typing import List, Optional

import numpy as np

from ..config import Config
from ..engines import check_supported, create_engine
from ..engines.cluster import check_reachable
from ..engines.base import check_restorable
from ..errors import ConfigError
from ..io.colors import preserve_colors
from ..io.images import from_network, read_image
from ..optim.average import Averaging, IterateAverage, split_saved
from ..optim.lbfgs import LbfgsOptions, minimize_lbfgs
from ..optim.loop import Observers, Stopwatch, first_order
from ..problem import as_style_list, build_problem
from ..vgg.matfile import load_vgg19
from .multiscale import LevelObservers, upsample
from .plan import Plan, make_plan


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
    plan: Optional[Plan] = None   # what ran: run.plan's levels
    restarts: int = 0             # --lbfgs-restart: L-BFGS restarts over all levels
    average_losses: Optional[dict] = None  # --average-iterates: the final averaged image's losses (the iterates'
    #                                       are in history)


class Recorder:
    """The history of a run: every entry with its seconds since the first step (`elapsed`) and the size and
    precision it was computed at (a --multiscale level's or a bfloat16 part's entries told apart), passed on."""

    def __init__(self, observers):
        self.observers = observers
        self.history = []
        self.started_at = None
        self.computed_at = {}

    def started(self):
        """The clock starts just before the first level's first step (after its engine is built)."""
        if self.started_at is None:
            self.started_at = time.perf_counter()
            self.observers.started()

    def observe(self, iteration, losses, image):
        losses = {**losses, "elapsed": time.perf_counter() - self.started_at, **self.computed_at}
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


@dataclass(frozen=True)
class Solved:
    """One level's outcome: its final image (network space), pace, and what its engine and optimizer report."""

    image: np.ndarray
    s_per_iter: Optional[float]
    stopped_early: Optional[str] = None  # why L-BFGS ended before the level's steps, with the level's size
    tiling: Optional[dict] = None        # a tiled level's tiling (engines.tiled.TiledEngine.tiling)
    restarts: int = 0                    # --lbfgs-restart: how often L-BFGS was started again
    average_losses: Optional[dict] = None  # --average-iterates: the losses of the averaged image


def solve(problem, level, vgg, config, observers, saved=None, on_tile=None) -> Solved:
    """Minimise one Problem as the plan's `level` says (its precision, tile and optimizer).

    `saved` (a record.checkpoints.SavedState) continues a run from its step count;
    `on_tile(pass, done, total)` sees a tiled evaluation's progress. With --average-iterates the level's
    image is the average of its iterates (optim.average), which the observers see instead of each iterate.
    """
    average = IterateAverage(config.average_iterates) if config.average_iterates else None
    if saved is not None:  # the optimizer resumes from its own variables, the average from its
        variables, kept = split_saved(saved.variables)
        saved = replace(saved, variables=variables)
        if average is not None and kept:
            average.restore(kept)
    stopwatch = Stopwatch()
    with create_engine(problem, vgg, config, level, on_tile=on_tile) as engine:
        sink = observers if average is None else Averaging(observers, average)
        image, stopped, restarts = _minimize(engine, problem, level, config, sink, saved, stopwatch)
        tiling = engine.tiling if level.tile else None
        average_losses = None
        if average is not None:  # what averaging did: the losses of the image the run writes
            image = average.image()
            average_losses = engine.compute_loss_and_grads(image)[0]
    where = f" (at {problem.size[1]}x{problem.size[0]})"
    return Solved(image, stopwatch.median(), stopped and stopped + where, tiling, restarts, average_losses)


def _minimize(engine, problem, level, config, observers, saved, stopwatch):
    """(the last iterate, why L-BFGS stopped early or None, its restarts) of the level's optimizer;
    `saved`: a SavedState holding the optimizer's variables only, or None."""
    start = saved.steps if saved is not None else 0
    if level.lbfgs:
        x0 = problem.start
        if saved is not None:
            check_restorable(saved.variables, {"input": problem.start}, saved.directory)
            x0 = saved.variables["input"]
        options = LbfgsOptions(level.lbfgs, config.lbfgs_num_correction, config.lbfgs_initial_step, level.restart)
        done = minimize_lbfgs(engine.compute_loss_and_grads, x0, level.steps, observers, options, start=start,
                              bounds=problem.bounds, stopwatch=stopwatch, resumable=engine.resumable)
        return done.image, done.stopped_early, done.restarts
    stepper = engine.stepper(config)
    if saved is not None:
        check_restorable(saved.variables, stepper.variables(), saved.directory)
        stepper.restore(saved.variables)
    image = first_order(stepper, level.steps, observers, start=start, stopwatch=stopwatch,
                        hint=f"lower --learning-rate (now {config.learning_rate:g})")
    return image, None, 0


def stylize(content, style, config: Optional[Config] = None, *, vgg=None, observe=None, observers=(), saved=None,
            plan=None, on_tile=None, **options) -> Result:
    """Stylise `content` (path or uint8 RGB array) with `style` (one, or a list to blend), as art.py does.

    Options are Config fields (e.g. iterations=100, optimizer='lbfgs',
    preset='gatys'); `vgg` reuses already loaded weights; `observe(iteration,
    losses, image)` sees every iteration (image: float32 network space), and
    `observers` (see optim.loop) also see each step's state. `plan` (run.plan)
    is the caller's, made at the content's working size; without it the run
    makes its own, printing the precision note if there is one. A size whose
    memory estimate exceeds --memory-limit (default: what is available) is
    refused before the graph is built. `saved` (record.checkpoints.SavedState)
    continues a saved run. A level the plan tiles runs on the tiled engine,
    which calls `on_tile(pass, done, total)`.
    """
    config = (config or Config()).replace(**options) if options else (config or Config())
    check_supported(config, resuming=saved is not None)
    vgg = vgg or load_vgg19(config.weights_path())
    content_rgb = as_rgb_image(content, "content")
    if plan is None:
        plan = make_plan(config, config.working_size(content_rgb.shape[:2]),
                         resuming=saved is not None)
        if plan.note:
            print(f"legacy-nst: note: {plan.note}", file=sys.stderr, flush=True)
    for address in sorted({level.workers.address for level in plan.levels if level.workers and level.workers.address}):
        check_reachable(address)  # now, not after the untiled levels before it
    styles_rgb = [as_rgb_image(image, "style") for image in as_style_list(style)]
    recorder = Recorder(Observers(FunctionObserver(observe) if observe else None, *observers))
    start, offset, summary, stopped_early, tiling, restarts = None, 0, [], None, None, 0
    for index, level in enumerate(plan.levels):
        last = index == len(plan.levels) - 1
        problem = build_problem(config, content_rgb, styles_rgb, vgg.mean_pixel, level.size, start)
        sink = recorder if len(plan.levels) == 1 else LevelObservers(recorder, offset, level.steps, level.scale, last)
        recorder.computed_at = {"height": level.size[0], "width": level.size[1], "precision": level.precision}
        solved = solve(problem, level, vgg, config, sink, saved, on_tile=on_tile)
        gc.collect()  # the level's graph and session sit in reference cycles: free them before the next level's
        summary.append({"scale": level.scale, "width": level.size[1], "height": level.size[0],
                        "iterations": level.steps, "precision": level.precision, "s_per_iter": solved.s_per_iter})
        offset += level.steps
        stopped_early, tiling = solved.stopped_early or stopped_early, solved.tiling or tiling
        restarts += solved.restarts
        if not last:
            following = plan.levels[index + 1].size
            start = solved.image if following == level.size else upsample(solved.image, following)
    return Result(image=render(config, solved.image, vgg.mean_pixel, content_rgb), history=recorder.history,
                  s_per_iter=solved.s_per_iter, config=config, size=plan.size, precision=plan.precision,
                  network_image=solved.image, levels=summary if len(plan.levels) > 1 else [], tiling=tiling,
                  stopped_early=stopped_early, plan=plan, restarts=restarts, average_losses=solved.average_losses)
