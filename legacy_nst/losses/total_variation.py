"""The total-variation term: smoothness of the image itself, as one self-contained loss term.

Two forms, chosen by the loss normalization (losses.normalizations):

- "mean" (anishathalye's, and the others'): mean over (H-1) x W of (x[i+1,j] - x[i,j])^2 plus mean over
  H x (W-1) of (x[i,j+1] - x[i,j])^2. A mean rather than a sum, so a --tv-weight means the same at any size.
- "interior" (jcjohnson's TVLoss): 1/2 * sum over the (H-1) x (W-1) interior of
  (x[i,j] - x[i,j+1])^2 + (x[i,j] - x[i+1,j])^2. neural_style.lua's TVLoss reports no loss and writes its
  gradient by hand; this is the loss that gradient belongs to (the last row's horizontal and the last
  column's vertical differences left out), so its autodiff gradient is TVLoss's.

Each form is given twice: in TensorFlow (the graph and eager engines differentiate it) and in numpy with its
gradient written out (the tiled engine takes it on the whole image, which is cheap; tests hold the two equal).
"""
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import tensorflow as tf

from .normalizations import NORMALIZATIONS
from .term import Term


def total_variation(image):
    """The "mean" form in TensorFlow."""
    down = image[:, 1:, :, :] - image[:, :-1, :, :]
    right = image[:, :, 1:, :] - image[:, :, :-1, :]
    return tf.reduce_mean(tf.square(down)) + tf.reduce_mean(tf.square(right))


def total_variation_interior(image):
    """The "interior" form (jcjohnson's) in TensorFlow."""
    corner = image[:, :-1, :-1, :]
    return 0.5 * (tf.reduce_sum(tf.square(corner - image[:, :-1, 1:, :]))
                  + tf.reduce_sum(tf.square(corner - image[:, 1:, :-1, :])))


def mean_loss_and_grad(image):
    """The "mean" form and its gradient in numpy (float32 arrays, float64 sums)."""
    down = image[:, 1:] - image[:, :-1]
    right = image[:, :, 1:] - image[:, :, :-1]
    loss = float(np.sum(np.square(down, dtype=np.float64)) / down.size
                 + np.sum(np.square(right, dtype=np.float64)) / right.size)
    grad = np.zeros_like(image)
    down *= np.float32(2.0 / down.size)
    grad[:, 1:] += down
    grad[:, :-1] -= down
    del down
    right *= np.float32(2.0 / right.size)
    grad[:, :, 1:] += right
    grad[:, :, :-1] -= right
    return loss, grad


def interior_loss_and_grad(image):
    """The "interior" form and its gradient in numpy."""
    corner = image[:, :-1, :-1]
    right = corner - image[:, :-1, 1:]
    down = corner - image[:, 1:, :-1]
    loss = 0.5 * float(np.sum(np.square(right, dtype=np.float64)) + np.sum(np.square(down, dtype=np.float64)))
    grad = np.zeros_like(image)
    grad[:, :-1, :-1] += right + down
    grad[:, :-1, 1:] -= right
    grad[:, 1:, :-1] -= down
    return loss, grad


FORMS = {"mean": (total_variation, mean_loss_and_grad), "interior": (total_variation_interior, interior_loss_and_grad)}


@dataclass(frozen=True)
class TotalVariation(Term):
    """tv_weight * TV(image), in the form its normalization names; on only when --tv-weight > 0."""

    group: ClassVar[str] = "tv"
    weight_option: ClassVar[str] = "tv_weight"
    layer: str = "image"
    weight: float = 1.0
    form: str = "mean"

    @classmethod
    def terms(cls, config, inputs):
        if not config.tv_weight > 0:
            return ()
        return (cls(form=NORMALIZATIONS[config.loss_normalization].tv),)

    def loss(self, image, target=None):
        return FORMS[self.form][0](image)

    def loss_and_grad(self, image):
        return FORMS[self.form][1](image)
