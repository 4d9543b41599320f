"""Problems and graph engines built directly from network-space arrays, for tests of the loss maths."""
from legacy_nst import Config
from legacy_nst.engines.graph import GraphEngine
from legacy_nst.losses.terms import objective
from legacy_nst.problem import Problem

CONTENT = (("conv4_2", 1.0),)
STYLE = (("conv1_1", 0.5), ("conv2_1", 1.0), ("conv3_1", 1.5), ("conv4_1", 3.0), ("conv5_1", 4.0))


def make_problem(vgg, content, style, content_layers=CONTENT, style_layers=STYLE, alpha=100.0, beta=5.0,
                 tv_weight=0.0, normalization="artpy", pooling="avg", kernel_layout="tf", start=None,
                 style_weights=(1.0,)):
    """A Problem on (1, H, W, 3) network-space arrays (`style` one, or a list blended by `style_weights`),
    starting from `start` (default: the content)."""
    styles = tuple(style) if isinstance(style, (list, tuple)) else (style,)
    return Problem(size=tuple(content.shape[1:3]), content=content, styles=styles, style_weights=style_weights,
                   objective=objective(content_layers, style_layers, alpha=alpha, beta=beta, tv_weight=tv_weight,
                                       normalization=normalization),
                   start=content if start is None else start, bounds=None, mean_pixel=vgg.mean_pixel,
                   pooling=pooling, kernel_layout=kernel_layout)


def graph_engine(vgg, content, style, normalize_gradients=False, **problem_options):
    """The graph engine (art.py's session, targets materialised) on make_problem(...)."""
    config = Config(normalize_gradients=normalize_gradients)
    return GraphEngine(make_problem(vgg, content, style, **problem_options), vgg, config)
