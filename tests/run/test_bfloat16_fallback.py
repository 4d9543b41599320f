"""run.levels.solve: a bfloat16 L-BFGS level whose line search fails before its steps are spent goes on in float32
from where it stopped, with a one-line Note (issue 30: a 128 px jcjohnson bfloat16 run stopped at 412 of 1000)."""
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pytest

from legacy_nst.config import Config
from legacy_nst.optim.loop import Step
from legacy_nst.run import levels
from legacy_nst.run.levels import Note, Solved, solve
from legacy_nst.run.memory import Estimate
from legacy_nst.run.multiscale import numbered
from legacy_nst.run.plan import Level

CURVATURES = np.logspace(0, 3, 48).reshape(1, 4, 4, 3)  # ill-conditioned: L-BFGS needs many steps


@dataclass(frozen=True)
class Quadratic:
    """The part of a Problem solve reads: sum(c * x^2) from `start`."""

    size: tuple
    start: np.ndarray
    bounds: Optional[tuple] = None
    objective: object = None


class Engine:
    """sum(c * x^2); in bfloat16, after `good` evaluations, the gradient points uphill, so that L-BFGS-B's line
    search fails (ABNORMAL), as it does at bfloat16's noise floor."""

    tiling, resumable, opened = None, True, []

    def __init__(self, precision, good):
        self.precision, self.good, self.calls = precision, good, 0
        Engine.opened.append(precision)

    def compute_loss_and_grads(self, image):
        self.calls += 1
        loss = float(np.sum(CURVATURES * image.astype(np.float64) ** 2))
        gradient = 2 * CURVATURES * image
        if self.precision == "bfloat16" and self.calls > self.good:
            gradient = -gradient
        return {"total": loss}, gradient.astype(np.float32)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def solved_events(monkeypatch, good, steps=30, restart=False):
    Engine.opened = []
    monkeypatch.setattr(levels, "create_engine", lambda problem, vgg, config, level, on_tile=None:
                        Engine(level.precision, good))
    estimate = Estimate(4, 4, 0, 0, 0, 0, 0)
    level = Level((4, 4), steps, 1.0, "bfloat16", "lbfgs", "scipy", estimate, restart)
    problem = Quadratic((4, 4), np.ones((1, 4, 4, 3), np.float32))
    return level, list(solve(problem, level, None, Config(optimizer="lbfgs")))


@pytest.mark.parametrize("restart", [False, True])
def test_a_failed_bfloat16_line_search_goes_on_in_float32_to_the_levels_last_step(monkeypatch, restart):
    """With --lbfgs-restart too: bfloat16's first stop goes on in float32 rather than restarting at its noise floor
    (the issue's run restarted 24 times before it stopped)."""
    level, events = solved_events(monkeypatch, good=8, restart=restart)
    steps = [event for event in events if isinstance(event, Step)]
    notes = [event for event in events if isinstance(event, Note)]
    assert Engine.opened == ["bfloat16", "float32"]
    assert [step.iteration for step in steps] == list(range(31))  # every step once, to the last
    assert len(notes) == 1 and "going on in float32" in notes[0].text and "\n" not in notes[0].text
    stopped_at = int(notes[0].text.split("stopped at step ")[1].split()[0])
    assert 0 < stopped_at < 30
    precisions = [numbered(step, level, 0, 0, 1, 0.0).losses["precision"] for step in steps]
    assert precisions == ["bfloat16"] * (stopped_at + 1) + ["float32"] * (30 - stopped_at)
    totals = [step.losses["total"] for step in steps]
    assert totals[-1] < totals[stopped_at] < totals[0]  # float32 went on lowering the loss
    solved = events[-1]
    assert isinstance(solved, Solved) and solved.stopped_early is None and solved.restarts == 0
    np.testing.assert_array_equal(solved.image, steps[-1].image)


def test_a_bfloat16_level_that_reaches_its_steps_stays_bfloat16(monkeypatch):
    _, events = solved_events(monkeypatch, good=10 ** 6, steps=5)
    assert Engine.opened == ["bfloat16"] and not any(isinstance(event, Note) for event in events)
    assert [event.iteration for event in events if isinstance(event, Step)] == list(range(6))
