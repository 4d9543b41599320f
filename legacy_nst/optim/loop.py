"""The one first-order loop, the observers that see each step, and the one way to stop.

Every loop calls `observers.started()` once, just before its first step or
evaluation; it reports entry i, the losses of the image after i optimizer steps
(entry 0 is the initial image), to `observers.observe(iteration, losses,
image)`, with `image` a float32 (1, H, W, 3) array; after each step it calls
`observers.step_done(state)`; at the end `observers.finished(state)`. An
observer stops the run by raising (a stop request raises Interrupted there,
after saving what it needs from `state`).
"""
import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import OptimizationError


@dataclass
class State:
    """The run after `steps` steps: `variables()` -> {name: array} with 'input' the image;
    `resumable` when that is everything --resume needs (image and optimizer slots)."""

    steps: int
    variables: Callable
    resumable: bool


class Observers:
    """Several observers seen as one; each may define started, observe, step_done and finished."""

    def __init__(self, *observers):
        self.observers = [o for o in observers if o is not None]

    def started(self):
        for observer in self.observers:
            if hasattr(observer, "started"):
                observer.started()

    def observe(self, iteration, losses, image):
        for observer in self.observers:
            if hasattr(observer, "observe"):
                observer.observe(iteration, losses, image)

    def step_done(self, state):
        for observer in self.observers:
            if hasattr(observer, "step_done"):
                observer.step_done(state)

    def finished(self, state):
        for observer in self.observers:
            if hasattr(observer, "finished"):
                observer.finished(state)


def check_finite(iteration, values, hint):
    if not all(math.isfinite(v) for v in values.values()):
        bad = ", ".join(f"{k}={v}" for k, v in values.items())
        raise OptimizationError(
            f"the loss became non-finite at iteration {iteration} ({bad}); "
            f"the optimisation diverged: {hint}")


def median_step_seconds(durations):
    """Median of step durations with the first (graph warm-up) left out; None without any."""
    timed = list(durations)[1:] or list(durations)
    return float(np.median(timed)) if timed else None


class Stopwatch:
    """Seconds per optimizer step; the first step (graph warm-up) is left out of the median."""

    def __init__(self):
        self.steps = []
        self._last = None

    def start(self):
        self._last = time.perf_counter()

    def lap(self):
        now = time.perf_counter()
        self.steps.append(now - self._last)
        self._last = now

    def median(self):
        return median_step_seconds(self.steps)


def first_order(stepper, iterations, observers, start=0, stopwatch=None, hint=""):
    """Run steps start..iterations of `stepper` (an engines.base.Stepper); returns the final image."""
    stopwatch = stopwatch or Stopwatch()
    observers.started()
    stopwatch.start()
    for iteration in range(start, iterations):
        values, image = stepper.step()
        stopwatch.lap()
        check_finite(iteration, values, hint)
        observers.observe(iteration, values, image)
        observers.step_done(State(iteration + 1, stepper.variables, stepper.resumable))
    values, image = stepper.evaluate()
    check_finite(iterations, values, hint)
    observers.observe(iterations, values, image)
    observers.finished(State(iterations, stepper.variables, stepper.resumable))
    return image
