"""Minimising the total loss over the input image: tf.compat.v1 optimizers or scipy's L-BFGS.

Both paths report every iteration to an `observe(iteration, losses, image)`
callback, where entry i holds the losses of the image after i optimizer steps
(entry 0 is the initial image), and `image` is that image as a float32
(1, H, W, 3) array. Each step is one session run: the losses and the image
fetched with a training step are those the step's gradient was taken at.
"""
import math
import time

import numpy as np
import scipy.optimize
import tensorflow as tf

from .errors import OptimizationError

tf1 = tf.compat.v1

TF_OPTIMIZERS = {
    "adam": lambda lr, beta1=0.9, epsilon=1e-8: tf1.train.AdamOptimizer(lr, beta1=beta1, epsilon=epsilon),
    "sgd": lambda lr: tf1.train.GradientDescentOptimizer(lr),
    "momentum": lambda lr: tf1.train.MomentumOptimizer(lr, momentum=0.9),
    "rmsprop": lambda lr: tf1.train.RMSPropOptimizer(lr),
    "adagrad": lambda lr: tf1.train.AdagradOptimizer(lr),
}
LOSS_NAMES = ("total", "content", "style", "tv")  # "tv" only when the TV term is on


def _values(fetched):
    return {name: float(fetched[name]) for name in LOSS_NAMES if name in fetched}


def _check_finite(iteration, values, learning_rate_hint):
    if not all(math.isfinite(v) for v in values.values()):
        bad = ", ".join(f"{k}={v}" for k, v in values.items())
        raise OptimizationError(
            f"the loss became non-finite at iteration {iteration} ({bad}); "
            f"the optimisation diverged: {learning_rate_hint}")


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
        timed = self.steps[1:] or self.steps
        return float(np.median(timed)) if timed else None


def minimize_tf(sess, net, losses, optimizer, learning_rate, iterations, observe, stopwatch=None,
                adam_beta1=0.9, adam_epsilon=1e-8, bounds=None, state=None, gradient=None):
    """Run `iterations` steps of a tf.compat.v1.train optimizer on net['input'].

    `bounds` (low, high): clip the image into them after every step.
    `state` (a resume.Checkpointer) restores the image and optimizer variables
    of a saved run, then starts at its step count, and sees every step.
    `gradient`: a tensor to step along instead of the total loss's gradient (--normalize-gradients).
    """
    options = dict(beta1=adam_beta1, epsilon=adam_epsilon) if optimizer == "adam" else {}
    trainer = TF_OPTIMIZERS[optimizer](learning_rate, **options)
    if gradient is None:
        train = trainer.minimize(losses["total"], var_list=[net["input"]])
    else:
        train = trainer.apply_gradients([(gradient, net["input"])])
    if bounds is not None:
        with tf1.control_dependencies([train]):
            train = net["input"].assign(tf.clip_by_value(net["input"], *bounds)).op
    sess.run(tf1.variables_initializer(trainer.variables()))
    start = state.start if state is not None else 0
    if state is not None:
        state.attach(sess, [net["input"], *trainer.variables()])
    fetch = {name: losses[name] for name in LOSS_NAMES if name in losses}
    hint = f"lower --learning-rate (now {learning_rate:g})"
    stopwatch = stopwatch or Stopwatch()
    stopwatch.start()
    for iteration in range(start, iterations):
        _, fetched, image = sess.run([train, fetch, net["image"]])
        stopwatch.lap()
        values = _values(fetched)
        _check_finite(iteration, values, hint)
        observe(iteration, values, image)
        if state is not None:
            state.step_done(iteration + 1)
    fetched, image = sess.run([fetch, net["image"]])
    values = _values(fetched)
    _check_finite(iterations, values, hint)
    observe(iterations, values, image)
    if state is not None:
        state.finished(iterations)
    return stopwatch


def minimize_lbfgs(sess, net, losses, iterations, num_correction, observe, stopwatch=None, bounds=None,
                   state=None, gradient=None, initial_step=0.0):
    """scipy L-BFGS-B on the image; one session run gives the losses and the gradient.

    `bounds` (low, high), broadcast to the image: L-BFGS-B's box constraints.

    The network is evaluated by feeding net['image'], so the variable is only
    written once, with the final image. `state` as in minimize_tf; a resumed
    run starts from the saved image with an empty curvature history.
    `gradient` replaces the total loss's gradient (--normalize-gradients).
    `initial_step`: see scipy_lbfgs (Config.lbfgs_initial_step; 0 is scipy's own first step).
    """
    if gradient is None:
        gradient = tf1.gradients(losses["total"], net["image"])[0]
    fetch = {name: losses[name] for name in LOSS_NAMES if name in losses}
    shape = tuple(net["image"].shape)
    hint = "L-BFGS diverged; try --optimizer adam or check the inputs"
    last = {}

    def evaluate(x):
        image = x.reshape(shape).astype(np.float32)
        fetched, grad = sess.run([fetch, gradient], {net["image"]: image})
        last.update(x=x.copy(), values=_values(fetched), image=image)
        return last["values"]["total"], grad.ravel().astype(np.float64)

    def record(iteration, x):
        if "x" not in last or not np.array_equal(last["x"], x):
            evaluate(x)
        _check_finite(iteration, last["values"], hint)
        observe(iteration, last["values"], last["image"])

    start = state.start if state is not None else 0
    if state is not None:
        state.attach(sess, [net["input"]])
    x0 = sess.run(net["input"]).ravel().astype(np.float64)
    box = lbfgs_bounds(bounds, shape)
    if box is not None:
        x0 = np.clip(x0, box.lb, box.ub)  # where L-BFGS-B starts
    record(start, x0)
    stopwatch = stopwatch or Stopwatch()
    stopwatch.start()
    done = [start]

    def callback(x):
        stopwatch.lap()
        done[0] += 1
        record(done[0], x)
        if state is not None:
            state.step_done(done[0], last["image"])

    if iterations > start:
        x = scipy_lbfgs(evaluate, x0, iterations - start, num_correction, box, initial_step, callback)
        sess.run(net["input"].assign(x.reshape(shape).astype(np.float32)))
    if state is not None:
        state.finished(done[0], sess.run(net["input"]))
    return stopwatch


def scipy_lbfgs(evaluate, x0, iterations, num_correction, box=None, initial_step=0.0, callback=None):
    """scipy's L-BFGS-B from x0 for `iterations` iterations; returns the last x (flat float64).

    `evaluate(x)` -> (loss, gradient as flat float64), which may be modified;
    `callback(x)` after each iteration; `box` a scipy Bounds or None.

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
    return result.x * scale


def lbfgs_bounds(bounds, shape):
    """(low, high) arrays broadcast to the image, flattened for scipy; None stays None."""
    if bounds is None:
        return None
    low, high = (np.broadcast_to(b, shape).ravel().astype(np.float64) for b in bounds)
    return scipy.optimize.Bounds(low, high)
