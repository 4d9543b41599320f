"""Coarse-to-fine optimisation (--multiscale): solve a smaller problem first, upsample, continue.

A step at a fraction f of the size costs about f² of a full-size step, and the
coarse levels settle the image's large structure, so the full-size level starts
close to where it ends. `--iterations` counts the steps of every level; the
log numbers them consecutively and tags each entry with its level's `scale`.
"""
import time

import numpy as np
from PIL import Image

from .errors import ConfigError

MIN_LEVEL_SIZE = 16  # images.MIN_SIZE, the smallest size the network takes


def parse_scales(text):
    """'0.25,0.5' -> (0.25, 0.5); a whole number L -> L levels halving the size (3 -> (0.25, 0.5))."""
    if text is None:
        return ()
    if isinstance(text, str):
        items = [part.strip() for part in text.split(",") if part.strip()]
        if len(items) == 1 and items[0].isdigit():
            levels = int(items[0])
            if levels < 1:
                raise ConfigError("--multiscale 0 has no level; give a number of levels >= 1 or fractions like 0.25,0.5")
            return tuple(0.5 ** k for k in range(levels - 1, 0, -1))
        try:
            scales = tuple(float(item) for item in items)
        except ValueError:
            raise ConfigError(f"--multiscale {text!r} is not a list of numbers; write fractions of the size, "
                              "e.g. 0.25,0.5, or a number of levels, e.g. 3") from None
    else:
        scales = tuple(float(value) for value in text)
    for scale in scales:
        if not 0.0 < scale < 1.0:
            raise ConfigError(f"--multiscale fraction {scale:g} is not between 0 and 1; the full size comes last "
                              "by itself, so give only the smaller levels, e.g. 0.25,0.5")
    if any(b <= a for a, b in zip(scales, scales[1:])):
        raise ConfigError(f"--multiscale fractions {','.join(f'{s:g}' for s in scales)} must increase, "
                          "coarsest first, e.g. 0.25,0.5")
    return scales


def check_multiscale_iterations(config):
    """--multiscale-iterations must leave the full-size level a non-negative number of steps."""
    steps = config.multiscale_iterations
    if steps is None:
        return
    if steps < 0:
        raise ConfigError(f"--multiscale-iterations must be >= 0, got {steps}")
    if config.multiscale and steps * len(config.multiscale) > config.iterations:
        raise ConfigError(f"--multiscale-iterations {steps} at {len(config.multiscale)} coarse level(s) exceeds "
                          f"--iterations {config.iterations}, which counts the steps of every level; raise "
                          "--iterations or lower --multiscale-iterations")


def plan(config, size_hw):
    """[(size (h, w), steps, scale), ...] coarsest first, the full size last."""
    height, width = size_hw
    scales = tuple(config.multiscale) + (1.0,)
    coarse = (config.multiscale_iterations if config.multiscale_iterations is not None
              else config.iterations // len(scales))
    levels = []
    for scale in config.multiscale:
        size = (max(MIN_LEVEL_SIZE, round(height * scale)), max(MIN_LEVEL_SIZE, round(width * scale)))
        levels.append((size, coarse, scale))
    levels.append(((height, width), config.iterations - coarse * len(config.multiscale), 1.0))
    return levels


def upsample(image, size_hw):
    """Bicubic resize of a float32 (1, h, w, 3) network-space image to (1, H, W, 3), channel by channel."""
    height, width = size_hw
    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(image[0, :, :, c], dtype=np.float32), mode="F")
                           .resize((width, height), Image.Resampling.BICUBIC)) for c in range(image.shape[-1])]
    return np.stack(channels, axis=-1)[np.newaxis].astype(np.float32)


def stylize_multiscale(content, style, config, *, vgg, observe=None, state=None):
    """transfer.stylize at each level of plan(); history, observer and `elapsed` run on across levels.

    `state` (a resume.Checkpointer) only sees stop requests here: a Ctrl-C ends
    the run at any level, but no resumable state is saved across levels.
    """
    from .images import working_size
    from .resume import StopOnly
    from .runtime import resolve_precision
    from .styles import as_style_list
    from .transfer import Result, _as_image, stylize

    content_rgb = _as_image(content, "content")
    style_rgb = [_as_image(image, "style") for image in as_style_list(style)]
    size = working_size(content_rgb.shape[:2], config.width, config.height, config.image_size)
    base = config.replace(multiscale=(), multiscale_iterations=None,
                          precision=resolve_precision(config.precision))  # says so once, not per level
    levels = plan(config, size)
    history, summary, start, result = [], [], None, None
    offset, started = 0, time.perf_counter()
    for index, ((height, width), steps, scale) in enumerate(levels):
        last = index == len(levels) - 1

        def level_observe(iteration, values, image, offset=offset, steps=steps, scale=scale, last=last):
            # A coarse level's final image is the next level's entry 0, upsampled: report it once, there.
            if observe is not None and (last or iteration < steps):
                observe(offset + iteration, {**values, "scale": scale}, image)

        result = stylize(content_rgb, style_rgb, base.replace(width=width, height=height, iterations=steps),
                         vgg=vgg, observe=level_observe, start=start, started=started,
                         state=None if state is None else StopOnly(state, offset))
        history += [{**entry, "iteration": offset + entry["iteration"], "scale": scale}
                    for entry in result.history if last or entry["iteration"] < steps]
        summary.append({"scale": scale, "width": width, "height": height, "iterations": steps,
                        "s_per_iter": result.s_per_iter})
        offset += steps
        if not last:
            start = upsample(result.extra["network_image"], levels[index + 1][0])
    return Result(image=result.image, history=history, s_per_iter=result.s_per_iter, config=config, size=size,
                  extra={**result.extra, "levels": summary})
