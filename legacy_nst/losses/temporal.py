"""The temporal term (Ruder, Dosovitskiy and Brox 2016, eq. 7-8): a stylised frame stays close to the previous
stylised frame(s) warped into it by the optical flow, where the flow is reliable.

For one earlier frame j warped into this one (w_j) with consistency weights c_j (0 where the flow is
unreliable: disocclusions and motion boundaries, 1 elsewhere; motion.consistency_weights), the term is

    temporal_j(x) = 1/D * sum_k c_jk * (x_k - w_jk)^2,    D = H * W * 3 values,

the mean of the weighted squared differences, on the image in network space (0-255 levels, as the content
image's pixels): artistic_video_core.lua's WeightedContentLoss (nn.MSECriterion of sqrt(c) * x against
sqrt(c) * w). Long-term consistency (eq. 8, `--temporal-frames 1,2,4`) adds one term per earlier frame, their
weights made "closest first": c_long_j = max(c_j - sum of the weights of the closer frames, 0)
(`closest_first`), so each pixel is held to the closest frame that saw it.

Its group weight is --temporal-weight. Ruder's 1e3 goes with neural_style.lua's content term (the mean of
squared differences) at content weight 5: a temporal:content ratio of 200. docs/video.md gives the weight that
keeps that ratio under each normalization.

The term is on the image, so the tiled engine takes it on the whole image in numpy (`loss_and_grad`):
dL/dx = 2/D * c * (x - w).
"""
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import tensorflow as tf

from ..vgg19 import channels, positions
from .layers import content_layers
from .normalizations import NORMALIZATIONS
from .term import Term

RUDER_RATIO = 200.0  # artistic_video.lua: -temporal_weight 1e3 at -content_weight 5


def ruder_weight(config, size_hw):
    """The temporal weight that keeps Ruder's temporal:content ratio under `config`'s normalization: 200 times
    beta times what the content term is per unit of mean squared difference at its (first) layer (1 for
    neural_style.lua's mean, 1/4 for art.py's 1/(4NM) sum, NM/2 for the paper's 1/2 sum)."""
    layer = content_layers(config)[0][0]
    n, m = channels(layer), positions(size_hw, layer)
    per_mean = NORMALIZATIONS[config.loss_normalization].content_scale(n, m) * n * m
    return RUDER_RATIO * config.beta * per_mean


def closest_first(weights):
    """Ruder's long-term weights: [c_1, c_2, ...] ordered closest frame first -> each c_j minus the sum of the
    closer frames' (already reduced) weights, floored at 0 (artistic_video.lua's processFlowWeights)."""
    reduced = []
    for weight in weights:
        remaining = np.asarray(weight, np.float32).copy()
        for closer in reduced:
            remaining -= closer
        reduced.append(np.maximum(remaining, 0.0))
    return reduced


@dataclass(frozen=True, eq=False)
class TemporalTerm(Term):
    """temporal_weight * 1/D * sum c * (x - w)^2 against one warped earlier frame (see the module)."""

    group: ClassVar[str] = "temporal"
    weight_option: ClassVar[str] = "temporal_weight"
    carried: ClassVar[tuple] = ("warped", "weights")

    layer: str = "image"
    weight: float = 1.0
    warped: np.ndarray = field(default=None, repr=False)   # (1, H, W, 3) float32, network space
    weights: np.ndarray = field(default=None, repr=False)  # (1, H, W, 1) float32 in [0, 1]

    @classmethod
    def group_weight(cls, config, inputs):
        """--temporal-weight, else Ruder's ratio (`ruder_weight`) at the frames' size."""
        previous = inputs.get("previous") or ()
        if config.temporal_weight is not None or not previous:
            return config.temporal_weight or 0.0
        return ruder_weight(config, np.shape(previous[0][0])[1:3])

    @classmethod
    def terms(cls, config, inputs):
        """One term per earlier frame in `inputs["previous"]`: [(warped, weights), ...], closest first."""
        previous = inputs.get("previous", ())
        if not previous or config.temporal_weight == 0:
            return ()
        reduced = closest_first([weights for _, weights in previous])
        return tuple(cls(warped=np.asarray(warped, np.float32), weights=c) for (warped, _), c in zip(previous, reduced))

    def loss(self, image, target=None):
        """`warped` and `weights` as arrays or as tensors (an engine's variables holding them: Term.carried)."""
        difference = image - tf.convert_to_tensor(self.warped)
        values = float(np.prod([int(side) for side in self.warped.shape]))
        return tf.reduce_sum(tf.convert_to_tensor(self.weights) * tf.square(difference)) / values

    def loss_and_grad(self, image):
        difference = image - self.warped
        weighted = self.weights * difference
        loss = float(np.sum(weighted.astype(np.float64) * difference) / difference.size)
        return loss, (weighted * np.float32(2.0 / difference.size)).astype(np.float32)
