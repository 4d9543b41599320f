"""The loss normalizations: families of formulas for the content and style terms (Gatys et al., eq. 1, 3-5).

For a layer with N channels and M = height x width positions, art.py's terms are
content 1/(4NM) * sum (x - p)^2 and style 1/(4 N^2 M^2) * sum (G - A)^2, where G
and A are the Gram matrices of the generated and style features. Targets are
always raw: content features, and Gram matrices F^T F summed over positions; a
normalization divides what it needs to. The peers' normalizations ('jcjohnson',
'anishathalye') are transcribed and cited in docs/peers.md.

A new family is one entry of `NORMALIZATIONS` (and its name in
config.options.LOSS_NORMALIZATIONS, which a test holds equal to this table's keys).
The functions take TensorFlow tensors (graph) or eager tensors alike. The style functions take an optional
`positions`, the M they divide by in place of the feature map's H x W: a guided Gram matrix (losses.guided)
is normalized by its region's own size.
"""
from dataclasses import dataclass
from typing import Callable

import tensorflow as tf


def gram(features):
    """Gram matrix F^T F of a (1, H, W, N) feature map, F reshaped to (M, N)."""
    channels = features.shape[-1]
    flat = tf.reshape(features, (-1, channels))
    return tf.matmul(flat, flat, transpose_a=True)


def _size(features, positions=None):
    """(N channels, M positions) of a (1, H, W, N) feature map; `positions` in place of H x W when given."""
    _, height, width, channels = features.shape
    return int(channels), int(height) * int(width) if positions is None else positions


def content_artpy(x, p):
    """art.py: 1/(4NM) * sum (x - p)^2."""
    n, m = _size(x)
    return tf.reduce_sum(tf.square(x - p)) / (4.0 * n * m)


def content_tutorial(x, p):
    """The TensorFlow tutorials: mean (x - p)^2; also jcjohnson's (nn.MSECriterion) and anishathalye's
    (2 * tf.nn.l2_loss(x - p) / size)."""
    return tf.reduce_mean(tf.square(x - p))


def content_paper(x, p):
    """Gatys et al.'s equation 1: 1/2 * sum (x - p)^2, the scale of the paper's content:style ratios
    (2NM times art.py's)."""
    return 0.5 * tf.reduce_sum(tf.square(x - p))


def style_artpy(x, a_gram, positions=None):
    """art.py and the paper (equations 3-4): 1/(4 N^2 M^2) * sum (G - A)^2."""
    n, m = _size(x, positions)
    return tf.reduce_sum(tf.square(gram(x) - a_gram)) / (4.0 * n**2 * m**2)


def style_tutorial(x, a_gram, positions=None):
    """The tutorials: Gram matrices divided by the positions M, then mean (G/M - A/M)^2 (4x art.py's)."""
    _, m = _size(x, positions)
    return tf.reduce_mean(tf.square(gram(x) / m - a_gram / m))


def style_elements(x, a_gram, positions=None):
    """jcjohnson and anishathalye: Gram matrices divided by the feature map's N*M elements, then
    mean (G/NM - A/NM)^2 over the N^2 entries (nn.MSECriterion; 2 * tf.nn.l2_loss(d) / d.size)."""
    n, m = _size(x, positions)
    return tf.reduce_mean(tf.square(gram(x) / (n * m) - a_gram / (n * m)))


@dataclass(frozen=True)
class Normalization:
    """One family of loss formulas: content(x, p), style(x, A[, positions]), and the form of its TV term.

    content_scale(N, M) and style_scale(N, M) restate the first two as c * sum (x - p)^2 and
    s * sum (G - A)^2 for a layer of N channels and M positions: the form a tiled evaluation needs,
    since it sums over tiles before it scales (engines.tiled; tests/losses/test_terms.py checks
    each pair against its formulas). `tv` names a form of losses.total_variation.FORMS.
    """

    content: Callable
    style: Callable
    content_scale: Callable
    style_scale: Callable
    tv: str = "mean"


NORMALIZATIONS = {
    "artpy": Normalization(content_artpy, style_artpy,
                           lambda n, m: 1 / (4 * n * m), lambda n, m: 1 / (4 * n**2 * m**2)),
    "tutorial": Normalization(content_tutorial, style_tutorial,
                              lambda n, m: 1 / (n * m), lambda n, m: 1 / (n**2 * m**2)),
    "paper": Normalization(content_paper, style_artpy, lambda n, m: 0.5, lambda n, m: 1 / (4 * n**2 * m**2)),
    # the peers (docs/peers.md): the same content and style terms, their own TV forms
    "jcjohnson": Normalization(content_tutorial, style_elements, lambda n, m: 1 / (n * m),
                               lambda n, m: 1 / (n**4 * m**2), "interior"),
    "anishathalye": Normalization(content_tutorial, style_elements, lambda n, m: 1 / (n * m),
                                  lambda n, m: 1 / (n**4 * m**2), "mean"),
}
