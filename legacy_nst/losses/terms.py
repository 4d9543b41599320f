"""The loss as a list of terms, and the registry of term kinds every engine iterates (Gatys et al., eq. 1-5).

The total is beta * content + alpha * style (+ tv_weight * total variation), each group summed over its
terms with the terms' weights, in the order of `TERMS` (art.py's beta * content + alpha * style, bit for bit).
A new kind of term is one module (a `losses.term.Term` subclass with its maths in its docstring), one entry of
`TERMS`, and its weight option in config.options; the engines need no change (docs/architecture.md).
"""
import dataclasses
from dataclasses import dataclass
from types import MappingProxyType, SimpleNamespace
from typing import ClassVar

import numpy as np
import tensorflow as tf

from ..config import Config
from ..errors import ConfigError
from .guided import GuidedStyleTerm
from .layers import content_layers, style_layers
from .normalizations import NORMALIZATIONS
from .term import Term, gram_gradient, gram_loss, gram_partial
from .temporal import TemporalTerm
from .total_variation import TotalVariation

tf1 = tf.compat.v1


@dataclass(frozen=True)
class ContentTerm(Term):
    """beta * weight * content(x, p) at one layer: x the generated image's features, p the content image's.

    art.py: 1/(4NM) * sum (x - p)^2 for N channels and M positions; the other normalizations' forms are in
    losses.normalizations. As c * sum (x - p)^2 (c = `scale(N, M)`), dL/dx = 2c(x - p) is local, so the tiled
    engine sums c * sum (x - p)^2 over tile cores and backpropagates 2c(x - p) tile by tile.
    """

    group: ClassVar[str] = "content"
    weight_option: ClassVar[str] = "beta"
    source: ClassVar[str] = "content"
    measure: ClassVar[str] = "features"
    normalization: str = "artpy"

    @classmethod
    def terms(cls, config, inputs):
        return tuple(cls(name, weight, config.loss_normalization) for name, weight in content_layers(config))

    def loss(self, x, target):
        return NORMALIZATIONS[self.normalization].content(x, target)

    def scale(self, n, m):
        return NORMALIZATIONS[self.normalization].content_scale(n, m)

    def tile_inputs(self, channels):
        return {"target": (1, None, None, channels), "coefficient": ()}

    def tile_windows(self, target):
        return {"target": target}

    def tile_partial(self, x, core, inputs):
        return tf.reduce_sum(tf.square((x - inputs["target"]) * core))

    def tile_loss(self, partial, target, scale, factor):
        return scale * float(partial), {"coefficient": np.float32(2.0 * factor * scale)}

    def tile_gradient(self, x, core, inputs):
        return inputs["coefficient"] * (x - inputs["target"]) * core


@dataclass(frozen=True)
class StyleTerm(Term):
    """alpha * weight * style(x, A) at one layer: G = F^T F the generated image's Gram matrix, A the style's.

    art.py and the paper (eq. 3-4): 1/(4 N^2 M^2) * sum (G - A)^2; A is the (blended) Gram matrix of the style
    images, rescaled to the working size's M (losses.targets). As s * sum (G - A)^2 (s = `scale(N, M)`), G is a
    sum over positions: the tiled engine sums G over tile cores, then backpropagates dL/dF = 2 F dL/dG per tile.
    """

    group: ClassVar[str] = "style"
    weight_option: ClassVar[str] = "alpha"
    source: ClassVar[str] = "style"
    measure: ClassVar[str] = "gram"
    normalization: str = "artpy"

    @classmethod
    def terms(cls, config, inputs):
        """One term per style layer; none when `inputs` holds masks (losses.guided's terms take the style)."""
        if inputs.get("style_masks"):
            return ()
        return tuple(cls(name, weight, config.loss_normalization) for name, weight in style_layers(config))

    def loss(self, x, target):
        return NORMALIZATIONS[self.normalization].style(x, target)

    def scale(self, n, m):
        return NORMALIZATIONS[self.normalization].style_scale(n, m)

    def tile_inputs(self, channels):
        return {"dl_dgram": (channels, channels)}

    def tile_windows(self, target):
        return {}

    def tile_partial(self, x, core, inputs):
        return gram_partial(x * core)

    def tile_loss(self, partial, target, scale, factor):
        return gram_loss(partial, target, scale, factor)

    def tile_gradient(self, x, core, inputs):
        return gram_gradient(x * core, inputs["dl_dgram"], tf.shape(x)) * core


# the kinds of term, in the order the total sums their groups
TERMS = (ContentTerm, StyleTerm, GuidedStyleTerm, TotalVariation, TemporalTerm)
GROUPS = tuple(dict.fromkeys(kind.group for kind in TERMS))  # what a group weight multiplies
LOSS_NAMES = ("total",) + GROUPS  # what every log entry holds (a group only when one of its terms is on)


@dataclass(frozen=True)
class Objective:
    """The terms, the group weights and the normalization they came from: everything an engine needs to know
    of the loss. total = sum over groups of weight * sum of its weighted terms."""

    terms: tuple
    group_weights: dict
    normalization: str = "artpy"  # a key of losses.normalizations.NORMALIZATIONS

    @property
    def layers(self):
        """The VGG layers the terms read (not the image), in term order, once each."""
        return tuple(dict.fromkeys(term.layer for term in self.terms if not term.on_image))

    def of_kind(self, kind):
        """The terms of one kind (e.g. ContentTerm), in order."""
        return tuple(term for term in self.terms if isinstance(term, kind))

    def layer_weights(self, group):
        """((layer, weight), ...) of the group's terms on VGG layers: "content" or "style"."""
        return tuple((term.layer, term.weight) for term in self.terms if term.group == group and not term.on_image)

    def sources(self, source):
        """The layers whose features of the `source` image ("content", "style") the terms compare with."""
        return tuple(dict.fromkeys(term.layer for term in self.terms if term.source == source))

    def only(self, group) -> "Objective":
        """The same objective with the terms of one group alone (e.g. a style image's targets)."""
        return Objective(tuple(t for t in self.terms if t.group == group), self.group_weights, self.normalization)


def objective_of(config, inputs=MappingProxyType({})) -> Objective:
    """The objective of a run of `config`: every kind's terms (`TERMS`) and their group weights.

    `inputs` (problem.Problem.inputs) holds a run's arrays by name for the kinds that read them: "style_masks",
    "style_region_masks", "guidance", "region_layers" (losses.guided), "previous" (losses.temporal)."""
    if config.loss_normalization not in NORMALIZATIONS:
        raise ConfigError(f"unknown loss normalization {config.loss_normalization!r}; "
                          f"choose from {', '.join(NORMALIZATIONS)}")
    terms = tuple(term for kind in TERMS for term in kind.terms(config, inputs))
    weights = {kind.group: kind.group_weight(config, inputs) for kind in TERMS}
    return Objective(terms, weights, config.loss_normalization)


def objective(content_layers, style_layers, alpha, beta, tv_weight=0.0, normalization="artpy", pooling="avg",
              inputs=MappingProxyType({})) -> Objective:
    """The objective from resolved (name, weight) layers and the group weights, the other options at their
    defaults (for callers without a Config: tests, benches); `inputs` as objective_of's."""
    values = {field.name: field.default for field in dataclasses.fields(Config)}
    values.update(content_layers=tuple(content_layers), style_layers=tuple(style_layers), alpha=alpha, beta=beta,
                  tv_weight=tv_weight, loss_normalization=normalization, pooling=pooling)
    return objective_of(SimpleNamespace(**values), inputs)


def _target(term, targets):
    target = term.target_in(targets)
    return None if target is None else tf.convert_to_tensor(target)


def term_losses(objective, features, targets):
    """Each term's value, unweighted (neither its layer weight nor its group's), in objective.terms order.

    `features` maps layer names (and "image") to tensors: the graph dictionary, or the eager model's outputs;
    `targets` is losses.targets.make_targets' {source: {key: array}} (Term.target_in finds each term's)."""
    return tuple(term.loss(features[term.layer], _target(term, targets)) for term in objective.terms)


def weigh_terms(objective, values):
    """Loss tensors {'total', and each group that has a term} from term_losses' values."""
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
    """Loss tensors {'total', 'content', 'style'} (and 'tv' when that term is on): weigh_terms(term_losses)."""
    return weigh_terms(objective, term_losses(objective, features, targets))


def normalized_gradient(objective, features, targets):
    """jcjohnson's -normalize_gradients: the image gradient when each term's gradient at its own
    layer is divided by its L1 norm (+1e-8) before it is weighted and backpropagated (graph only).

    The TV term, which sits on the image, is not normalised (as in neural_style.lua).
    """
    at_layer, on_image = {}, []
    for term in objective.terms:
        weight = objective.group_weights[term.group] * term.weight
        loss = term.loss(features[term.layer], _target(term, targets))
        if term.on_image:
            on_image.append(weight * tf1.gradients(loss, features["image"])[0])
            continue
        grad = tf1.gradients(loss, features[term.layer])[0]
        grad = weight * grad / (tf.reduce_sum(tf.abs(grad)) + 1e-8)
        at_layer[term.layer] = at_layer[term.layer] + grad if term.layer in at_layer else grad
    names = sorted(at_layer)
    gradient = tf1.gradients([features[name] for name in names], features["image"],
                             grad_ys=[at_layer[name] for name in names])[0]
    return tf.add_n([gradient] + on_image)
