"""One driver per sweep folder: OUT/sweep.lock names the driver that holds it (pid, host, start time).

The lock file is created whole (written beside it, then hard-linked into
place, which fails if it exists), so a reader never sees half of one. A lock
whose process is no longer alive on this host (a driver killed with SIGKILL
or by a reboot) is stale and taken over; a live one, or one from another host
(whose processes cannot be checked from here), refuses the second driver in
one line. The driver removes its own lock when it ends, however it ends short
of SIGKILL.
"""
import json
import os
import secrets
import socket
import time
from pathlib import Path

from .pipeline import NSTError

LOCK = "sweep.lock"


class SweepLock:
    """`with SweepLock(out_dir):` holds OUT/sweep.lock for the block; NSTError if another driver holds it."""

    def __init__(self, out_dir):
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / LOCK
        self.holder = {"pid": os.getpid(), "host": socket.gethostname(),
                       "since": time.strftime("%Y-%m-%d %H:%M:%S %z")}
        self.text = json.dumps(self.holder).encode()

    def take(self) -> "SweepLock":
        """Create the lock, taking over a stale one; NSTError naming the holder when it is alive."""
        for _ in range(5):
            if self._create():
                return self
            raw, holder = self._read()
            if raw is None:
                continue  # released meanwhile: try again
            if holder is None:
                raise NSTError(f"{self.path}: damaged lock file; if no other sweep runs on {self.out_dir}, delete it")
            if _alive(holder):
                raise NSTError(self._held_message(holder))
            self._set_aside(raw)
        raise NSTError(f"{self.path}: other drivers keep taking the lock; run one sweep at a time on "
                       f"{self.out_dir}")

    def release(self):
        """Remove the lock if it is still this driver's."""
        try:
            if self.path.read_bytes() == self.text:
                self.path.unlink()
        except OSError:
            pass

    def __enter__(self):
        return self.take()

    def __exit__(self, *exc):
        self.release()

    def _create(self) -> bool:
        """Write the lock beside its place and link it there: False if a lock exists."""
        temporary = self.path.with_name(f".{LOCK}.{secrets.token_hex(4)}.tmp")
        try:
            temporary.write_bytes(self.text)
            os.link(temporary, self.path)
            return True
        except FileExistsError:
            return False
        except OSError as error:
            raise NSTError(f"--out {self.out_dir}: cannot create {LOCK} ({error.strerror or error}); make the "
                           "folder writable") from None
        finally:
            temporary.unlink(missing_ok=True)

    def _read(self):
        """(the lock's bytes, its holder as a dict or None when damaged); (None, None) when it is gone."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None, None
        try:
            holder = json.loads(raw)
        except ValueError:
            return raw, None
        valid = (isinstance(holder, dict) and type(holder.get("pid")) is int and holder["pid"] > 0
                 and isinstance(holder.get("host"), str))
        return raw, holder if valid else None

    def _set_aside(self, raw):
        """Remove a stale lock, unless another driver replaced it meanwhile (then put that one back)."""
        aside = self.path.with_name(f".{LOCK}.{secrets.token_hex(4)}.stale")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return
        try:
            if aside.read_bytes() != raw:
                os.link(aside, self.path)
        except OSError:
            pass
        finally:
            aside.unlink(missing_ok=True)

    def _held_message(self, holder):
        here = holder["host"] == socket.gethostname()
        gone = "" if here else f"; if that driver is gone, delete {self.path}"
        return (f"--out {self.out_dir}: another sweep is running there (pid {holder['pid']} on {holder['host']}, "
                f"since {holder.get('since', '?')}){gone}; wait for it to end or stop it, or give another --out")


def _alive(holder) -> bool:
    """Whether the lock's process may still run: on another host it cannot be told, so yes."""
    if holder["host"] != socket.gethostname():
        return True
    try:
        os.kill(holder["pid"], 0)  # signal 0: only asks whether the process exists
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True
