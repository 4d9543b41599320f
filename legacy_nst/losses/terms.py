"""The loss terms (Gatys et al., equations 1, 3-5) and the one list of them both engines evaluate.

For a layer with N channels and M = height x width positions, art.py's terms are
content 1/(4NM) * sum (x - p)^2 and style 1/(4 N^2 M^2) * sum (G - A)^2, where G
and A are the Gram matrices of the generated and style features. The total is
beta * content + alpha * style (+ tv_weight * total variation), each group
summed over its layers with the layers' weights.

A loss normalization is a family of these formulas (`NORMALIZATIONS`); a new
one is a new entry there and a name in config.options.LOSS_NORMALIZATIONS.
Targets are always raw: content features, and Gram matrices F^T F summed over
positions; a normalization divides what it needs to. The peers' normalizations
('jcjohnson', 'anishathalye') are transcribed and cited in docs/peers.md.

The functions take TensorFlow tensors (graph) or eager tensors alike.
"""
from dataclasses import dataclass
from typing import Callable, Optional

import tensorflow as tf

from ..errors import ConfigError

tf1 = tf.compat.v1

GROUPS = ("content", "style", "tv")  # a term's group: what its weight is (beta, alpha, tv_weight)
LOSS_NAMES = ("total",) + GROUPS     # what every log entry holds ("tv" only when the TV term is on)


def gram(features):
    """Gram matrix F^T F of a (1, H, W, N) feature map, F reshaped to (M, N)."""
    channels = features.shape[-1]
    flat = tf.reshape(features, (-1, channels))
    return tf.matmul(flat, flat, transpose_a=True)


def _size(features):
    _, height, width, channels = features.shape
    return int(channels), int(height) * int(width)


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


def style_artpy(x, a_gram):
    """art.py and the paper (equations 3-4): 1/(4 N^2 M^2) * sum (G - A)^2."""
    n, m = _size(x)
    return tf.reduce_sum(tf.square(gram(x) - a_gram)) / (4.0 * n**2 * m**2)


def style_tutorial(x, a_gram):
    """The tutorials: Gram matrices divided by the positions M, then mean (G/M - A/M)^2 (4x art.py's)."""
    _, m = _size(x)
    return tf.reduce_mean(tf.square(gram(x) / m - a_gram / m))


def style_elements(x, a_gram):
    """jcjohnson and anishathalye: Gram matrices divided by the feature map's N*M elements, then
    mean (G/NM - A/NM)^2 over the N^2 entries (nn.MSECriterion; 2 * tf.nn.l2_loss(d) / d.size)."""
    n, m = _size(x)
    return tf.reduce_mean(tf.square(gram(x) / (n * m) - a_gram / (n * m)))


def total_variation(image):
    """Mean squared difference of vertically plus of horizontally adjacent pixels (anishathalye's TV term).

    A mean rather than a sum, so a --tv-weight means the same at any image size.
    """
    down = image[:, 1:, :, :] - image[:, :-1, :, :]
    right = image[:, :, 1:, :] - image[:, :, :-1, :]
    return tf.reduce_mean(tf.square(down)) + tf.reduce_mean(tf.square(right))


def total_variation_interior(image):
    """jcjohnson's: 1/2 * sum over the (H-1) x (W-1) interior of (x[i,j] - x[i,j+1])^2 + (x[i,j] - x[i+1,j])^2.

    neural_style.lua's TVLoss reports no loss and writes its gradient by hand;
    this is the loss that gradient belongs to (the last row's horizontal and the
    last column's vertical differences left out), so its autodiff gradient is TVLoss's.
    """
    corner = image[:, :-1, :-1, :]
    return 0.5 * (tf.reduce_sum(tf.square(corner - image[:, :-1, 1:, :]))
                  + tf.reduce_sum(tf.square(corner - image[:, 1:, :-1, :])))


@dataclass(frozen=True)
class Normalization:
    """One family of loss formulas: content(x, p), style(x, A) and tv(image).

    content_scale(N, M) and style_scale(N, M) restate the first two as c * sum (x - p)^2 and
    s * sum (G - A)^2 for a layer of N channels and M positions: the form a tiled evaluation needs,
    since it sums over tiles before it scales (engines.tiled; tests/losses/test_terms.py checks
    each pair against its formulas).
    """

    content: Callable
    style: Callable
    content_scale: Callable
    style_scale: Callable
    tv: Callable = total_variation


NORMALIZATIONS = {
    "artpy": Normalization(content_artpy, style_artpy,
                           lambda n, m: 1 / (4 * n * m), lambda n, m: 1 / (4 * n**2 * m**2)),
    "tutorial": Normalization(content_tutorial, style_tutorial,
                              lambda n, m: 1 / (n * m), lambda n, m: 1 / (n**2 * m**2)),
    "paper": Normalization(content_paper, style_artpy, lambda n, m: 0.5, lambda n, m: 1 / (4 * n**2 * m**2)),
    # the peers (docs/peers.md): the same content and style terms, their own TV forms
    "jcjohnson": Normalization(content_tutorial, style_elements, lambda n, m: 1 / (n * m),
                               lambda n, m: 1 / (n**4 * m**2), total_variation_interior),
    "anishathalye": Normalization(content_tutorial, style_elements, lambda n, m: 1 / (n * m),
                                  lambda n, m: 1 / (n**4 * m**2), total_variation),
}


def content_layer_loss(x, p, normalization="artpy"):
    """The content term of one layer under a normalization (default art.py's)."""
    return NORMALIZATIONS[normalization].content(x, p)


def style_layer_loss(x, a_gram, normalization="artpy"):
    """The style term of one layer under a normalization (default art.py's)."""
    return NORMALIZATIONS[normalization].style(x, a_gram)


@dataclass(frozen=True)
class Term:
    """One weighted term of the loss: `loss(features[layer], targets[layer])` within its group."""

    group: str                # "content", "style" or "tv"
    layer: str                # the feature it reads: a VGG layer, or "image"
    weight: float             # its weight within the group (the layer weight)
    loss: Callable            # (features, target) -> scalar
    target: Optional[str]     # "content" or "style" targets, or None


@dataclass(frozen=True)
class Objective:
    """The terms, the group weights and the normalization they came from: everything an engine needs to know
    of the loss. total = sum over groups of weight * sum of its weighted terms."""

    terms: tuple
    group_weights: dict
    normalization: str = "artpy"  # a key of NORMALIZATIONS

    @property
    def layers(self):
        """The VGG layers the terms read (not the image), in term order, once each."""
        return tuple(dict.fromkeys(term.layer for term in self.terms if term.layer != "image"))

    @property
    def family(self) -> "Normalization":
        return NORMALIZATIONS[self.normalization]

    def layer_weights(self, group):
        """((layer, weight), ...) of the group's terms on VGG layers: "content" or "style"."""
        return tuple((term.layer, term.weight) for term in self.terms if term.group == group and term.layer != "image")

    def only(self, group) -> "Objective":
        """The same objective with the terms of one group alone (e.g. a style image's targets)."""
        return Objective(tuple(t for t in self.terms if t.group == group), self.group_weights, self.normalization)


def objective(content_layers, style_layers, alpha, beta, tv_weight=0.0, normalization="artpy") -> Objective:
    """The loss as a list of terms, from resolved (name, weight) layers and the group weights."""
    if normalization not in NORMALIZATIONS:
        raise ConfigError(f"unknown loss normalization {normalization!r}; choose from {', '.join(NORMALIZATIONS)}")
    family = NORMALIZATIONS[normalization]
    terms = [Term("content", name, weight, family.content, "content") for name, weight in content_layers]
    terms += [Term("style", name, weight, family.style, "style") for name, weight in style_layers]
    if tv_weight > 0:
        terms.append(Term("tv", "image", 1.0, lambda image, _: family.tv(image), None))
    return Objective(tuple(terms), {"content": beta, "style": alpha, "tv": tv_weight}, normalization)


def _term_value(term, features, targets):
    target = None if term.target is None else tf.convert_to_tensor(targets[term.target][term.layer])
    return term.loss(features[term.layer], target)


def term_losses(objective, features, targets):
    """Each term's value, unweighted (neither its layer weight nor its group's), in objective.terms order."""
    return tuple(_term_value(term, features, targets) for term in objective.terms)


def weigh_terms(objective, values):
    """Loss tensors {'total', 'content', 'style'} (and 'tv' when that term is on) from term_losses' values."""
    groups = {}
    for term, value in zip(objective.terms, values):
        groups.setdefault(term.group, []).append(term.weight * value)
    losses = {group: tf.add_n(parts) for group, parts in groups.items()}
    weighted = [objective.group_weights[group] * losses[group] for group in GROUPS if group in losses]
    total = weighted[0]
    for value in weighted[1:]:  # summed in this order, as art.py's beta * content + alpha * style
        total = total + value
    losses["total"] = total
    return losses


def build_losses(objective, features, targets):
    """Loss tensors {'total', 'content', 'style'} (and 'tv' when that term is on).

    `features` maps layer names (and "image") to tensors: the graph
    dictionary, or the eager model's outputs; `targets` is {"content": {layer:
    features}, "style": {layer: Gram matrix}} of numpy arrays or tensors.
    """
    return weigh_terms(objective, term_losses(objective, features, targets))


def normalized_gradient(objective, features, targets):
    """jcjohnson's -normalize_gradients: the image gradient when each term's gradient at its own
    layer is divided by its L1 norm (+1e-8) before it is weighted and backpropagated (graph only).

    The TV term, which sits on the image, is not normalised (as in neural_style.lua).
    """
    at_layer, on_image = {}, []
    for term in objective.terms:
        weight = objective.group_weights[term.group] * term.weight
        loss = _term_value(term, features, targets)
        if term.layer == "image":
            on_image.append(weight * tf1.gradients(loss, features["image"])[0])
            continue
        grad = tf1.gradients(loss, features[term.layer])[0]
        grad = weight * grad / (tf.reduce_sum(tf.abs(grad)) + 1e-8)
        at_layer[term.layer] = at_layer[term.layer] + grad if term.layer in at_layer else grad
    names = sorted(at_layer)
    gradient = tf1.gradients([features[name] for name in names], features["image"],
                             grad_ys=[at_layer[name] for name in names])[0]
    return tf.add_n([gradient] + on_image)
