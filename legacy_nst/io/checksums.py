"""Checksums of files: the downloaded weights checked against their published sha256, and the inputs a run
records so that --resume can tell a changed file."""
import hashlib


def sha256_file(path, chunk=1 << 20):
    """Hex sha256 of a file, read in chunks so a 510 MB file needs little memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()
