"""One driver per sweep folder: sweep.lock (pid and host) is taken, refused while its holder lives, taken over
from a killed one. The holders here are real other processes."""
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from legacy_nst.errors import NSTError
from legacy_nst.sweep.lock import LOCK, SweepLock
from messages import assert_says

REPO = Path(__file__).resolve().parents[2]
HOLDER = ("import sys; from pathlib import Path; from legacy_nst.sweep.lock import SweepLock\n"
          "lock = SweepLock(Path(sys.argv[1])).take(); print('held', flush=True); sys.stdin.read()")


@pytest.fixture
def holder(tmp_path):
    """A second process that takes the lock of tmp_path and holds it until killed."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert process.stdout.readline().strip() == "held"
    yield process
    process.kill()
    process.wait()


def write_lock(folder, pid, host=None):
    (folder / LOCK).write_text(json.dumps({"pid": pid, "host": host or socket.gethostname(), "since": "earlier"}))


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.slow
def test_a_lock_held_by_a_live_driver_is_refused_in_one_line(tmp_path, holder):
    with pytest.raises(NSTError) as refused:
        SweepLock(tmp_path).take()
    message = str(refused.value)
    assert message.startswith(f"--out {tmp_path}: "), message
    assert_says(message, "another sweep", f"pid {holder.pid} on {socket.gethostname()}", "wait", "another --out")


@pytest.mark.slow
def test_the_lock_of_a_killed_driver_is_taken_over(tmp_path, holder):
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert json.loads((tmp_path / LOCK).read_text())["pid"] == holder.pid, "a killed driver leaves its lock"
    with SweepLock(tmp_path) as lock:
        assert json.loads((tmp_path / LOCK).read_text())["pid"] == os.getpid() == lock.holder["pid"]
    assert not (tmp_path / LOCK).exists(), "released at the end"


def test_a_lock_file_naming_a_live_pid_is_held_and_one_naming_a_dead_pid_is_stale(tmp_path):
    write_lock(tmp_path, os.getppid())
    with pytest.raises(NSTError, match=f"pid {os.getppid()} on "):
        SweepLock(tmp_path).take()
    write_lock(tmp_path, dead_pid())
    SweepLock(tmp_path).take().release()
    assert not (tmp_path / LOCK).exists()


def test_a_lock_from_another_host_is_held_and_says_how_to_clear_it(tmp_path):
    write_lock(tmp_path, dead_pid(), host="elsewhere.example")
    with pytest.raises(NSTError) as refused:
        SweepLock(tmp_path).take()
    assert "(pid" in str(refused.value) and "on elsewhere.example" in str(refused.value)
    assert f"if that driver is gone, delete {tmp_path / LOCK}" in str(refused.value)


def test_a_damaged_lock_is_one_line_naming_the_file(tmp_path):
    (tmp_path / LOCK).write_bytes(b"\x00\xff{not json")
    with pytest.raises(NSTError) as refused:
        SweepLock(tmp_path).take()
    assert str(refused.value).startswith(f"{tmp_path / LOCK}: ")
    assert_says(refused.value, "damaged", f"no other sweep runs on {tmp_path}", "delete it")


def test_release_leaves_a_lock_that_is_not_its_own(tmp_path):
    lock = SweepLock(tmp_path).take()
    write_lock(tmp_path, os.getppid())  # taken over meanwhile (by hand): not ours to remove
    lock.release()
    assert (tmp_path / LOCK).exists()
