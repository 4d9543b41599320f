"""Several style images blended, and --style-scale with size-normalised Gram targets."""
import numpy as np
import pytest
import tensorflow as tf

from legacy_nst import Config, stylize
from legacy_nst.errors import ConfigError
from legacy_nst.io.images import load_image, read_image, to_network
from legacy_nst.problem import blend_weights, prepare_styles, style_sizes
from legacy_nst.vgg.graph import build_graph
from conftest import losses_only
from problems import STYLE, graph_engine

tf1 = tf.compat.v1


def test_style_sizes_follow_the_working_width_and_keep_the_aspect_ratio():
    shapes = [(300, 400), (500, 250)]
    assert style_sizes(shapes, (48, 64), Config()) == [(48, 64), (48, 64)]  # art.py: stretched
    assert style_sizes(shapes, (48, 64), Config(style_scale=0.5)) == [(24, 32), (64, 32)]
    assert style_sizes(shapes, (48, 64), Config(style_scale="2,1")) == [(96, 128), (128, 64)]
    with pytest.raises(ConfigError, match="one value, or one per --style"):
        style_sizes(shapes, (48, 64), Config(style_scale="1,1,1"))
    with pytest.raises(ConfigError, match="--style-scale 0.1 .* at least|within 16"):
        style_sizes(shapes, (48, 64), Config(style_scale=0.1))


def test_blend_weights_are_normalised():
    assert blend_weights(Config(), 3) == pytest.approx((1 / 3,) * 3)
    assert blend_weights(Config(style_blend_weights="8,2"), 2) == pytest.approx((0.8, 0.2))
    with pytest.raises(ConfigError, match="one weight per --style"):
        blend_weights(Config(style_blend_weights="1,2,3"), 2)
    with pytest.raises(ConfigError, match="positive sum"):
        Config(style_blend_weights="0,0")


def features(vgg, image_x, names):
    """Features of one network-space image on its own graph, as float64."""
    with tf.Graph().as_default(), tf1.Session() as sess:
        net = build_graph(vgg, *image_x.shape[1:3])
        return {n: v.astype(np.float64)[0] for n, v in sess.run({n: net[n] for n in names},
                                                                 {net["image"]: image_x}).items()}


def np_gram(f):
    flat = f.reshape(-1, f.shape[-1])
    return flat.T @ flat


def targets(vgg, content_x, styles_x, weights):
    """(content, style) targets as the graph engine materialises them."""
    with graph_engine(vgg, content_x, list(styles_x), style_weights=weights) as engine:
        return engine.targets["content"], engine.targets["style"]


@pytest.mark.slow
def test_blended_targets_are_the_weighted_sum_of_each_styles_gram(vgg, content_path, shared_dir):
    size = (32, 48)
    content = to_network(load_image(content_path, size), vgg.mean_pixel)
    styles = [to_network(load_image(shared_dir / "images" / name, size), vgg.mean_pixel)
              for name in ("starry_night.jpg", "the_scream.jpg")]
    content_t, style_t = targets(vgg, content, styles, (0.8, 0.2))
    names = [n for n, _ in STYLE]
    grams = [{n: np_gram(f) for n, f in features(vgg, x, names).items()} for x in styles]
    for name in names:
        want = 0.8 * grams[0][name] + 0.2 * grams[1][name]
        np.testing.assert_allclose(style_t[name], want, rtol=2e-4, atol=1e-3 * np.abs(want).max())
        assert np.abs(grams[0][name] - grams[1][name]).max() > 0.1 * np.abs(want).max()  # the styles differ
    np.testing.assert_allclose(content_t["conv4_2"], features(vgg, content, ["conv4_2"])["conv4_2"][None],
                               rtol=1e-5, atol=1e-3)


@pytest.mark.slow
def test_scaled_style_targets_are_gram_per_position_times_the_outputs_positions(vgg, content_path, style_path):
    """--style-scale 1.5: the style is 1.5x the working width; its Gram matrices are taken at that size
    and multiplied by M_generated / M_style."""
    size = (32, 48)
    content = to_network(load_image(content_path, size), vgg.mean_pixel)
    style_rgb = read_image(style_path)
    config = Config(style_scale=1.5)
    (style_x,) = prepare_styles([style_rgb], size, config, vgg.mean_pixel)
    assert style_x.shape[1:3] == (round(72 * style_rgb.shape[0] / style_rgb.shape[1]), 72)
    _, style_t = targets(vgg, content, [style_x], (1.0,))
    content_feats = features(vgg, content, [n for n, _ in STYLE])
    for name, f in features(vgg, style_x, [n for n, _ in STYLE]).items():
        m_style = f.shape[0] * f.shape[1]
        m_out = content_feats[name].shape[0] * content_feats[name].shape[1]
        want = np_gram(f) * m_out / m_style
        np.testing.assert_allclose(style_t[name], want, rtol=2e-4, atol=1e-3 * np.abs(want).max())


@pytest.mark.slow
def test_a_tiled_style_at_twice_the_scale_gives_the_same_targets(vgg, content_path, style_path):
    """A 2x2 tiling of a texture has the same statistics per position, so at --style-scale 2 its
    targets match the single tile's at scale 1; un-normalised they would be 4x larger. What is
    left is the tile seams and the zero padding at the borders, which dominate conv5_1 at this
    tiny size (2x3 positions against 4x6)."""
    size = (32, 48)
    content = to_network(load_image(content_path, size), vgg.mean_pixel)
    tile = load_image(style_path, size)
    one = prepare_styles([tile], size, Config(style_scale=1.0), vgg.mean_pixel)
    four = prepare_styles([np.tile(tile, (2, 2, 1))], size, Config(style_scale=2.0), vgg.mean_pixel)
    assert one[0].shape[1:3] == size and four[0].shape[1:3] == (64, 96)  # no resampling in either
    _, single = targets(vgg, content, one, (1.0,))
    _, tiled = targets(vgg, content, four, (1.0,))
    for name, _ in STYLE:
        scale = np.linalg.norm(tiled[name]) / np.linalg.norm(single[name])
        error = np.linalg.norm(tiled[name] - single[name]) / np.linalg.norm(single[name])
        deepest = name == "conv5_1"
        assert abs(scale - 1) < (0.6 if deepest else 0.1), (name, scale)
        assert error < (0.8 if deepest else 0.08 if name == "conv1_1" else 0.35), (name, error)


@pytest.mark.slow
def test_style_scale_changes_the_run(vgg, content_path, style_path):
    options = dict(width=64, height=48, iterations=0, init="content", vgg=vgg)
    plain = stylize(str(content_path), str(style_path), **options)
    small = stylize(str(content_path), str(style_path), style_scale=0.5, **options)
    assert small.history[0]["content"] == plain.history[0]["content"] == 0.0
    assert small.history[0]["style"] != pytest.approx(plain.history[0]["style"], rel=0.05)


@pytest.fixture(scope="module")
def run(vgg, content_path):
    def _run(style, **options):
        return stylize(str(content_path), style, vgg=vgg, width=48, height=32, iterations=2, seed=0, **options)
    return _run


@pytest.mark.slow
def test_blend_weight_one_equals_a_single_style_run(run, shared_dir):
    starry, scream = (str(shared_dir / "images" / n) for n in ("starry_night.jpg", "the_scream.jpg"))
    single = run(starry)
    blended = run([starry, scream], style_blend_weights=(1.0, 0.0))
    assert losses_only(blended.history) == losses_only(single.history)
    np.testing.assert_array_equal(blended.image, single.image)
    mixed = run([starry, scream], style_blend_weights=(0.5, 0.5))
    assert mixed.history[-1]["style"] != pytest.approx(single.history[-1]["style"], rel=0.01)
