"""The optimisation loops' events, the first-order loop, and the checks every loop makes.

A loop is a generator, as anishathalye's neural-style `stylize()` yields
(iteration, image, losses) and lets its caller decide what to write. For each
entry i, the losses and image after i optimizer steps (entry 0 is the start
image), it yields a `Step`; its last event is `Minimized`, where it ended.
Whoever iterates records, shows, saves or stops: stopping is closing the
generator or raising while it waits. A `Step`'s `state` reads the optimizer's
variables (a session run): it is valid until the loop is asked for its next
event.
"""
import math
import time
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..errors import OptimizationError


@dataclass(frozen=True)
class State:
    """The run after `steps` steps: `variables()` -> {name: array} with 'input' the image;
    `resumable` when that is everything --resume needs (image and optimizer slots)."""

    steps: int
    variables: Callable
    resumable: bool


@dataclass(frozen=True)
class Step:
    """Entry `iteration`: its losses ({'total', 'content', 'style'[, 'tv']}, and what run.levels adds) and its
    image (float32 (1, H, W, 3), network space); `state`: where the optimizer stands after the step that came
    with this entry (the first-order loop: the step taken from this image; L-BFGS: the iteration that reached
    it), None when none did (L-BFGS's start, the first-order loop's last entry); `level`: the run's level
    (run.levels numbers them; a loop's own steps are level 0); `terms`: when set (run.levels), a call that
    evaluates each term of the objective at the image (one more forward pass: only where someone shows them),
    valid while the entry is the newest one."""

    iteration: int
    losses: dict
    image: np.ndarray
    state: Optional[State] = None
    level: int = 0
    terms: Optional[Callable] = None


@dataclass(frozen=True)
class Minimized:
    """Where a loop ended: its last image, its final state, why it ended before its iterations (L-BFGS does
    when it converges; either loop under --tol-loss-relative, then `tolerance_stop`) or None, and how often
    L-BFGS was restarted (--lbfgs-restart)."""

    image: np.ndarray
    state: State
    stopped_early: Optional[str] = None
    restarts: int = 0
    tolerance_stop: bool = False  # ended by the relative-tolerance rule (optim.tolerance), not by the optimizer


def check_finite(iteration, values, hint, at_start=None):
    """OptimizationError when a loss is NaN or inf. Later entries diverged (`hint` says what to lower); at a
    loop's first entry, before any step, the objective itself is not finite: `at_start(values)` says why."""
    if all(math.isfinite(v) for v in values.values()):
        return
    bad = ", ".join(f"{k}={v}" for k, v in values.items())
    if at_start is not None:
        raise OptimizationError(f"the loss is non-finite at iteration {iteration}, before any step ({bad}); "
                                f"{at_start(values)}")
    raise OptimizationError(f"the loss became non-finite at iteration {iteration} ({bad}); "
                            f"the optimisation diverged: {hint}")


def median_step_seconds(durations):
    """Median of step durations with the first (graph warm-up) left out; None without any."""
    timed = list(durations)[1:] or list(durations)
    return float(np.median(timed)) if timed else None


class Stopwatch:
    """Seconds per optimizer step (the first, graph warm-up, left out of the median), and `began`: when the
    loop started, just before its first step or evaluation (the run's clock, run.levels' `elapsed`)."""

    def __init__(self):
        self.steps = []
        self.began = None
        self._last = None

    def begin(self):
        self.began = time.perf_counter()

    def start(self):
        self._last = time.perf_counter()

    def lap(self):
        now = time.perf_counter()
        self.steps.append(now - self._last)
        self._last = now

    def median(self):
        return median_step_seconds(self.steps)


def first_order(stepper, iterations, start=0, stopwatch=None, hint="", at_start=None, tolerance=None):
    """Steps start..iterations of `stepper` (an engines.base.Stepper) as Step events, then Minimized.
    `tolerance` (an optim.tolerance.RelativeTolerance) ends it early, one entry after the rule fires (the
    step from that entry is already taken)."""
    stopwatch = stopwatch or Stopwatch()
    stopwatch.begin()
    stopwatch.start()
    watch, stopped = tolerance and tolerance.watch(), None
    for iteration in range(start, iterations):
        values, image = stepper.step()
        stopwatch.lap()
        check_finite(iteration, values, hint, at_start if iteration == start else None)
        yield Step(iteration, values, image, State(iteration + 1, stepper.variables, stepper.resumable))
        stopped = iteration > start and watch and watch.check(iteration - start, values["total"])
        if stopped:
            iterations = iteration + 1
            break
    values, image = stepper.evaluate()
    check_finite(iterations, values, hint, at_start if iterations == start else None)
    yield Step(iterations, values, image)
    yield Minimized(image, State(iterations, stepper.variables, stepper.resumable), stopped or None,
                    tolerance_stop=bool(stopped))
