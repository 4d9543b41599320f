"""Stopping a run cleanly on Ctrl-C (SIGINT) or SIGTERM.

The signal only raises a flag; the run looks at it after each optimizer step,
where the image and the optimizer state belong together, saves what it has
and raises `Interrupted`. A second Ctrl-C while it saves aborts at once
(KeyboardInterrupt); files are written atomically, so none is left half
written. The exit status is the shell's: 128 + the signal's number (130 for
SIGINT, 143 for SIGTERM).
"""
import signal
import sys
import threading


class Interrupted(Exception):
    """The run stopped on a signal after `steps` optimizer steps."""

    def __init__(self, signum, steps=None):
        self.signum = signum
        self.steps = steps
        self.report = None  # what was written, for the one line the user sees
        super().__init__(f"{signal.Signals(signum).name} after {steps} steps")

    @property
    def exit_status(self):
        return 128 + self.signum

    @property
    def name(self):
        return signal.Signals(self.signum).name


class StopRequest:
    """While active (a `with` block), SIGINT and SIGTERM set `signum` instead of killing the process.

    A signal the process inherited as ignored (e.g. SIGINT under `nohup` or a
    background job) stays ignored. Outside the main thread nothing is installed.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, stream=None):
        self.signum = None
        self.stream = stream
        self._previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                previous = signal.getsignal(signum)
                if previous is signal.SIG_IGN:
                    continue
                self._previous[signum] = previous
                signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc):
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()
        return False

    def _handle(self, signum, frame):
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now, without saving
        if self.signum is None:
            self.signum = signum
            stream = self.stream or sys.stderr
            print(f"\nlegacy-nst: {signal.Signals(signum).name}: stopping after the current step and saving "
                  "(Ctrl-C again aborts without saving)", file=stream, flush=True)

    @property
    def requested(self):
        return self.signum is not None
