"""Writing files so that a reader never sees a half-written one, and only where a run may write.

The bytes go to a hidden temporary file in the target's directory, are flushed
to disk, optionally read back and checked (`verify`), and the file is renamed
over the target, which POSIX makes atomic. If anything fails (Ctrl-C or a
failed check included), the temporary file is removed and the target is
untouched. Only a regular file (or nothing) is ever replaced: a device node,
a FIFO, a socket or a directory at the target is refused, never renamed over.

`check_writable` and `check_folder_writable` say before a run whether its
files could be written: the target is absent or a regular file, and a file
can be created in its folder (tried, not asked of os.access, which says yes
to root on a read-only mount).
"""
import errno
import os
import secrets

from ..errors import NSTError, WriteError
from .paths import PHRASES, path_kind

REPLACEABLE = ("file", "missing", "broken link")  # path_kind's answers atomic_write may rename over
_PROBE = "write-check"  # the name of the empty file a folder's check creates and removes


def check_directory(path):
    """Fail early, before hours of work, if `path` could not be written later (see also check_writable)."""
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise NSTError(f"{path}: output directory {directory} does not exist; create it first")
    if os.path.isdir(path):
        raise NSTError(f"{path}: is a directory; give a file name")
    return directory


def check_writable(path, label=None, fix=None, probed=None):
    """Fail in one line, starting with `label` (default: the path) and ending with `fix`, unless `path` is
    absent or a regular file in a folder where a file can be created. `probed`: a set of folders already
    found writable (a run checks many files in one folder once)."""
    path = os.fspath(path)
    label = label or path
    fix = fix or "give another path"
    kind = path_kind(path)
    if kind not in REPLACEABLE:
        raise NSTError(f"{label}: {PHRASES[kind]}; will not replace it; {fix}")
    directory = os.path.dirname(path) or "."
    if probed is not None and directory in probed:
        return directory
    folder = path_kind(directory)
    if folder != "directory":
        problem = "does not exist" if folder == "missing" else PHRASES[folder]
        raise NSTError(f"{label}: its folder {directory} {problem}; create it first, or {fix}")
    problem = unwritable(directory)
    if problem:
        raise NSTError(f"{label}: cannot write in {directory} ({problem}); make it writable, or {fix}")
    if probed is not None:
        probed.add(directory)
    return directory


def check_folder_writable(folder, label, fix):
    """Fail in one line unless `folder` is a folder where files can be created, or is absent and can be made
    (its nearest existing parent is a writable folder)."""
    folder = os.path.abspath(os.fspath(folder))
    existing = folder
    while path_kind(existing) in ("missing", "not a folder") and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    kind = path_kind(existing)
    if kind != "directory":
        where = "" if existing == folder else f" (its parent {existing})"
        raise NSTError(f"{label}{where}: {PHRASES.get(kind, 'is not a folder')}; {fix}")
    problem = unwritable(existing)
    if problem:
        where = "" if existing == folder else f" (created in {existing})"
        raise NSTError(f"{label}{where}: cannot write in {existing} ({problem}); make it writable, or {fix}")


def unwritable(directory):
    """None when a file can be created (and removed) in `directory`; else the reason, as strerror says it."""
    try:
        temporary, descriptor = _create_temporary(directory, _PROBE)
    except OSError as error:
        return error.strerror or str(error)
    os.close(descriptor)
    try:
        os.remove(temporary)
    except OSError:
        pass
    return None


def atomic_write(path, data=None, *, write=None, verify=None):
    """Write `data` (bytes), or call `write(binary_file)`, into `path` atomically.

    `verify(temporary_path)`, when given, reads the written bytes back before they replace `path`; what it
    raises aborts the write and leaves `path` as it was. A failure of the disk (no space, a read-only or
    vanished folder) is a WriteError naming `path`; something other than a regular file at `path` is an
    NSTError, and stays.
    """
    path = os.fspath(path)
    directory = check_directory(path)
    _refuse_special(path)
    temporary = None
    try:
        temporary, descriptor = _create_temporary(directory, os.path.basename(path))
        with os.fdopen(descriptor, "wb") as handle:
            if write is not None:
                write(handle)
            else:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if verify is not None:
            verify(temporary)
        _refuse_special(path)  # again: a node made while the bytes were written is not replaced either
        os.replace(temporary, path)
        temporary = None
        _sync_directory(directory)
    except OSError as error:
        if error.errno is None or isinstance(error, WriteError):  # an encoder's complaint, not the disk's
            raise
        raise WriteError(_write_message(path, error), error) from None
    finally:
        if temporary is not None:
            try:
                os.remove(temporary)
            except OSError:
                pass


def _refuse_special(path):
    kind = path_kind(path)
    if kind not in REPLACEABLE:
        raise NSTError(f"{path}: {PHRASES[kind]}; will not replace it with a file; write to another path")


def _write_message(path, error):
    """One line for a write that failed: the target's name, the reason, what to do."""
    if error.errno == errno.ENOSPC:
        fix = "free some space, or write it elsewhere"
    elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        fix = "make its folder writable, or write it elsewhere"
    else:
        fix = "check the disk, or write it elsewhere"
    return f"{path}: cannot write it ({error.strerror or error}); {fix}"


def _create_temporary(directory, name):
    """Open a new hidden file beside the target; the umask applies as for any new file."""
    for _ in range(100):
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return temporary, os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot find an unused temporary file name in {directory}")


def _sync_directory(directory):
    """Make the rename durable; not every platform can fsync a directory."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
