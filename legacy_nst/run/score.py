"""Scoring: a run's objective evaluated on any images (ours, another tool's, the painting) at one common size.

`score(content, style, images, config)` builds the Problem of `config` at the
scoring size (the content's working size as a run computes it: --width/--height,
--image-size or the preset's size, else art.py's 800x600) and evaluates each
image on the graph engine in float32, without a gradient: the losses a run logs
('total', 'content', 'style', and 'tv' when that term is on) and each term's
unweighted value. An image file or uint8 array of another size is resized to
the scoring size with io.images.resize (Pillow's bicubic, as the content and
styles are); an image already at that size is used pixel for pixel. A float32
(1, H, W, 3) array is taken as a network-space image (Result.network_image),
unrounded and unclipped, and must be at the scoring size. The control options
(--style-mask, --color-control...) shape the objective as in a run (run.control);
under --color-control luminance an image file or uint8 array is scored on its
luminance, as the run optimised it. docs/score.md says what the numbers mean.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from ..config import Config
from ..engines import evaluation_engine
from ..errors import ConfigError
from ..io.images import as_rgb_image, read_image, resize, to_network
from ..problem import as_style_list, build_problem, check_styles
from ..vgg.matfile import load_vgg19
from .control import control_of
from .memory import check_evaluation_fits


@dataclass(frozen=True)
class TermScore:
    """One term of the objective on one image: its unweighted value under the normalization."""

    group: str     # "content", "style" or "tv"
    layer: str     # the VGG layer it reads, or "image" (TV)
    weight: float  # its weight within its group (the layer weight), which the group's loss applies
    value: float   # the term itself, neither layer- nor group-weighted
    region: Optional[int] = None  # a guided term's style (--style-mask), counted from 0; else None

    def to_json(self) -> dict:
        region = {} if self.region is None else {"region": self.region}
        return {"group": self.group, "layer": self.layer, "weight": self.weight, "value": self.value, **region}


@dataclass(frozen=True)
class ImageScore:
    """One image's losses: as a run logs them, and term by term."""

    name: str
    losses: dict                        # 'total' (weighted), 'content', 'style'[, 'tv'] (each its group's sum)
    terms: Tuple[TermScore, ...]        # in the objective's order: content layers, style layers, TV
    read_size: Optional[Tuple[int, int]]  # (height, width) as read; None for a network-space array

    def resized(self, size) -> bool:
        """Whether the image was resized to reach `size` (height, width)."""
        return self.read_size is not None and tuple(self.read_size) != tuple(size)

    def weighted(self, group_weights) -> dict:
        """Each group's share of the total: beta * content, alpha * style, tv_weight * tv."""
        return {group: group_weights[group] * value for group, value in self.losses.items() if group != "total"}


@dataclass(frozen=True)
class Scores:
    """Every image scored against one objective at one size."""

    size: Tuple[int, int]   # (height, width)
    normalization: str
    group_weights: dict     # {"content": beta, "style": alpha, "tv": tv_weight}
    images: Tuple[ImageScore, ...]

    def to_json(self) -> dict:
        return {"width": self.size[1], "height": self.size[0], "normalization": self.normalization,
                "group_weights": self.group_weights,
                "images": [{"image": image.name, "resized": image.resized(self.size),
                            "read_size": image.read_size and {"width": image.read_size[1],
                                                              "height": image.read_size[0]},
                            "losses": image.losses, "weighted": image.weighted(self.group_weights),
                            "terms": [term.to_json() for term in image.terms]} for image in self.images]}


def _name(source, index):
    return f"array {index}" if isinstance(source, np.ndarray) else str(source)


def read_scored(source, size):
    """(the image at `size`: uint8 (H, W, 3) RGB resized, or a network-space float32 (1, H, W, 3) as given;
    the (height, width) it was read at, None for a network-space array) of one image to score."""
    if isinstance(source, np.ndarray) and source.dtype != np.uint8:
        if source.ndim != 4 or tuple(source.shape[1:]) != (*size, 3):
            raise ConfigError(f"a float image to score must be network-space (1, {size[0]}, {size[1]}, 3), as "
                              f"Result.network_image, got shape {source.shape}; pass uint8 RGB to have it resized")
        return np.asarray(source, np.float32), None
    rgb = as_rgb_image(source, "scored image") if isinstance(source, np.ndarray) else read_image(source)
    return resize(rgb, size), rgb.shape[:2]


def score(content, style, images, config: Optional[Config] = None, *, vgg=None, names=None, kept=None,
          **options) -> Scores:
    """Score `images` (paths, uint8 RGB arrays or network-space float32 arrays) against `content` and `style`
    (one, or a list to blend) under `config` and `options` (Config fields, e.g. preset='jcjohnson');
    `names` label the images (default: their paths). Every image is read, and the size checked against the
    memory available, before the weights are loaded."""
    config = (config or Config()).replace(**options) if options else (config or Config())
    content_rgb = as_rgb_image(content, "content")
    styles_rgb = [as_rgb_image(image, "style") for image in as_style_list(style)]
    size = config.working_size(content_rgb.shape[:2])
    check_styles(config, styles_rgb, size)
    control = control_of(config, content_rgb, styles_rgb)  # the run's masks and colour control
    read = [read_scored(image, size) for image in images]
    check_evaluation_fits(*size, config)
    vgg = vgg or load_vgg19(config.weights_path())
    names = list(names) if names is not None else [_name(image, i) for i, image in enumerate(images)]
    content_x = to_network(resize(control.content_rgb, size), vgg.mean_pixel)
    problem = build_problem(config, control.content_rgb, control.styles_rgb, vgg.mean_pixel, size, start=content_x,
                            inputs=control.inputs)
    results = []
    with (kept.evaluation_for(problem, vgg) if kept is not None else evaluation_engine(problem, vgg)) as engine:
        for name, (image, read_size) in zip(names, read):
            network = image if read_size is None else to_network(control.network_view(image), vgg.mean_pixel)
            losses, values = engine.evaluate_terms(network)
            terms = tuple(TermScore(t.group, t.layer, t.weight, v, getattr(t, "region", None))
                          for t, v in zip(problem.objective.terms, values))
            results.append(ImageScore(name, losses, terms, read_size))
    objective = problem.objective
    return Scores(size, objective.normalization, dict(objective.group_weights), tuple(results))
