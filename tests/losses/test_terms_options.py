"""The TV term, the paper's content scale and --normalize-gradients, against numpy references."""
import numpy as np
import pytest
import tensorflow as tf

from legacy_nst.io.images import load_image, to_network
from legacy_nst.losses.normalizations import NORMALIZATIONS
from legacy_nst.losses.terms import build_losses, normalized_gradient, objective
from legacy_nst.losses.total_variation import total_variation
from problems import CONTENT, STYLE, graph_engine

tf1 = tf.compat.v1
SIZE = (32, 48)

def content_layer_loss(x, p, normalization="artpy"):
    """One layer's content term under a normalization."""
    return NORMALIZATIONS[normalization].content(x, p)


def terms(alpha=100.0, beta=5.0, tv_weight=0.0, normalization="artpy"):
    return objective(CONTENT, STYLE, alpha=alpha, beta=beta, tv_weight=tv_weight, normalization=normalization)


def np_total_variation(x):
    """anishathalye's tv_loss / tv_weight: 2 * l2_loss(d) / size(d) for both directions."""
    x = x.astype(np.float64)
    down, right = x[:, 1:] - x[:, :-1], x[:, :, 1:] - x[:, :, :-1]
    return (down**2).sum() / down.size + (right**2).sum() / right.size


def evaluate(build):
    with tf.Graph().as_default(), tf1.Session() as sess:
        return sess.run(build())


def test_total_variation_matches_numpy():
    x = np.random.default_rng(0).normal(0, 30, (1, 7, 9, 3)).astype(np.float32)
    assert evaluate(lambda: total_variation(tf.constant(x))) == pytest.approx(np_total_variation(x), rel=1e-5)
    flat = np.full((1, 7, 9, 3), 42.0, np.float32)
    assert evaluate(lambda: total_variation(tf.constant(flat))) == 0.0


def test_paper_content_loss_is_half_the_squared_error():
    rng = np.random.default_rng(1)
    x, p = rng.normal(size=(2, 1, 4, 6, 5)).astype(np.float32)
    want = 0.5 * ((x.astype(np.float64) - p) ** 2).sum()
    assert evaluate(lambda: content_layer_loss(tf.constant(x), tf.constant(p), "paper")) == pytest.approx(want, 1e-5)
    artpy = evaluate(lambda: content_layer_loss(tf.constant(x), tf.constant(p)))
    assert want / artpy == pytest.approx(2 * 5 * 24, rel=1e-5)  # 2NM


@pytest.fixture(scope="module")
def graph(vgg, content_path, style_path):
    """A session with the network at SIZE, the targets, and a test image x."""
    content = to_network(load_image(content_path, SIZE), vgg.mean_pixel)
    style = to_network(load_image(style_path, SIZE), vgg.mean_pixel)
    x = (content * 0.5 + np.random.default_rng(2).uniform(-20, 20, content.shape)).astype(np.float32)
    with graph_engine(vgg, content, style) as engine:
        yield engine.graph, engine.sess, engine.net, engine.targets, x


@pytest.mark.slow
def test_total_with_tv_term(graph):
    g, sess, net, targets, x = graph
    with g.as_default():
        plain = build_losses(terms(alpha=100.0, beta=5.0), net, targets)
        with_tv = build_losses(terms(alpha=100.0, beta=5.0, tv_weight=1e6), net, targets)
    a, b = sess.run([plain, with_tv], {net["image"]: x})
    assert "tv" not in a
    assert b["tv"] == pytest.approx(np_total_variation(x), rel=1e-5)
    assert b["total"] == pytest.approx(a["total"] + 1e6 * np_total_variation(x), rel=1e-5)


def numpy_layer_gradients(f, p, a_gram):
    """d/dF of art.py's content and style layer losses, derived by hand (float64)."""
    _, h, w, n = f.shape
    m = h * w
    flat = f.reshape(m, n).astype(np.float64)
    content = None if p is None else (f - p).astype(np.float64) / (2.0 * n * m)
    style = None if a_gram is None else (flat @ (flat.T @ flat - a_gram) / (n**2 * m**2)).reshape(f.shape)
    return content, style


@pytest.mark.slow
def test_normalized_gradient_matches_an_independent_construction(graph):
    """jcjohnson: each term's gradient at its layer / its L1 norm * its weight, backpropagated and summed.
    Reference: hand-derived layer gradients normalised in numpy, each pushed back through the
    network separately (one vector-Jacobian product per term) and summed in numpy."""
    g, sess, net, targets, x = graph
    content_t, style_t = targets["content"], targets["style"]
    alpha, beta, tv_weight = 100.0, 5.0, 3e5
    with g.as_default():
        gradient = normalized_gradient(terms(alpha=alpha, beta=beta, tv_weight=tv_weight), net, targets)
        seed = tf1.placeholder(tf.float32)
        vjp = {name: tf1.gradients(net[name], net["image"], grad_ys=seed)[0] for name, _ in CONTENT + STYLE}
        total = build_losses(terms(alpha=alpha, beta=beta, tv_weight=tv_weight), net, targets)["total"]
        plain = tf1.gradients(total, net["image"])[0]
    feed = {net["image"]: x}
    features = sess.run({name: net[name] for name, _ in CONTENT + STYLE}, feed)
    want = np.zeros(x.shape)
    for (name, weight), kind in [(c, "content") for c in CONTENT] + [(s, "style") for s in STYLE]:
        c, s = numpy_layer_gradients(features[name], content_t.get(name) if kind == "content" else None,
                                     style_t[name].astype(np.float64) if kind == "style" else None)
        layer_grad = c if kind == "content" else s
        strength = (beta if kind == "content" else alpha) * weight
        normalised = strength * layer_grad / (np.abs(layer_grad).sum() + 1e-8)
        want += sess.run(vjp[name], {**feed, seed: normalised.astype(np.float32)})
    xd = x.astype(np.float64)
    tv_grad = np.zeros(x.shape)
    for axis in (1, 2):
        d = np.diff(xd, axis=axis)
        lead, trail = [slice(None)] * 4, [slice(None)] * 4
        lead[axis], trail[axis] = slice(1, None), slice(None, -1)
        tv_grad[tuple(lead)] += 2 * d / d.size
        tv_grad[tuple(trail)] -= 2 * d / d.size
    want += tv_weight * tv_grad
    got, unnormalised = sess.run([gradient, plain], feed)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3 * np.abs(want).max())
    assert np.abs(unnormalised).max() > 100 * np.abs(got).max()  # the plain gradient is another thing


@pytest.mark.slow
def test_normalized_gradient_ignores_each_terms_scale(graph):
    """Normalising at the layer cancels any constant factor of a term: the paper's content loss
    (2NM times art.py's) gives the same normalised gradient."""
    g, sess, net, targets, x = graph
    with g.as_default():
        artpy = normalized_gradient(terms(alpha=100.0, beta=5.0), net, targets)
        paper = normalized_gradient(terms(alpha=100.0, beta=5.0, normalization="paper"), net, targets)
    a, b = sess.run([artpy, paper], {net["image"]: x})
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * np.abs(a).max())


@pytest.mark.slow
def test_normalize_gradients_steps_along_the_normalised_gradient(run, graph):
    """One SGD step of rate 1 moves the image by exactly minus the normalised gradient."""
    g, sess, net, targets, _ = graph
    seen = {}
    run(iterations=1, init="content", optimizer="sgd", learning_rate=1.0, normalize_gradients=True,
        observe=lambda i, losses, image: seen.setdefault(i, image))
    with g.as_default():
        gradient = normalized_gradient(terms(alpha=100.0, beta=5.0), net, targets)
    want = seen[0] - sess.run(gradient, {net["image"]: seen[0]})
    np.testing.assert_allclose(seen[1], want, rtol=0, atol=1e-4)
    assert np.abs(seen[1] - seen[0]).max() > 1e-3


@pytest.mark.slow
def test_normalize_gradients_runs_with_adam_and_lbfgs(run):
    for optimizer in ("adam", "lbfgs"):
        totals = [e["total"] for e in run(iterations=6, optimizer=optimizer, normalize_gradients=True).history]
        assert len(totals) == 7, optimizer  # every step taken
        assert totals[-1] < (0.5 if optimizer == "lbfgs" else 0.8) * totals[0], optimizer  # adam: 0.55 seen


def tv_of(image):
    return np_total_variation(image.astype(np.float64)[None])


@pytest.mark.slow
def test_tv_weight_smooths_the_result(run):
    plain = run(iterations=8)
    smooth = run(iterations=8, tv_weight=1e9)
    assert tv_of(smooth.image) < 0.7 * tv_of(plain.image)
    assert smooth.history[-1]["total"] == pytest.approx(
        5 * smooth.history[-1]["content"] + 100 * smooth.history[-1]["style"] + 1e9 * smooth.history[-1]["tv"],
        rel=1e-4)
    assert "tv" not in plain.history[-1]


@pytest.mark.slow
def test_lbfgs_num_correction_is_the_history_size(run):
    """L-BFGS with history m takes the same steps as with a longer one until it has m pairs to keep:
    steps 1..3 agree for m = 2 and m = 100, later ones differ."""
    short = [e["total"] for e in run(iterations=7, optimizer="lbfgs", init="content", lbfgs_num_correction=2).history]
    long = [e["total"] for e in run(iterations=7, optimizer="lbfgs", init="content").history]
    assert short[:4] == long[:4]
    assert short[5:] != long[5:]
