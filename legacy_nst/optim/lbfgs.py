"""The one L-BFGS driver: scipy's L-BFGS-B, or the float32 L-BFGS (optim.lbfgs_float32), over any
engine's compute_loss_and_grads.

One evaluation gives the losses and the gradient; iterations are yielded as
the first-order loop yields its steps (optim.loop's events). scipy drives
its own iterations through a callback: `scipy_iterates` runs it in a thread
and takes its iterates one at a time; the float32 L-BFGS yields them itself.
"""
import math
import queue
import threading
from contextlib import closing
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from . import lbfgs_float32
from .loop import Minimized, State, Step, Stopwatch, check_finite

HINT = "L-BFGS diverged; try --optimizer adam or check the inputs"


@dataclass(frozen=True)
class LbfgsOptions:
    """Which L-BFGS, and its settings (Config's lbfgs_* options; run.plan picks the implementation)."""

    implementation: str = "scipy"  # "scipy" (L-BFGS-B, float64) or "float32" (optim.lbfgs_float32: no bounds)
    num_correction: int = 100      # the history's size, M
    initial_step: float = 0.0      # RMS change per pixel of the first trial step (see scipy_lbfgs; 0: scipy's own)
    restart: bool = False          # when it stops early, start again from where it stopped, with a fresh history


def minimize_lbfgs(compute_loss_and_grads, x0, iterations, options=LbfgsOptions(), start=0, bounds=None,
                   stopwatch=None, resumable=True, at_start=None, tolerance=None):
    """L-BFGS from the image `x0` (float32 (1, H, W, 3)) for steps start..iterations: Step events (entry
    `start` first, without a state), then Minimized.

    `compute_loss_and_grads(image)` -> (losses dict, gradient array); `bounds`
    (low, high), broadcast to the image: L-BFGS-B's box constraints (scipy only); `at_start(values)`: what
    a non-finite loss at entry `start` says (optim.loop.check_finite).
    The float32 implementation holds 2·M float32 image copies instead of scipy's (2·M + 12) float64 ones:
    what makes print sizes fit (tiled runs use it). An evaluation at the x just evaluated (the start: once
    for the log, once for the optimizer) is answered from the last one.
    A resumed run starts from its saved image with an empty curvature history. `tolerance`
    (optim.tolerance.RelativeTolerance) ends it at the entry where the rule fires, as Ruder's lbfgs.lua does.
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

    def entry(iteration, x, stepped):
        if "x" not in last or not np.array_equal(last["x"], x):
            evaluate(x)
        check_finite(iteration, last["values"], HINT, at_start if iteration == start else None)
        image = last["image"]
        return Step(iteration, last["values"], image,
                    State(iteration, lambda: {"input": image}, resumable) if stepped else None)

    box = lbfgs_bounds(bounds, shape)
    x = np.asarray(x0, dtype).ravel() if box is None else np.clip(np.asarray(x0, dtype).ravel(), box.lb, box.ub)
    stopwatch = stopwatch or Stopwatch()
    stopwatch.begin()
    yield entry(start, x, stepped=False)
    stopwatch.start()
    done, watch, by_tolerance, restarts = start, tolerance and tolerance.watch(), None, []
    with closing(_iterates(evaluate, x, iterations - start, options, box, restarts)) as run:  # closing: scipy stops
        while True:
            try:
                x = next(run)
            except StopIteration as end:
                x, stopped_early = end.value
                break
            stopwatch.lap()
            done += 1
            yield entry(done, x, stepped=True)
            stopped_early = by_tolerance = watch and watch.check(done - start, last["values"]["total"])
            if by_tolerance:
                break
    final = x.reshape(shape).astype(np.float32)
    yield Minimized(final, State(done, lambda: {"input": final}, resumable), stopped_early, len(restarts),
                    tolerance_stop=bool(by_tolerance))


def _iterates(evaluate, x, iterations, options, box, restarts):
    """Each iteration's x of the chosen implementation; returns (the last x, why the optimizer stopped before
    `iterations` or None); each restart is appended to `restarts` as it happens.

    With options.restart, an optimizer that stops early (scipy's L-BFGS-B does when an iteration leaves the
    loss unchanged, which jcjohnson's optim.lbfgs never does) is started again from its last iterate with an
    empty history until the iterations are spent, or until a fresh start makes no iteration at all.
    """
    stopped, done = None, 0
    while done < iterations:
        reasons = []
        left = iterations - done
        if options.implementation == "float32":
            run = lbfgs_float32.iterates(evaluate, x, left, options.num_correction, options.initial_step,
                                         reasons.append)
        else:
            run = scipy_iterates(evaluate, x, left, options.num_correction, box, options.initial_step,
                                 reasons.append)
        x, made = yield from run
        done += made
        stopped = reasons[0] if reasons else None
        if stopped is None or not options.restart or made == 0 or done >= iterations:
            break
        restarts.append(done)
    if stopped is not None and restarts:
        stopped += f" (after {len(restarts)} restart{'s' if len(restarts) > 1 else ''})"
    return x, stopped


class _Closed(Exception):
    """Raised in scipy's callback when the consumer of its iterates is gone: scipy unwinds and its thread ends."""


def scipy_iterates(evaluate, x0, iterations, num_correction, box=None, initial_step=0.0, on_stop=None):
    """scipy_lbfgs's iterates one at a time: yields each iteration's x (flat float64); returns (the last x,
    the iterations made).

    scipy runs in a thread whose callback hands its x over and waits until the
    next one is asked for, so scipy and the consumer take turns: never both at
    once, one TensorFlow call at a time. Closing this generator, or an exception
    while the consumer has an x, makes the waiting callback raise, scipy unwind
    and its thread end before the close returns; an error inside scipy (an
    engine's, in `evaluate`) is raised here.
    """
    handed, replies = queue.Queue(), queue.Queue()

    def callback(x):
        handed.put(("iterate", x))
        if replies.get() is _Closed:
            raise _Closed

    def run():
        try:
            handed.put(("done", scipy_lbfgs(evaluate, x0, iterations, num_correction, box, initial_step, callback,
                                            on_stop)))
        except _Closed:
            pass
        except BaseException as error:  # noqa: BLE001 -- raised again in the consumer's thread
            handed.put(("error", error))

    thread = threading.Thread(target=run, name="scipy L-BFGS-B", daemon=True)
    thread.start()
    made = 0
    try:
        while True:
            kind, value = handed.get()
            if kind == "error":
                raise value
            if kind == "done":
                return value, made
            made += 1
            yield value
            replies.put(None)
    finally:
        replies.put(_Closed)  # a callback still to come, or waiting now, raises; a finished thread ignores it
        thread.join()


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
