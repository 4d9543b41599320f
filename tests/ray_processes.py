"""The Ray worker processes a test started: found through /proc, so a test can kill one as a crash would."""
import os
from pathlib import Path


def _parent(pid: int) -> int:
    return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])


def workers_of_this_process(title: bytes, generations: int = 5) -> list:
    """pids of processes whose command line starts with `title` (Ray's "ray::NAME") and that descend, within
    `generations`, from this test process (the Ray instance it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if not (entry / "cmdline").read_bytes().startswith(title):
                continue
            pid = int(entry.name)
            for _ in range(generations):
                pid = _parent(pid)
                if pid == os.getpid():
                    found.append(int(entry.name))
                    break
                if pid <= 1:
                    break
        except (OSError, ValueError, IndexError):
            continue
    return found
