"""The float32 L-BFGS follows scipy's L-BFGS-B on small smooth problems and keeps a float32 history."""
import math
import tracemalloc

import numpy as np
import pytest
import scipy.optimize

from legacy_nst.optim import lbfgs_float32
from legacy_nst.optim.lbfgs import scipy_lbfgs  # the project's scipy driver (initial_step convention)


def quadratic(n=8, seed=0):
    """f(x) = 1/2 (x - c)' A (x - c), A symmetric positive definite with condition number 100."""
    rng = np.random.RandomState(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = q @ np.diag(np.logspace(0, 2, n)) @ q.T
    c = rng.standard_normal(n)

    def f(x):
        r = np.asarray(x, np.float64) - c
        g = a @ r
        return 0.5 * float(r @ g), g
    return f, c, rng.standard_normal(n) * 3


def rosenbrock(x):
    x = np.asarray(x, np.float64)
    return float(scipy.optimize.rosen(x)), scipy.optimize.rosen_der(x)


def as_float32(f):
    """The problem as the float32 L-BFGS sees it: float32 in, (float, float32 gradient) out."""
    def evaluate(x):
        assert x.dtype == np.float32
        value, g = f(x)
        return value, g.astype(np.float32)
    return evaluate


def minimize(evaluate, x0, iterations, history=100, initial_step=10.0, on_stop=None, keep=True):
    """(every iterate, the last one, the iterations made) of lbfgs_float32.iterates run to its end; `keep`
    False keeps no iterate."""
    run, seen = lbfgs_float32.iterates(evaluate, x0, iterations, history, initial_step, on_stop), []
    while True:
        try:
            x = next(run)
        except StopIteration as end:
            return (seen, *end.value)
        if keep:
            seen.append(x.copy())


def scipy_iterates(f, x0, iterations, history):
    """scipy's L-BFGS-B with its own first step, every iterate (what initial_step=0 reproduces)."""
    seen = []
    scipy.optimize.minimize(f, np.asarray(x0, np.float64), jac=True, method="L-BFGS-B",
                            callback=lambda xk: seen.append(np.array(xk)),
                            options=dict(maxiter=iterations, maxcor=history, ftol=0.0, gtol=0.0))
    return seen


def our_iterates(f, x0, iterations, history, initial_step=0.0):
    seen, x, _ = minimize(as_float32(f), np.asarray(x0, np.float32), iterations, history=history,
                          initial_step=initial_step)
    return [xk.astype(np.float64) for xk in seen], x


@pytest.mark.parametrize("history", [3, 10])
def test_iterates_follow_scipys_lbfgsb_on_a_convex_quadratic(history):
    f, minimum, x0 = quadratic()
    theirs = scipy_iterates(f, x0, 6, history)
    ours, _ = our_iterates(f, x0, 6, history)
    assert len(ours) == len(theirs) == 6
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert np.linalg.norm(a - b) <= 1e-4 * np.linalg.norm(b) + 1e-5, f"iterate {k + 1} differs"


def test_both_reach_the_quadratics_minimum():
    f, minimum, x0 = quadratic()
    theirs = scipy_iterates(f, x0, 60, 10)[-1]
    _, ours = our_iterates(f, x0, 60, 10)
    np.testing.assert_allclose(theirs, minimum, atol=1e-6)
    np.testing.assert_allclose(ours, minimum, atol=1e-4)


def test_iterates_follow_scipys_lbfgsb_on_rosenbrock():
    x0 = np.array([-1.2, 1.0, -1.2, 1.0, 0.5])
    theirs = scipy_iterates(rosenbrock, x0, 8, 10)
    ours, _ = our_iterates(rosenbrock, x0, 8, 10)
    for k, (a, b) in enumerate(zip(ours[:8], theirs)):
        assert np.linalg.norm(a - b) <= 1e-3 * np.linalg.norm(b), f"iterate {k + 1} differs"


def test_both_reach_rosenbrocks_minimum():
    x0 = np.array([-1.2, 1.0, -1.2, 1.0, 0.5])
    theirs = scipy_iterates(rosenbrock, x0, 200, 10)[-1]
    _, ours = our_iterates(rosenbrock, x0, 200, 10)
    np.testing.assert_allclose(theirs, 1.0, atol=1e-5)
    np.testing.assert_allclose(ours, 1.0, atol=2e-3)


def test_initial_step_follows_the_projects_scipy_driver():
    """initial_step=10: the iterates of legacy_nst's scaled scipy L-BFGS-B, whose first trial changes x by 10 RMS."""
    f, _, x0 = quadratic(n=12, seed=3)
    theirs = []
    scipy_lbfgs(lambda x: f(x), x0.astype(np.float64), 5, 10, initial_step=10.0,
                callback=lambda x: theirs.append(np.array(x)))
    ours, _ = our_iterates(f, x0, 5, 10, initial_step=10.0)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert np.linalg.norm(a - b) <= 1e-4 * np.linalg.norm(b) + 1e-5, f"iterate {k + 1} differs"


def test_first_trial_step_changes_the_pixels_by_initial_step_levels_rms():
    f, _, x0 = quadratic(n=300, seed=1)
    trials = []

    def evaluate(x):
        trials.append(x.astype(np.float64))
        return as_float32(f)(x)

    minimize(evaluate, x0, 1, initial_step=7.0)
    rms = math.sqrt(np.mean((trials[1] - trials[0]) ** 2))
    assert rms == pytest.approx(7.0, rel=1e-5)


def test_every_accepted_step_satisfies_the_strong_wolfe_conditions():
    x0 = np.array([-1.2, 1.0, -1.2, 1.0, 0.5])
    points = [np.asarray(x0, np.float32), *minimize(as_float32(rosenbrock), x0, 30, history=5)[0]]
    for x, x_new in zip(points, points[1:]):
        f0, g0 = rosenbrock(x)
        f1, g1 = rosenbrock(x_new)
        step = x_new.astype(np.float64) - x
        slope0 = float(g0 @ step)
        assert slope0 < 0
        assert f1 <= f0 + 1e-3 * slope0 + 1e-6 * abs(f0)
        assert abs(float(g1 @ step)) <= 0.9 * abs(slope0) * (1 + 1e-3) + 1e-9


def test_the_history_holds_float32_pairs_and_at_most_m_of_them():
    memory = lbfgs_float32.History(3, 10)
    rng = np.random.RandomState(0)
    for _ in range(5):
        s = rng.standard_normal(10).astype(np.float32)
        memory.push(s, 2 * s)  # positive curvature: kept
    assert len(memory) == 3
    assert all(a.dtype == np.float32 for a in memory.s + memory.y)
    memory.push(np.ones(10, np.float32), -np.ones(10, np.float32))  # negative curvature: skipped
    assert len(memory) == 3


def test_peak_memory_is_that_of_float32_pairs():
    """history m=20 at n=100000: float32 pairs are 16 MB, float64 ones would be 32 MB."""
    n, m = 100_000, 20
    scale = np.linspace(1, 100, n, dtype=np.float32)
    x0 = np.ones(n, np.float32)

    def evaluate(x):
        g = scale * x
        return float(np.dot(g, x)) / 2, g

    tracemalloc.start()
    minimize(evaluate, x0, m + 5, history=m, keep=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    pairs = 2 * m * n * 4
    assert pairs <= peak <= pairs + 16 * n * 4, f"peak {peak / 1e6:.1f} MB"


def test_a_zero_gradient_ends_the_run_at_the_start_and_says_so():
    reasons = []
    seen, x, made = minimize(lambda x: (0.0, np.zeros_like(x)), np.ones(4, np.float32), 5, on_stop=reasons.append)
    np.testing.assert_array_equal(x, 1.0)
    assert seen == [] and made == 0
    assert len(reasons) == 1 and "stopped after 0 of 5 iterations" in reasons[0]


def test_a_run_that_does_all_its_iterations_reports_no_stop():
    reasons = []
    seen, x, made = minimize(lambda x: (float(np.sum((x - 3) ** 2)), 2 * (x - 3)), np.zeros(4, np.float32), 1,
                             on_stop=reasons.append)
    assert reasons == [] and made == 1 and np.array_equal(seen[-1], x)
