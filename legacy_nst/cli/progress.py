"""Showing a long job's progress: a tqdm bar on a terminal, plain lines in a log, or nothing.

One bar for every long job: optimizer steps (`legacy-nst`, `compare`) and
downloaded bytes (`legacy-nst weights download`, through `download_bar`).
"""
import sys
import time

import numpy as np
from tqdm import tqdm

from ..optim.loop import median_step_seconds

# Steps timed before the run's length is forecast; the first step (graph warm-up) is not among them.
PACE_STEPS = 3
# With step costs, the ETA's pace per unit of cost comes from this many recent steps (a new level's pace).
RECENT_STEPS = 10


def format_duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


# How each weighted term is labelled: total = β·content + α·style + tv (β = --beta, α = --alpha, tv weighted by
# --tv-weight), so that the terms shown add up to the total.
WEIGHTED = (("content", "β·content"), ("style", "α·style"), ("tv", "tv"))


def format_losses(losses, weights=None):
    """'total T content C style S': the terms as the log keeps them; with `weights` ({'content': β, 'style': α,
    'tv': TV weight}) each term times its weight, which add up to the total: 'total T = β·content C + α·style S
    [+ tv V]' (tv when the term is on)."""
    if weights is None:
        return f"total {losses['total']:.4g} content {losses['content']:.4g} style {losses['style']:.4g}"
    terms = [f"{label} {weights[group] * losses[group]:.4g}" for group, label in WEIGHTED if group in losses]
    return f"total {losses['total']:.4g} = {' + '.join(terms)}"


class Progress:
    """Reports how far a job is, with an ETA.

    On a terminal: a tqdm bar. Otherwise (CI, `nohup`, a pipe): a plain line
    each time the position passes a multiple of `print_every` units and at the
    end, with the ETA. `quiet` silences both. The bar starts at the first
    position reported (a resumed run's step count). With `forecast`, it says
    once, after the first few steps, how long the rest will take.

    Optimizer steps are the default: `update(iteration, losses)`. Other units
    (downloaded bytes) pass `unit`, `label(done)` for the plain line and text
    instead of losses. `weights`, when set (record.files sets a run's), shows
    each loss term times its weight, so that the terms add up to the total
    (format_losses). `cost(position)`, when set, is the relative work of the
    step that ends at `position` (a --multiscale level's pixels over the full
    size's): the ETA is then the recent pace per unit of cost times the cost
    still to come, so a coarse level does not promise a short run.
    """

    def __init__(self, total, print_every=100, quiet=False, stream=None, clock=time.perf_counter, *, unit="it",
                 label=None, initial=None, forecast=True, bar_options=None):
        self.total = total
        self.iterations = total
        self.print_every = print_every
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.clock = clock
        self.unit = unit
        self.label = label or (lambda done: f"iteration {done}/{self.total}")
        self.bar_options = bar_options or {"dynamic_ncols": True}
        self.bar = None
        self._times = []  # (position, time) of the updates so far
        self._printed = None if initial is None else initial  # position of the last plain line
        self.forecast = None if forecast else False
        self.cost = None
        self.weights = None
        self._text = ""  # the last losses shown, which a tiled evaluation's tile count follows on the bar

    def update(self, done, losses=""):
        self._times.append((done, self.clock()))
        text = self._text = losses if isinstance(losses, str) else format_losses(losses, self.weights)
        if self.bar is None and not self.quiet and self.stream.isatty():
            self.bar = tqdm(total=self.total, initial=done, file=self.stream, unit=self.unit, **self.bar_options)
        if self.bar is not None:
            self.bar.n = done
            if text:
                self.bar.set_postfix_str(text, refresh=False)
            self.bar.refresh()
        elif not self.quiet and self.print_every and self._due(done):
            self._printed = done
            eta = self.eta(done)
            suffix = f", ETA {format_duration(eta)}" if eta is not None and done != self.total else ""
            print(f"{self.label(done)}{': ' + text if text else ''}{suffix}", file=self.stream, flush=True)
        if self.forecast is None and len(self._times) == PACE_STEPS + 2 and (self.total is None or done < self.total):
            self._forecast()  # not after the last step: nothing is left to forecast

    def tiles(self, label, done, total):
        """A tiled evaluation's tiles done in its pass, after the losses on the bar: 'pass 2: 5/12 tiles' (a log
        without a bar gets record.files' notes on long evaluations instead)."""
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self._text + ', ' if self._text else ''}{label}: {done}/{total} tiles")

    def _due(self, done):
        if done == self.total:
            return True
        if self._printed is None:
            return done % self.print_every == 0
        return done // self.print_every > self._printed // self.print_every

    def _rates(self, work):
        """Seconds per unit of `work(p0, p1)` between successive updates that moved, oldest first."""
        return [(t1 - t0) / work(p0, p1) for (p0, t0), (p1, t1) in zip(self._times, self._times[1:]) if p1 > p0]

    def seconds_per_step(self):
        """Median seconds per unit over the updates so far, the first (warm-up) left out; None before two."""
        return median_step_seconds(self._rates(lambda p0, p1: p1 - p0))

    def eta(self, done):
        if self.cost is not None and self.total is not None:
            return self._costed_eta(done)
        pace = self.seconds_per_step()
        return None if pace is None or self.total is None else pace * (self.total - done)

    def _cost(self, p0, p1):
        return sum(self.cost(p) for p in range(p0 + 1, p1 + 1))

    def _costed_eta(self, done):
        """Seconds per unit of cost over the recent steps (the warm-up left out) times the cost to come."""
        rates = self._rates(self._cost)[1:]
        if not rates:
            return None
        return float(np.median(rates[-RECENT_STEPS:])) * self._cost(done, self.total)

    def _forecast(self):
        pace = self.seconds_per_step()
        done = self._times[-1][0]
        self.forecast = pace
        self.note(f"{pace:.3g} s per step (median of {PACE_STEPS} steps): "
                  f"{self.total - done} steps to go, about {format_duration(self.eta(done))}")

    def note(self, text):
        """One line for the user (memory estimate, forecast), kept clear of the bar."""
        if self.quiet:
            return
        line = f"legacy-nst: {text}"
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def download_bar(name, total, initial):
    """The weights download's bar (vgg.download's `progress`): bytes on a terminal, otherwise a plain stderr
    line per ~10%."""
    def amount(done):
        if total:
            return f"{100 * done // total}% ({done / 1e6:.1f} of {total / 1e6:.1f} MB)"
        return f"{done / 1e6:.1f} MB"

    progress = Progress(total, print_every=(total // 10 if total else 50 << 20) or 1, unit="B",
                        label=lambda done: f"{name}: {amount(done)}", initial=initial, forecast=False,
                        bar_options=dict(unit_scale=True, unit_divisor=1024, desc=name))
    if initial and not sys.stderr.isatty():
        print(f"{name}: resuming at {amount(initial)}", file=sys.stderr, flush=True)
    return progress
