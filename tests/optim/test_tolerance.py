"""Ruder's relative-tolerance stop (optim.tolerance): on a hand-computed loss sequence, in both loops, and in a
tiny run that stops early."""
import numpy as np
import pytest

from legacy_nst.optim.lbfgs import LbfgsOptions, minimize_lbfgs
from legacy_nst.optim.loop import Minimized, Step, first_order
from legacy_nst.optim.tolerance import RelativeTolerance

SIZE = (24, 32)  # (height, width) of the tiny run
# The total loss after each of 12 steps (entry 0, the start, is not compared). With an interval of 3 and a
# tolerance of 1 %, lbfgs.lua keeps 100 at step 3, compares 95 with it at step 6 (5 %: on), and 94.7 with 95 at
# step 9 (0.32 %: stop). Comparing a step late (4, 7, 10) stops at 10; two intervals back, at 12; against the start
# at the first interval (3), at 3.
LOSSES = [100.5, 150, 120, 100, 99, 98, 95, 94.9, 94.8, 94.7, 94.65, 94.62, 94.6]
RULE = RelativeTolerance(0.01, 3)


def ruder_stop(losses, tolerance, interval):
    """lbfgs.lua's loop over the losses after steps 1, 2, ... (losses[0]: the start): the step it breaks at, or
    None. Written from his source, apart from optim.tolerance."""
    f_past = None
    for n_iter in range(1, len(losses)):
        f = losses[n_iter]
        if n_iter % interval == 0:
            if f_past is not None and abs(f - f_past) / f_past < tolerance:
                return n_iter
            f_past = f
    return None


def test_the_rule_stops_where_ruders_lbfgs_lua_does_on_a_hand_computed_sequence():
    watch = RULE.watch()
    said = {step: watch.check(step, LOSSES[step]) for step in range(1, len(LOSSES))}
    assert [step for step, reason in said.items() if reason][0] == 9 == ruder_stop(LOSSES, 0.01, 3)
    assert "0.00316" in said[9] and "stopped at step 9" in said[9]


class ScriptedStepper:
    """A first-order stepper whose entries have the scripted total losses."""

    resumable = True

    def __init__(self, losses):
        self.losses, self.steps = losses, 0

    def variables(self):
        return {"input": np.full((1, 2, 2, 3), self.steps, np.float32)}

    def step(self):
        values, image = self.evaluate()
        self.steps += 1
        return values, image

    def evaluate(self):
        return {"total": self.losses[self.steps]}, np.full((1, 2, 2, 3), self.steps, np.float32)


def test_the_first_order_loop_ends_one_entry_after_the_rule_fires_with_its_state_at_that_entry():
    events = list(first_order(ScriptedStepper(LOSSES), 12, tolerance=RULE))
    steps, (ended,) = [e for e in events if isinstance(e, Step)], [e for e in events if isinstance(e, Minimized)]
    assert [s.iteration for s in steps] == list(range(11))  # fired at entry 9; the step from it is taken
    assert ended.state.steps == 10 and ended.tolerance_stop and "stopped at step 9" in ended.stopped_early
    assert ended.image[0, 0, 0, 0] == 10 == ended.state.variables()["input"][0, 0, 0, 0]
    assert [s.iteration for s in first_order(ScriptedStepper(LOSSES), 12) if isinstance(s, Step)] == list(range(13))


@pytest.mark.parametrize("implementation", ["scipy", "float32"])
def test_l_bfgs_ends_at_the_entry_where_ruders_rule_fires(implementation):
    scale = np.linspace(1.0, 30.0, 12).astype(np.float32).reshape(1, 2, 2, 3)

    def loss_and_gradient(image):  # an ill-conditioned bowl plus a floor: the loss flattens out
        return {"total": float(np.sum(scale * image ** 2)) + 1.0}, 2 * scale * image

    x0 = np.ones((1, 2, 2, 3), np.float32)
    rule = RelativeTolerance(0.05, 2)
    events = list(minimize_lbfgs(loss_and_gradient, x0, 40, LbfgsOptions(implementation), tolerance=rule))
    losses = [e.losses["total"] for e in events if isinstance(e, Step)]
    ended = events[-1]
    expected = ruder_stop(losses, 0.05, 2)
    assert expected is not None and expected < 40
    assert len(losses) == expected + 1 and ended.state.steps == expected and ended.tolerance_stop
    unstopped = [e for e in minimize_lbfgs(loss_and_gradient, x0, expected + 4, LbfgsOptions(implementation))
                 if isinstance(e, Step)]
    assert [e.losses["total"] for e in unstopped][:expected + 1] == losses  # the same path, cut there


@pytest.mark.slow
def test_a_tiny_run_stops_early_where_the_rule_says_and_says_why(run):
    result = run(optimizer="lbfgs", iterations=16, tol_loss_relative=0.35, tol_loss_relative_interval=3)
    losses = [entry["total"] for entry in result.history]
    expected = ruder_stop(losses, 0.35, 3)
    assert expected is not None and len(result.history) == expected + 1 < 17
    assert "--tol-loss-relative 0.35" in result.stopped_early


def test_a_tolerance_stop_in_bfloat16_ends_the_level_instead_of_going_on_in_float32():
    from types import SimpleNamespace

    from legacy_nst.optim.loop import State
    from legacy_nst.run.levels import _falls_back
    part = SimpleNamespace(precision="bfloat16", lbfgs="float32", steps=100)
    state = State(12, dict, True)
    line_search = Minimized(np.zeros(1), state, "the line search found no lower loss")
    assert _falls_back(part, line_search)  # bfloat16's noise floor: float32 takes over (run.levels.solve)
    assert not _falls_back(part, Minimized(np.zeros(1), state, "below --tol-loss-relative", tolerance_stop=True))
