"""Pictures of a run: its loss curves, and a strip of the checkpoint images.

Drawn with matplotlib's Agg backend (no display needed) and written
atomically, so a plot refreshed during a long run is never seen half written.
"""
import io
import math
import os
import re
from pathlib import Path

import numpy as np

from ..errors import ConfigError, ImageError
from ..io.atomic import atomic_write, check_directory
from ..io.images import from_network, read_image

FORMATS = (".png", ".pdf", ".svg", ".jpg", ".jpeg")
CHECKPOINT_IMAGE = re.compile(r"^(\d{5,})\.png$")
MAX_FRAMES = 15
COLUMNS = 5


def check_plot_path(path, option):
    """Fail before the run if `path` cannot take a figure."""
    extension = os.path.splitext(os.fspath(path))[1].lower()
    if extension not in FORMATS:
        raise ConfigError(f"{option} {path}: unknown figure format '{extension}'; name it with one of "
                          f"{', '.join(FORMATS)}")
    check_directory(path)


def _pyplot():
    import matplotlib  # lazily: only runs that draw figures pay for importing matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path):
    plt = _pyplot()
    buffer = io.BytesIO()
    fmt = os.path.splitext(os.fspath(path))[1].lower().lstrip(".").replace("jpg", "jpeg")
    try:
        figure.savefig(buffer, format=fmt, dpi=100)
    finally:
        plt.close(figure)
    atomic_write(path, buffer.getvalue())


def plot_losses(path, history, alpha, beta, title=None):
    """Total, β·content and α·style against the iteration, log scale: the terms that add up to the total."""
    plt = _pyplot()
    iterations = np.array([entry["iteration"] for entry in history])
    figure, axes = plt.subplots(figsize=(8, 5))
    # The total is drawn wide and pale so that a term lying on it (usually the style) stays visible.
    curves = (("total", 1.0, "total", dict(color="black", linewidth=4, alpha=0.3)),
              ("content", beta, f"content × β ({beta:g})", dict(color="tab:blue", linewidth=1.2)),
              ("style", alpha, f"style × α ({alpha:g})", dict(color="tab:orange", linewidth=1.2)))
    for key, weight, label, style in curves:
        values = np.array([entry[key] * weight for entry in history], dtype=np.float64)
        shown = np.where(values > 0, values, np.nan)  # a zero (content at iteration 0) has no logarithm
        axes.plot(iterations, shown, label=label, **style)
    if len(history):
        best = min(history, key=lambda entry: entry["total"])
        axes.plot([best["iteration"]], [best["total"]], "o", color="black", markersize=4,
                  label=f"lowest total {best['total']:.4g} (iteration {best['iteration']})")
    axes.set_yscale("log")
    axes.set_xlabel("iteration")
    axes.set_ylabel("loss")
    axes.set_title(title or "losses")
    axes.grid(True, which="major", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    _save(figure, path)


def checkpoint_frames(directory, up_to=None):
    """[(iteration, path)] of the checkpoint images NNNNN.png in `directory`, in order."""
    frames = []
    if directory is not None and Path(directory).is_dir():
        for path in Path(directory).iterdir():
            found = CHECKPOINT_IMAGE.match(path.name)
            if found and (up_to is None or int(found.group(1)) <= up_to):
                frames.append((int(found.group(1)), path))
    return sorted(frames)


def evenly_spaced(items, count):
    """At most `count` items at an even stride from the first, the last always among them."""
    if len(items) <= count:
        return list(items)
    stride = math.ceil((len(items) - 1) / (count - 1))
    picked = list(items[::stride])
    return picked if picked[-1] == items[-1] else picked + [items[-1]]


def plot_strip(path, frames, title=None):
    """A grid of images labelled by iteration, like the TensorFlow tutorial's 'iterative process' figure.

    `frames` is [(iteration, uint8 image or image path)]; at most MAX_FRAMES,
    evenly spaced, are shown, five to a row.
    """
    frames = evenly_spaced(list(frames), MAX_FRAMES)
    if not frames:
        raise ImageError(f"{path}: no checkpoint images to show; the run wrote none yet")
    images = [(iteration, read_image(image) if not isinstance(image, np.ndarray) else image)
              for iteration, image in frames]
    plt = _pyplot()
    columns = min(COLUMNS, len(images))
    rows = math.ceil(len(images) / columns)
    height, width = images[0][1].shape[:2]
    tile = 3.0
    figure, axes = plt.subplots(rows, columns, figsize=(tile * columns, tile * rows * height / width + 0.4 * rows),
                                squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    for axis, (iteration, image) in zip(axes.ravel(), images):
        axis.imshow(image)
        axis.set_title(f"iteration {iteration}", fontsize=10)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    _save(figure, path)


class Figures:
    """--plot and --strip, drawn from the history and the checkpoint images."""

    def __init__(self, config, checkpoints):
        self.config = config
        self.checkpoints = checkpoints

    def losses(self, history):
        c = self.config
        plot_losses(c.plot, history, alpha=c.alpha, beta=c.beta,
                    title=f"{c.optimizer}, learning rate {c.learning_rate:g}" if c.optimizer != "lbfgs" else "lbfgs")

    def all(self, history, image, steps, mean_pixel=None):
        """Write whichever of --plot and --strip were asked for; return their paths as text."""
        written = []
        if self.config.plot and history:
            self.losses(history)
            written.append(self.config.plot)
        if self.config.strip:
            final = image if mean_pixel is None else from_network(image, mean_pixel)
            frames = [(i, p) for i, p in checkpoint_frames(self.checkpoints, up_to=steps) if i != steps]
            plot_strip(self.config.strip, frames + [(steps, final)])
            written.append(self.config.strip)
        return ", ".join(written) or None
