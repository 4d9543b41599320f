"""Coarse-to-fine optimisation (--multiscale): solve a smaller problem first, upsample, continue.

A step at a fraction f of the size costs about f² of a full-size step, and the
coarse levels settle the image's large structure, so the full-size level starts
close to where it ends. `--iterations` counts the steps of every level; the
log numbers them consecutively and tags each entry with its level's `scale`.
The levels themselves are run.plan's.
"""
import numpy as np
from PIL import Image

from ..optim.loop import State


def upsample(image, size_hw):
    """Bicubic resize of a float32 (1, h, w, 3) network-space image to (1, H, W, 3), channel by channel."""
    height, width = size_hw
    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(image[0, :, :, c], dtype=np.float32), mode="F")
                           .resize((width, height), Image.Resampling.BICUBIC)) for c in range(image.shape[-1])]
    return np.stack(channels, axis=-1)[np.newaxis].astype(np.float32)


class LevelObservers:
    """What the observers of a whole run see of one level: iterations numbered on from the coarser levels,
    entries tagged with the level's `scale`, and no state to resume from (a stop still ends the run).

    A coarse level's final image is the next level's entry 0, upsampled: it is reported once, there.
    """

    def __init__(self, observers, offset, steps, scale, last):
        self.observers, self.offset, self.steps, self.scale, self.last = observers, offset, steps, scale, last

    def started(self):
        self.observers.started()

    def observe(self, iteration, losses, image):
        if self.last or iteration < self.steps:
            self.observers.observe(self.offset + iteration, {**losses, "scale": self.scale}, image)

    def step_done(self, state):
        self.observers.step_done(State(self.offset + state.steps, state.variables, resumable=False))

    def finished(self, state):
        pass
