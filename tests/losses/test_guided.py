"""Guided Gram matrices (losses.guided): the term's value and gradient against numpy under every normalization;
with an all-white mask, StyleTerm's bit for bit in the graph, eager and tiled engines; with masks, the engine's
style loss and targets against numpy on real features (a style-side region and a style at another size
included), and the tiled engine equal to the untiled one, the masks cut with their tiles."""
import numpy as np
import pytest
import tensorflow as tf

from legacy_nst import Config
from legacy_nst.engines.eager import EagerEngine
from legacy_nst.engines.graph import GraphEngine
from legacy_nst.engines.tiled import TiledEngine
from legacy_nst.errors import ConfigError
from legacy_nst.io.images import load_image, read_image
from legacy_nst.losses.guidance import propagate, region_size
from legacy_nst.losses.guided import GuidedStyleTerm
from legacy_nst.losses.normalizations import NORMALIZATIONS
from legacy_nst.losses.terms import StyleTerm, objective_of
from legacy_nst.problem import build_problem
from legacy_nst.vgg.graph import build_graph

tf1 = tf.compat.v1
SIZE = (48, 64)
LAYERS = "conv1_1:0.5,conv2_1:1,conv3_1:1.5,conv4_1:3,conv5_1:4"
# each normalization's style scale c in c * sum (G - A)^2, from its docstring, with M the positions
SCALES = {"artpy": lambda n, m: 1 / (4 * n**2 * m**2), "paper": lambda n, m: 1 / (4 * n**2 * m**2),
          "tutorial": lambda n, m: 1 / (n**2 * m**2), "jcjohnson": lambda n, m: 1 / (n**4 * m**2),
          "anishathalye": lambda n, m: 1 / (n**4 * m**2)}


def np_gram(features):
    flat = np.asarray(features, np.float64).reshape(-1, features.shape[-1])
    return flat.T @ flat


def np_guided(x, guide, target, normalization="artpy"):
    """(value, dL/dx) of one guided term in float64: c(N, M_r) * sum (G_r - A)^2 with G_r = (T o F)^T (T o F),
    M_r = sum T; dL/d(T o F) = 4c (T o F)(G_r - A), so dL/dF = T o 4c (T o F)(G_r - A)."""
    channels, m_r = x.shape[-1], float(np.sum(guide, dtype=np.float64))
    guided = np.asarray(x, np.float64) * guide
    difference = np_gram(guided) - target
    scale = SCALES[normalization](channels, m_r)
    gradient = 4 * scale * (guided.reshape(-1, channels) @ difference).reshape(x.shape) * guide
    return scale * np.sum(difference**2), gradient


@pytest.mark.parametrize("normalization", sorted(NORMALIZATIONS))
def test_the_guided_term_and_its_gradient_equal_numpy(normalization):
    rng = np.random.RandomState(7)
    x = rng.gamma(1.0, 2.0, (1, 6, 7, 5)).astype(np.float32)
    guide = rng.uniform(0, 1, (1, 6, 7, 1)).astype(np.float32)
    guide[:, :2] = 0.0
    target = (0.7 * np_gram(rng.gamma(1.0, 2.0, (1, 6, 7, 5)))).astype(np.float32)
    term = GuidedStyleTerm("conv3_1", 1.0, normalization, 0, guide, None, region_size(guide))
    features = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(features)
        value = term.loss(features, tf.constant(target))
    gradient = tape.gradient(value, features).numpy()
    want, want_gradient = np_guided(x, guide, target, normalization)
    assert float(value) == pytest.approx(want, rel=1e-5)
    np.testing.assert_allclose(gradient, want_gradient, rtol=1e-4, atol=1e-5 * np.abs(want_gradient).max())
    # the tiled form: scale(N, M) * sum (G_r - A)^2 with the region's M_r whatever M the engine passes
    difference = np_gram(x * guide) - target
    assert term.scale(5.0, 42.0) * np.sum(difference**2) == pytest.approx(want, rel=1e-6)


@pytest.fixture(scope="module")
def pair(content_path, style_path):
    """(content, style) uint8 at SIZE, and an image to evaluate at (network space is built by build_problem)."""
    return load_image(content_path, SIZE), load_image(style_path, SIZE)


def start_of(problem):
    return problem.content + np.random.RandomState(0).uniform(-20, 20, problem.content.shape).astype(np.float32)


def plain_and_white(vgg, pair, config):
    """The same run without masks and with one all-white mask (uint8 255 on the content's frame)."""
    content, style = pair
    plain = build_problem(config, content, [style], vgg.mean_pixel, SIZE)
    white = build_problem(config, content, [style], vgg.mean_pixel, SIZE,
                          inputs={"style_masks": [np.full(SIZE, 255, np.uint8)]})
    assert not white.objective.of_kind(StyleTerm) and len(white.objective.of_kind(GuidedStyleTerm)) == 5
    assert len(plain.objective.of_kind(StyleTerm)) == 5
    return plain, white


def same_bits(first, second, image):
    (losses_a, gradient_a), (losses_b, gradient_b) = (engine.compute_loss_and_grads(image)
                                                      for engine in (first, second))
    assert losses_a == losses_b
    np.testing.assert_array_equal(gradient_a, gradient_b)


@pytest.mark.parametrize("normalization", [name if name == "artpy" else pytest.param(name, marks=pytest.mark.slow)
                                           for name in sorted(NORMALIZATIONS)])
def test_an_all_white_mask_is_the_style_term_bit_for_bit_in_the_graph_engine(vgg, pair, normalization):
    config = Config(style_layers=LAYERS, loss_normalization=normalization)
    plain, white = plain_and_white(vgg, pair, config)
    with GraphEngine(plain, vgg, config) as first, GraphEngine(white, vgg, config) as second:
        same_bits(first, second, start_of(plain))


def test_an_all_white_mask_is_the_style_term_bit_for_bit_in_the_eager_engine(vgg, pair):
    config = Config(style_layers=LAYERS, backend="eager")
    plain, white = plain_and_white(vgg, pair, config)
    same_bits(EagerEngine(plain, vgg, config), EagerEngine(white, vgg, config), start_of(plain))


def test_an_all_white_mask_is_the_style_term_bit_for_bit_in_the_tiled_engine(vgg, pair):
    config = Config(style_layers=LAYERS, content_layers="conv3_2")
    plain, white = plain_and_white(vgg, pair, config)
    with TiledEngine(plain, vgg, config, tile=32) as first, TiledEngine(white, vgg, config, tile=32) as second:
        assert len(first.evaluator.tiles) == 4
        same_bits(first, second, start_of(plain))


def halves(size, soft=True):
    """Left and right masks on an image of `size`, a soft ramp between them (or a hard edge)."""
    height, width = size
    ramp = np.clip((np.arange(width) - 0.45 * width) / (0.1 * width), 0, 1) if soft else np.arange(width) >= width / 2
    right = np.broadcast_to(np.asarray(ramp, np.float32), size).copy()
    return [1.0 - right, right]


@pytest.fixture(scope="module")
def masked(vgg, pair, shared_dir):
    """Two styles split left/right by soft masks given at twice the working size; the second style is the
    top half of The Scream (a style-side mask on its own frame) at 3/4 of the working width (--style-scale)."""
    scream = read_image(shared_dir / "images" / "the_scream.jpg")
    top = np.zeros(scream.shape[:2], np.uint8)
    top[: scream.shape[0] // 2] = 255
    inputs = {"style_masks": halves((2 * SIZE[0], 2 * SIZE[1])), "style_region_masks": [None, top]}
    config = Config(style_layers=LAYERS, style_scale="1,0.75")
    return build_problem(config, pair[0], [pair[1], scream], vgg.mean_pixel, SIZE, inputs=inputs)


def features_of(vgg, image, layers):
    with tf.Graph().as_default(), tf1.Session() as sess:
        net = build_graph(vgg, *image.shape[1:3])
        return sess.run({name: net[name] for name in layers}, {net["image"]: image})


@pytest.mark.slow
def test_the_masked_style_loss_and_targets_equal_numpy_on_real_features(vgg, masked):
    problem, image = masked, start_of(masked)
    layers = dict(Config(style_layers=LAYERS).style_layers)
    assert problem.styles[1].shape[1:3] != SIZE and problem.inputs["style_masks"][0].shape == SIZE
    generated = features_of(vgg, image, layers)
    want, targets = 0.0, {}
    for region, style in enumerate(problem.styles):
        guides = propagate(problem.inputs["style_masks"][region], layers)
        style_mask = problem.inputs["style_region_masks"][region]
        style_guides = propagate(style_mask, layers) if style_mask is not None else None
        style_features = features_of(vgg, style, layers)
        for name, weight in layers.items():
            style_guide = 1.0 if style_guides is None else style_guides[name]
            m_style = np.sum(np.broadcast_to(style_guide, style_features[name].shape[:3] + (1,)), dtype=np.float64)
            targets[(region, name)] = np_gram(style_features[name] * style_guide) * region_size(guides[name]) / m_style
            want += weight * np_guided(generated[name], guides[name], targets[(region, name)])[0]
    with GraphEngine(problem, vgg, Config()) as engine:
        got = engine.evaluate(image)
        for key, value in targets.items():
            np.testing.assert_allclose(engine.targets["region"][key], value, rtol=1e-4, atol=1e-6 * np.abs(value).max())
    assert got["style"] == pytest.approx(want, rel=1e-4)
    assert len(problem.objective.of_kind(GuidedStyleTerm)) == 10


def relative_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


@pytest.mark.parametrize("style_layers, content_layers, mode", [
    ("conv1_1:1,conv2_1:1,conv3_1:1", "conv3_2", "simple"),
    pytest.param("conv1_1:1,conv2_1:1,conv3_1:1,conv4_1:1", "conv4_2", "inside", marks=pytest.mark.slow)])
def test_a_tiled_masked_run_equals_the_untiled_one(vgg, content_path, style_path, shared_dir, style_layers,
                                                   content_layers, mode):
    """96x96 in 32-px cores: every guide is cut to each tile's window at its layer, in both passes and in the
    guided measurement of the style region's target."""
    size = (96, 96)
    scream = read_image(shared_dir / "images" / "the_scream.jpg")
    top = np.zeros(scream.shape[:2], np.float32)
    top[: scream.shape[0] // 2] = 1.0
    inputs = {"style_masks": halves(size, soft=mode == "simple"), "style_region_masks": [None, top], "guidance": mode}
    config = Config(style_layers=style_layers, content_layers=content_layers)
    problem = build_problem(config, load_image(content_path, size), [load_image(style_path, size), scream],
                            vgg.mean_pixel, size, inputs=inputs)
    image = start_of(problem)
    with GraphEngine(problem, vgg, config) as engine:
        want, want_gradient = engine.compute_loss_and_grads(image)
    with TiledEngine(problem, vgg, config, tile=32) as engine:
        assert len(engine.evaluator.tiles) == 9 and any(t.shape != size for t in engine.evaluator.tiles)
        got, gradient = engine.compute_loss_and_grads(image)
    assert set(got) == set(want)
    for name in want:
        assert got[name] == pytest.approx(want[name], rel=1e-5), name
    assert relative_l2(gradient, want_gradient) < 1e-4


def test_masks_make_one_guided_term_per_region_and_layer_and_no_plain_style_term():
    config = Config(style_layers="conv1_1:1,conv5_1:2")
    left, right = halves((64, 64), soft=False)
    terms = [t for t in objective_of(config, {"style_masks": [left, right]}).terms if t.group == "style"]
    assert [(type(t).__name__, t.region, t.layer, t.weight) for t in terms] == [
        ("GuidedStyleTerm", 0, "conv1_1", 1.0), ("GuidedStyleTerm", 0, "conv5_1", 2.0),
        ("GuidedStyleTerm", 1, "conv1_1", 1.0), ("GuidedStyleTerm", 1, "conv5_1", 2.0)]
    assert terms[1].positions == 8.0 and terms[1].guide.shape == (1, 4, 4, 1)  # conv5_1: 4x4, half of it
    assert [t.layer for t in objective_of(config, {}).terms if t.group == "style"] == ["conv1_1", "conv5_1"]


def test_a_region_that_vanishes_at_a_layer_has_no_term_there_and_region_layers_choose_layers():
    config = Config(style_layers="conv1_1:1,conv5_1:1")
    thin = np.zeros((64, 64), np.float32)
    thin[:, :4] = 1.0  # "inside": conv5_1's 196-pixel fields all reach outside; conv1_1 keeps columns 0-2
    terms = objective_of(config, {"style_masks": [thin], "guidance": "inside"}).of_kind(GuidedStyleTerm)
    assert [(t.layer, t.positions) for t in terms] == [("conv1_1", 3 * 64)]
    white = np.ones((64, 64), np.float32)
    chosen = objective_of(config, {"style_masks": [white, white], "region_layers": [("conv1_1",), ("conv5_1",)]})
    assert [(t.region, t.layer) for t in chosen.terms if t.group == "style"] == [(0, "conv1_1"), (1, "conv5_1")]


def test_build_problem_resizes_the_masks_and_refuses_bad_ones_in_one_line():
    content, style = np.zeros((60, 80, 3), np.uint8), np.zeros((30, 50, 3), np.uint8)
    config, mean = Config(), np.zeros(3, np.float32)

    def build(**inputs):
        return build_problem(config, content, [style, style], mean, (24, 32), inputs=inputs)

    problem = build(style_masks=[np.full((120, 160), 255, np.uint8), None],
                    style_region_masks=[np.ones((60, 100), np.float32), None])
    assert [m.shape for m in problem.inputs["style_masks"]] == [(24, 32), (24, 32)]
    assert all(np.all(m == 1.0) for m in problem.inputs["style_masks"])  # a None is everywhere: all ones
    assert problem.inputs["style_region_masks"][0].shape == (24, 32) and problem.inputs["style_region_masks"][1] is None
    only_regions = build(style_region_masks=[None, np.ones((30, 50), np.uint8)])
    assert len(only_regions.objective.of_kind(GuidedStyleTerm)) == 10  # whole-image regions of the style
    with pytest.raises(ConfigError, match=r"^1 style mask\(s\) for 2 style image\(s\); give one per --style$"):
        build(style_masks=[np.ones((60, 80))])
    with pytest.raises(ConfigError, match=r"^style mask 2 is 80x80 but the content image is 80x60, another aspect"):
        build(style_masks=[None, np.ones((80, 80))])
    with pytest.raises(ConfigError, match=r"^style mask 1 is black everywhere"):
        build(style_masks=[np.zeros((60, 80)), None])
    with pytest.raises(ConfigError, match=r"^style region mask 1 is 80x60 but style image 1 is 50x30"):
        build(style_region_masks=[np.ones((60, 80)), None])


@pytest.mark.slow
def test_masked_tiles_on_ray_workers_equal_the_in_process_tiled_run(vgg, content_path, style_path, shared_dir):
    """The guide windows travel to the workers: the terms' (in both passes) and the guided measurement's."""
    import ray

    from legacy_nst.cluster import TileWorkers, loopback_only
    from legacy_nst.engines.ray_tiled import RayTiledEngine

    size = (96, 96)
    scream = read_image(shared_dir / "images" / "the_scream.jpg")
    top = np.zeros(scream.shape[:2], np.float32)
    top[: scream.shape[0] // 2] = 1.0
    config = Config(style_layers="conv1_1:1,conv2_1:1,conv3_1:1", content_layers="conv3_2")
    inputs = {"style_masks": halves(size), "style_region_masks": [None, top]}
    problem = build_problem(config, load_image(content_path, size), [load_image(style_path, size), scream],
                            vgg.mean_pixel, size, inputs=inputs)
    image = start_of(problem)
    with TiledEngine(problem, vgg, config, tile=48) as engine:
        want, want_gradient = engine.compute_loss_and_grads(image)
    loopback_only(ray)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 2**20)
    try:
        with RayTiledEngine(problem, vgg, config, tile=48, workers=TileWorkers(2, None)) as engine:
            got, gradient = engine.compute_loss_and_grads(image)
    finally:
        ray.shutdown()
    for name in want:
        assert got[name] == pytest.approx(want[name], rel=1e-6), name
    assert relative_l2(gradient, want_gradient) < 1e-6
