"""One driver per sweep folder: OUT/sweep.lock names the driver that holds it (pid, host, start time).

The lock is io.lock's FolderLock (a run's checkpoint folder has one too): a
driver killed with SIGKILL or by a reboot leaves a stale lock that the next
one takes over; a live one, or one from another host, refuses the second
driver in one line.
"""
from pathlib import Path

from .pipeline import FolderLock

LOCK = "sweep.lock"


class SweepLock(FolderLock):
    """`with SweepLock(out_dir):` holds OUT/sweep.lock for the block; NSTError if another driver holds it."""

    def __init__(self, out_dir):
        super().__init__(out_dir, LOCK, "--out", "sweep", "driver")
        self.out_dir = Path(out_dir)
