"""The temporal term through every engine: the graph, eager and tiled engines evaluate the same Problem with a
warped previous frame to the same loss and gradient, and the term's share equals its numpy reference."""
import numpy as np
import pytest

from legacy_nst import Config
from legacy_nst.engines.eager import EagerEngine
from legacy_nst.engines.graph import GraphEngine
from legacy_nst.engines.tiled import TiledEngine
from legacy_nst.io.images import read_image, resize, to_network
from legacy_nst.losses.temporal import ruder_weight
from legacy_nst.losses.terms import objective
from problems import CONTENT, STYLE
from legacy_nst.problem import Problem

SIZE = (64, 80)


@pytest.fixture(scope="module")
def problem(vgg, content_path, style_path):
    content = to_network(resize(read_image(content_path), SIZE), vgg.mean_pixel)
    style = to_network(resize(read_image(style_path), SIZE), vgg.mean_pixel)
    rng = np.random.RandomState(3)
    warped = content + rng.normal(0, 10, content.shape).astype(np.float32)
    weights = (rng.uniform(size=(1, *SIZE, 1)) > 0.2).astype(np.float32)
    inputs = {"previous": [(warped, weights)]}
    start = content + rng.uniform(-20, 20, content.shape).astype(np.float32)
    made = Problem(size=SIZE, content=content, styles=(style,), style_weights=(1.0,),
                   objective=objective(CONTENT, STYLE, alpha=100.0, beta=5.0, inputs=inputs), start=start,
                   bounds=None, mean_pixel=vgg.mean_pixel, pooling="avg", kernel_layout="tf", inputs=inputs)
    return made, warped, weights


def test_the_temporal_group_is_ruders_weighted_mean_with_ruders_ratio(vgg, problem):
    made, warped, weights = problem
    assert made.objective.group_weights["temporal"] == pytest.approx(ruder_weight(Config(), SIZE))
    assert ruder_weight(Config(), SIZE) == pytest.approx(200 * 5.0 / 4)  # art.py's content is MSE / 4
    with GraphEngine(made, vgg, Config()) as engine:
        losses, _ = engine.compute_loss_and_grads(made.start)
    d = made.start.astype(np.float64) - warped
    assert losses["temporal"] == pytest.approx(np.sum(weights * d * d) / d.size, rel=1e-5)
    others = 5.0 * losses["content"] + 100.0 * losses["style"]
    assert losses["total"] == pytest.approx(others + 250.0 * losses["temporal"], rel=1e-6)


@pytest.mark.parametrize("engine", ["eager", "tiled"])
def test_the_engines_agree_on_the_temporal_problem(vgg, problem, engine):
    made, _, _ = problem
    with GraphEngine(made, vgg, Config()) as graph:
        want, want_grad = graph.compute_loss_and_grads(made.start)
    other = EagerEngine(made, vgg, Config(backend="eager")) if engine == "eager" else \
        TiledEngine(made, vgg, Config(), tile=48)
    with other:
        got, grad = other.compute_loss_and_grads(made.start)
    for name in want:
        assert got[name] == pytest.approx(want[name], rel=1e-5), name
    assert np.linalg.norm(grad - want_grad) / np.linalg.norm(want_grad) < 1e-4
