"""Turning option text ('conv1_1:0.5,conv2_1', 'true', '0.8,0.2', '0.25,0.5') into values, with one-line errors."""
import math
import os
from typing import Tuple

from ..errors import ConfigError
from ..vgg19 import CONV_LAYERS

LayerWeights = Tuple[Tuple[str, float], ...]
MAX_LEVELS = 16  # --multiscale L halves the size L-1 times: 2^15 is more than any side (20000 px at most)


def parse_layer_weights(text, default_weight=1.0) -> LayerWeights:
    """Parse 'conv1_1:0.5,conv2_1:1.0' (a bare name weighs `default_weight`)."""
    if isinstance(text, (list, tuple)) and all(isinstance(item, str) for item in text):
        text = ",".join(text)  # ['conv1_1', 'conv2_1:0.5'], as a TOML spec writes them
    if not isinstance(text, str):
        try:
            pairs = tuple((str(name), float(weight)) for name, weight in text)
        except (TypeError, ValueError):
            raise ConfigError(f"{text!r} is not a list of layers; write e.g. 'conv1_1:0.5,conv2_1:1.0'") from None
    else:
        pairs = []
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, _, weight = item.partition(":")
            try:
                pairs.append((name.strip(), float(weight) if weight else default_weight))
            except ValueError:
                raise ConfigError(f"layer weight {item!r} is not a number; write layers as 'conv1_1:0.5,conv2_1:1.0'") from None
        pairs = tuple(pairs)
    if not pairs:
        raise ConfigError("empty layer list; give at least one layer, e.g. 'conv4_2'")
    for name, weight in pairs:
        if name not in CONV_LAYERS:
            raise ConfigError(f"unknown layer {name!r}; choose from {', '.join(CONV_LAYERS)}")
        if not 0 <= weight < math.inf:  # NaN too
            raise ConfigError(f"layer {name} has weight {weight}; layer weights must be finite and >= 0")
    return pairs


def format_layer_weights(pairs: LayerWeights) -> str:
    return ",".join(f"{name}:{weight:g}" for name, weight in pairs)


def parse_flag(text) -> bool:
    """'true'/'false' (also yes/no, on/off, 1/0) from the command line; bools pass through."""
    if isinstance(text, bool):
        return text
    value = str(text).strip().lower()
    if value in ("true", "yes", "on", "1"):
        return True
    if value in ("false", "no", "off", "0"):
        return False
    raise ConfigError(f"{text!r} is not a yes/no value; write true or false")


def parse_numbers(text) -> Tuple[float, ...]:
    """Parse '0.8,0.2' (or a number, or a sequence of numbers) into a tuple of floats."""
    if isinstance(text, (int, float)):
        text = (text,)
    try:
        items = text.split(",") if isinstance(text, str) else list(text)
        numbers = tuple(float(item) for item in items if not isinstance(item, str) or item.strip())
    except (TypeError, ValueError):
        raise ConfigError(f"{text!r} is not a list of numbers; write e.g. '0.8,0.2'") from None
    if not numbers:
        raise ConfigError("empty list of numbers; give e.g. '0.8,0.2'")
    return numbers


def parse_scales(text) -> Tuple[float, ...]:
    """--multiscale: '0.25,0.5' -> (0.25, 0.5); a whole number L -> L levels halving the size (3 -> (0.25, 0.5))."""
    if text is None:
        return ()
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)  # a number of levels, as '--multiscale 3'
    if isinstance(text, str):
        items = [part.strip() for part in text.split(",") if part.strip()]
        if len(items) == 1 and items[0].isdigit():
            levels = int(items[0])
            if levels < 1:
                raise ConfigError("--multiscale 0 has no level; give a number of levels >= 1 or fractions like 0.25,0.5")
            if levels > MAX_LEVELS:
                raise ConfigError(f"--multiscale {levels}: at most {MAX_LEVELS} levels (with more, the coarsest is "
                                  "under a pixel at any size); give fewer, e.g. 3")
            return tuple(0.5 ** k for k in range(levels - 1, 0, -1))
        try:
            scales = tuple(float(item) for item in items)
        except ValueError:
            raise ConfigError(f"--multiscale {text!r} is not a list of numbers; write fractions of the size, "
                              "e.g. 0.25,0.5, or a number of levels, e.g. 3") from None
    else:
        try:
            scales = tuple(float(value) for value in text if not isinstance(value, bool))
        except (TypeError, ValueError):
            scales = ()
        if not isinstance(text, (list, tuple)) or len(scales) != len(text):
            raise ConfigError(f"--multiscale {text!r} is not a list of numbers; write fractions of the size, "
                              "e.g. 0.25,0.5, or a number of levels, e.g. 3")
    for scale in scales:
        if not 0.0 < scale < 1.0:
            raise ConfigError(f"--multiscale fraction {scale:g} is not between 0 and 1; the full size comes last "
                              "by itself, so give only the smaller levels, e.g. 0.25,0.5")
    if any(b <= a for a, b in zip(scales, scales[1:])):
        raise ConfigError(f"--multiscale fractions {','.join(f'{s:g}' for s in scales)} must increase, "
                          "coarsest first, e.g. 0.25,0.5")
    return scales


def parse_counts(text) -> Tuple[int, ...]:
    """--multiscale-iterations: '80' -> (80,), one count for every coarse level; '200,60,20' -> one per level."""
    items = text if isinstance(text, (list, tuple)) else str(text).split(",")
    whole = [item.strip() if isinstance(item, str) else item for item in items]
    if not whole or not all((isinstance(v, int) and not isinstance(v, bool) and v >= 0)
                            or (isinstance(v, str) and v.isdigit()) for v in whole):
        raise ConfigError(f"--multiscale-iterations {text!r} is not a step count; give whole numbers >= 0, one "
                          "for every coarse level (e.g. 80) or one per level, coarsest first (e.g. 200,60,20)")
    return tuple(int(value) for value in whole)


def parse_tile(text) -> str:
    """--tile: 'auto', 'off' or a core size, a positive multiple of 16 (kept as text: '512')."""
    value = str(text).strip().lower()
    if value in ("auto", "off"):
        return value
    if not value.isdigit() or int(value) <= 0:
        raise ConfigError(f"--tile {text!r} is not a size; give a core size in pixels (a multiple of 16, e.g. "
                          "512), auto or off")
    if int(value) % 16:
        raise ConfigError(f"--tile {value} is not a multiple of 16 (tile origins sit on VGG's 16-pixel pooling "
                          f"grid); give e.g. --tile {max(16, 16 * round(int(value) / 16))}")
    return str(int(value))


def parse_paths(value) -> Tuple[str, ...]:
    """--style-mask A --style-mask B, or A,B (split on commas unless the whole value is an existing file), as
    --style takes its images; a list of paths (a TOML spec's, a resumed run's) or one path -> a tuple of paths."""
    items = [value] if isinstance(value, (str, os.PathLike)) else value
    if not isinstance(items, (list, tuple)):
        raise ConfigError(f"{value!r} is not a path or a list of paths; give image paths, e.g. sky.png")
    paths = []
    for item in items:
        if isinstance(item, (list, tuple)):  # argparse's append of parsed values
            paths += parse_paths(item)
        elif isinstance(item, (str, os.PathLike)):
            text = os.fspath(item)
            paths += [text] if os.path.exists(text) else [part for part in text.split(",") if part]
        else:
            raise ConfigError(f"{item!r} is not a path; give image paths, e.g. sky.png")
    if not paths:
        raise ConfigError("empty list of paths; give one image path per --style")
    return tuple(paths)
