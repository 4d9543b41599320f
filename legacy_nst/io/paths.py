"""What a path is, before a run opens or replaces it.

A run reads only regular files (or symbolic links to one) and replaces only
regular files: open() on a FIFO blocks until a writer comes, a character
device can be endless (/dev/zero) or a system file (/dev/full), and a socket
or a directory is no image. `path_kind` names what is there without opening
it, `not_regular` says it in the words of an error message, and
`open_regular` opens a file without blocking and only if it is regular (a
file swapped for a FIFO after the check is refused too).
"""
import errno
import os
import stat

from ..errors import NSTError

# path_kind's answers for what is not a regular file, as an error message says them
PHRASES = {
    "directory": "is a directory, not a file",
    "FIFO": "is a FIFO (named pipe), not a regular file",
    "character device": "is a character device, not a regular file",
    "block device": "is a block device, not a regular file",
    "socket": "is a socket, not a regular file",
    "special file": "is a special file, not a regular file",
    "symlink loop": "is a symbolic link loop (too many levels of symbolic links)",
    "broken link": "is a symbolic link to a file that does not exist",
    "not a folder": "has a file, not a folder, among its parents",
    "unreachable": "cannot be looked at (permission denied on a folder of its path)",
    "bad name": "is not a valid file name (too long, or a NUL character)",
    "missing": "no such file",
}
_MODES = ((stat.S_ISREG, "file"), (stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "FIFO"),
          (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"))
_ERRORS = {errno.ENOENT: "missing", errno.ELOOP: "symlink loop", errno.ENOTDIR: "not a folder",
           errno.EACCES: "unreachable", errno.ENAMETOOLONG: "bad name"}


class NotRegularFile(OSError):
    """open_regular found something else than a regular file: `filename` and `strerror` (a PHRASES value)."""

    def __init__(self, path, kind):
        super().__init__(errno.EINVAL, PHRASES[kind], os.fspath(path))

    def __str__(self):
        return f"{self.filename}: {self.strerror}"


def kind_of_mode(mode) -> str:
    """'file', 'directory', 'FIFO', 'character device', 'block device', 'socket' or 'special file'."""
    return next((kind for test, kind in _MODES if test(mode)), "special file")


def path_kind(path) -> str:
    """What `path` is, following symbolic links, without opening it: 'file', 'missing' or a key of PHRASES."""
    try:
        return kind_of_mode(os.stat(path).st_mode)
    except FileNotFoundError:
        return "broken link" if os.path.islink(path) else "missing"
    except ValueError:  # a NUL character in the name
        return "bad name"
    except OSError as error:
        return _ERRORS.get(error.errno, "unreachable")


def not_regular(path) -> "str | None":
    """None for a regular file (or a link to one) and for a plainly missing path; else why it cannot be read or
    replaced, as a phrase: 'is a FIFO (named pipe), not a regular file'."""
    kind = path_kind(path)
    return None if kind in ("file", "missing") else PHRASES[kind]


def open_regular(path):
    """A binary file object for reading `path`, opened without blocking; NotRegularFile when it is not a regular
    file (or a link to one), FileNotFoundError and the like as open() raises them."""
    path = os.fspath(path)
    kind = path_kind(path)
    if kind not in ("file", "missing", "unreachable"):
        raise NotRegularFile(path, kind)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        kind = kind_of_mode(os.fstat(descriptor).st_mode)
        if kind != "file":  # replaced since it was looked at
            raise NotRegularFile(path, kind)
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular(path) -> bytes:
    """The bytes of a regular file (open_regular's refusals and errors)."""
    with open_regular(path) as handle:
        return handle.read()


def check_regular_files(named):
    """Refuse in one line the first of `named` ([(option, path)]) that exists and is not a regular file."""
    for option, path in named:
        problem = not_regular(path)
        if problem:
            raise NSTError(f"{option} {path}: {problem}; give a regular file")
