"""--preset: a recipe's values under the options given explicitly, on the command line and in Python."""
import pytest

from legacy_nst import Config
from legacy_nst.cli import config_from_args, main, stylize_parser
from legacy_nst.errors import ConfigError
from legacy_nst.presets import PRESETS


def parsed(*argv):
    return config_from_args(stylize_parser().parse_args(["--content", "c.jpg", "--style", "s.jpg", "--output", "o.png",
                                                         *argv]))


def test_tutorial_preset_values():
    config = parsed("--preset", "tutorial")
    assert (config.learning_rate, config.adam_beta1, config.adam_epsilon) == (5.0, 0.99, 0.1)
    assert (config.alpha, config.beta, config.pooling, config.init) == (1e-2, 1e4, "max", "content")
    assert config.content_layers == (("conv5_2", 1.0),)
    assert config.style_layers == tuple((f"conv{i}_1", 0.2) for i in range(1, 6))
    assert config.loss_normalization == "tutorial" and config.clip_pixels is True and config.iterations == 1000


def test_explicit_options_override_the_preset_wherever_they_are_written():
    for argv in (["--preset", "tutorial", "--learning-rate", "0.5", "--clip-pixels", "false"],
                 ["--learning-rate", "0.5", "--clip-pixels", "no", "--preset", "tutorial"]):
        config = parsed(*argv)
        assert config.learning_rate == 0.5 and config.clip_pixels is False
        assert config.adam_beta1 == 0.99  # the rest still from the preset


def test_artpy_preset_is_the_defaults():
    assert parsed("--preset", "artpy").replace(preset=None) == Config()
    assert parsed("--preset", "artpy", "--optimizer", "lbfgs").optimizer == "lbfgs"


def test_python_api_applies_presets_the_same_way():
    assert Config.from_options(preset="tutorial", iterations=7) == parsed("--preset", "tutorial", "--iterations", "7")
    assert Config(iterations=3).replace(preset="tutorial", alpha=1.0).alpha == 1.0
    assert Config(iterations=3).replace(preset="tutorial").iterations == 1000  # the preset, then the changes
    assert Config().replace(iterations=9).pooling == "avg"  # no preset: a plain replace


def test_bare_clip_pixels_flag_means_true():
    assert parsed("--clip-pixels").clip_pixels is True
    assert parsed().clip_pixels is False


def test_unknown_preset_is_refused(tmp_path, capsys):
    with pytest.raises(ConfigError, match="unknown preset 'keras'.*artpy"):
        Config.from_options(preset="keras")
    assert main(["--content", "c.jpg", "--style", "s.jpg", "--output", str(tmp_path / "o.png"),
                 "--preset", "keras"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "invalid choice" in err[0] and "tutorial" in err[0]


def test_bad_yes_no_value_is_one_line(tmp_path, capsys):
    assert main(["--content", "c.jpg", "--style", "s.jpg", "--output", str(tmp_path / "o.png"),
                 "--clip-pixels", "maybe"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'maybe' is not a yes/no value" in err[0]
    assert not list(tmp_path.iterdir())


def test_every_preset_builds_a_valid_config():
    for name in PRESETS:
        assert Config.from_options(preset=name).preset == name
