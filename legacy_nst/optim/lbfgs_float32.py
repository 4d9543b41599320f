"""L-BFGS in float32 and pure numpy: half of scipy's memory, and no float64 copies per evaluation.

scipy's L-BFGS-B keeps x, the gradient and its m correction pairs in float64:
at 800x600 with m = 100 that is 2.3 GB of history, and every evaluation
converts the float32 image and gradient to and from float64. Here x, the
gradient and the pairs (s, y) are float32 image-sized arrays; only scalars
(dot products, step lengths) are float64.

The algorithm is L-BFGS-B's on an unbounded problem, so the iterates follow
scipy's (up to float32 round-off; tests/optim/test_lbfgs_float32.py):
- the direction is the two-loop recursion (Nocedal & Wright, Algorithm 7.4)
  with H0 = s'y / y'y of the newest pair, the same matrix as L-BFGS-B's compact
  form; a pair with s'y <= eps * y'y is not stored, as L-BFGS-B skips it;
- the step comes from the Moré-Thuente line search (MINPACK-2 dcsrch/dcstep,
  which L-BFGS-B calls) with L-BFGS-B's constants ftol=1e-3, gtol=0.9,
  xtol=0.1: the step it accepts satisfies the strong Wolfe conditions
  f(x + a d) <= f(x) + 1e-3 a g'd and |g(x + a d)'d| <= 0.9 |g'd|;
- the first trial step of each line search is 1, except with an empty history
  (the first iteration, or after a restart), where it changes the pixels by
  `initial_step` levels RMS (legacy_nst.optim.lbfgs.scipy_lbfgs's convention;
  initial_step=0: L-BFGS-B's own step of length 1);
- a line search that fails (20 evaluations, or a direction that does not
  descend) restarts from the last iterate with an empty history, as L-BFGS-B
  does; failing with an empty history ends the run.

Box bounds are refused: projecting L-BFGS steps onto a box is not a sound
method (the projected direction need not descend, and the pairs then describe
a different problem); only scipy's L-BFGS-B (legacy_nst.optim.lbfgs) does bounds.
"""
import math

import numpy as np

FTOL, GTOL, XTOL = 1e-3, 0.9, 0.1  # L-BFGS-B's line-search constants
MAX_EVALUATIONS = 20  # per line search, as L-BFGS-B
STEP_MAX = 1e10  # L-BFGS-B's bound on an unbounded problem's step
EPS = float(np.finfo(np.float64).eps)


def iterates(evaluate, x0, iterations, history=100, initial_step=10.0, on_stop=None):
    """Minimise from x0 for `iterations` iterations, yielding each iteration's x (flat float32); returns
    (the last iterate, the iterations made).

    evaluate(x float32 flat) -> (float loss, float32 flat gradient); on_stop(reason) if it ends before
    `iterations`.
    """
    if history < 1:
        raise ValueError(f"history must be >= 1, got {history}")
    if not (initial_step >= 0 and math.isfinite(initial_step)):
        raise ValueError(f"initial_step must be a finite number >= 0, got {initial_step}")
    x = np.array(x0, dtype=np.float32).ravel()
    f, g = _evaluated(evaluate, x)
    memory = History(history, x.size)
    for done in range(iterations):
        step = _iterate(evaluate, x, f, g, memory, initial_step)
        if step is None and len(memory):  # no acceptable step: restart with steepest descent
            memory.clear()
            step = _iterate(evaluate, x, f, g, memory, initial_step)
        if step is None:
            if on_stop is not None:
                on_stop(f"the float32 L-BFGS stopped after {done} of {iterations} iterations: its line search "
                        "found no lower loss, even along the gradient")
            return x, done
        x_new, f, g_new = step
        memory.push(x_new - x, g_new - g)
        x, g = x_new, g_new
        yield x
    return x, iterations


def _evaluated(evaluate, x):
    value, gradient = evaluate(x)
    return float(value), np.array(gradient, dtype=np.float32).ravel()  # a copy: evaluate may reuse its buffer


def _dot(a, b):
    return float(np.dot(a, b))


def _iterate(evaluate, x, f, g, memory, initial_step):
    """One line search along the L-BFGS direction: (x, f, g) at the accepted step, or None."""
    d = memory.direction(g)
    slope = _dot(g, d)
    if not slope < 0:  # not a descent direction (or a zero gradient)
        if not len(memory):
            return None
        memory.clear()
        d = memory.direction(g)
        slope = _dot(g, d)
        if not slope < 0:
            return None
    if len(memory):
        stp = 1.0
    else:
        norm = math.sqrt(_dot(d, d))
        stp = (initial_step * math.sqrt(x.size) if initial_step > 0 else 1.0) / norm
    search = LineSearch(f, slope, stp)
    trial = np.empty_like(x)
    for _ in range(MAX_EVALUATIONS):
        np.multiply(d, np.float32(stp), out=trial)
        trial += x
        f_trial, g_trial = _evaluated(evaluate, trial)
        if not math.isfinite(f_trial):  # overshot into overflow: shrink towards the best step so far
            stp = search.stx + 0.1 * (stp - search.stx)
            continue
        status, stp = search.step(stp, f_trial, _dot(g_trial, d))
        if status == "converged":
            return trial, f_trial, g_trial
        if status == "warning":  # dcsrch cannot improve further; keep the point only if it is sufficiently lower
            if f_trial <= f + FTOL * search.last_step * slope:
                return trial, f_trial, g_trial
            return None
    return None


class History:
    """The m newest correction pairs s = x_{k+1} - x_k, y = g_{k+1} - g_k, float32, oldest first."""

    def __init__(self, size, n):
        self.size = size
        self.s, self.y, self.rho = [], [], []
        self._scratch = np.empty(n, np.float32)

    def __len__(self):
        return len(self.s)

    def clear(self):
        self.s, self.y, self.rho = [], [], []

    def push(self, s, y):
        sy, yy = _dot(s, y), _dot(y, y)
        if not sy > EPS * yy:  # L-BFGS-B skips a pair without positive curvature
            return
        if len(self.s) == self.size:
            del self.s[0], self.y[0], self.rho[0]
        self.s.append(s.astype(np.float32, copy=False))
        self.y.append(y.astype(np.float32, copy=False))
        self.rho.append(1.0 / sy)

    def direction(self, g):
        """-H g by the two-loop recursion; -g with an empty history."""
        q = -g
        if not self.s:
            return q
        tmp = self._scratch
        alphas = []
        for s, y, rho in zip(reversed(self.s), reversed(self.y), reversed(self.rho)):
            alpha = rho * _dot(s, q)
            alphas.append(alpha)
            np.multiply(y, np.float32(alpha), out=tmp)
            q -= tmp
        s, y = self.s[-1], self.y[-1]
        q *= np.float32(_dot(s, y) / _dot(y, y))
        for s, y, rho, alpha in zip(self.s, self.y, self.rho, reversed(alphas)):
            beta = rho * _dot(y, q)
            np.multiply(s, np.float32(alpha - beta), out=tmp)
            q += tmp
        return q


class LineSearch:
    """Moré & Thuente's line search (MINPACK-2 dcsrch), one evaluation at a time.

    Built with f(0), f'(0) < 0 and the first trial step; `step(stp, f, g)` takes
    the function and its directional derivative at the trial step `stp` and
    returns ("converged" | "warning" | "evaluate", the next step).
    """

    def __init__(self, f0, g0, stp):
        self.finit, self.ginit, self.gtest = f0, g0, FTOL * g0
        self.stage, self.bracketed = 1, False
        self.width, self.width1 = STEP_MAX, 2 * STEP_MAX
        self.stx, self.fx, self.gx = 0.0, f0, g0
        self.sty, self.fy, self.gy = 0.0, f0, g0
        self.stmin, self.stmax = 0.0, stp + 4.0 * stp
        self.last_step = stp

    def step(self, stp, f, g):
        self.last_step = stp
        ftest = self.finit + stp * self.gtest
        if self.stage == 1 and f <= ftest and g >= 0:
            self.stage = 2
        if f <= ftest and abs(g) <= GTOL * -self.ginit:
            return "converged", stp
        if self.bracketed and (stp <= self.stmin or stp >= self.stmax):
            return "warning", stp  # rounding errors prevent progress
        if self.bracketed and self.stmax - self.stmin <= XTOL * self.stmax:
            return "warning", stp
        if stp == STEP_MAX and f <= ftest and g <= self.gtest:
            return "warning", stp
        if stp == 0.0 and (f > ftest or g >= self.gtest):
            return "warning", stp
        if self.stage == 1 and f <= self.fx and f > ftest:
            # the modified function psi(a) = f(a) - f(0) - ftol a f'(0) predicts the step
            gt = self.gtest
            (self.stx, fxm, gxm, self.sty, fym, gym, stp, self.bracketed) = _dcstep(
                self.stx, self.fx - self.stx * gt, self.gx - gt, self.sty, self.fy - self.sty * gt,
                self.gy - gt, stp, f - stp * gt, g - gt, self.bracketed, self.stmin, self.stmax)
            self.fx, self.fy = fxm + self.stx * gt, fym + self.sty * gt
            self.gx, self.gy = gxm + gt, gym + gt
        else:
            (self.stx, self.fx, self.gx, self.sty, self.fy, self.gy, stp, self.bracketed) = _dcstep(
                self.stx, self.fx, self.gx, self.sty, self.fy, self.gy, stp, f, g, self.bracketed,
                self.stmin, self.stmax)
        if self.bracketed:  # force a sufficient decrease of the interval
            if abs(self.sty - self.stx) >= 0.66 * self.width1:
                stp = self.stx + 0.5 * (self.sty - self.stx)
            self.width1, self.width = self.width, abs(self.sty - self.stx)
            self.stmin, self.stmax = min(self.stx, self.sty), max(self.stx, self.sty)
        else:
            self.stmin, self.stmax = stp + 1.1 * (stp - self.stx), stp + 4.0 * (stp - self.stx)
        stp = min(max(stp, 0.0), STEP_MAX)
        if self.bracketed and (stp <= self.stmin or stp >= self.stmax
                               or self.stmax - self.stmin <= XTOL * self.stmax):
            stp = self.stx
        return "evaluate", float(stp)


def _cubic_gamma(theta, da, db):
    s = max(abs(theta), abs(da), abs(db))
    return s * math.sqrt(max(0.0, (theta / s) ** 2 - (da / s) * (db / s)))


def _dcstep(stx, fx, dx, sty, fy, dy, stp, fp, dp, bracketed, stpmin, stpmax):
    """MINPACK-2 dcstep: a safeguarded cubic/quadratic step and the updated interval (stx, sty)."""
    opposite = (dp > 0) != (dx > 0) and dp != 0 and dx != 0
    if fp > fx:  # higher function value: the minimum is bracketed
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        gamma = _cubic_gamma(theta, dx, dp)
        if stp < stx:
            gamma = -gamma
        p, q = (gamma - dx) + theta, ((gamma - dx) + gamma) + dp
        stpc = stx + p / q * (stp - stx)
        stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx)
        stpf = stpc if abs(stpc - stx) <= abs(stpq - stx) else stpc + (stpq - stpc) / 2.0
        bracketed = True
    elif opposite:  # lower value, derivatives of opposite sign: bracketed
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        gamma = _cubic_gamma(theta, dx, dp)
        if stp > stx:
            gamma = -gamma
        p, q = (gamma - dp) + theta, ((gamma - dp) + gamma) + dx
        stpc = stp + p / q * (stx - stp)
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
        bracketed = True
    elif abs(dp) < abs(dx):  # lower value, same sign, derivative decreasing in magnitude
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        gamma = _cubic_gamma(theta, dx, dp)
        if stp > stx:
            gamma = -gamma
        p, q = (gamma - dp) + theta, (gamma + (dx - dp)) + gamma
        r = p / q
        if r < 0 and gamma != 0:
            stpc = stp + r * (stx - stp)
        else:
            stpc = stpmax if stp > stx else stpmin
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        if bracketed:
            stpf = stpc if abs(stpc - stp) < abs(stpq - stp) else stpq
            bound = stp + 0.66 * (sty - stp)
            stpf = min(bound, stpf) if stp > stx else max(bound, stpf)
        else:
            stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
            stpf = min(max(stpf, stpmin), stpmax)
    else:  # lower value, same sign, derivative not decreasing: step to the far end
        if bracketed:
            theta = 3.0 * (fp - fy) / (sty - stp) + dy + dp
            gamma = _cubic_gamma(theta, dy, dp)
            if stp > sty:
                gamma = -gamma
            p, q = (gamma - dp) + theta, ((gamma - dp) + gamma) + dy
            stpf = stp + p / q * (sty - stp)
        else:
            stpf = stpmax if stp > stx else stpmin
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if opposite:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    return stx, fx, dx, sty, fy, dy, stpf, bracketed
