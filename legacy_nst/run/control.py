"""Control (Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer"): what the network is
given under --style-mask, --style-region-mask, --guidance and --color-control, from a run's decoded images.

Prepared once per run (run.prepare) and per scoring (run.score), so that a run and its score see the same
images and masks:

- the masks are read (io.masks), one per --style, and checked against their images' frames (aspect ratio, not
  black everywhere); problem.build_problem resizes them to each level's working size, and the tiled engines cut
  them with their tiles (losses.guided). The share of the content no mask covers gets the content term alone:
  one note says how much.
- --color-control luminance gives the network the content's luminance and each style's, matched to the
  content's mean and variance, as grey images (io.color_control.luminance_inputs); `render` (io.colors) puts
  the content's chroma back on every image the run writes. histogram gives the network each style with its
  colours mapped to the content's mean and covariance (io.color_control.match_colors).
"""
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional, Tuple

import numpy as np

from ..config import Config
from ..errors import ConfigError
from ..io.checksums import fingerprint
from ..io.color_control import check_colorful, grey_image, luminance_inputs, match_colors, rgb_to_yiq
from ..io.masks import check_mask, read_mask, resize_mask
from ..losses.guidance import uncovered


@dataclass(frozen=True)
class Control:
    """The images as the network sees them, and the terms' extra inputs (problem.build_problem's `inputs`)."""

    content_rgb: np.ndarray               # uint8 (H, W, 3); luminance control: the content's luminance, grey
    styles_rgb: Tuple[np.ndarray, ...]    # uint8, each style; luminance: grey, matched; histogram: recoloured
    inputs: Mapping = field(default_factory=dict)  # "style_masks", "style_region_masks" (on their frames), "guidance"
    fingerprints: dict = field(default_factory=dict)  # {"style_mask": [sha256, ...], ...} of the mask files read
    notes: Tuple[str, ...] = ()           # the share of the content no mask covers
    luminance: bool = False               # --color-control luminance: images are scored on their luminance

    def network_view(self, rgb):
        """A uint8 RGB image as this control shows it to the network: its luminance as a grey image under
        luminance control (what the run optimised), else itself."""
        return grey_image(rgb_to_yiq(rgb)[..., 0]) if self.luminance else rgb


def read_masks(paths, flag, image_shapes, image_label) -> Tuple[np.ndarray, ...]:
    """The masks at `paths`, one per image of `image_shapes`, each checked against its image's frame; a count
    that is not one per --style is a one-line ConfigError."""
    if len(paths) != len(image_shapes):
        raise ConfigError(f"{len(paths)} {flag} image(s) for {len(image_shapes)} --style image(s); give one {flag} "
                          "per --style, in the same order")
    masks = []
    for index, (path, shape) in enumerate(zip(paths, image_shapes)):
        number = flag if len(paths) == 1 else f"{flag} {index + 1}"
        mask = read_mask(path, number)  # its errors name the path
        label = f"{flag} {path}" if len(paths) == 1 else f"{number} ({path})"
        check_mask(mask, shape, label, image_label(index))
        masks.append(mask)
    return tuple(masks)


def _uncovered_note(masks, content_hw) -> Optional[str]:
    share = uncovered([resize_mask(mask, content_hw) for mask in masks])
    if share == 0:
        return None
    return (f"--style-mask: {share:.1%} of the content is black in every mask, so only the content term applies "
            "there")


def _colors(config, content_rgb, styles_rgb):
    """(content, styles) as the network sees them under --color-control (see the module)."""
    if config.color_control is None:
        return content_rgb, tuple(styles_rgb)
    check_colorful(content_rgb, "the content image")
    if config.color_control == "luminance":
        content, styles = luminance_inputs(content_rgb, styles_rgb)
        return content, tuple(styles)
    return content_rgb, tuple(match_colors(style, content_rgb) for style in styles_rgb)


def control_of(config: Config, content_rgb, styles_rgb) -> Control:
    """The Control of `config` for decoded uint8 RGB images: masks read and checked, colours controlled; each
    refusal a one-line ConfigError or ImageError before anything is built."""
    inputs, fingerprints, notes = {}, {}, []
    content_hw = content_rgb.shape[:2]
    if config.style_mask:
        masks = read_masks(config.style_mask, "--style-mask", [content_hw] * len(styles_rgb),
                           lambda _: "the content image")
        inputs["style_masks"] = masks
        fingerprints["style_mask"] = [fingerprint(path) for path in config.style_mask]
        notes += filter(None, [_uncovered_note(masks, content_hw)])
    if config.style_region_mask:
        inputs["style_region_masks"] = read_masks(
            config.style_region_mask, "--style-region-mask", [style.shape[:2] for style in styles_rgb],
            lambda index: f"style image {index + 1}")
        fingerprints["style_region_mask"] = [fingerprint(path) for path in config.style_region_mask]
    if inputs:
        inputs["guidance"] = config.guidance
    content, styles = _colors(config, content_rgb, styles_rgb)
    return Control(content, styles, MappingProxyType(inputs), fingerprints, tuple(notes),
                   config.color_control == "luminance")
