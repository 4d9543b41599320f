"""Iterate averaging (--average-iterates DECAY): an exponential moving average of the image, bias-corrected.

An optimizer's last iterate carries its last steps' noise (single bright or
dark pixels at 100%); the average of the recent iterates does not. As
crowsonkb/style-transfer-pytorch's EMA: after entry i (the image after i
steps, entry 0 the start),

    value_i  = DECAY · value_{i-1} + (1 − DECAY) · image_i,   value_{-1} = 0
    weight_i = DECAY · weight_{i-1} + (1 − DECAY),            weight_{-1} = 0
    average_i = value_i / weight_i

so that the average of a constant image is that image from the first entry on
(weight_i = 1 − DECAY^(i+1): the bias correction). A run restarts it at each
level: run.levels.solve's steps carry the average instead of each iterate. It
is part of the run's state: checkpoints save it and --resume continues it, so
a resumed average equals the uninterrupted one.
"""
import numpy as np

from .loop import State

#: the names the average takes in a saved state, beside the optimizer's variables
VARIABLES = ("average", "average_weight", "average_through")


class IterateAverage:
    """The bias-corrected exponential moving average of the images it is given."""

    def __init__(self, decay):
        self.decay = float(decay)
        self.value = None     # float64 sum of the weighted images
        self.weight = 0.0     # their total weight
        self.through = -1     # the last entry in it

    def update(self, iteration, image):
        """Take in entry `iteration`; an entry already in (L-BFGS reports its resumed start again) is not."""
        if iteration <= self.through:
            return
        self.through = iteration
        image = np.asarray(image, np.float64)
        self.value = image * (1.0 - self.decay) if self.value is None else (
            self.value * self.decay + image * (1.0 - self.decay))
        self.weight = self.weight * self.decay + (1.0 - self.decay)

    def image(self):
        """The average so far, float32 (1, H, W, 3)."""
        return (self.value / self.weight).astype(np.float32)

    def variables(self):
        """What a checkpoint keeps of it: the average image and its weight."""
        return {"average": self.image(), "average_weight": np.array(self.weight),
                "average_through": np.array(self.through)}

    def carried_by(self, state):
        """`state` (optim.loop.State, or None) with the average in its variables, as checkpoints keep it."""
        if state is None:
            return None
        average = self.variables()
        return State(state.steps, lambda: {**state.variables(), **average}, state.resumable)

    def restore(self, variables):
        self.weight, self.through = float(variables["average_weight"]), int(variables["average_through"])
        self.value = np.asarray(variables["average"], np.float64) * self.weight


def split_saved(variables):
    """(the optimizer's variables, the average's) of a saved state."""
    return ({name: value for name, value in variables.items() if name not in VARIABLES},
            {name: variables[name] for name in VARIABLES if name in variables})
