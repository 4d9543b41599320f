"""Showing a long run's progress: a tqdm bar on a terminal, plain lines in a log, or nothing."""
import sys

from tqdm import tqdm


class Progress:
    """Reports iteration, losses and ETA.

    On a terminal: a tqdm bar. Otherwise (CI, `nohup`, a pipe): one plain line
    every `print_every` iterations and at the end. `quiet` silences both.
    """

    def __init__(self, iterations, print_every=100, quiet=False, stream=None):
        self.iterations = iterations
        self.print_every = print_every
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.bar = None
        if not quiet and self.stream.isatty():
            self.bar = tqdm(total=iterations, file=self.stream, unit="it", dynamic_ncols=True)

    def update(self, iteration, losses):
        text = f"total {losses['total']:.4g} content {losses['content']:.4g} style {losses['style']:.4g}"
        if self.bar is not None:
            self.bar.n = iteration
            self.bar.set_postfix_str(text, refresh=True)
        elif not self.quiet and self.print_every and (
                iteration % self.print_every == 0 or iteration == self.iterations):
            print(f"iteration {iteration}/{self.iterations}: {text}", file=self.stream, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
