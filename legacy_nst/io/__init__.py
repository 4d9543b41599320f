"""Files: images in and out, colours, atomic writes, checksums."""
