"""--preset artpy / gatys: values as defaults, explicit flags win."""
import pytest

from legacy_nst import Config
from legacy_nst.cli import config_from_args, main, stylize_parser
from legacy_nst.errors import ConfigError
from legacy_nst.presets import PRESETS, apply_preset

import artpy_reference


def parsed(*argv):
    return config_from_args(stylize_parser().parse_args(["--content", "c.jpg", "--style", "s.jpg",
                                                         "--output", "o.png", *argv]))


def test_artpy_preset_is_artpy(tmp_path):
    """Checked against the independent art.py re-creation's constants and art.py's other settings."""
    config = parsed("--preset", "artpy")
    assert (config.alpha, config.beta, config.learning_rate) == (artpy_reference.ALPHA, artpy_reference.BETA,
                                                                 artpy_reference.LEARNING_RATE)
    assert config.style_layers == tuple(artpy_reference.STYLE_LAYERS)
    assert config.content_layers == (("conv4_2", 1.0),)
    assert (config.kernel_layout, config.init, config.noise_ratio, config.optimizer) == ("artpy", "noise", 0.6, "adam")
    assert (config.width, config.height, config.iterations, config.checkpoint_every) == (800, 600, 5000, 100)
    assert config.pooling == "avg"


def test_gatys_preset_is_the_papers_recipe():
    config = parsed("--preset", "gatys")
    assert config.optimizer == "lbfgs" and config.pooling == "avg" and config.init == "random"
    assert config.content_layers == (("conv4_2", 1.0),)
    assert [name for name, _ in config.style_layers] == ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
    assert {weight for _, weight in config.style_layers} == {0.2}
    assert config.beta / config.alpha == pytest.approx(1e-3)
    assert config.content_loss == "paper"


def test_explicit_flags_override_the_preset():
    config = parsed("--preset", "artpy", "--iterations", "7", "--optimizer", "lbfgs", "--checkpoint-every", "0")
    assert (config.iterations, config.optimizer, config.checkpoint_every) == (7, "lbfgs", 0)
    assert config.kernel_layout == "artpy"  # the rest stays the preset's
    assert parsed("--preset", "gatys", "--style-layers", "conv1_1:1").style_layers == (("conv1_1", 1.0),)


def test_one_side_given_replaces_the_presets_size():
    """--width alone keeps the content's aspect ratio, as without a preset."""
    config = parsed("--preset", "artpy", "--width", "400")
    assert (config.width, config.height) == (400, None)
    options = apply_preset("artpy", {"height": 300})
    assert options["height"] == 300 and "width" not in options and options["iterations"] == 5000


def test_no_preset_means_the_defaults():
    assert parsed() == Config()
    assert apply_preset(None, {"iterations": 3}) == {"iterations": 3}


def test_every_preset_makes_a_valid_config():
    for name, values in PRESETS.items():
        Config.from_options(**values)


def test_unknown_preset(capsys):
    with pytest.raises(ConfigError, match="unknown preset 'vangogh'; choose from artpy, gatys"):
        apply_preset("vangogh", {})
    assert main(["--content", "c.jpg", "--style", "s.jpg", "--output", "o.png", "--preset", "vangogh"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_the_api_takes_a_preset_too(approx_weights_path, content_path, style_path):
    from legacy_nst import stylize

    result = stylize(str(content_path), str(style_path), preset="gatys", width=32, height=24, iterations=2,
                     weights=str(approx_weights_path))
    assert result.config.optimizer == "lbfgs" and result.config.content_loss == "paper"
    assert result.config.iterations == 2 and result.size == (24, 32)
    with pytest.raises(ConfigError, match="not both"):
        stylize(str(content_path), str(style_path), Config(), preset="gatys")
