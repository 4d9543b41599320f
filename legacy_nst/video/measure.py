"""How much a stylised clip flickers: the temporal error of each consecutive pair of frames.

For frames i and j = i + 1 (uint8 RGB, taken as 0-1) with the backward flow j -> i and its consistency weights c
(motion.cache.flows_for), the error is the mean over the reliable pixels of the squared difference between
frame j and frame i warped into it:

    E(i, j) = sum_p c_p * |s_j(p) - warp(s_i, backward)(p)|^2 / (3 * sum_p c_p)

(Ruder et al. 2016's measure, section 5.1, with their flows' weights). A clip stylised frame by frame lands each
frame in its own minimum and scores high; a temporally consistent one scores near the content's own error.
"""
import numpy as np

from ..motion.flow import warp


def temporal_error(earlier, later, backward, weights) -> float:
    """E(i, j) of the module's docstring: `earlier` s_i and `later` s_j uint8 (H, W, 3), `backward` the flow
    j -> i (H, W, 2), `weights` c (H, W) in 0-1. NaN when no pixel is reliable."""
    earlier = np.asarray(earlier, np.float32) / 255.0
    later = np.asarray(later, np.float32) / 255.0
    difference = later - warp(earlier, backward)
    weights = np.asarray(weights, np.float64)
    reliable = weights.sum()
    if reliable == 0:
        return float("nan")
    return float(np.sum(weights[..., None] * difference.astype(np.float64) ** 2) / (3 * reliable))
