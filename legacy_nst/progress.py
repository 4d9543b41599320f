"""Showing a long run's progress: a tqdm bar on a terminal, plain lines in a log, or nothing."""
import sys
import time

import numpy as np
from tqdm import tqdm

# Steps timed before the run's length is forecast; the first step (graph warm-up) is not among them.
PACE_STEPS = 3


def format_duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Progress:
    """Reports iteration, losses and ETA.

    On a terminal: a tqdm bar. Otherwise (CI, `nohup`, a pipe): one plain line
    every `print_every` iterations and at the end, with the ETA. `quiet`
    silences both. The bar starts at the first iteration reported (a resumed
    run's step count). After the first few steps it says once how long the
    rest of the run will take, from their measured pace.
    """

    def __init__(self, iterations, print_every=100, quiet=False, stream=None, clock=time.perf_counter):
        self.iterations = iterations
        self.print_every = print_every
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.clock = clock
        self.bar = None
        self._times = []  # (iteration, time) of the updates so far
        self.forecast = None

    def update(self, iteration, losses):
        self._times.append((iteration, self.clock()))
        if self.bar is None and not self.quiet and self.stream.isatty():
            self.bar = tqdm(total=self.iterations, initial=iteration, file=self.stream, unit="it",
                            dynamic_ncols=True)
        text = f"total {losses['total']:.4g} content {losses['content']:.4g} style {losses['style']:.4g}"
        if self.bar is not None:
            self.bar.n = iteration
            self.bar.set_postfix_str(text, refresh=True)
        elif not self.quiet and self.print_every and (
                iteration % self.print_every == 0 or iteration == self.iterations):
            eta = self.eta(iteration)
            suffix = f", ETA {format_duration(eta)}" if eta is not None and iteration < self.iterations else ""
            print(f"iteration {iteration}/{self.iterations}: {text}{suffix}", file=self.stream, flush=True)
        if self.forecast is None and len(self._times) == PACE_STEPS + 2:
            self._forecast()

    def seconds_per_step(self):
        """Median of the measured steps, the first (warm-up) left out; None before two steps."""
        steps = np.diff([t for _, t in self._times])[1:]
        return float(np.median(steps)) if len(steps) else None

    def eta(self, iteration):
        pace = self.seconds_per_step()
        return None if pace is None else pace * (self.iterations - iteration)

    def _forecast(self):
        pace = self.seconds_per_step()
        iteration = self._times[-1][0]
        self.forecast = pace
        self.note(f"{pace:.3g} s per step (median of {PACE_STEPS} steps): "
                  f"{self.iterations - iteration} steps to go, about {format_duration(self.eta(iteration))}")

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
