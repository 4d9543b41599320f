"""The peers' intermediate images: an observer that writes the image at chosen iterations.

jcjohnson's -save_iter N writes out_N.png beside -output_image; anishathalye's
--checkpoint-output formats the iteration into a file name. Either is this
observer (optim.loop's protocol), which record.files.stylize_to_files adds
beside its own: each image is rendered as the checkpoint images are
(--preserve-colors included) and written atomically by io.images.save_image.
"""
import os

from ..errors import NSTError
from ..io.images import save_image


class IntermediateImages:
    """Writes `render(image)` to `path_for(iteration)` at every iteration where that is a path, not None, and
    never over one of `inputs` ([(option, path)]; record.files checks the first iterations before the run)."""

    def __init__(self, path_for, render, inputs=()):
        self.path_for = path_for
        self.render = render
        self.inputs = {os.path.realpath(path): option for option, path in inputs}
        self.written = []

    def observe(self, iteration, losses, image):
        path = self.path_for(iteration)
        if path is None:
            return
        if os.path.realpath(path) in self.inputs:
            raise NSTError(f"the intermediate image {path} (iteration {iteration}) is the "
                           f"{self.inputs[os.path.realpath(path)]} file; the run would replace it; name the "
                           "intermediate images differently")
        save_image(path, self.render(image))
        self.written.append(path)
