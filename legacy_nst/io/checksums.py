"""Checksums of files: the downloaded weights checked against their published sha256, and the inputs a run
records so that --resume can tell a changed file."""
import hashlib

import numpy as np

from .paths import open_regular


def sha256_file(path, chunk=1 << 20):
    """Hex sha256 of a file, read in chunks so a 510 MB file needs little memory; a FIFO or a device (endless,
    or blocking) is refused (io.paths.NotRegularFile), never read."""
    digest = hashlib.sha256()
    with open_regular(path) as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(source):
    """sha256 of an image file (or of an array's bytes), to notice a changed input on resume.

    None when the file cannot be read: reading the image reports that properly.
    """
    if isinstance(source, np.ndarray):
        return hashlib.sha256(np.ascontiguousarray(source).tobytes()).hexdigest()
    try:
        return sha256_file(source)
    except OSError:
        return None
