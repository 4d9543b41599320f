"""A run's problem, independent of how it is evaluated: images in network space, layers, weights, start.

`build_problem` turns a Config and the decoded images into a `Problem` at one
working size. Every engine evaluates the same Problem, so every option that
shapes the objective (layer blends, several styles, style scale, TV) means the
same on each; --multiscale builds one Problem per level.

The objective is losses.terms.objective_of(config, inputs): every registered kind
of term, with the layer options (--content-weight-blend, --style-layer-weight-exp)
resolved there; `inputs` (Problem.inputs) holds the terms' extra arrays at this
working size, e.g. the style masks of guided Gram matrices (prepare_inputs).
"""
import dataclasses
import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional, Tuple

import numpy as np

from .errors import ConfigError
from .io.images import MAX_SIZE, MIN_SIZE, load_image, pixel_bounds, resize, to_network
from .io.masks import as_mask, check_mask, resize_mask
from .losses.terms import Objective, content_layers, objective_of, style_layers
from .vgg19 import deepest_layer

NOISE_RANGE = 20.0  # art.py: np.random.uniform(-20, 20, ...)


def layers_in_use(config):
    """Every layer a loss reads, after the layer options."""
    return tuple(name for name, _ in content_layers(config) + style_layers(config))


def as_style_list(style):
    """One style (path or array) or a list/tuple of them -> a list."""
    return list(style) if isinstance(style, (list, tuple)) else [style]


def blend_weights(config, count):
    """--style-blend-weights normalised to sum 1 (equal weights by default)."""
    weights = config.style_blend_weights or (1.0,) * count
    if len(weights) != count:
        raise ConfigError(f"--style-blend-weights has {len(weights)} value(s) for {count} style image(s); "
                          "give one weight per --style")
    return tuple(w / sum(weights) for w in weights)


def style_sizes(style_shapes, working_hw, config):
    """(height, width) of each style image in the network.

    Without --style-scale: the working size (art.py stretches the style to it).
    With S: S times the working width, the style's own aspect ratio kept
    (anishathalye's); with --image-size L as well, the style's longest side is
    ceil(S * L) (the working size's longest side), as jcjohnson's -style_scale.
    """
    scales = config.style_scale
    if scales is None:
        return [tuple(working_hw)] * len(style_shapes)
    if len(scales) == 1:
        scales = scales * len(style_shapes)
    if len(scales) != len(style_shapes):
        raise ConfigError(f"--style-scale has {len(scales)} values for {len(style_shapes)} style images; "
                          "give one value, or one per --style")
    sizes = []
    for (image_h, image_w), scale in zip(style_shapes, scales):
        if config.image_size is not None:
            longest = math.ceil(scale * max(working_hw))  # = --image-size at full size, scaled at --multiscale levels
            height, width = ((max(1, round(longest * image_h / image_w)), longest) if image_w >= image_h
                             else (longest, max(1, round(longest * image_w / image_h))))
        else:
            width = max(1, round(scale * working_hw[1]))
            height = max(1, round(width * image_h / image_w))
        if min(height, width) < MIN_SIZE or max(height, width) > MAX_SIZE:
            raise ConfigError(f"--style-scale {scale:g} makes a {image_w}x{image_h} style image {width}x{height}; "
                              f"each side must be within {MIN_SIZE}..{MAX_SIZE} pixels, choose another scale")
        sizes.append((height, width))
    return sizes


def check_styles(config, styles_rgb, working_hw):
    """Raise ConfigError now if the blend weights or style scales do not fit these style images."""
    blend_weights(config, len(styles_rgb))
    style_sizes([image.shape[:2] for image in styles_rgb], working_hw, config)


def prepare_styles(styles_rgb, working_hw, config, mean_pixel):
    """The style images resized for the network (style_sizes): a list of float32 (1, h, w, 3)."""
    sizes = style_sizes([image.shape[:2] for image in styles_rgb], working_hw, config)
    return [to_network(resize(image, size), mean_pixel) for image, size in zip(styles_rgb, sizes)]


def initial_image(config, content, style, size_hw, mean_pixel):
    """The image the optimisation starts from, in network space (1, H, W, 3) float32: --init's, blended with
    --init-std normal noise by --init-noiseblend B, as anishathalye's stylize.py blends its initial image:
    initial * (1 - B) + randn * 0.256 * B (the noise from RandomState(--seed), drawn after --init's own)."""
    start, rng = _init_image(config, content, style, size_hw, mean_pixel)
    blend = config.init_noiseblend
    if not blend:
        return start
    noise = rng.standard_normal(start.shape) * config.init_std
    return (start * (1.0 - blend) + noise * blend).astype(np.float32)


def _init_image(config, content, style, size_hw, mean_pixel):
    """(--init's image in network space (1, H, W, 3) float32, the RandomState(--seed) after its draws).

    'noise' is art.py's generate_noise_image: uniform(-20, 20) noise mixed with
    the content by noise_ratio; with --seed S the draws equal art.py's after
    np.random.seed(S). 'randn' is the peers' normal noise of --init-std around
    the mean pixel (network space 0), from numpy's RandomState(seed): Torch's
    and TensorFlow's generators are not reproduced.
    """
    height, width = size_hw
    rng = np.random.RandomState(config.seed)
    if config.init == "content":
        return content, rng
    if config.init == "style":
        return style, rng
    if config.init == "randn":  # jcjohnson: torch.randn(...):mul(0.001); anishathalye: tf.random_normal * 0.256
        return (rng.standard_normal((1, height, width, 3)) * config.init_std).astype(np.float32), rng
    if config.init in ("noise", "random"):
        noise = rng.uniform(-NOISE_RANGE, NOISE_RANGE, (1, height, width, 3)).astype(np.float32)
        if config.init == "random":
            return noise, rng
        return (noise * config.noise_ratio + content * (1.0 - config.noise_ratio)).astype(np.float32), rng
    return to_network(load_image(config.init, size_hw), mean_pixel), rng


@dataclass(frozen=True)
class Problem:
    """What to minimise at one working size, in network space (RGB 0-255 minus VGG's mean pixel)."""

    size: Tuple[int, int]         # (height, width)
    content: np.ndarray           # (1, H, W, 3) float32
    styles: Tuple[np.ndarray, ...]  # each (1, h, w, 3) float32 at its own size (--style-scale)
    style_weights: Tuple[float, ...]  # blend weights, summing to 1
    objective: Objective          # the terms and group weights (alpha, beta, tv_weight)
    start: np.ndarray             # (1, H, W, 3) float32: where the optimisation starts
    bounds: Optional[tuple]       # (low, high) pixel bounds under --clip-pixels, else None
    mean_pixel: np.ndarray
    pooling: str
    kernel_layout: str
    inputs: Mapping = field(default_factory=dict)  # the terms' extra inputs by name (prepare_inputs)

    @property
    def layers(self):
        return self.objective.layers

    @property
    def deepest(self):
        """The deepest layer the objective reads: the network is built up to it."""
        return deepest_layer(self.layers, self.pooling)


def _masks(masks, count, label, image_shapes, sizes, image_label):
    """Masks (any size, as io.masks.as_mask takes them; None: everywhere) checked against their images and
    resized to `sizes`, one per style; a count other than the styles' is a one-line ConfigError."""
    if len(masks) != count:
        raise ConfigError(f"{len(masks)} {label}(s) for {count} style image(s); give one per --style")
    prepared = []
    for index, (mask, shape, size) in enumerate(zip(masks, image_shapes, sizes)):
        if mask is None:
            prepared.append(None)
            continue
        mask = as_mask(mask)
        check_mask(mask, shape, f"{label} {index + 1}", image_label(index))
        prepared.append(resize_mask(mask, size))
    return tuple(prepared)


def prepare_inputs(inputs, content_hw, size_hw, styles_rgb, styles):
    """Problem.inputs from a run's raw inputs: "style_masks" (on the content's frame) resized to the working
    size, all ones for a None or when only "style_region_masks" are given; "style_region_masks" (on each style
    image's frame, None: all of it) resized to the style's network size; other keys ("guidance",
    "region_layers", "previous") as they are."""
    prepared = dict(inputs)
    count = len(styles)
    if inputs.get("style_masks") is not None or inputs.get("style_region_masks") is not None:
        masks = _masks(inputs.get("style_masks") or (None,) * count, count, "style mask", [content_hw] * count,
                       [size_hw] * count, lambda _: "the content image")
        prepared["style_masks"] = tuple(np.ones(size_hw, np.float32) if m is None else m for m in masks)
    if inputs.get("style_region_masks") is not None:
        prepared["style_region_masks"] = _masks(
            inputs["style_region_masks"], count, "style region mask", [s.shape[:2] for s in styles_rgb],
            [s.shape[1:3] for s in styles], lambda index: f"style image {index + 1}")
    return MappingProxyType(prepared)


def build_problem(config, content_rgb, styles_rgb, mean_pixel, size_hw, start=None, inputs=None) -> Problem:
    """The Problem of `config` at `size_hw` from uint8 RGB images; `start` (network space) overrides --init;
    `inputs`: the terms' extra inputs (prepare_inputs: masks for losses.guided, ...)."""
    content = to_network(resize(content_rgb, size_hw), mean_pixel)
    styles = tuple(prepare_styles(styles_rgb, size_hw, config, mean_pixel))
    inputs = prepare_inputs(inputs or {}, np.shape(content_rgb)[:2], tuple(size_hw), styles_rgb, styles)
    if start is None:
        first_style = to_network(resize(styles_rgb[0], size_hw), mean_pixel)
        start = initial_image(config, content, first_style, size_hw, mean_pixel)
    return Problem(
        size=tuple(size_hw), content=content, styles=styles, style_weights=blend_weights(config, len(styles)),
        objective=objective_of(config, inputs),
        start=np.asarray(start, np.float32), bounds=pixel_bounds(mean_pixel) if config.clip_pixels else None,
        mean_pixel=mean_pixel, pooling=config.pooling, kernel_layout=config.kernel_layout, inputs=inputs)


def _same_value(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and np.array_equal(a, b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _same_term_form(a, b):
    """Whether two terms are of one kind, layer and weights, their carried arrays (Term.carried) of one shape."""
    if type(a) is not type(b):
        return False
    for field_ in dataclasses.fields(a):
        x, y = getattr(a, field_.name), getattr(b, field_.name)
        if not (np.shape(x) == np.shape(y) if field_.name in a.carried else _same_value(x, y)):
            return False
    return True


def same_form(a: Problem, b: Problem) -> bool:
    """Whether `b` differs from `a` only in its images' values (content, styles, start) and its terms' carried
    arrays: an engine built for `a` can take `b` (engines.base.Engine.reload; a clip's later frames)."""
    objective_a, objective_b = a.objective, b.objective
    return (a.size == b.size and a.pooling == b.pooling and a.kernel_layout == b.kernel_layout
            and _same_value(a.bounds, b.bounds) and _same_value(a.mean_pixel, b.mean_pixel)
            and [s.shape for s in a.styles] == [s.shape for s in b.styles] and a.style_weights == b.style_weights
            and objective_a.group_weights == objective_b.group_weights
            and objective_a.normalization == objective_b.normalization
            and len(objective_a.terms) == len(objective_b.terms)
            and all(_same_term_form(x, y) for x, y in zip(objective_a.terms, objective_b.terms)))
