"""Writing files so that a reader never sees a half-written one.

The bytes go to a hidden temporary file in the target's directory, are flushed
to disk, optionally read back and checked (`verify`), and the file is renamed
over the target, which POSIX makes atomic. If anything fails (Ctrl-C or a
failed check included), the temporary file is removed and the target is
untouched.
"""
import os
import secrets

from ..errors import NSTError


def check_directory(path):
    """Fail early, before hours of work, if `path` could not be written later."""
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise NSTError(f"{path}: output directory {directory} does not exist; create it first")
    if os.path.isdir(path):
        raise NSTError(f"{path}: is a directory; give a file name")
    return directory


def atomic_write(path, data=None, *, write=None, verify=None):
    """Write `data` (bytes), or call `write(binary_file)`, into `path` atomically.

    `verify(temporary_path)`, when given, reads the written bytes back before they replace `path`; what it
    raises aborts the write and leaves `path` as it was.
    """
    path = os.fspath(path)
    directory = check_directory(path)
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
        os.replace(temporary, path)
        temporary = None
        _sync_directory(directory)
    finally:
        if temporary is not None:
            try:
                os.remove(temporary)
            except OSError:
                pass


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
