"""The N/M-normalised losses against numpy, and their gradient against finite differences."""
import numpy as np
import pytest
import tensorflow as tf

from legacy_nst.io.images import load_image, to_network
from legacy_nst.losses.normalizations import NORMALIZATIONS, gram
from problems import CONTENT, STYLE, graph_engine

tf1 = tf.compat.v1

def content_layer_loss(x, p, normalization="artpy"):
    """One layer's content term under a normalization."""
    return NORMALIZATIONS[normalization].content(x, p)


def style_layer_loss(x, a_gram, normalization="artpy"):
    """One layer's style term under a normalization."""
    return NORMALIZATIONS[normalization].style(x, a_gram)


def np_gram(f):
    flat = f.reshape(-1, f.shape[-1]).astype(np.float64)
    return flat.T @ flat


def np_content(x, p):
    _, h, w, n = x.shape
    return ((x.astype(np.float64) - p) ** 2).sum() / (4.0 * n * h * w)


def np_style(x, a):
    _, h, w, n = x.shape
    m = h * w
    return ((np_gram(x) - np_gram(a)) ** 2).sum() / (4.0 * n**2 * m**2)


def evaluate(tensor):
    with tf.Graph().as_default(), tf1.Session() as sess:
        return sess.run(tensor())


def test_gram_and_layer_losses_match_numpy():
    rng = np.random.default_rng(0)
    x, p = rng.normal(size=(2, 1, 5, 7, 6)).astype(np.float32)
    np.testing.assert_allclose(evaluate(lambda: gram(tf.constant(x))), np_gram(x), rtol=1e-5)
    np.testing.assert_allclose(evaluate(lambda: content_layer_loss(tf.constant(x), tf.constant(p))),
                               np_content(x, p), rtol=1e-5)
    got = evaluate(lambda: style_layer_loss(tf.constant(x), tf.constant(np_gram(p).astype(np.float32))))
    np.testing.assert_allclose(got, np_style(x, p), rtol=1e-5)


@pytest.fixture(scope="module")
def pair(vgg, content_path, style_path):
    size = (32, 48)
    return (to_network(load_image(content_path, size), vgg.mean_pixel),
            to_network(load_image(style_path, size), vgg.mean_pixel))


@pytest.mark.slow
def test_total_loss_on_real_features_matches_numpy(vgg, pair):
    content, style = pair
    x = content + np.random.default_rng(3).uniform(-20, 20, content.shape).astype(np.float32)
    with graph_engine(vgg, content, style) as engine:
        sess, net, losses, targets = engine.sess, engine.net, engine.losses, engine.targets
        layers = ["conv4_2"] + [n for n, _ in STYLE]
        feats_c = sess.run({n: net[n] for n in layers}, {net["image"]: content})
        feats_s = sess.run({n: net[n] for n in layers}, {net["image"]: style})
        feats_x = sess.run({n: net[n] for n in layers}, {net["image"]: x})
        got = sess.run(losses, {net["image"]: x})
    np.testing.assert_allclose(targets["content"]["conv4_2"], feats_c["conv4_2"], rtol=1e-6)
    want_content = np_content(feats_x["conv4_2"], feats_c["conv4_2"])
    want_style = sum(w * np_style(feats_x[n], feats_s[n]) for n, w in STYLE)
    np.testing.assert_allclose(got["content"], want_content, rtol=1e-4)
    np.testing.assert_allclose(got["style"], want_style, rtol=1e-4)
    np.testing.assert_allclose(got["total"], 5.0 * want_content + 100.0 * want_style, rtol=1e-4)
    assert want_content > 0 and want_style > 0


def _loss_and_gradient(vgg, pair, content_layers, style_layers):
    engine = graph_engine(vgg, *pair, content_layers=content_layers, style_layers=style_layers)
    with engine.graph.as_default():
        gradient = tf1.gradients(engine.losses["total"], engine.net["image"])[0]
    return engine.sess, engine.net, engine.losses["total"], gradient


@pytest.mark.slow
def test_gradient_matches_finite_differences_along_directions(vgg, pair):
    """Central differences of the full loss; directions lean on the gradient so that the
    change is far above float32 rounding of a ~1e11 loss."""
    rng = np.random.default_rng(4)
    x = (pair[0] * 0.5 + rng.uniform(-20, 20, pair[0].shape)).astype(np.float32)
    sess, net, total, gradient = _loss_and_gradient(vgg, pair, CONTENT, STYLE)
    with sess:
        grad = sess.run(gradient, {net["image"]: x})
        for _ in range(3):
            noise = rng.normal(size=x.shape)
            direction = (grad / np.linalg.norm(grad) + noise / np.linalg.norm(noise)).astype(np.float32)
            direction /= np.linalg.norm(direction)
            h = 5.0
            numeric = (float(sess.run(total, {net["image"]: x + h * direction})) -
                       float(sess.run(total, {net["image"]: x - h * direction}))) / (2 * h)
            assert numeric == pytest.approx(float((grad * direction).sum()), rel=2e-3)


def test_gradient_matches_finite_differences_per_pixel(vgg, pair):
    """Single pixels: TensorFlow's gradient against central differences of the float64
    numpy loss on the fetched features (a float32 loss could not resolve one pixel)."""
    rng = np.random.default_rng(5)
    layers = (("conv1_1", 1.0),)
    small = tuple(p[:, :16, :16, :] for p in pair)
    x = (small[0] + rng.uniform(-20, 20, small[0].shape)).astype(np.float32)
    sess, net, total, gradient = _loss_and_gradient(vgg, small, layers, layers)
    with sess:
        grad = sess.run(gradient, {net["image"]: x})
        p, a = (sess.run(net["conv1_1"], {net["image"]: image}) for image in small)

        def numpy_total(image):
            features = sess.run(net["conv1_1"], {net["image"]: image})
            return 5.0 * np_content(features, p) + 100.0 * np_style(features, a)

        for index in [(0, 3, 4, 0), (0, 8, 8, 1), (0, 15, 0, 2), (0, 11, 6, 0)]:
            bump = np.zeros_like(x)
            bump[index] = 0.25
            numeric = (numpy_total(x + bump) - numpy_total(x - bump)) / 0.5
            assert numeric == pytest.approx(float(grad[index]), rel=2e-3), index


@pytest.mark.parametrize("name", sorted(NORMALIZATIONS))
def test_each_normalizations_scales_restate_its_formulas(name):
    """content = content_scale(N, M) * sum (x - p)^2 and style = style_scale(N, M) * sum (G - A)^2:
    the tiled engine sums over tiles and then scales with these, so they must be the formulas' own."""
    rng = np.random.RandomState(3)
    x, p, s = (rng.normal(0, 2, (1, 6, 5, 4)).astype(np.float32) for _ in range(3))
    n, m = 4.0, 30.0
    g, a = x.reshape(-1, 4).T @ x.reshape(-1, 4), s.reshape(-1, 4).T @ s.reshape(-1, 4)
    family = NORMALIZATIONS[name]
    assert float(family.content(tf.constant(x), tf.constant(p))) == pytest.approx(
        family.content_scale(n, m) * np.sum((x - p) ** 2, dtype=np.float64), rel=1e-5)
    assert float(family.style(tf.constant(x), tf.constant(a))) == pytest.approx(
        family.style_scale(n, m) * np.sum((g - a) ** 2, dtype=np.float64), rel=1e-5)
