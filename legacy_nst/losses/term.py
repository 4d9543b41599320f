"""What a loss term is: one small unit (jcjohnson's loss modules, pystiche's loss/), which every engine iterates.

A term kind is a frozen dataclass subclassing `Term`, in a module of its own or beside its family, and one
entry of losses.terms.TERMS. Its class data say what it is:

- `group`: which group weight multiplies it ("content": --beta, "style": --alpha, "tv": --tv-weight, ...), and
  `weight_option`, the Config field holding that weight;
- `source` and `measure`: the target image it is compared with ("content", "style", "region": a style image
  or a region of one, per guided term; or None for a term that carries its own target or needs none) and what
  of that image's features the target is ("features" or "gram"); losses.targets.make_targets measures them
  once for every engine, and `target_in(targets)` finds the term's own;
- `carried`: the fields holding arrays of one problem (the temporal term's warped frame and weights), which an
  engine that reloads (engines.base.Engine.reload) holds as variables: its `loss` takes them as arrays or tensors.

Its instances are the terms of one run (`terms(config, inputs)`, one per layer it reads), each with `layer`
(a VGG layer, or "image" for a term on the pixels) and `weight` (its weight within the group). Its maths live in
its docstring and in `loss(x, target)` (TensorFlow: the graph and eager engines differentiate it). A term on the
image also gives `loss_and_grad(image)` in numpy, which the tiled engine takes on the whole image. A term on a
layer gives its share of a tiled evaluation (engines.tiled), where pass 1 sums a partial over the tiles' cores
and pass 2 backpropagates dL/dF tile by tile:

- `tile_inputs(channels)`: {name: shape} of what the tile network feeds it;
- `tile_windows(target)`: {name: whole-image array at its layer} cut to each tile's window and fed there;
- `tile_partial(x, core, inputs)`: the TensorFlow partial sum over one tile's core (`core` is 1 there, else 0);
- `tile_loss(partial, target, scale, factor)`: from the partial summed over the tiles (float64), the term's value
  and {name: value} fed to pass 2 (`factor`: its group weight times its own; `scale`: scale(N, M) of the image);
- `tile_gradient(x, core, inputs)`: dL/dx on the core, which pass 2 backpropagates through the tile.
"""
from dataclasses import dataclass
from typing import ClassVar, Optional, Tuple

import numpy as np
import tensorflow as tf


@dataclass(frozen=True)
class Term:
    """One weighted term of the loss (see the module's docstring)."""

    group: ClassVar[str] = ""
    weight_option: ClassVar[str] = ""
    source: ClassVar[Optional[str]] = None
    measure: ClassVar[Optional[str]] = None
    #: the fields holding arrays of one problem (a video frame's warped earlier frame): an engine that takes
    #: another problem of the same form (engines.base.Engine.reload) holds them where it can load new values
    carried: ClassVar[Tuple[str, ...]] = ()

    layer: str
    weight: float

    @classmethod
    def terms(cls, config, inputs):
        """This kind's terms in a run of `config`; `inputs` holds a run's extra arrays by name."""
        raise NotImplementedError

    @classmethod
    def group_weight(cls, config, inputs):
        """The weight of this kind's group in a run of `config`: its weight option's value."""
        return getattr(config, cls.weight_option)

    def target_in(self, targets):
        """This term's target in losses.targets.make_targets' {source: {key: array}} (None without a source):
        targets[source][layer]; a kind with several targets per layer keys its own (losses.guided)."""
        return None if self.source is None else targets[self.source][self.layer]

    @property
    def on_image(self) -> bool:
        return self.layer == "image"

    @property
    def label(self) -> str:
        """The term's name where it is shown on its own (TensorBoard's per-term scalars): group/layer, and a
        guided term's region."""
        region = getattr(self, "region", None)
        return f"{self.group}/{self.layer}" + ("" if region is None else f"/region_{region}")

    def loss(self, x, target):
        """The term's value (TensorFlow) at the features `x` of its layer (or the image), unweighted."""
        raise NotImplementedError

    def loss_and_grad(self, image):
        """(value, gradient) in numpy at a (1, H, W, 3) image: a term on the image, for the tiled engine."""
        raise NotImplementedError


def gram_partial(masked):
    """A Gram term's pass-1 partial: the Gram matrix of a tile's feature map, already masked to its core."""
    flat = tf.reshape(masked, (-1, masked.shape[-1]))
    return tf.matmul(flat, flat, transpose_a=True)


def gram_loss(partial, target, scale, factor):
    """A Gram term's value s * sum (G - A)^2 from G summed over the tiles, and dL/dG fed to pass 2."""
    difference = partial - np.asarray(target, np.float64)
    return scale * float(np.sum(np.square(difference))), {
        "dl_dgram": (factor * scale * 2.0 * difference).astype(np.float32)}


def gram_gradient(masked, dl_dgram, shape):
    """dL/dF = F (dL/dG + dL/dG^T) = 2 F dL/dG (dL/dG is symmetric), F the masked feature map; the caller masks
    it again (the chain rule through the mask)."""
    flat = tf.reshape(masked, (-1, masked.shape[-1]))
    return tf.reshape(tf.matmul(flat, 2.0 * dl_dgram), shape)
