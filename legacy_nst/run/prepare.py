"""One prepared run: its inputs read, its size, its styles checked, every level planned and the weights loaded,
once, before anything is built.

`prepare` is the one place this happens. The Python API (run.api.stylize) and
the run that writes its files (record.files.run_to_files) both take what it
returns and hand it to the level loop (run.levels.run_levels).
"""
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

import numpy as np

from ..config import Config
from ..engines import check_supported
from ..errors import ConfigError
from ..cluster import check_reachable
from ..io.checksums import fingerprint
from ..io.images import as_rgb_image, read_input
from ..problem import as_style_list, check_styles
from ..vgg.matfile import VGGWeights, load_vgg19
from .control import Control, control_of
from .plan import Plan, make_plan


def resolved(source) -> Optional[str]:
    """A path as the record names it (absolute, links resolved); None for an array."""
    return None if isinstance(source, np.ndarray) else str(Path(source).resolve())


@dataclass(frozen=True)
class Inputs:
    """The run's images, decoded, with what the record says of them (paths and checksums)."""

    content_rgb: np.ndarray
    styles_rgb: list
    content: Optional[str]   # the resolved path, None for an array
    styles: list
    fingerprints: dict       # {"content": sha256, "style": [sha256, ...]}
    named: tuple             # (content, [style, ...]) as given, for the log
    alpha: Optional[np.ndarray]  # the content's alpha channel under --keep-alpha, else None
    notes: list              # what reading changed (ICC profile to sRGB, greyscale, CMYK, palette, alpha)

    @classmethod
    def read(cls, content, style, keep_alpha=False) -> "Inputs":
        styles = as_style_list(style)
        read = [read_input(source) for source in [content, *styles]]  # sRGB, with notes
        notes = [note for image in read for note in image.notes]
        alpha = read[0].alpha if keep_alpha else None
        if keep_alpha and alpha is None:
            notes.append("--keep-alpha: the content has no alpha channel; the output is opaque")
        return cls(as_rgb_image(read[0].pixels, "content"), [as_rgb_image(image.pixels, "style") for image in read[1:]],
                   resolved(content), [resolved(s) for s in styles],
                   {"content": fingerprint(content), "style": [fingerprint(s) for s in styles]},
                   (str(content), [str(s) for s in styles]), alpha, notes)


@dataclass(frozen=True)
class Prepared:
    """Everything a run decides and reads before its first level is built."""

    config: Config
    inputs: Inputs
    plan: Plan          # every level: size, steps, precision, engine, optimizer, memory (run.plan)
    vgg: VGGWeights     # the loaded network
    control: Control    # the images as the network sees them and the masks (run.control)

    @property
    def size(self):
        """The working size (height, width): the last level's."""
        return self.plan.size


def load_network(config: Config, vgg=None) -> VGGWeights:
    """The network a run uses: `vgg` when already loaded, else the weights file config names (Config.weights_path)."""
    return vgg or load_vgg19(config.weights_path())


def prepare(content, style, config: Config, vgg=None, resuming=False) -> Prepared:
    """Read `content` and `style` (paths or uint8 RGB arrays; style one or a list), size them, check the
    styles, read the masks and control the colours (run.control: its mask checksums and note join the inputs'),
    plan every level (printing nothing: the caller shows Plan.lines()) and load the weights, unless `vgg` holds
    them. `resuming`: the run continues a saved state (record.checkpoints), which the plan and
    the engines may refuse. Each refusal is a one-line ConfigError before any graph is built."""
    vgg = load_network(config, vgg)
    inputs, control = _read(content, style, config)
    size = config.working_size(inputs.content_rgb.shape[:2])
    plan = make_plan(config, size, resuming=resuming)
    check_supported(config, resuming=resuming)
    for address in sorted({level.tile_workers.address for level in plan.levels
                          if level.tile_workers and level.tile_workers.address}):
        check_reachable(address)  # now, not after the untiled levels before it
    return Prepared(config, inputs, plan, vgg, control)


def _read(content, style, config):
    """(Inputs, Control) of a run: the images read, the styles checked at the working size, the colours
    controlled (control's mask checksums and notes joined to the inputs')."""
    inputs = Inputs.read(content, style, config.keep_alpha)
    check_styles(config, inputs.styles_rgb, config.working_size(inputs.content_rgb.shape[:2]))
    control = control_of(config, inputs.content_rgb, inputs.styles_rgb)
    return replace(inputs, fingerprints={**inputs.fingerprints, **control.fingerprints},
                   notes=[*inputs.notes, *control.notes]), control


def with_content(prepared: Prepared, content) -> Prepared:
    """`prepared` on another content image (path or uint8 RGB array) of the same working size, a clip's next
    frame: what prepare reads and derives from the content (the inputs, the control: colour control follows the
    content) again, its styles, plan, checks and weights kept. Equal to prepare(content, ...) of the same
    styles; another working size is a one-line ConfigError."""
    config = prepared.config
    inputs, control = _read(content, prepared.inputs.styles_rgb, config)
    size = config.working_size(inputs.content_rgb.shape[:2])
    if tuple(size) != tuple(prepared.size):
        raise ConfigError(f"a content image working at {size[1]}x{size[0]} in a run prepared at "
                          f"{prepared.size[1]}x{prepared.size[0]}; prepare the run for it")
    return replace(prepared, inputs=inputs, control=control)
