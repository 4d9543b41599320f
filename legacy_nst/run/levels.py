"""The run, level by level, as events: each level's problem, engine and optimizer, coarse to fine.

`run_levels(prepared)` yields a `Step` (optim.loop) for every entry of the run, a `LevelEnd` between levels,
a `Note` when a level changes course (bfloat16 L-BFGS going on in float32) and, last, `Finished` with the
Result. Whoever iterates decides what to keep or write (run.api.stylize keeps
the Result, record.files writes files), as anishathalye's neural-style yields (iteration, image, losses) to
its caller. The levels are run.plan's; how they hand over (the upsampled start, the numbering across them)
is run.multiscale's. `solve` is the one place an engine is built and called.
"""
import gc
import math
import time
from contextlib import closing
from dataclasses import dataclass, field, replace
from functools import partial
from typing import List, Optional

import numpy as np

from ..config import Config
from ..engines import create_engine
from ..engines.base import check_restorable
from ..io.colors import render
from ..optim.average import IterateAverage, split_saved
from ..optim.lbfgs import LbfgsOptions, minimize_lbfgs
from ..optim.loop import Minimized, State, Stopwatch, first_order
from ..optim.tolerance import relative_tolerance
from ..losses.terms import TERMS
from ..problem import build_problem
from .multiscale import numbered, upsample
from .plan import Plan

# Each loss group's weight option (losses.terms.TERMS): the flag a non-finite first loss is blamed on.
GROUP_WEIGHTS = tuple({kind.group: kind.weight_option for kind in TERMS}.items())


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


@dataclass(frozen=True)
class LevelEnd:
    """A coarse level ended (yielded before its engine closes, so that no consumer holds the level's last Step
    then). Its final entry is the next level's entry 0, reported there; `state`: the state that entry came with
    (an L-BFGS iteration's), which a stop request may still act on, else None."""

    level: int
    state: Optional[State] = None


@dataclass(frozen=True)
class Finished:
    """The run ended: its Result, and its final state when the run has one level (None otherwise), valid
    until the next event is asked for (a completed run's last checkpoint)."""

    result: Result
    state: Optional[State] = None


@dataclass(frozen=True)
class Solved:
    """One level's outcome: its final image (network space), pace, and what its engine and optimizer report;
    `state`: its final state (the average's variables included), valid until solve is resumed."""

    image: np.ndarray
    s_per_iter: Optional[float]
    stopped_early: Optional[str] = None  # why L-BFGS ended before the level's steps, with the level's size
    tiling: Optional[dict] = None        # a tiled level's tiling (engines.tiled.TiledEngine.tiling)
    restarts: int = 0                    # --lbfgs-restart: how often L-BFGS was started again
    average_losses: Optional[dict] = None  # --average-iterates: the losses of the averaged image
    state: Optional[State] = None


def weight_problem(objective, values):
    """Why the start image's loss `values` is not finite, with the fix: a term that is not, or the group weight
    (the objective's) whose product with its term is largest (the one that overflowed)."""
    for group, _ in GROUP_WEIGHTS:
        if group in values and not math.isfinite(values[group]):
            return f"the {group} term itself is {values[group]}; check the images and the layer weights"
    weights = objective.group_weights
    products = {group: abs(weights[group] * values[group]) for group, _ in GROUP_WEIGHTS if group in values}
    group = max(products, key=products.get)
    flag = "--" + dict(GROUP_WEIGHTS)[group].replace("_", "-")
    return f"{flag} {weights[group]:g} makes the first loss {values['total']}; lower {flag}"


@dataclass(frozen=True)
class Note:
    """A line for the user in the middle of a run (a bfloat16 level going on in float32)."""

    text: str


def solve(problem, level, vgg, config, saved=None, on_tile=None, stopwatch=None, engines=None):
    """Minimise one Problem as the plan's `level` says (its precision, tile and optimizer): its Steps, then
    Solved. The one place the engine is called.

    `saved` (a record.checkpoints.SavedState) continues a run from its step count; `on_tile(pass, done,
    total)` sees a tiled evaluation's progress. With --average-iterates each Step carries the average of
    the level's iterates so far (optim.average) instead of the iterate, and its state the average's
    variables; the level's image is the average, its losses `average_losses`. A bfloat16 L-BFGS level whose
    line search fails before its steps are spent (bfloat16's noise floor) goes on in float32 from where it
    stopped, after a Note: its later Steps are tagged precision float32.
    """
    average = IterateAverage(config.average_iterates) if config.average_iterates else None
    if saved is not None:  # the optimizer resumes from its own variables, the average from its
        variables, kept = split_saved(saved.variables)
        saved = replace(saved, variables=variables)
        if average is not None and kept:
            average.restore(kept)
    stopwatch, part, first, restarts = stopwatch or Stopwatch(), level, None, 0
    where = f" (at {problem.size[1]}x{problem.size[0]})"
    while True:
        with (engines.engine_for(problem, vgg, config, part, on_tile) if engines is not None and part is level
              else create_engine(problem, vgg, config, part, on_tile=on_tile)) as engine:
            ended = yield from _part(engine, problem, part, config, saved, stopwatch, average, first)
            restarts += ended.restarts
            if not _falls_back(part, ended):
                image, state, average_losses = ended.image, ended.state, None
                if average is not None:  # what averaging did: the losses of the image the run writes
                    image, state = average.image(), average.carried_by(state)
                    average_losses = engine.evaluate(image)  # the losses alone: no gradient
                yield Solved(image, stopwatch.median(), ended.stopped_early and ended.stopped_early + where,
                             engine.tiling if level.tile else None, restarts, average_losses, state)
                return
        yield Note(f"bfloat16 L-BFGS stopped at step {ended.state.steps} of {level.steps} at {problem.size[1]}x"
                   f"{problem.size[0]} ({' '.join(ended.stopped_early.split())}); going on in float32")
        problem, part = replace(problem, start=ended.image), replace(level, precision="float32")
        saved, first = None, ended.state.steps


@dataclass(frozen=True)
class TermValue:
    """One term of the objective at an image: its label (losses.term.Term.label), its value unweighted and
    weighted (its layer weight and its group's weight applied: a group's terms add up to its weighted total)."""

    label: str
    value: float
    weighted: float


def term_values(engine, objective, image):
    """Each term's TermValue at `image`, or None from an engine that cannot tell its terms apart."""
    evaluated = engine.evaluate_terms(image)
    if evaluated is None:
        return None
    weights = objective.group_weights
    return tuple(TermValue(term.label, value, weights[term.group] * term.weight * value)
                 for term, value in zip(objective.terms, evaluated[1]))


def _falls_back(part, ended):
    """Whether a level's part ended in bfloat16 with L-BFGS stopped before the level's steps were spent."""
    return part.precision == "bfloat16" and bool(part.lbfgs) and bool(ended.stopped_early) and \
        not ended.tolerance_stop and ended.state.steps < part.steps


def _part(engine, problem, part, config, saved, stopwatch, average, first=None):
    """The level's events on one engine, the Steps passed on (averaged under --average-iterates; after a
    bfloat16 part, without the repeated first entry and tagged float32); returns its Minimized."""
    with closing(_minimize(engine, problem, part, config, saved, stopwatch, first)) as events:
        for event in events:
            if isinstance(event, Minimized):
                return event
            if first is not None:  # a float32 part after a bfloat16 one: its entry `first` was the last Step
                if event.iteration == first:
                    continue
                event = replace(event, losses={**event.losses, "precision": part.precision})
            if average is not None:
                average.update(event.iteration, event.image)
                event = replace(event, image=average.image(), state=average.carried_by(event.state))
            yield replace(event, terms=partial(term_values, engine, problem.objective, event.image))


def _minimize(engine, problem, level, config, saved, stopwatch, first=None):
    """The events of the level's optimizer loop; `saved`: a SavedState holding the optimizer's variables only,
    or None; `first`: the step to start from without one (0 by default)."""
    start = saved.steps if saved is not None else first or 0
    at_start = partial(weight_problem, problem.objective)
    if level.lbfgs:
        x0 = problem.start
        if saved is not None:
            check_restorable(saved.variables, {"input": problem.start}, saved.directory)
            x0 = saved.variables["input"]
        restart = level.restart and level.precision != "bfloat16"  # a bfloat16 stop goes on in float32 (solve)
        options = LbfgsOptions(level.lbfgs, config.lbfgs_num_correction, config.lbfgs_initial_step, restart)
        return minimize_lbfgs(engine.compute_loss_and_grads, x0, level.steps, options, start=start,
                              bounds=problem.bounds, stopwatch=stopwatch, resumable=engine.resumable,
                              at_start=at_start, tolerance=relative_tolerance(config))
    stepper = engine.stepper(config)
    if saved is not None:
        check_restorable(saved.variables, stepper.variables(), saved.directory)
        stepper.restore(saved.variables)
    return first_order(stepper, level.steps, start=start, stopwatch=stopwatch,
                       hint=f"lower --learning-rate (now {config.learning_rate:g})", at_start=at_start,
                       tolerance=relative_tolerance(config))


def run_levels(prepared, saved=None, on_tile=None, start=None, inputs=None, engines=None):
    """The run's events (see the module's docstring): for each level, its problem (the previous level's
    image, upsampled, as the start), solved; its Steps numbered for the run; then Finished.

    `saved` (record.checkpoints.SavedState) continues a saved run; `on_tile(pass, done, total)` sees a tiled
    evaluation's progress; `start` (network space, at the first level's size) replaces --init; `inputs`, the
    terms' extra inputs, go to every level's problem (a video frame's warped previous frames: video.run);
    `engines` (engines.kept.KeptEngine) keeps the levels' engines across runs of the same form (a clip's frames).
    Each Step's losses carry `elapsed` (seconds since the first level's loop began)
    and the size and precision they were computed at (a --multiscale level's or a bfloat16 part's entries
    told apart).
    """
    config, plan, control, vgg = prepared.config, prepared.plan, prepared.control, prepared.vgg
    inputs = {**control.inputs, **(inputs or {})}
    levels, history, solved = plan.levels, [], []
    offset, began = 0, None
    for index, level in enumerate(levels):
        last = index == len(levels) - 1
        problem = build_problem(config, control.content_rgb, control.styles_rgb, vgg.mean_pixel, level.size, start,
                                inputs=inputs)
        stopwatch, dropped = Stopwatch(), None
        try:
            with closing(solve(problem, level, vgg, config, saved, on_tile, stopwatch, engines)) as events:
                for event in events:
                    if isinstance(event, Solved):  # the level's engine is still open: its states can be read
                        solved.append(replace(event, state=None))
                        yield (Finished(_result(prepared, history, solved), event.state if len(levels) == 1 else None)
                               if last else LevelEnd(index, dropped))
                        continue
                    if isinstance(event, Note):
                        yield event
                        continue
                    began = stopwatch.began if began is None else began
                    step = numbered(event, level, index, offset, len(levels), time.perf_counter() - began)
                    if not last and event.iteration >= level.steps:  # the next level's entry 0
                        dropped = step.state
                        continue
                    history.append({"iteration": step.iteration, **step.losses})
                    yield step
        finally:
            # A state's variables() holds the level's session: the consumer now holds LevelEnd, here none is kept.
            event = step = None
            gc.collect()  # the level's graph and session sit in reference cycles: free them before the next level's
        offset += level.steps
        if not last:
            following = levels[index + 1].size
            start = solved[-1].image if following == level.size else upsample(solved[-1].image, following)


def _result(prepared, history, solved) -> Result:
    """The run's Result from its history and each level's Solved."""
    config, plan, final = prepared.config, prepared.plan, solved[-1]
    levels = [{"scale": level.scale, "width": level.size[1], "height": level.size[0], "iterations": level.steps,
               "precision": level.precision, "s_per_iter": outcome.s_per_iter}
              for level, outcome in zip(plan.levels, solved)]
    return Result(image=render(config, final.image, prepared.vgg.mean_pixel, prepared.inputs.content_rgb),
                  history=history, s_per_iter=final.s_per_iter, config=config, size=plan.size,
                  precision=plan.precision, network_image=final.image, levels=levels if len(levels) > 1 else [],
                  tiling=next((s.tiling for s in reversed(solved) if s.tiling), None),
                  stopped_early=next((s.stopped_early for s in reversed(solved) if s.stopped_early), None),
                  plan=plan, restarts=sum(s.restarts for s in solved), average_losses=final.average_losses)
