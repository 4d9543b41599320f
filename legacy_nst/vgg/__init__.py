"""VGG-19: its shape (spec), its weights (matfile, download) and its builders (graph: art.py's dictionary; keras)."""
