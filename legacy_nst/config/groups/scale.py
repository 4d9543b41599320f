"""Scale control (Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer", section 6), in the
--help group "control": the fine scale of one painting with the coarse scale of another.

A style's scale is the size of the image neighbourhoods its statistics describe: a VGG layer's Gram matrix sees
structures up to its receptive field (conv1_1: 3 px, conv2_1: 10 px, conv3_1: 24 px, conv4_1: 68 px, conv5_1:
156 px). run.scale first makes a new style image holding --style-fine's Gram matrices on --fine-layers and
--style-coarse's on the other style layers, then the run transfers it as any --style.

Config (config.options) is made of these groups' fields, in GROUP_NAMES' order.
"""
import functools
from dataclasses import dataclass
from typing import Optional, Tuple

from ...errors import ConfigError
from ...vgg19 import CONV_LAYERS
from ..roles import PATH, RESULT, option

FINE_LAYERS = ("conv1_1", "conv2_1")  # receptive fields up to 10 px: brush strokes and grain, not shapes
_control = functools.partial(option, group="control")


def parse_layer_names(text) -> Tuple[str, ...]:
    """'conv1_1,conv2_1' (or a list of names, as a TOML spec or a saved run writes them) -> a tuple of names."""
    names = [str(part).strip() for part in (text.split(",") if isinstance(text, str) else text)]
    names = [name for name in names if name]
    if not names:
        raise ConfigError("empty layer list; give at least one layer, e.g. 'conv1_1,conv2_1'")
    for name in names:
        if name not in CONV_LAYERS:
            raise ConfigError(f"unknown layer {name!r}; choose from {', '.join(CONV_LAYERS)}")
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class ScaleOptions:
    """Scale control: which painting gives the fine scale, which the coarse, and where the two meet."""

    style_fine: Optional[str] = _control(
        None, "scale control (Gatys et al. 2017, sec. 6): the painting whose fine scale (brush strokes, on "
        "--fine-layers) the run takes; with --style-coarse, instead of --style. A new style image (B's shapes in A's "
        "strokes) is made first, from --style-coarse, and written beside OUTPUT as NAME.style.png; then it is "
        "transferred. For coarse-to-fine at high resolution (the paper's other use of scale) see --multiscale and "
        "--schedule; docs/control.md", metavar="A", roles=(RESULT, PATH))
    style_coarse: Optional[str] = _control(
        None, "scale control: the painting whose coarse scale (shapes and layout, on the --style-layers not in "
        "--fine-layers) the run takes; it also starts the new style image and sets its proportions",
        metavar="B", roles=(RESULT, PATH))
    fine_layers: Tuple[str, ...] = _control(
        FINE_LAYERS, "scale control: the style layers that count as fine, --style-fine's; the other --style-layers "
        "are --style-coarse's", metavar="LAYER,...", parse=parse_layer_names, roles=(RESULT,))


def check_scale(config):
    """Both paintings or neither, and --fine-layers a proper part of --style-layers (each side has a layer)."""
    fine, coarse = config.style_fine, config.style_coarse
    if (fine is None) != (coarse is None):
        given, missing = ("--style-fine", "--style-coarse") if coarse is None else ("--style-coarse", "--style-fine")
        raise ConfigError(f"{given} without {missing}: scale control combines two paintings; give both, or "
                          "--style alone")
    if fine is None:
        return
    styles = [name for name, _ in config.style_layers]
    outside = [name for name in config.fine_layers if name not in styles]
    if outside:
        raise ConfigError(f"--fine-layers {','.join(outside)} not among --style-layers ({','.join(styles)}); "
                          "choose the fine layers from the style layers")
    if all(name in config.fine_layers for name in styles):
        raise ConfigError(f"--fine-layers {','.join(config.fine_layers)} takes every style layer, leaving none for "
                          "--style-coarse; leave the deeper layers out of --fine-layers")
