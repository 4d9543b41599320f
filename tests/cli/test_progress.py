"""Progress output: plain lines with an ETA off a terminal, a bar on one, silence with --quiet."""
import io
import re

import pytest

from legacy_nst.cli.progress import PACE_STEPS, Progress, format_duration

LOSSES = {"total": 1234.5, "content": 6.0, "style": 7.0}


class Clock:
    """1 s per step after a 10 s first step (the warm-up), like a real run."""

    def __init__(self):
        self.now = 0.0
        self.calls = 0

    def __call__(self):
        self.calls += 1
        self.now += 10.0 if self.calls == 2 else 1.0
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_every_k_with_eta_and_a_forecast():
    stream = io.StringIO()
    progress = Progress(100, print_every=10, stream=stream, clock=Clock())
    for i in range(0, 21):
        progress.update(i, LOSSES)
    progress.update(100, LOSSES)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "iteration 0/100: total 1234 content 6 style 7"
    # Forecast after the warm-up step and PACE_STEPS more: 1 s per step, the 10 s warm-up left out.
    assert lines[1] == f"legacy-nst: 1 s per step (median of {PACE_STEPS} steps): {100 - PACE_STEPS - 1} steps " \
                       f"to go, about {format_duration(100 - PACE_STEPS - 1)}"
    assert lines[2] == "iteration 10/100: total 1234 content 6 style 7, ETA 1 min 30 s"
    assert lines[3] == "iteration 20/100: total 1234 content 6 style 7, ETA 1 min 20 s"
    assert lines[4] == "iteration 100/100: total 1234 content 6 style 7"
    assert len(lines) == 5


def test_weighted_terms_and_tv_add_up_to_the_total():
    """With a run's weights the line shows β·content, α·style and the weighted TV term, whose sum is the total."""
    weights = {"content": 5.0, "style": 100.0, "tv": 0.01}
    losses = {"content": 7964.0, "style": 8.175e9, "tv": 2.5e6}
    losses["total"] = sum(weights[name] * value for name, value in losses.items())
    stream = io.StringIO()
    progress = Progress(10, print_every=10, stream=stream, forecast=False)
    progress.weights = weights
    progress.update(0, losses)
    line = stream.getvalue().strip()
    assert line == "iteration 0/10: total 8.175e+11 = β·content 3.982e+04 + α·style 8.175e+11 + tv 2.5e+04"
    total, *terms = (float(value) for value in re.findall(r" (-?[0-9.]+e[+-][0-9]+)", line))
    assert sum(terms) == pytest.approx(total, rel=1e-3)


def test_no_forecast_after_the_last_step():
    """A run short enough to end before the forecast's steps are timed says nothing of steps to go."""
    stream = io.StringIO()
    progress = Progress(PACE_STEPS + 1, print_every=1, stream=stream, clock=Clock())
    for i in range(PACE_STEPS + 2):
        progress.update(i, LOSSES)
    assert "steps to go" not in stream.getvalue()
    longer = io.StringIO()
    progress = Progress(PACE_STEPS + 2, print_every=1, stream=longer, clock=Clock())
    for i in range(PACE_STEPS + 2):
        progress.update(i, LOSSES)
    assert re.search(r"\b1 steps? to go", longer.getvalue())


class LevelClock:
    """A two-level run: 10 steps of 0.25 s (a half-size level), then 1 s steps (full size); a 10 s warm-up."""

    def __init__(self):
        self.now, self.calls = 0.0, 0

    def __call__(self):
        self.calls += 1
        step = self.calls - 1  # the position this call times
        self.now += 10.0 if step == 1 else (0.25 if step <= 10 else 1.0)
        return self.now


def test_the_eta_of_a_multiscale_run_weighs_each_level_by_its_pixels():
    """After the quarter-cost level, 10 full-size steps of 1 s remain: with costs the ETA says 10 s at the
    level's end (and 12.5 s mid-level: 5 x 0.25 + 10 x 1), not the coarse pace's 2.5 s."""
    costed, plain = Progress(20, quiet=True, clock=LevelClock()), Progress(20, quiet=True, clock=LevelClock())
    costed.cost = lambda position: 0.25 if position <= 10 else 1.0
    for i in range(0, 6):
        costed.update(i), plain.update(i)
    assert costed.eta(5) == pytest.approx(5 * 0.25 + 10 * 1.0)
    assert plain.eta(5) == pytest.approx(15 * 0.25)  # the uncosted pace misses the full-size level
    for i in range(6, 11):
        costed.update(i)
    assert costed.eta(10) == pytest.approx(10.0)


def test_quiet_prints_nothing():
    stream = Terminal()
    progress = Progress(10, stream=stream, quiet=True)
    for i in range(11):
        progress.update(i, LOSSES)
    progress.note("anything")
    progress.close()
    assert stream.getvalue() == ""


def test_terminal_gets_a_bar_starting_where_a_resumed_run_starts():
    stream = Terminal()
    progress = Progress(50, stream=stream)
    progress.update(20, LOSSES)
    progress.update(21, LOSSES)
    assert progress.bar.n == 21 and progress.bar.total == 50
    progress.close()
    text = stream.getvalue()
    assert "21/50" in text and "total 1234 content 6 style 7" in text


def test_a_tiled_evaluation_shows_its_tiles_done_per_pass_on_the_bar():
    stream = Terminal()
    progress = Progress(50, stream=stream)
    progress.update(3, LOSSES)
    progress.tiles("pass 2", 5, 12)
    assert progress.bar.postfix == "total 1234 content 6 style 7, pass 2: 5/12 tiles"
    progress.update(4, LOSSES)  # the next iteration's losses replace it
    assert progress.bar.postfix == "total 1234 content 6 style 7"
    progress.close()
    plain = Progress(50, stream=io.StringIO())
    plain.tiles("pass 1", 1, 12)  # no bar: nothing (the run's notes say it every 30 s)
    assert plain.stream.getvalue() == ""


@pytest.mark.parametrize("seconds,text", [(5.4, "5 s"), (61, "1 min 01 s"), (3 * 3600 + 120, "3 h 02 min")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
