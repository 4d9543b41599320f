"""The peers' intermediate images: an observer that writes the image at chosen iterations.

jcjohnson's -save_iter N writes out_N.png beside -output_image; anishathalye's
--checkpoint-output formats the iteration into a file name. Either is this
observer (optim.loop's protocol), which record.files.stylize_to_files adds
beside its own: each image is rendered as the checkpoint images are
(--preserve-colors included) and written atomically by io.images.save_image.
"""
from ..io.images import save_image


class IntermediateImages:
    """Writes `render(image)` to `path_for(iteration)` at every iteration where that is a path, not None."""

    def __init__(self, path_for, render):
        self.path_for = path_for
        self.render = render
        self.written = []

    def observe(self, iteration, losses, image):
        path = self.path_for(iteration)
        if path is not None:
            save_image(path, self.render(image))
            self.written.append(path)
