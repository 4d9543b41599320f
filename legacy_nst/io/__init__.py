"""Files and terminals: images in and out, colours, atomic writes, progress."""
