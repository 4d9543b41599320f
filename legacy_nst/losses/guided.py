"""Guided Gram matrices (Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer", section 4):
each style applies in its own region of the image.

Region r has a guidance channel T_r^l at each style layer l (losses.guidance: its mask carried to the layer's
positions, "simple" or "inside"). With F the layer's features as an M x N matrix (M positions, N channels),

    F_r = T_r o F            (each position's features times its guidance value)
    G_r = F_r^T F_r          (= F^T diag(T_r^2) F)
    E_r^l = style(G_r, A_r) with M_r = sum of T_r^l in place of M,

under every normalization (losses.normalizations' style formulas take `positions`): art.py's is
1/(4 N^2 M_r^2) * sum (G_r - A_r)^2. The style group sums every region's terms, each weighted by its layer's
weight (the paper's lambda_r = 1). A_r is region r's target (losses.targets): the Gram matrix of its style
image, whole or guided by a style-side mask T_s (then G_s = F_s^T diag(T_s^2) F_s over the style's region),
rescaled from the style region's size M_s to the working one: A_r = G_s * M_r / M_s (as blend_style_targets
rescales a style of another size). With an all-white mask T_r = 1, M_r = M and A_r = A: the term is StyleTerm's,
bit for bit.

Tiled (losses.term): G_r is a sum over positions, so pass 1 sums (T_r F)^T (T_r F) over the tiles' cores, the
guide cut to each tile's window (`tile_windows`); with G_r fixed, dL/dF = 2 T_r (T_r F) dL/dG_r is local and
pass 2 backpropagates it on each core.

Where the masks come from: `inputs` (problem.Problem.inputs), one region per style image:
- "style_masks": one (H, W) mask in [0, 1] per style at the working size (problem.build_problem resizes them;
  all ones there for a style that applies everywhere);
- "style_region_masks" (optional): per style, None or its mask at the style image's network size, the region
  of that style image its target is taken from;
- "guidance" (optional): "simple" (the default) or "inside", how both sides' masks reach the layers;
- "region_layers" (optional): per style, None or the style layers that region's terms are on (e.g. the fine
  layers for one painting and the coarse ones for another: the paper's scale control, section 6).
A region with no positions left at a layer (on either side: a thin region under "inside") has no term there.
"""
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import tensorflow as tf

from .guidance import propagate, region_size
from .layers import style_layers
from .normalizations import NORMALIZATIONS
from .term import Term, gram_gradient, gram_loss, gram_partial


def guided_regions(config, inputs):
    """Per region (style): ((layer, weight) pairs, {layer: content-side guide}, {layer: style-side guide} or None)."""
    masks = inputs.get("style_masks") or ()
    style_masks = inputs.get("style_region_masks") or (None,) * len(masks)
    chosen = inputs.get("region_layers") or (None,) * len(masks)
    mode = inputs.get("guidance", "simple")
    layers = style_layers(config)
    regions = []
    for mask, style_mask, names in zip(masks, style_masks, chosen):
        pairs = tuple((name, weight) for name, weight in layers if names is None or name in names)
        names = [name for name, _ in pairs]
        guides = propagate(mask, names, config.pooling, mode)
        style_guides = None if style_mask is None else propagate(style_mask, names, config.pooling, mode)
        regions.append((pairs, guides, style_guides))
    return regions


@dataclass(frozen=True, eq=False)
class GuidedStyleTerm(Term):
    """alpha * weight * style(T_r o x, A_r) at one layer, normalized by the region's size M_r (see the module)."""

    group: ClassVar[str] = "style"
    weight_option: ClassVar[str] = "alpha"
    source: ClassVar[str] = "region"
    measure: ClassVar[str] = "gram"
    normalization: str = "artpy"
    region: int = 0                                            # its style image's index in Problem.styles
    guide: np.ndarray = field(default=None, repr=False)        # T_r^l, (1, h, w, 1) float32
    style_guide: np.ndarray = field(default=None, repr=False)  # T_s^l on the style image, or None: all of it
    positions: float = 0.0                                     # M_r = sum of T_r^l

    @classmethod
    def terms(cls, config, inputs):
        """One term per region and style layer, when `inputs` holds "style_masks" (see the module)."""
        terms = []
        for region, (pairs, guides, style_guides) in enumerate(guided_regions(config, inputs)):
            for name, weight in pairs:
                guide, style_guide = guides[name], None if style_guides is None else style_guides[name]
                if region_size(guide) == 0 or (style_guide is not None and region_size(style_guide) == 0):
                    continue
                terms.append(cls(name, weight, config.loss_normalization, region, guide, style_guide,
                                 region_size(guide)))
        return tuple(terms)

    def target_in(self, targets):
        return targets[self.source][(self.region, self.layer)]

    @property
    def style_positions(self):
        """M_s: the style region's size at this layer (None: the whole style image's positions)."""
        return None if self.style_guide is None else region_size(self.style_guide)

    def loss(self, x, target):
        return NORMALIZATIONS[self.normalization].style(x * tf.constant(self.guide), target, positions=self.positions)

    def scale(self, n, m):
        """The normalization's scale(N, M_r): the region's size in place of the image's M."""
        return NORMALIZATIONS[self.normalization].style_scale(n, self.positions)

    def tile_inputs(self, channels):
        return {"guide": (1, None, None, 1), "dl_dgram": (channels, channels)}

    def tile_windows(self, target):
        return {"guide": self.guide}

    def tile_partial(self, x, core, inputs):
        return gram_partial(x * core * inputs["guide"])

    def tile_loss(self, partial, target, scale, factor):
        return gram_loss(partial, target, scale, factor)

    def tile_gradient(self, x, core, inputs):
        # dL/dF = 2 T_r (T_r F) dL/dG_r on the core
        return gram_gradient(x * core * inputs["guide"], inputs["dl_dgram"], tf.shape(x)) * core * inputs["guide"]

