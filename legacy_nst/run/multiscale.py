"""Coarse to fine (--multiscale), in one place: the levels' sizes and steps, the upsampling between them, and
how their entries are numbered as one run.

A step at a fraction f of the size costs about f² of a full-size step, and the coarse levels settle the
image's large structure, so the full-size level starts close to where it ends: each level's final image,
upsampled (bicubic), starts the next. `--iterations` counts the steps of every level (Config.level_steps
shares them out, and refuses shares that do not fit); the log numbers the entries on across levels and
tags each with its level's `scale`. A bfloat16 run's --float32-finish is one more level here, the full size
again in float32. run.plan decides each level's engine and memory from these shapes; run.levels runs them.
"""
from dataclasses import replace

import numpy as np
from PIL import Image

from ..optim.loop import State, Step
from ..vgg19 import MIN_SIZE


def level_shapes(config, size_hw, precision="float32"):
    """[(size, steps, scale, precision)] of the levels, coarsest first, at the working size `size_hw`: one
    per --multiscale fraction (Config.level_steps shares --iterations among them), the full size, and a
    bfloat16 run's --float32-finish N, the full size again in float32 for its last N steps."""
    height, width = size_hw
    coarse, full = config.level_steps()
    shapes = [((max(MIN_SIZE, round(height * scale)), max(MIN_SIZE, round(width * scale))), steps, scale, precision)
              for scale, steps in zip(config.multiscale, coarse)]
    finish = config.float32_finish if precision == "bfloat16" else 0
    shapes.append(((height, width), full - finish, 1.0, precision))
    if finish:
        shapes.append(((height, width), finish, 1.0, "float32"))
    return shapes


def upsample(image, size_hw):
    """Bicubic resize of a float32 (1, h, w, 3) network-space image to (1, H, W, 3), channel by channel."""
    height, width = size_hw
    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(image[0, :, :, c], dtype=np.float32), mode="F")
                           .resize((width, height), Image.Resampling.BICUBIC)) for c in range(image.shape[-1])]
    return np.stack(channels, axis=-1)[np.newaxis].astype(np.float32)


def numbered(step, level, index, offset, count, elapsed):
    """A level's Step as the run reports it: losses tagged, and with more than one level numbered on from the
    levels before (`offset` steps), tagged with the level's `scale`, its state not resumable."""
    tags = {"elapsed": elapsed, "height": level.size[0], "width": level.size[1],
            "precision": step.losses.get("precision", level.precision)}  # a bfloat16 level's float32 part: its own
    if count == 1:
        return replace(step, losses={**step.losses, **tags})
    state = step.state and State(offset + step.state.steps, step.state.variables, resumable=False)
    return Step(offset + step.iteration, {**step.losses, "scale": level.scale, **tags}, step.image, state, index,
                step.terms)
