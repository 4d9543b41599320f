"""io.lock: one process per folder, the sweep's OUT/sweep.lock and a run's checkpoint folder alike (the sweep's
own cases are tests/sweep/test_lock.py)."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from legacy_nst.errors import NSTError
from legacy_nst.io.lock import FolderLock
from legacy_nst.record.checkpoints import RUN_LOCK, run_lock

REPO = Path(__file__).resolve().parents[2]
HOLDER = ("import sys; from legacy_nst.record.checkpoints import run_lock\n"
          "lock = run_lock(sys.argv[1]).take(); print('held', flush=True); sys.stdin.read()")


def test_a_run_lock_held_by_another_process_is_refused_naming_its_pid(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "ck")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout.readline().strip() == "held"
        for attempt in (lambda: run_lock(tmp_path / "ck").take(), lambda: run_lock(tmp_path / "ck").check_free()):
            with pytest.raises(NSTError) as refused:
                attempt()
            assert str(refused.value).startswith(f"--checkpoint-dir {tmp_path / 'ck'}: another run is running there "
                                                 f"(pid {holder.pid} on {socket.gethostname()}, since ")
            assert str(refused.value).endswith("; wait for it to end or stop it, or give another --checkpoint-dir")
    finally:
        holder.kill()
        holder.wait()
    with run_lock(tmp_path / "ck"):  # the killed holder's lock is stale: taken over
        assert json.loads((tmp_path / "ck" / RUN_LOCK).read_text())["pid"] == os.getpid()
    assert os.listdir(tmp_path / "ck") == [], "released"


def test_a_folder_the_lock_made_is_removed_again_when_the_run_left_it_empty(tmp_path):
    with run_lock(tmp_path / "a" / "ck"):
        assert (tmp_path / "a" / "ck" / RUN_LOCK).is_file()
    assert os.listdir(tmp_path) == [], "and the parent it made"


def test_a_folder_the_lock_made_is_kept_when_the_run_wrote_there(tmp_path):
    with run_lock(tmp_path / "ck"):
        (tmp_path / "ck" / "00000.png").write_bytes(b"x")
    assert os.listdir(tmp_path / "ck") == ["00000.png"]


def test_a_lock_that_is_a_fifo_is_damaged_not_read(tmp_path):
    os.mkfifo(tmp_path / "x.lock")
    with pytest.raises(NSTError, match="damaged lock file"):
        FolderLock(tmp_path, "x.lock", "--out", "sweep", "driver").take()
