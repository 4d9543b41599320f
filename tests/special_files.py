"""Special files for the tests of issue 31: FIFOs, device nodes, sockets, symlink loops, read-only folders.

`make(path, kind)` puts one at `path`; `describe(path)` says what is there
now (to assert that nothing replaced it); `unblocked(paths)` is a watchdog:
a block still running after a few seconds is recorded as blocked, and a
reader or writer stuck in open() on one of the FIFOs is freed.
`read_only(folder)` makes a folder unwritable as a normal user sees it,
root included: a read-only bind mount when this process may mount (root
with CAP_SYS_ADMIN), a chmod when it is not root (root ignores modes), a
skip with the reason otherwise.
"""
import contextlib
import errno
import os
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

KINDS = ("fifo", "device", "socket", "directory", "loop")
DEVICE = os.makedev(1, 7)  # /dev/full's numbers: reads are endless zeros, writes fail with ENOSPC
_SOCKETS = []  # bound sockets, kept open so that their files stay sockets while a test runs


def make(path, kind):
    """Put a `kind` (one of KINDS) at `path`; skip the test when this machine cannot make it."""
    path = Path(path)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, DEVICE)
        except PermissionError:
            pytest.skip("making a device node needs root (CAP_MKNOD)")
    elif kind == "socket":
        if len(str(path)) > 100:
            pytest.skip("a socket's path must be shorter than 108 bytes")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        _SOCKETS.append(server)
    elif kind == "directory":
        path.mkdir()
    elif kind == "loop":
        path.symlink_to(path.name)
    else:
        raise ValueError(kind)
    return path


def describe(path):
    """What is at `path` now: 'fifo', 'device', 'socket', 'directory', 'loop', 'file' or 'missing'."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    if stat.S_ISLNK(mode):
        try:
            os.stat(path)
        except OSError as error:
            if error.errno == errno.ELOOP:
                return "loop"
    return next((name for test, name in ((stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "device"),
                                         (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "directory"),
                                         (stat.S_ISREG, "file")) if test(os.stat(path).st_mode)), "other")


class Watchdog:
    """Frees whatever opened one of `fifos` and waits there, after `seconds`; `blocked` says whether it had to."""

    def __init__(self, fifos, seconds):
        self.fifos, self.seconds = [Path(f) for f in fifos], seconds
        self.blocked = False
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        if self.done.wait(self.seconds):
            return
        self.blocked = True  # still running after `seconds`: stuck on a FIFO (or far too slow)
        while not self.done.is_set():
            for fifo in self.fifos:
                for flags in (os.O_WRONLY | os.O_NONBLOCK, os.O_RDONLY | os.O_NONBLOCK):
                    try:
                        os.close(os.open(fifo, flags))  # one waiting in open() to read then reads end-of-file
                    except OSError:
                        pass  # no reader waits (ENXIO), or it is not a FIFO any more
            self.done.wait(0.2)


@contextlib.contextmanager
def unblocked(fifos, seconds=10):
    """`with unblocked([fifo, ...]) as watch:` ... `assert not watch.blocked`: the block may not wait on them."""
    watch = Watchdog(fifos, seconds)
    watch.thread.start()
    try:
        yield watch
    finally:
        watch.done.set()
        watch.thread.join()


def can_mount():
    return os.geteuid() == 0 and subprocess.run(["mount", "--version"], capture_output=True).returncode == 0


@contextlib.contextmanager
def read_only(folder):
    """`folder` (with what it holds) unwritable for the block, as a normal user would find it."""
    folder = str(folder)
    if os.geteuid() != 0:
        mode = os.stat(folder).st_mode
        os.chmod(folder, 0o555)
        try:
            yield folder
        finally:
            os.chmod(folder, mode)
        return
    bind = subprocess.run(["mount", "--bind", folder, folder], capture_output=True, text=True)
    if bind.returncode != 0:
        pytest.skip(f"root here cannot mount (to make a read-only folder): {bind.stderr.strip()}")
    try:
        remount = subprocess.run(["mount", "-o", "remount,bind,ro", folder], capture_output=True, text=True)
        if remount.returncode != 0:
            pytest.skip(f"root here cannot remount read-only: {remount.stderr.strip()}")
        yield folder
    finally:
        subprocess.run(["umount", folder], check=True)


@contextlib.contextmanager
def small_disk(folder, kilobytes):
    """A tmpfs of `kilobytes` mounted on `folder` for the block (root with mount rights), else a skip."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs (a disk that fills) needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"root here cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        yield Path(folder)
    finally:
        for _ in range(50):  # a child of the test may still hold a file open there
            if subprocess.run(["umount", str(folder)], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)


def fill(folder, leave_bytes):
    """Fill the file system of `folder` until about `leave_bytes` are free."""
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    with open(Path(folder) / "filler", "wb") as handle:
        handle.write(b"\0" * max(0, free - leave_bytes))
