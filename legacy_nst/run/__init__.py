"""A run: its plan (one decision per level, and the memory model it rests on), and stylize (problem -> engine
-> loop -> Result, level by level, multiscale's upsampling between them)."""
