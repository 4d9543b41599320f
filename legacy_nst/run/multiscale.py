"""Coarse-to-fine optimisation (--multiscale): solve a smaller problem first, upsample, continue.

A step at a fraction f of the size costs about f² of a full-size step, and the
coarse levels settle the image's large structure, so the full-size level starts
close to where it ends. `--iterations` counts the steps of every level; the
log numbers them consecutively and tags each entry with its level's `scale`.
A bfloat16 run's --float32-finish is one more level here: the full size again, in float32.
"""
import numpy as np
from PIL import Image

from ..optim.loop import State
from ..vgg.spec import MIN_SIZE as MIN_LEVEL_SIZE


# How much longer a float32 step takes than a bfloat16 one (evaluation medians, 400x300: 0.703 / 0.209 s,
# bench/results/2026-11-30-session-grappler-400x300.md): the ETA's weight for a --float32-finish step.
FLOAT32_PER_BFLOAT16 = 3.4


def plan(config, size_hw, precision="float32"):
    """[(size (h, w), steps, scale, precision), ...] coarsest first, the full size last (one level without
    --multiscale); with `precision` bfloat16 and --float32-finish N, the last N full-size steps are a level of
    their own in float32, from the bfloat16 image."""
    height, width = size_hw
    scales = tuple(config.multiscale) + (1.0,)
    coarse = (config.multiscale_iterations if config.multiscale_iterations is not None
              else config.iterations // len(scales))
    levels = []
    for scale in config.multiscale:
        size = (max(MIN_LEVEL_SIZE, round(height * scale)), max(MIN_LEVEL_SIZE, round(width * scale)))
        levels.append((size, coarse, scale, precision))
    full = config.iterations - coarse * len(config.multiscale)
    finish = config.float32_finish if precision == "bfloat16" else 0
    levels.append(((height, width), full - finish, 1.0, precision))
    if finish:
        levels.append(((height, width), finish, 1.0, "float32"))
    return levels


def step_costs(config, size_hw, precision="float32"):
    """cost(position): the work of the step ending at `position` relative to a full-size step in `precision`
    (its level's pixels over the full size's, times FLOAT32_PER_BFLOAT16 for a float32 finish's step), for an
    ETA across levels (io.progress.Progress.cost)."""
    full = size_hw[0] * size_hw[1]
    costs = [h * w / full * (FLOAT32_PER_BFLOAT16 if level != precision else 1.0)
             for (h, w), steps, _, level in plan(config, size_hw, precision) for _ in range(steps)] or [1.0]
    return lambda position: costs[min(max(position, 1), len(costs)) - 1]


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

    def observe(self, iteration, losses, image):
        if self.last or iteration < self.steps:
            self.observers.observe(self.offset + iteration, {**losses, "scale": self.scale}, image)

    def step_done(self, state):
        self.observers.step_done(State(self.offset + state.steps, state.variables, resumable=False))

    def finished(self, state):
        pass
