"""sheet.png: a sweep's results on one page.

With one or two axes that vary it is laid out like Figure 3 of Gatys et al.:
the first axis down the rows, the second across the columns, each row and
column named by its value, and the fixed content and style images in the top
left corner (an image axis shows its images as the labels). With more axes it
is a plain grid, each cell titled with its values. Jobs without an image
(failed, interrupted) are grey cells saying so.
"""
import io
import math
from pathlib import Path

import numpy as np
from PIL import Image

from .pipeline import atomic_write

SHEET = "sheet.png"
CELL_INCHES = 1.9
DPI = 100
IMAGE_AXES = ("content", "style")
GREY = 0.85
FONT_SIZE = 8
LINE_PIXELS = 16  # one line of FONT_SIZE text with its spacing, and some room, at DPI
MAX_CELLS = 400  # a larger sweep has no sheet: 10,000 cells would take minutes and a picture too large to look at


def _pyplot():
    import matplotlib  # heavy: only drawing the sheet needs it

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def label(name, value):
    """A short text for an axis value: layer lists as 'conv1_1 … conv5_1', paths by file name."""
    if name in IMAGE_AXES:
        values = value if isinstance(value, list) else [value]
        return "+".join(Path(str(v)).stem for v in values)
    if name.endswith("_layers") and isinstance(value, str):
        layers = [item.split(":")[0].strip() for item in value.split(",") if item.strip()]
        return " + ".join(layers) if len(layers) <= 2 else f"{layers[0]} … {layers[-1]}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _ratio(options):
    """Gatys et al.'s content:style ratio (beta/alpha here), shown under an alpha or beta label."""
    alpha, beta = options.get("alpha"), options.get("beta")
    return f"content:style {beta / alpha:.0e}".replace("e-0", "e-").replace("e+0", "e+") if alpha else None


def _thumbnail(path, size):
    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
            image.thumbnail((size, size))
            return np.asarray(image)
    except Exception:  # a missing or broken image: the cell says so instead
        return None


def _show(ax, image, text=None, title=None):
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    if image is not None:
        ax.imshow(image)
    else:
        ax.set_facecolor((GREY, GREY, GREY))
    if text:
        ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=FONT_SIZE, wrap=True, transform=ax.transAxes)
    if title:
        ax.set_title(title, fontsize=FONT_SIZE)


def _label(figure, cell, image, text, pixels):
    """A row, column or corner label in its grid cell: the text alone, or the image above its text.

    The text has its own strip at the bottom of the cell, as many lines high as it has, so no image, portrait
    or landscape, runs into it (a title above a portrait image would cover the cell above).
    """
    if image is None:
        ax = figure.add_subplot(cell)
        _show(ax, None, text)
        ax.axis("off")
        return
    strip = (text.count("\n") + 1) * LINE_PIXELS if text else 0
    parts = cell.subgridspec(2, 1, height_ratios=[pixels - strip, max(strip, 1)], hspace=0)
    _show(figure.add_subplot(parts[0]), image)
    below = figure.add_subplot(parts[1])
    below.axis("off")
    if text:
        below.text(0.5, 1.0, text, ha="center", va="top", fontsize=FONT_SIZE, transform=below.transAxes)


def varying_axes(spec):
    """The axis groups with more than one value, each as the list of its names."""
    named = dict(spec.axes)
    return [list(group) for group in spec.groups if len(named[group[0]]) > 1]


def draw_sheet(spec, entries, path):
    """Draw the contact sheet of `entries` (manifest entries, spec order) to `path`, atomically; return `path`,
    or None (and draw nothing) for a sweep of more than MAX_CELLS jobs."""
    if len(spec.jobs) > MAX_CELLS:
        return None
    figure = sheet_figure(spec, entries)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    _pyplot().close(figure)
    atomic_write(path, buffer.getvalue())
    return path


def sheet_figure(spec, entries):
    """The contact sheet as a matplotlib figure (the caller closes it)."""
    plt = _pyplot()
    by_id = {e["id"]: e for e in entries}
    cells = [(job, by_id.get(job.id)) for job in spec.jobs]
    axes = varying_axes(spec)
    pixels = int(CELL_INCHES * DPI)
    if 1 <= len(axes) <= 2:
        return _figure3(plt, spec, cells, axes, pixels)
    return _plain_grid(plt, cells, pixels)


def _result(entry, pixels):
    if entry is None:
        return None, "not run"
    if entry["status"] in ("completed", "skipped"):
        image = _thumbnail(entry["output"], pixels)
        return image, None if image is not None else "image missing"
    return None, entry["status"]


def _group_label(group, job, pixels):
    """The label of one row or column: text, or for an image axis its thumbnail too."""
    lines = [f"{name} {label(name, job.values[name])}" if name not in IMAGE_AXES else label(name, job.values[name])
             for name in group]
    if any(name in ("alpha", "beta") for name in group):
        lines.append(_ratio(job.options))
    image_axis = next((name for name in group if name in IMAGE_AXES), None)
    image = None
    if image_axis:
        source = job.options[image_axis]
        image = _thumbnail(source[0] if isinstance(source, list) else source, pixels)
    return image, "\n".join(line for line in lines if line)


def _corner(spec, job, varying, pixels):
    """Content and style side by side, each unless it is an axis (then its images label the grid)."""
    parts = []
    for name in IMAGE_AXES:
        if name in varying:
            continue
        source = job.options[name]
        thumb = _thumbnail(source[0] if isinstance(source, list) else source, pixels // 2)
        if thumb is not None:
            parts.append(thumb)
    if not parts:
        return None
    height = max(p.shape[0] for p in parts)
    padded = [np.pad(p, ((0, height - p.shape[0]), (0, 4), (0, 0)), constant_values=255) for p in parts]
    return np.concatenate(padded, axis=1)


def _figure3(plt, spec, cells, axes, pixels):
    rows_group = axes[0]
    cols_group = axes[1] if len(axes) == 2 else []
    row_keys = list(dict.fromkeys(tuple(str(job.values[n]) for n in rows_group) for job, _ in cells))
    col_keys = list(dict.fromkeys(tuple(str(job.values[n]) for n in cols_group) for job, _ in cells))
    grid = {}
    first_in_row, first_in_col = {}, {}
    for job, entry in cells:
        r = row_keys.index(tuple(str(job.values[n]) for n in rows_group))
        c = col_keys.index(tuple(str(job.values[n]) for n in cols_group))
        grid.setdefault((r, c), (job, entry))  # axes that do not vary: one cell per row and column
        first_in_row.setdefault(r, job)
        first_in_col.setdefault(c, job)
    n_rows, n_cols = len(row_keys), len(col_keys)
    varying = {name for group in axes for name in group}
    image_cols = any(n in IMAGE_AXES for n in cols_group)
    header = 1.0 if image_cols else 0.45
    figure = plt.figure(figsize=(CELL_INCHES * (n_cols + 1), CELL_INCHES * (n_rows + header)))
    spec_grid = figure.add_gridspec(n_rows + 1, n_cols + 1, height_ratios=[header] + [1] * n_rows,
                                    wspace=0.04, hspace=0.12, left=0.01, right=0.99, top=0.97, bottom=0.01)
    _label(figure, spec_grid[0, 0], _corner(spec, cells[0][0], varying, pixels),
           " + ".join(n for n in IMAGE_AXES if n not in varying), int(pixels * header))
    for c in range(n_cols):
        image, text = _group_label(cols_group, first_in_col[c], pixels) if cols_group else (None, "")
        _label(figure, spec_grid[0, c + 1], image, text, int(pixels * header))
    for r in range(n_rows):
        image, text = _group_label(rows_group, first_in_row[r], pixels)
        _label(figure, spec_grid[r + 1, 0], image, text, pixels)
        for c in range(n_cols):
            ax = figure.add_subplot(spec_grid[r + 1, c + 1])
            job, entry = grid.get((r, c), (None, None))
            image, text = _result(entry, pixels)
            _show(ax, image, text)
    return figure


def _plain_grid(plt, cells, pixels):
    n_cols = max(1, math.ceil(math.sqrt(len(cells))))
    n_rows = max(1, math.ceil(len(cells) / n_cols))
    figure, grid = plt.subplots(n_rows, n_cols, figsize=(CELL_INCHES * n_cols, CELL_INCHES * n_rows * 1.2),
                                squeeze=False)
    for ax in grid.flat:
        ax.axis("off")
    for ax, (job, entry) in zip(grid.flat, cells):
        ax.axis("on")
        image, text = _result(entry, pixels)
        title = "\n".join(f"{n} {label(n, v)}" for n, v in job.values.items()) or job.id
        _show(ax, image, text, title=title)
    figure.tight_layout()
    return figure
