"""The peers' intermediate images: where the image of an iteration goes, never over an input.

jcjohnson's -save_iter N writes out_N.png beside -output_image; anishathalye's
--checkpoint-output formats the iteration into a file name. Either is a
`path_for(iteration)` -> a path or None, which record.files.run_to_files asks
at every step; it writes the image there as it renders the checkpoint images
(--preserve-colors included), atomically (io.images.save_image).
"""
import os

from ..errors import NSTError


def intermediate_path(path_for, iteration, inputs=()):
    """`path_for(iteration)`, or None; an NSTError when it is one of `inputs` ([(option, path)]; record.files
    checks the first iterations before the run, this every later one as it comes)."""
    path = path_for(iteration)
    if path is None:
        return None
    for option, source in inputs:
        if os.path.realpath(path) == os.path.realpath(source):
            raise NSTError(f"the intermediate image {path} (iteration {iteration}) is the {option} file; the run "
                           "would replace it; name the intermediate images differently")
    return path
