"""One process per folder: a lock file in it names the process that holds it (pid, host, start time).

A sweep holds OUT/sweep.lock (sweep.lock.SweepLock), a run its checkpoint
folder's run.lock (record.checkpoints.RunLock). The lock file is created whole
(written beside it, then hard-linked into place, which fails if it exists), so
a reader never sees half of one. A lock whose process is no longer alive on
this host (killed with SIGKILL or by a reboot) is stale and taken over; a live
one, or one from another host (whose processes cannot be checked from here),
refuses the second process in one line. The holder removes its own lock when
it ends, however it ends short of SIGKILL.
"""
import json
import os
import secrets
import socket
import time
from pathlib import Path

from ..errors import NSTError
from .paths import read_regular


class FolderLock:
    """`with FolderLock(folder, name, option, what, who):` holds FOLDER/NAME for the block; NSTError if another
    process holds it. `option`, `what` and `who` ('--out', 'sweep', 'driver') word the messages: '--out DIR:
    another sweep is running there (pid ...)'. `make`: create the folder if it is missing (and remove it on
    release, with the parents it made, if they are still empty)."""

    def __init__(self, folder, name, option, what, who, make=False):
        self.folder, self.name, self.option, self.what, self.who = Path(folder), name, option, what, who
        self.path = self.folder / name
        self.make, self.made = make, []  # the folders this lock created, deepest first
        self.holder = {"pid": os.getpid(), "host": socket.gethostname(),
                       "since": time.strftime("%Y-%m-%d %H:%M:%S %z")}
        self.text = json.dumps(self.holder).encode()

    def take(self) -> "FolderLock":
        """Create the lock, taking over a stale one; NSTError naming the holder when it is alive."""
        if self.make and not self.folder.is_dir():
            missing = [self.folder, *(p for p in self.folder.parents if not p.exists())]
            try:
                self.folder.mkdir(parents=True)
                self.made = [p for p in missing if p.is_dir()]
            except OSError as error:
                raise NSTError(f"{self.option} {self.folder}: cannot create the folder ({error.strerror or error});"
                               f" make its parent writable, or give another {self.option}") from None
        for _ in range(5):
            if self._create():
                return self
            raw, holder = self._read()
            if raw is None:
                continue  # released meanwhile: try again
            if holder is None:
                raise NSTError(f"{self.path}: damaged lock file; if no other {self.what} runs on {self.folder}, "
                               "delete it")
            if _alive(holder):
                raise NSTError(self._held_message(holder))
            self._set_aside(raw)
        raise NSTError(f"{self.path}: other {self.who}s keep taking the lock; run one {self.what} at a time on "
                       f"{self.folder}")

    def check_free(self):
        """NSTError naming the holder when another live process holds the lock; takes nothing (a check before a
        run)."""
        raw, holder = self._read()
        if holder is not None and _alive(holder) and (holder["pid"], holder["host"]) != (os.getpid(),
                                                                                         socket.gethostname()):
            raise NSTError(self._held_message(holder))

    def release(self):
        """Remove the lock if it is still this process's (and the folder, if the lock made it and it is empty)."""
        try:
            if read_regular(self.path) == self.text:
                self.path.unlink()
        except OSError:
            pass
        for folder in self.made:
            try:
                folder.rmdir()
            except OSError:
                break  # the run wrote files there: keep them

    def __enter__(self):
        return self.take()

    def __exit__(self, *exc):
        self.release()

    def _create(self) -> bool:
        """Write the lock beside its place and link it there: False if a lock exists."""
        temporary = self.path.with_name(f".{self.name}.{secrets.token_hex(4)}.tmp")
        try:
            temporary.write_bytes(self.text)
            os.link(temporary, self.path)
            return True
        except FileExistsError:
            return False
        except OSError as error:
            raise NSTError(f"{self.option} {self.folder}: cannot create {self.name} ({error.strerror or error}); "
                           "make the folder writable") from None
        finally:
            temporary.unlink(missing_ok=True)

    def _read(self):
        """(the lock's bytes, its holder as a dict or None when damaged); (None, None) when it is gone."""
        try:
            raw = read_regular(self.path)
        except FileNotFoundError:
            return None, None
        except OSError:  # a FIFO or a folder in its place, or unreadable: not a lock to trust
            return b"", None
        try:
            holder = json.loads(raw)
        except ValueError:
            return raw, None
        valid = (isinstance(holder, dict) and type(holder.get("pid")) is int and holder["pid"] > 0
                 and isinstance(holder.get("host"), str))
        return raw, holder if valid else None

    def _set_aside(self, raw):
        """Remove a stale lock, unless another process replaced it meanwhile (then put that one back)."""
        aside = self.path.with_name(f".{self.name}.{secrets.token_hex(4)}.stale")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return
        try:
            if read_regular(aside) != raw:
                os.link(aside, self.path)
        except OSError:
            pass
        finally:
            aside.unlink(missing_ok=True)

    def _held_message(self, holder):
        here = holder["host"] == socket.gethostname()
        gone = "" if here else f"; if that {self.who} is gone, delete {self.path}"
        return (f"{self.option} {self.folder}: another {self.what} is running there (pid {holder['pid']} on "
                f"{holder['host']}, since {holder.get('since', '?')}){gone}; wait for it to end or stop it, or give "
                f"another {self.option}")


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
