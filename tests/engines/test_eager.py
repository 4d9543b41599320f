"""The eager backends against the graph backend, and their optimizers against tf.compat.v1's and numpy."""
import sys

import numpy as np
import pytest
import tensorflow as tf

from legacy_nst import Config, stylize
from legacy_nst.errors import ConfigError
from legacy_nst.engines import check_supported
from legacy_nst.engines.eager import EagerEngine
from legacy_nst.engines.graph import GraphEngine
from legacy_nst.io.images import load_image, to_network
from legacy_nst.problem import content_layers, layers_in_use, style_layers
from messages import assert_says
from problems import make_problem

tf1 = tf.compat.v1
SIZE = dict(width=48, height=32)
STEPS = 5


@pytest.fixture(scope="module")
def run(vgg, content_path, style_path):
    """stylize() on the small pair; returns (result, float images by iteration)."""
    def _run(**options):
        images = {}
        result = stylize(str(content_path), str(style_path), vgg=vgg, observe=lambda i, _, im: images.setdefault(i, im),
                         **{**SIZE, "iterations": STEPS, "init": "content", **options})
        return result, images
    return _run


@pytest.fixture(scope="module")
def graph_run(run):
    return run(backend="graph")


def totals(result):
    return np.array([entry["total"] for entry in result.history])


def max_rel_diff_of(result, reference, key):
    """max over iterations of |a - b| / |b| for one loss term, the entries where b is 0 (content at entry 0) left out."""
    got = np.array([entry[key] for entry in result.history])
    want = np.array([entry[key] for entry in reference.history])
    kept = want != 0
    return float(np.max(np.abs(got[kept] - want[kept]) / np.abs(want[kept])))


def max_rel_diff(result, reference):
    return float(np.max(np.abs(totals(result) - totals(reference)) / np.abs(totals(reference))))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["eager", "function", "function-xla"])
def test_backend_matches_graph_per_iteration(run, graph_run, backend):
    result, images = run(backend=backend)
    reference, reference_images = graph_run
    assert [e["iteration"] for e in result.history] == list(range(STEPS + 1))
    assert max_rel_diff(result, reference) <= 1e-4
    assert np.abs(images[STEPS] - reference_images[STEPS]).max() <= 0.5  # 0-255 scale, before rounding
    for i in range(STEPS + 1):  # each entry is the image after i steps, as with the graph backend
        assert np.abs(images[i] - reference_images[i]).max() <= 0.5, i
    assert totals(reference)[-1] < 0.7 * totals(reference)[0]  # the steps did something to agree on
    assert result.s_per_iter > 0 and result.image.shape == (32, 48, 3)


def problem_of(vgg, config, content, style):
    return make_problem(vgg, content, style, content_layers=content_layers(config),
                        style_layers=style_layers(config), alpha=config.alpha, beta=config.beta,
                        tv_weight=config.tv_weight, normalization=config.loss_normalization,
                        pooling=config.pooling, kernel_layout=config.kernel_layout)


def graph_losses_and_gradient(vgg, config, content, style, image):
    with GraphEngine(problem_of(vgg, config, content, style), vgg, config) as engine:
        losses, gradient = engine.compute_loss_and_grads(image)
    return losses["total"], gradient


def eager_losses_and_gradient(vgg, config, content, style, image):
    """The eager engine's own tape: losses_at under tf.GradientTape, as the tutorials write it."""
    engine = EagerEngine(problem_of(vgg, config, content, style), vgg, config.replace(backend="eager"))
    image = tf.constant(image)
    with tf.GradientTape() as tape:
        tape.watch(image)
        total = engine.losses_at(image)["total"]
    return total.numpy(), tape.gradient(total, image).numpy()


@pytest.fixture(scope="module")
def images(vgg, content_path, style_path):
    size = (32, 48)
    content = to_network(load_image(content_path, size), vgg.mean_pixel)
    style = to_network(load_image(style_path, size), vgg.mean_pixel)
    noisy = content + np.random.RandomState(0).uniform(-20, 20, content.shape).astype(np.float32)
    return content, style, noisy


@pytest.mark.slow
@pytest.mark.parametrize("options", [{}, {"kernel_layout": "artpy"}, {"preset": "tutorial"}],
                         ids=["artpy-recipe", "artpy-kernels", "tutorial"])
def test_one_step_gradients_agree_with_graph(vgg, images, options):
    config = Config.from_options(**options)
    total_g, grad_g = graph_losses_and_gradient(vgg, config, *images)
    total_e, grad_e = eager_losses_and_gradient(vgg, config, *images)
    scale = np.abs(grad_g).max()
    assert scale > 0
    assert total_e == pytest.approx(total_g, rel=1e-5)
    np.testing.assert_allclose(grad_e, grad_g, rtol=1e-4, atol=1e-4 * scale)


def test_kernel_layout_changes_the_eager_network(vgg, images):
    """The agreement above can fail: the two kernel layouts give clearly different gradients."""
    _, tf_layout = eager_losses_and_gradient(vgg, Config(), *images)
    _, artpy_layout = eager_losses_and_gradient(vgg, Config(kernel_layout="artpy"), *images)
    assert np.abs(tf_layout - artpy_layout).max() > 0.1 * np.abs(tf_layout).max()


def adam_numpy(gradients, lr, beta1, beta2, epsilon, epsilon_hat=True):
    """Adam in float64. epsilon_hat: tf1's and Keras' update; otherwise Kingma & Ba's algorithm 1."""
    x, m, v = np.zeros_like(gradients[0], np.float64), 0.0, 0.0
    path = []
    for t, g in enumerate(gradients, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        if epsilon_hat:
            x = x - lr * np.sqrt(1 - beta2**t) / (1 - beta1**t) * m / (np.sqrt(v) + epsilon)
        else:
            x = x - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + epsilon)
        path.append(x)
    return np.array(path)


def tf1_path(name, gradients, learning_rate, beta1=0.9, epsilon=1e-8):
    from legacy_nst.optim.optimizers import first_order

    config = Config(optimizer=name, learning_rate=learning_rate, adam_beta1=beta1, adam_epsilon=epsilon)
    with tf.Graph().as_default(), tf1.Session() as sess:
        x = tf1.Variable(np.zeros(gradients[0].shape, np.float32), use_resource=True)
        fed = tf1.placeholder(tf.float32, gradients[0].shape)
        trainer = first_order(name).graph(config)
        step = trainer.apply_gradients([(fed, x)])
        sess.run(tf1.global_variables_initializer())
        path = []
        for g in gradients:
            sess.run(step, {fed: g})
            path.append(sess.run(x))
        return np.array(path)


def keras_path(config, gradients):
    from legacy_nst.optim.optimizers import first_order

    x = tf.Variable(np.zeros(gradients[0].shape, np.float32))
    optimizer = first_order(config.optimizer).keras(config)
    path = []
    for g in gradients:
        optimizer.apply_gradients([(tf.constant(g), x)])
        path.append(x.numpy())
    return np.array(path)


def gradient_sequence(scale):
    rng = np.random.default_rng(1)
    return [(rng.normal(size=(64,)) * scale).astype(np.float32) for _ in range(12)]


@pytest.mark.parametrize("beta1,epsilon,scale", [(0.9, 1e-8, 1e7), (0.99, 0.1, 0.05)],
                         ids=["artpy", "tutorial-small-gradients"])
def test_keras_adam_takes_tf1_adam_steps(beta1, epsilon, scale):
    gradients = gradient_sequence(scale)
    config = Config(learning_rate=2.0, adam_beta1=beta1, adam_epsilon=epsilon)
    want = adam_numpy(gradients, 2.0, beta1, 0.999, epsilon)
    reference = tf1_path("adam", gradients, 2.0, beta1=beta1, epsilon=epsilon)
    np.testing.assert_allclose(reference, want, rtol=1e-5, atol=1e-5)
    keras = keras_path(config, gradients)
    np.testing.assert_allclose(keras[0], reference[0], rtol=1e-6)  # the same float32 constants
    # Later steps: tf1 keeps beta^t as a running float32 product, Keras computes pow(beta, t); their
    # last-bit difference is magnified in 1 - beta2^t, to ~1e-5 of a step.
    np.testing.assert_allclose(keras, reference, rtol=1e-5, atol=3e-5)


def test_keras_adam_with_unrounded_betas_steps_differently():
    """Why the Keras Adam twin rounds the betas to float32: else Keras' 1 - beta2 is not tf1's, and a
    first Adam step (size lr whatever the gradient) comes out 6.4e-6 short: enough, through ReLU
    switches, to move pixels by 0.6 within 5 steps at 64x48."""
    gradients = gradient_sequence(1e7)[:1]
    x = tf.Variable(np.zeros(64, np.float32))
    unrounded = tf.keras.optimizers.Adam(2.0, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    unrounded.apply_gradients([(tf.constant(gradients[0]), x)])
    reference = tf1_path("adam", gradients, 2.0)[0]
    np.testing.assert_allclose(np.abs(reference), 2.0, rtol=1e-6)
    assert np.abs(x.numpy() - reference).max() > 1e-5
    np.testing.assert_allclose(keras_path(Config(learning_rate=2.0), gradients)[0], reference, rtol=1e-7)


def test_epsilon_formulation_and_value_matter():
    """The check above can fail: Kingma's epsilon, or Keras' default 1e-7, take other steps."""
    gradients = gradient_sequence(0.05)
    hat = adam_numpy(gradients, 2.0, 0.99, 0.999, 0.1)
    assert np.abs(adam_numpy(gradients, 2.0, 0.99, 0.999, 0.1, epsilon_hat=False) - hat).max() > 1e-2
    tiny = gradient_sequence(1e-8)
    keras_default = keras_path(Config(learning_rate=2.0), tiny)  # configured: epsilon 1e-8
    x = tf.Variable(np.zeros(64, np.float32))
    optimizer = tf.keras.optimizers.Adam(2.0)  # Keras' default epsilon 1e-7
    optimizer.apply_gradients([(tf.constant(tiny[0]), x)])
    assert np.abs(x.numpy() - keras_default[0]).max() > 0.1


@pytest.mark.parametrize("name,rate", [("sgd", 0.5), ("momentum", 0.5), ("adagrad", 0.5)])
def test_other_keras_optimizers_take_tf1_steps(name, rate):
    gradients = gradient_sequence(1.0)
    want = tf1_path(name, gradients, rate)
    np.testing.assert_allclose(keras_path(Config(optimizer=name, learning_rate=rate), gradients), want,
                               rtol=1e-6, atol=1e-6)


@pytest.mark.slow
def test_lbfgs_with_bounds_matches_graph(run, vgg):
    """L-BFGS-B, with --clip-pixels as box constraints (without them, this run leaves 0-255)."""
    low, high = -vgg.mean_pixel, 255 - vgg.mean_pixel
    options = dict(optimizer="lbfgs", alpha=1e4)
    graph, graph_images = run(backend="graph", clip_pixels=True, **options)
    eager, eager_images = run(backend="function", clip_pixels=True, **options)
    assert max_rel_diff(eager, graph) <= 1e-4
    assert np.abs(eager_images[STEPS] - graph_images[STEPS]).max() <= 0.5
    assert totals(graph)[-1] < 0.5 * totals(graph)[0]
    for images in (graph_images, eager_images):
        assert all((images[i] >= low - 1e-3).all() and (images[i] <= high + 1e-3).all() for i in images)
    _, unbounded = run(backend="function", clip_pixels=False, **options)
    assert (unbounded[STEPS] < low).any() or (unbounded[STEPS] > high).any()


@pytest.fixture(scope="module")
def tutorial_runs(run):
    return {backend: run(backend=backend, preset="tutorial") for backend in ("graph", "eager")}


@pytest.mark.slow
def test_tutorial_preset_matches_across_backends(tutorial_runs):
    (graph, graph_images), (eager, eager_images) = tutorial_runs["graph"], tutorial_runs["eager"]
    assert max_rel_diff(eager, graph) <= 1e-4
    for i in range(STEPS + 1):
        assert np.abs(eager_images[i] - graph_images[i]).max() <= 0.5, i
    assert totals(graph)[-1] < 0.5 * totals(graph)[0]


@pytest.mark.slow
def test_tutorial_preset_clips_pixels(vgg, tutorial_runs, run):
    low, high = -vgg.mean_pixel, 255 - vgg.mean_pixel
    for _, images in tutorial_runs.values():
        final = images[STEPS][0]
        assert (final >= low - 1e-3).all() and (final <= high + 1e-3).all()
    _, unclipped = run(backend="eager", preset="tutorial", clip_pixels=False)
    final = unclipped[STEPS][0]
    assert (final < low).any() or (final > high).any(), "without clipping some pixels leave 0-255"


@pytest.mark.slow
def test_tutorial_losses_are_the_tutorials_formula(vgg, images, tutorial_runs):
    """The tutorial recipe's loss, from numpy on the graph network's features."""
    from legacy_nst.vgg.graph import build_graph

    config = Config.from_options(preset="tutorial")
    content, style, noisy = images
    with tf.Graph().as_default(), tf1.Session() as sess:
        net = build_graph(vgg, 32, 48, pooling="max")
        sess.run(net["input"].initializer)
        c, s, x = (sess.run({n: net[n] for n in layers_in_use(config)}, {net["image"]: im})
                   for im in (content, style, noisy))

    def gram_over_locations(f):
        flat = f.reshape(-1, f.shape[-1]).astype(np.float64)
        return flat.T @ flat / flat.shape[0]

    def style_loss(f):
        return sum(np.mean((gram_over_locations(f[n]) - gram_over_locations(s[n])) ** 2)
                   for n, _ in config.style_layers)

    content_loss = np.mean((x["conv5_2"].astype(np.float64) - c["conv5_2"]) ** 2)
    want = 1e-2 / 5 * style_loss(x) + 1e4 * content_loss
    assert eager_losses_and_gradient(vgg, config, content, style, noisy)[0] == pytest.approx(want, rel=1e-4)
    for result, _ in tutorial_runs.values():  # entry 0 is the content image: no content loss
        assert result.history[0]["total"] == pytest.approx(1e-2 / 5 * style_loss(c), rel=1e-4)
        assert result.history[0]["content"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.slow
def test_eager_leaves_graph_state_alone(run, monkeypatch):
    before = len(tf1.get_default_graph().get_operations())
    run(backend="eager", iterations=1)
    assert tf.executing_eagerly()
    assert len(tf1.get_default_graph().get_operations()) == before
    monkeypatch.setitem(sys.modules, "legacy_nst.engines.eager", None)  # importing it now fails
    result, _ = run(backend="graph", iterations=0)
    assert len(result.history) == 1


def test_eager_backend_inside_a_graph_is_a_clear_error(run):
    with tf.Graph().as_default():
        with pytest.raises(ConfigError, match="eager execution.*--backend graph"):
            run(backend="eager", iterations=1)


def test_optimizers_without_exact_keras_twin_are_refused():
    with pytest.raises(ConfigError, match="rmsprop.*--backend graph"):
        check_supported(Config(backend="eager", optimizer="rmsprop"))
    check_supported(Config(backend="graph", optimizer="rmsprop"))


@pytest.mark.parametrize("option", [dict(normalize_gradients=True), dict(precision="bfloat16")])
def test_graph_only_options_are_refused_on_eager_backends(option):
    with pytest.raises(ConfigError, match="--backend graph only"):
        check_supported(Config(backend="eager", **option))
    check_supported(Config(backend="graph", **option))  # fine on the graph backend


def test_resume_is_refused_on_eager_backends_in_one_line():
    with pytest.raises(ConfigError) as refused:
        check_supported(Config(backend="eager"), resuming=True)
    assert str(refused.value).startswith("--resume ")
    assert_says(refused.value, "no optimizer state", "--backend graph")


@pytest.mark.slow
@pytest.mark.parametrize("option", [dict(content_weight_blend=0.5), dict(style_layer_weight_exp=2.0),
                                    dict(tv_weight=3e6), dict(style_scale=1.5)],
                         ids=["content-weight-blend", "style-layer-weight-exp", "tv-weight", "style-scale"])
def test_problem_options_match_graph_on_eager(run, option):
    """Both engines evaluate the same resolved Problem, so the layer options, TV and style scale work on eager."""
    result, _ = run(backend="eager", **option)
    reference, _ = run(backend="graph", **option)
    plain, _ = run(backend="graph")
    for key in ("total", "content", "style"):
        assert max_rel_diff_of(result, reference, key) <= 1e-4, key
    # The option changes the run (in one of the terms at least), so agreeing means something.
    assert max(max_rel_diff_of(reference, plain, key) for key in ("content", "style")) > 1e-3


@pytest.mark.slow
def test_several_styles_match_graph_on_eager(vgg, content_path, shared_dir):
    styles = [str(shared_dir / "images" / name) for name in ("starry_night.jpg", "the_scream.jpg")]
    options = dict(vgg=vgg, iterations=STEPS, init="content", style_blend_weights="0.7,0.3", **SIZE)
    result = stylize(str(content_path), styles, backend="eager", **options)
    reference = stylize(str(content_path), styles, backend="graph", **options)
    assert max_rel_diff(result, reference) <= 1e-4
