"""--loss-normalization jcjohnson / anishathalye and --preset jcjohnson / anishathalye, term by term
against numpy transcriptions of neural_style.lua and neural_style.py (peers_reference.py)."""
import numpy as np
import pytest
import tensorflow as tf

import peers_reference as peer
from legacy_nst import Config
# legacy_nst internals, in one place so the architecture move re-points them here only
from legacy_nst.cli.parser import config_from_args
from legacy_nst.cli.transfer import transfer_parser
from legacy_nst.losses.normalizations import NORMALIZATIONS, gram
from legacy_nst.losses.terms import build_losses, objective, style_layers
from legacy_nst.losses.total_variation import FORMS
from legacy_nst.problem import initial_image, style_sizes

STYLE_NAMES = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")  # ReLU outputs: the peers' relu*_1
RELU = {f"conv{b}_{i}": f"relu{b}_{i}" for b in range(1, 6) for i in range(1, 5)}


def features(rng, shape, scale=20.0):
    """A ReLU-like float32 feature map (1, H, W, C)."""
    return np.maximum(rng.normal(0, scale, shape), 0).astype(np.float32)


def value(tensor):
    return float(np.asarray(tensor))


def total_variation(image, normalization):
    """The TV term of a normalization."""
    return FORMS[NORMALIZATIONS[normalization].tv][0](image)


def content_layer_loss(x, p, normalization="artpy"):
    """One layer's content term under a normalization."""
    return NORMALIZATIONS[normalization].content(x, p)


def style_layer_loss(x, a_gram, normalization="artpy"):
    """One layer's style term under a normalization."""
    return NORMALIZATIONS[normalization].style(x, a_gram)


def losses_of(config, generated, content, style, layers_of_style=None):
    """build_losses on the small maps with the config's layers, weights and normalization."""
    terms = objective(config.content_layers, layers_of_style or config.style_layers, config.alpha, config.beta,
                      config.tv_weight, config.loss_normalization)
    targets = {"content": {"conv4_2": content["conv4_2"]},
               "style": {name: gram(style[name]).numpy() for name in STYLE_NAMES}}
    return build_losses(terms, {k: tf.constant(v) for k, v in generated.items()}, targets)


def small_net(seed=0):
    """Layer name -> (1, H, W, C) maps for generated, content and style images, sizes shrinking with depth."""
    rng = np.random.default_rng(seed)
    shapes = {"conv1_1": (1, 12, 10, 3), "conv2_1": (1, 6, 5, 4), "conv3_1": (1, 3, 3, 5), "conv4_1": (1, 2, 2, 6),
              "conv4_2": (1, 2, 2, 6), "conv5_1": (1, 1, 1, 7), "conv5_2": (1, 1, 1, 7)}
    generated = {name: features(rng, shape) for name, shape in shapes.items()}
    content = {name: features(rng, shape) for name, shape in shapes.items()}
    style = {name: features(rng, shape) for name, shape in shapes.items()}
    generated["image"] = rng.normal(0, 40, (1, 12, 10, 3)).astype(np.float32)
    return generated, content, style


def test_jcjohnson_content_term_is_the_weighted_mse_criterion():
    generated, content, _ = small_net()
    x, p = generated["conv4_2"], content["conv4_2"]
    ours = Config.from_options(preset="jcjohnson").beta * value(content_layer_loss(x, p, "jcjohnson"))
    assert ours == pytest.approx(peer.jcjohnson_content_loss(peer.nhwc_to_chw(x), peer.nhwc_to_chw(p)), rel=1e-5)


@pytest.mark.parametrize("layer", STYLE_NAMES)
def test_jcjohnson_style_term_divides_the_gram_matrix_by_chw(layer):
    generated, _, style = small_net(1)
    x, s = generated[layer], style[layer]
    target = peer.jcjohnson_style_target([peer.nhwc_to_chw(s)])
    ours = 100.0 * value(style_layer_loss(x, gram(s), "jcjohnson"))  # our targets: the raw Gram matrix F^T F
    assert ours == pytest.approx(peer.jcjohnson_style_loss(peer.nhwc_to_chw(x), target), rel=1e-5)


def test_jcjohnson_tv_value_is_half_the_interior_sum():
    image = small_net(2)[0]["image"]
    ours = 1e-3 * value(total_variation(image, "jcjohnson"))
    assert ours == pytest.approx(peer.jcjohnson_tv_loss(peer.nhwc_to_chw(image)), rel=1e-5)


def test_jcjohnson_tv_gradient_is_tvloss_hand_written_gradient():
    image = tf.constant(small_net(3)[0]["image"])
    with tf.GradientTape() as tape:
        tape.watch(image)
        loss = 1e-3 * total_variation(image, "jcjohnson")
    ours = peer.nhwc_to_chw(tape.gradient(loss, image).numpy())
    want = peer.jcjohnson_tv_gradient(peer.nhwc_to_chw(image.numpy()))
    np.testing.assert_allclose(ours, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


def test_the_transcribed_tv_loss_is_what_tvloss_is_the_gradient_of():
    """Central differences of the derived loss against the transcribed hand-written gradient (float64)."""
    x = np.random.default_rng(4).normal(0, 30, (3, 5, 6))
    grad = peer.jcjohnson_tv_gradient(x)
    for index in [(0, 0, 0), (1, 4, 5), (2, 2, 3), (0, 4, 0), (1, 0, 5)]:
        step = np.zeros_like(x)
        step[index] = 1e-3
        numeric = (peer.jcjohnson_tv_loss(x + step) - peer.jcjohnson_tv_loss(x - step)) / 2e-3
        assert numeric == pytest.approx(grad[index], rel=1e-6, abs=1e-9)


def test_jcjohnson_preset_total_is_neural_style_lua_objective():
    config = Config.from_options(preset="jcjohnson")
    generated, content, style = small_net(5)
    ours = losses_of(config, generated, content, style)
    chw = peer.nhwc_to_chw
    want = peer.jcjohnson_total([(chw(generated["conv4_2"]), chw(content["conv4_2"]))],
                                [(chw(generated[n]), peer.jcjohnson_style_target([chw(style[n])])) for n in STYLE_NAMES],
                                chw(generated["image"]))
    assert [RELU[name] for name, _ in config.content_layers] == ["relu4_2"]
    assert [RELU[name] for name, _ in config.style_layers] == list(peer.ANISH_STYLE_LAYERS)
    assert value(ours["total"]) == pytest.approx(want, rel=1e-5)


def test_anishathalye_terms_and_preset_total_match_neural_style_py():
    config = Config.from_options(preset="anishathalye", width=64)
    generated, content, style = small_net(6)
    relu = {RELU[name]: array for name, array in generated.items() if name != "image"}
    content_ref = peer.anish_content_loss(relu, {"relu4_2": content["conv4_2"]})
    style_ref = peer.anish_style_loss(relu, {RELU[n]: peer.anish_gram(style[n]) for n in STYLE_NAMES})
    tv_ref = peer.anish_tv_loss(generated["image"])
    ours = losses_of(config, generated, content, style)
    assert config.beta * value(ours["content"]) == pytest.approx(content_ref, rel=1e-5)
    assert config.alpha * value(ours["style"]) == pytest.approx(style_ref, rel=1e-5)
    assert config.tv_weight * value(ours["tv"]) == pytest.approx(tv_ref, rel=1e-5)
    assert value(ours["total"]) == pytest.approx(content_ref + style_ref + tv_ref, rel=1e-5)


def test_anishathalye_differs_from_jcjohnson_only_in_the_tv_form():
    generated, content, style = small_net(7)
    x, p, s, image = generated["conv3_1"], content["conv3_1"], style["conv3_1"], generated["image"]
    assert value(content_layer_loss(x, p, "anishathalye")) == value(content_layer_loss(x, p, "jcjohnson"))
    assert value(style_layer_loss(x, gram(s), "anishathalye")) == value(style_layer_loss(x, gram(s), "jcjohnson"))
    assert value(total_variation(image, "anishathalye")) != pytest.approx(value(total_variation(image, "jcjohnson")))


def test_every_option_composes_with_the_peer_normalizations():
    """Layer options act on the layer weights, whatever the normalization: one term per layer, weighted."""
    config = Config.from_options(preset="anishathalye", width=64, style_layer_weight_exp=2.0)
    generated, content, style = small_net(8)
    relu = {RELU[name]: array for name, array in generated.items() if name != "image"}
    ours = losses_of(config, generated, content, style, style_layers(config))
    want = peer.anish_style_loss(relu, {RELU[n]: peer.anish_gram(style[n]) for n in STYLE_NAMES},
                                 layer_weights=peer.anish_style_layer_weights(2.0))
    assert config.alpha * value(ours["style"]) == pytest.approx(want, rel=1e-5)


def test_jcjohnson_preset_needs_no_other_flag_and_works_at_512_on_the_longest_side():
    config = config_from_args(transfer_parser().parse_args(["--content", "c.jpg", "--style", "s.jpg", "--output",
                                                           "o.png", "--preset", "jcjohnson"]))
    assert (config.optimizer, config.iterations, config.lbfgs_num_correction) == ("lbfgs", 1000, 100)
    assert (config.alpha, config.beta, config.tv_weight, config.pooling) == (100.0, 5.0, 1e-3, "max")
    assert (config.init, config.init_std, config.loss_normalization) == ("randn", 0.001, "jcjohnson")
    assert config.working_size((768, 1024)) == (384, 512)
    assert config.working_size((1528, 1200)) == (512, 402)
    # the style's longest side is ceil(style_scale * image_size), as -style_scale
    assert style_sizes([(1528, 1200), (640, 1024)], (384, 512), config) == [(512, 402), (320, 512)]
    assert config.replace(width=300).image_size is None  # a size given replaces the preset's


def test_anishathalye_preset_values():
    config = Config.from_options(preset="anishathalye")
    assert (config.optimizer, config.learning_rate, config.adam_beta1, config.adam_epsilon) == ("adam", 10.0, 0.9, 1e-8)
    assert (config.alpha, config.beta, config.tv_weight, config.iterations) == (500.0, 5.0, 100.0, 1000)
    assert (config.init, config.init_std, config.pooling) == ("randn", 0.256, "max")
    assert dict(config.style_layers) == peer.anish_style_layer_weights(layers=STYLE_NAMES)


def test_randn_start_is_seeded_normal_noise_around_the_mean_pixel():
    config = Config.from_options(preset="jcjohnson", seed=3)
    start = initial_image(config, None, None, (40, 60), None)
    assert start.dtype == np.float32 and start.shape == (1, 40, 60, 3)
    assert np.array_equal(start, initial_image(config, None, None, (40, 60), None))
    assert abs(start.mean()) < 1e-4 and start.std() == pytest.approx(0.001, rel=0.05)
    assert np.array_equal(start, (np.random.RandomState(3).standard_normal((1, 40, 60, 3)) * 0.001).astype(np.float32))
