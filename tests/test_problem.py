"""--content-weight-blend and --style-layer-weight-exp (anishathalye's layer options)."""
import numpy as np
import pytest
import tensorflow as tf

from legacy_nst import Config
from legacy_nst.errors import ConfigError
from legacy_nst.io.images import load_image, to_network
from legacy_nst.problem import content_layers, layers_in_use, style_layers
from legacy_nst.vgg.graph import build_graph
from conftest import losses_only

SIZE = (48, 64)


def test_content_weight_blend_picks_conv4_2_and_conv5_2():
    assert content_layers(Config()) == (("conv4_2", 1.0),)
    assert content_layers(Config(content_weight_blend=0.25)) == (("conv4_2", 0.25), ("conv5_2", 0.75))
    assert content_layers(Config(content_weight_blend=1.0)) == (("conv4_2", 1.0),)  # weight 0 left out
    assert content_layers(Config(content_weight_blend=0.0)) == (("conv5_2", 1.0),)
    assert "conv5_2" in layers_in_use(Config(content_weight_blend=0.5))
    with pytest.raises(ConfigError, match="not both"):
        Config(content_weight_blend=0.5, content_layers="conv3_1")
    with pytest.raises(ConfigError, match=r"within \[0, 1\]"):
        Config(content_weight_blend=1.5)


def test_style_layer_weight_exp_is_geometric_with_the_same_total():
    """anishathalye: weight(layer n+1) = exp * weight(layer n); here rescaled to --style-layers' total."""
    assert style_layers(Config()) == Config().style_layers
    got = style_layers(Config(style_layer_weight_exp=2.0))
    names = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
    want = np.array([1, 2, 4, 8, 16], float) * 10.0 / 31.0  # art.py's weights sum to 10
    assert [n for n, _ in got] == names
    np.testing.assert_allclose([w for _, w in got], want, rtol=1e-12)
    even = style_layers(Config(style_layer_weight_exp=1.0, style_layers="conv3_1:1,conv1_1:3"))
    assert even == (("conv1_1", 2.0), ("conv3_1", 2.0))  # network order, total 4 shared equally
    with pytest.raises(ConfigError, match="must be > 0"):
        Config(style_layer_weight_exp=0)


@pytest.fixture(scope="module")
def measure(vgg, content_path, style_path):
    """Per-layer content distance and style loss of result images, in float64 numpy."""
    content = to_network(load_image(content_path, SIZE), vgg.mean_pixel)
    style = to_network(load_image(style_path, SIZE), vgg.mean_pixel)
    names = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv4_2", "conv5_1", "conv5_2"]
    graph = tf.Graph()
    with graph.as_default():
        net = build_graph(vgg, *SIZE)
    sess = tf.compat.v1.Session(graph=graph)
    feats = lambda x: {n: v.astype(np.float64)[0] for n, v in sess.run({n: net[n] for n in names},  # noqa: E731
                                                                        {net["image"]: x}).items()}
    p, a = feats(content), feats(style)

    def gram(f):
        flat = f.reshape(-1, f.shape[-1])
        return flat.T @ flat

    def _measure(image_uint8):
        x = feats(to_network(image_uint8, vgg.mean_pixel))
        out = {}
        for n in names:
            m, c = x[n].shape[0] * x[n].shape[1], x[n].shape[2]
            out["content", n] = ((x[n] - p[n]) ** 2).sum() / (4 * c * m)
            out["style", n] = ((gram(x[n]) - gram(a[n])) ** 2).sum() / (4 * c**2 * m**2)
        return out
    yield _measure
    sess.close()


@pytest.mark.slow
def test_content_weight_blend_moves_the_content_match_between_layers(run, measure):
    """All weight on conv5_2 matches conv5_2 better and conv4_2 worse than all on conv4_2."""
    options = dict(iterations=10, init="random", optimizer="lbfgs", alpha=0.0)  # content only
    on_4_2 = measure(run(content_weight_blend=1.0, **options).image)
    on_5_2 = measure(run(content_weight_blend=0.0, **options).image)
    assert on_5_2["content", "conv5_2"] < on_4_2["content", "conv5_2"]
    assert on_4_2["content", "conv4_2"] < on_5_2["content", "conv4_2"]


@pytest.mark.slow
def test_blend_one_is_the_default_run(run):
    a, b = run(iterations=1), run(iterations=1, content_weight_blend=1.0)
    assert losses_only(a.history) == losses_only(b.history)
    np.testing.assert_array_equal(a.image, b.image)


@pytest.mark.slow
def test_style_layer_weight_exp_moves_the_style_match_to_deep_layers(run, measure):
    """exp 4 puts 75% of the style weight on conv5_1, exp 1/4 on conv1_1: the match moves towards each.

    Relative, not absolute, at conv5_1: in 10 steps both runs lower conv5_1's
    loss by about the same amount, and which ends lower depends on L-BFGS's
    first step; the ratio of the two runs' conv5_1 losses stays well below
    that of their conv1_1 losses (equal weights would make both 1).
    """
    options = dict(iterations=10, init="content", optimizer="lbfgs", beta=0.0)  # style only
    deep = measure(run(style_layer_weight_exp=4.0, **options).image)
    shallow = measure(run(style_layer_weight_exp=0.25, **options).image)
    assert shallow["style", "conv1_1"] < deep["style", "conv1_1"]
    assert (deep["style", "conv5_1"] / shallow["style", "conv5_1"]
            < deep["style", "conv1_1"] / shallow["style", "conv1_1"])  # 1.02 against 1.94 when written


@pytest.mark.parametrize("blend", [0.0, 0.3, 0.5, 1.0])
def test_init_noiseblend_starts_where_anishathalyes_stylize_does(blend):
    """stylize.py: initial * (1 - noiseblend) + (tf.random_normal(shape) * 0.256) * noiseblend, in network space
    (his vgg.preprocess is ours: minus the mean pixel), the normal draws here numpy's RandomState(--seed)."""
    from legacy_nst.problem import initial_image

    mean_pixel = np.array([123.68, 116.779, 103.939], np.float32)
    content = np.random.RandomState(1).uniform(0, 255, (1, 6, 8, 3)).astype(np.float32) - mean_pixel
    config = Config(init="content", init_noiseblend=blend, init_std=0.256, seed=7)
    start = initial_image(config, content, None, (6, 8), mean_pixel)
    noise = np.random.RandomState(7).normal(size=(1, 6, 8, 3)) * 0.256
    np.testing.assert_allclose(start, content * (1 - blend) + noise * blend, rtol=1e-6, atol=1e-5)
    assert start.dtype == np.float32 and start.shape == (1, 6, 8, 3)
    if blend == 1.0:  # the noise alone: the peer's start without --initial, --init randn
        randn = initial_image(config.replace(init="randn", init_noiseblend=0.0), content, None, (6, 8), mean_pixel)
        np.testing.assert_array_equal(start, randn)


@pytest.mark.parametrize("blend", [-0.1, 1.5, float("nan")])
def test_init_noiseblend_outside_0_to_1_is_refused(blend):
    with pytest.raises(ConfigError, match="--init-noiseblend"):
        Config(init_noiseblend=blend)
