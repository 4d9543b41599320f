"""The one L-BFGS driver: scipy's L-BFGS-B, or the float32 L-BFGS (optim.lbfgs_float32), over any
engine's compute_loss_and_grads.

One evaluation gives the losses and the gradient; iterations are reported to
the observers as the first-order loop reports its steps (optim.loop).
"""
import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
import scipy.optimize

from . import lbfgs_float32
from .loop import State, Stopwatch, check_finite

HINT = "L-BFGS diverged; try --optimizer adam or check the inputs"


@dataclass(frozen=True)
class LbfgsOptions:
    """Which L-BFGS, and its settings (Config's lbfgs_* options; run.plan picks the implementation)."""

    implementation: str = "scipy"  # "scipy" (L-BFGS-B, float64) or "float32" (optim.lbfgs_float32: no bounds)
    num_correction: int = 100      # the history's size, M
    initial_step: float = 0.0      # RMS change per pixel of the first trial step (see scipy_lbfgs; 0: scipy's own)
    restart: bool = False          # when it stops early, start again from where it stopped, with a fresh history


@dataclass(frozen=True)
class Minimized:
    """Where L-BFGS ended, why it ended before its iterations (it does when it converges) or None, and how
    often it was restarted (LbfgsOptions.restart)."""

    image: np.ndarray
    stopped_early: Optional[str] = None
    restarts: int = 0


def minimize_lbfgs(compute_loss_and_grads, x0, iterations, observers, options=LbfgsOptions(), start=0, bounds=None,
                   stopwatch=None, resumable=True) -> Minimized:
    """L-BFGS from the image `x0` (float32 (1, H, W, 3)) for steps start..iterations.

    `compute_loss_and_grads(image)` -> (losses dict, gradient array); `bounds`
    (low, high), broadcast to the image: L-BFGS-B's box constraints (scipy only).
    The float32 implementation holds 2·M float32 image copies instead of scipy's (2·M + 12) float64 ones:
    what makes print sizes fit (tiled runs use it). An evaluation at the x just evaluated (the start: once
    for the log, once for the optimizer) is answered from the last one.
    A resumed run starts from its saved image with an empty curvature history.
    """
    shape = tuple(x0.shape)
    last = {}
    dtype = np.float32 if options.implementation == "float32" else np.float64
    if options.implementation == "float32" and bounds is not None:
        raise ValueError("the float32 L-BFGS keeps no bounds; use implementation='scipy'")

    def evaluate(x):
        if "gradient" in last and np.array_equal(last["x"], x):
            return last["values"]["total"], last["gradient"].copy()  # the caller may modify it
        image = x.reshape(shape).astype(np.float32)
        values, gradient = compute_loss_and_grads(image)
        gradient = np.asarray(gradient).ravel().astype(dtype)
        last.update(x=x.copy(), values=values, image=image, gradient=gradient)
        return values["total"], gradient.copy()

    def record(iteration, x):
        if "x" not in last or not np.array_equal(last["x"], x):
            evaluate(x)
        check_finite(iteration, last["values"], HINT)
        observers.observe(iteration, last["values"], last["image"])

    box = lbfgs_bounds(bounds, shape)
    x = np.asarray(x0, dtype).ravel()
    if box is not None:
        x = np.clip(x, box.lb, box.ub)  # where L-BFGS-B starts
    observers.started()
    record(start, x)
    stopwatch = stopwatch or Stopwatch()
    stopwatch.start()
    done = [start]

    def callback(x):
        stopwatch.lap()
        done[0] += 1
        record(done[0], x)
        image = last["image"]
        observers.step_done(State(done[0], lambda: {"input": image}, resumable))

    x, stopped_early, restarts = _iterate(evaluate, x, iterations - start, options, box, callback,
                                          lambda: done[0] - start)
    final = x.reshape(shape).astype(np.float32)
    observers.finished(State(done[0], lambda: {"input": final}, resumable))
    return Minimized(final, stopped_early, restarts)


def _iterate(evaluate, x, iterations, options, box, callback, done):
    """(the last x, why the optimizer stopped before `iterations` or None, restarts) of the chosen
    implementation; `done()` counts the iterations made so far.

    With options.restart, an optimizer that stops early (scipy's L-BFGS-B does when an iteration leaves the
    loss unchanged, which jcjohnson's optim.lbfgs never does) is started again from its last iterate with an
    empty history until the iterations are spent, or until a fresh start makes no iteration at all.
    """
    restarts, stopped = 0, None
    while done() < iterations:
        reasons, before = [], done()
        left = iterations - before
        if options.implementation == "float32":
            x = lbfgs_float32.minimize(evaluate, x, left, options.num_correction, options.initial_step, callback,
                                       reasons.append)
        else:
            x = scipy_lbfgs(evaluate, x, left, options.num_correction, box, options.initial_step, callback,
                            reasons.append)
        stopped = reasons[0] if reasons else None
        if stopped is None or not options.restart or done() == before or done() >= iterations:
            break
        restarts += 1
    if stopped is not None and restarts:
        stopped += f" (after {restarts} restart{'s' if restarts > 1 else ''})"
    return x, stopped, restarts


def scipy_lbfgs(evaluate, x0, iterations, num_correction, box=None, initial_step=0.0, callback=None,
                on_stop=None):
    """scipy's L-BFGS-B from x0 for `iterations` iterations; returns the last x (flat float64).

    `evaluate(x)` -> (loss, gradient as flat float64), which may be modified;
    `callback(x)` after each iteration; `box` a scipy Bounds or None;
    `on_stop(reason)` when L-BFGS-B ends before `iterations` (its own message, e.g. a line search that
    found no lower loss), which it otherwise does silently.

    L-BFGS-B's first trial step has length 1 along the gradient: for an image
    of n values an RMS change of 1/sqrt(n) levels, which its line search then
    grows fourfold per evaluation (7 evaluations for the first iteration at
    800x600). It runs here over y = x / s with s = initial_step * sqrt(n), so
    that first trial step changes the pixels by `initial_step` levels RMS.
    Later iterations do not depend on s (L-BFGS-B is invariant to a uniform
    scaling of its variables except for that first step); initial_step=0 runs
    scipy's own scale (s = 1).
    """
    scale = initial_step * math.sqrt(x0.size) if initial_step > 0 else 1.0

    def scaled(y):
        value, gradient = evaluate(y * scale)
        gradient *= scale
        return value, gradient

    def report(intermediate_result):  # scipy passes an OptimizeResult to a parameter of this name
        if callback is not None:
            callback(intermediate_result.x * scale)

    if box is not None:
        box = scipy.optimize.Bounds(box.lb / scale, box.ub / scale)
    result = scipy.optimize.minimize(
        scaled, x0 / scale, jac=True, method="L-BFGS-B", bounds=box, callback=report,
        options=dict(maxiter=iterations, maxcor=num_correction, ftol=0.0, gtol=0.0, maxfun=max(15000, 4 * iterations)))
    if on_stop is not None and result.nit < iterations:
        on_stop(f"scipy's L-BFGS-B stopped after {result.nit} of {iterations} iterations: {result.message}")
    return result.x * scale


def lbfgs_bounds(bounds, shape):
    """(low, high) arrays broadcast to the image, flattened for scipy; None stays None."""
    if bounds is None:
        return None
    low, high = (np.broadcast_to(b, shape).ravel().astype(np.float64) for b in bounds)
    return scipy.optimize.Bounds(low, high)
