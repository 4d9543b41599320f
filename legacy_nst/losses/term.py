"""What a loss term is: one small unit (jcjohnson's loss modules, pystiche's loss/), which every engine iterates.

A term kind is a frozen dataclass subclassing `Term`, in a module of its own or beside its family, and one
entry of losses.terms.TERMS. Its class data say what it is:

- `group`: which group weight multiplies it ("content": --beta, "style": --alpha, "tv": --tv-weight, ...), and
  `weight_option`, the Config field holding that weight;
- `source` and `measure`: the target image it is compared with ("content", "style", or None for a term that
  carries its own target or needs none) and what of that image's features the target is ("features" or
  "gram"); losses.targets.make_targets measures them once for every engine.

Its instances are the terms of one run (`terms(config, inputs)`, one per layer it reads), each with `layer`
(a VGG layer, or "image" for a term on the pixels) and `weight` (its weight within the group). Its maths live in
its docstring and in `loss(x, target)` (TensorFlow: the graph and eager engines differentiate it). A term on the
image also gives `loss_and_grad(image)` in numpy, which the tiled engine takes on the whole image; a term on a
layer gives `scale(N, M)`, the factor of its sum of squares that the tiled engine sums over tiles.
"""
from dataclasses import dataclass
from typing import ClassVar, Optional


@dataclass(frozen=True)
class Term:
    """One weighted term of the loss (see the module's docstring)."""

    group: ClassVar[str] = ""
    weight_option: ClassVar[str] = ""
    source: ClassVar[Optional[str]] = None
    measure: ClassVar[Optional[str]] = None

    layer: str
    weight: float

    @classmethod
    def terms(cls, config, inputs):
        """This kind's terms in a run of `config`; `inputs` holds a run's extra arrays by name."""
        raise NotImplementedError

    @property
    def on_image(self) -> bool:
        return self.layer == "image"

    def loss(self, x, target):
        """The term's value (TensorFlow) at the features `x` of its layer (or the image), unweighted."""
        raise NotImplementedError

    def loss_and_grad(self, image):
        """(value, gradient) in numpy at a (1, H, W, 3) image: a term on the image, for the tiled engine."""
        raise NotImplementedError
