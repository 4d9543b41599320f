"""--preset artpy / tutorial / gatys: a recipe's values under the options given explicitly,
on the command line and in Python."""
import pytest

import artpy_reference
from legacy_nst import Config
from legacy_nst.cli.main import main
from legacy_nst.cli.parser import config_from_args
from legacy_nst.cli.transfer import transfer_parser
from legacy_nst.errors import ConfigError
from legacy_nst.config import with_preset
from legacy_nst.config.presets import PRESETS
from messages import assert_says


def parsed(*argv):
    return config_from_args(transfer_parser().parse_args(["--content", "c.jpg", "--style", "s.jpg", "--output", "o.png",
                                                         *argv]))


def test_artpy_preset_is_artpy():
    """Checked against the independent art.py re-creation's constants and art.py's other settings."""
    config = parsed("--preset", "artpy")
    assert (config.alpha, config.beta, config.learning_rate) == (artpy_reference.ALPHA, artpy_reference.BETA,
                                                                 artpy_reference.LEARNING_RATE)
    assert config.style_layers == tuple(artpy_reference.STYLE_LAYERS)
    assert config.content_layers == (("conv4_2", 1.0),)
    assert (config.kernel_layout, config.init, config.noise_ratio, config.optimizer) == ("artpy", "noise", 0.6, "adam")
    assert (config.width, config.height, config.iterations, config.checkpoint_every) == (800, 600, 5000, 100)
    assert config.pooling == "avg" and config.loss_normalization == "artpy"


def test_tutorial_preset_values():
    config = parsed("--preset", "tutorial")
    assert (config.learning_rate, config.adam_beta1, config.adam_epsilon) == (5.0, 0.99, 0.1)
    assert (config.alpha, config.beta, config.pooling, config.init) == (1e-2, 1e4, "max", "content")
    assert config.content_layers == (("conv5_2", 1.0),)
    assert config.style_layers == tuple((f"conv{i}_1", 0.2) for i in range(1, 6))
    assert config.loss_normalization == "tutorial" and config.clip_pixels is True


def test_gatys_preset_is_the_papers_recipe():
    config = parsed("--preset", "gatys")
    assert config.optimizer == "lbfgs" and config.pooling == "avg" and config.init == "random"
    assert config.content_layers == (("conv4_2", 1.0),)
    assert [name for name, _ in config.style_layers] == ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
    assert {weight for _, weight in config.style_layers} == {0.2}
    assert config.beta / config.alpha == pytest.approx(1e-3)
    assert config.loss_normalization == "paper"


def test_explicit_options_override_the_preset_wherever_they_are_written():
    for argv in (["--preset", "tutorial", "--learning-rate", "0.5", "--clip-pixels", "false"],
                 ["--learning-rate", "0.5", "--clip-pixels", "no", "--preset", "tutorial"]):
        config = parsed(*argv)
        assert config.learning_rate == 0.5 and config.clip_pixels is False
        assert config.adam_beta1 == 0.99  # the rest still from the preset
    config = parsed("--preset", "artpy", "--iterations", "7", "--optimizer", "lbfgs", "--checkpoint-every", "0")
    assert (config.iterations, config.optimizer, config.checkpoint_every) == (7, "lbfgs", 0)
    assert config.kernel_layout == "artpy"
    assert parsed("--preset", "gatys", "--style-layers", "conv1_1:1").style_layers == (("conv1_1", 1.0),)


def test_one_side_given_replaces_the_presets_size():
    """--width alone keeps the content's aspect ratio, as without a preset."""
    config = parsed("--preset", "artpy", "--width", "400")
    assert (config.width, config.height) == (400, None)
    options = with_preset({"preset": "artpy", "height": 300})
    assert options["height"] == 300 and "width" not in options and options["iterations"] == 5000


def test_no_preset_means_the_defaults():
    assert parsed() == Config()
    assert with_preset({"iterations": 3}) == {"iterations": 3}


def test_python_api_applies_presets_the_same_way():
    assert Config.from_options(preset="tutorial", iterations=7) == parsed("--preset", "tutorial", "--iterations", "7")
    assert Config(iterations=3).replace(preset="tutorial", alpha=1.0).alpha == 1.0
    assert Config(iterations=3).replace(preset="tutorial").iterations == 1000  # the preset, then the changes
    assert Config().replace(iterations=9).pooling == "avg"  # no preset: a plain replace


@pytest.mark.slow
def test_stylize_takes_a_preset_too(approx_weights_path, content_path, style_path):
    from legacy_nst import stylize

    result = stylize(str(content_path), str(style_path), preset="gatys", width=32, height=24, iterations=2,
                     weights=str(approx_weights_path))
    assert result.config.optimizer == "lbfgs" and result.config.loss_normalization == "paper"
    assert result.config.iterations == 2 and result.size == (24, 32)


def test_bare_clip_pixels_flag_means_true():
    assert parsed("--clip-pixels").clip_pixels is True
    assert parsed().clip_pixels is False


def test_unknown_preset_is_refused(tmp_path, capsys):
    with pytest.raises(ConfigError, match="unknown preset 'keras'.*artpy"):
        Config.from_options(preset="keras")
    assert main(["--content", "c.jpg", "--style", "s.jpg", "--output", str(tmp_path / "o.png"),
                 "--preset", "keras"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "invalid choice" in err[0] and "gatys" in err[0]


def test_bad_yes_no_value_is_one_line(tmp_path, capsys):
    assert main(["--content", "c.jpg", "--style", "s.jpg", "--output", str(tmp_path / "o.png"),
                 "--clip-pixels", "maybe"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'maybe' is not a yes/no value" in err[0]
    assert not list(tmp_path.iterdir())


def test_every_preset_builds_a_valid_config():
    for name in PRESETS:
        assert Config.from_options(preset=name).preset == name


def test_fast_keeps_art_pys_objective_and_only_changes_how_it_is_minimised():
    from legacy_nst.config.presets import PRESETS

    objective = ("kernel_layout", "alpha", "beta", "init", "noise_ratio", "pooling", "content_layers",
                 "style_layers", "loss_normalization", "clip_pixels")
    fast, artpy = Config().replace(preset="fast"), Config().replace(preset="artpy")
    assert {name: getattr(fast, name) for name in objective} == {name: getattr(artpy, name) for name in objective}
    assert "width" not in PRESETS["fast"] and "height" not in PRESETS["fast"]
    assert (fast.optimizer, fast.lbfgs_implementation, fast.precision) == ("lbfgs", "float32", "bfloat16")
    assert 0 < fast.float32_finish < fast.iterations


def test_fast_in_float32_is_the_same_recipe_without_the_bfloat16_finish():
    fast32 = Config().replace(preset="fast", precision="float32")
    fast = Config().replace(preset="fast")
    assert fast32.float32_finish == 0
    assert (fast32.iterations, fast32.multiscale, fast32.lbfgs_num_correction) == \
        (fast.iterations, fast.multiscale, fast.lbfgs_num_correction)
    with pytest.raises(ConfigError, match="finishes a --precision bfloat16 run"):
        Config().replace(preset="fast", precision="float32", float32_finish=5)  # given explicitly: still refused


OBJECTIVE = ("kernel_layout", "alpha", "beta", "init", "init_std", "init_noiseblend", "noise_ratio", "pooling", "content_layers",
             "style_layers", "loss_normalization", "tv_weight", "style_scale", "image_size", "width", "height")


def test_a_schedule_composes_with_any_presets_objective():
    """--preset jcjohnson --schedule fast: neural_style.lua's objective, the fast preset's way of minimising it."""
    from legacy_nst.config.presets import SCHEDULES

    composed, jcjohnson, fast = parsed("--preset", "jcjohnson", "--schedule", "fast"), parsed("--preset", "jcjohnson"), \
        parsed("--preset", "fast")
    assert {n: getattr(composed, n) for n in OBJECTIVE} == {n: getattr(jcjohnson, n) for n in OBJECTIVE}
    for name in SCHEDULES["fast"]:
        assert getattr(composed, name) == getattr(fast, name), name
    assert composed.schedule == "fast" and composed.preset == "jcjohnson"


def test_fast_is_art_pys_objective_with_the_fast_schedule_and_explicit_options_win():
    assert Config.from_options(preset="fast") == Config.from_options(preset="artpy", schedule="fast", width=None,
                                                                     height=None, checkpoint_every=0).replace(
        preset="fast", schedule=None)
    assert parsed("--schedule", "fast", "--iterations", "150").iterations == 150
    with pytest.raises(ConfigError) as refused:
        Config.from_options(schedule="slow")
    assert_says(refused.value, "schedule 'slow'", "choose from", "fast")


def test_refusals_under_a_recipe_name_only_options_the_user_gave():
    """A recipe's values yield to the user's (a --multiscale with other levels, a budget, clipping) rather than be
    named in a refusal: every refusal over the presets, schedules and pairs of these options names only flags
    the user gave (issue 30: '--multiscale-iterations 80 exceeds --iterations 40' was a flag never given)."""
    import itertools
    import re
    from legacy_nst.config.presets import SCHEDULES

    given = [dict(iterations=n) for n in (1, 3, 10, 40, 189)] + [
        dict(precision="float32"), dict(precision="bfloat16"), dict(multiscale="0.5"), dict(multiscale="0.25,0.5"),
        dict(multiscale="0.1,0.2,0.4,0.8"), dict(clip_pixels=True), dict(optimizer="adam"),
        dict(lbfgs_implementation="float32"), dict(multiscale_iterations=10), dict(float32_finish=5)]
    refused = 0
    for preset, schedule in itertools.product([None, *PRESETS], [None, *SCHEDULES]):
        recipe = {**PRESETS.get(preset, {}), **SCHEDULES.get(schedule, {})}
        for first, second in itertools.combinations([{}, *given], 2):
            options = {**first, **second, "preset": preset, "schedule": schedule}
            try:
                Config.from_options(**options)
            except ConfigError as error:
                refused += 1
                named = {flag[2:].replace("-", "_") for flag in re.findall(r"--[a-z0-9-]+", str(error))}
                assert not named & (set(recipe) - set(options)), (options, str(error))
    assert refused > 50  # the pairs do reach the checks
