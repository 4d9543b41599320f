"""config.parse and Config's checks with values of any type (a TOML spec gives ints, lists, tables...):
a ConfigError naming the option, never a TypeError, OverflowError or ValueError (found by bench/fuzz.py)."""
import pytest

from legacy_nst.config import Config
from legacy_nst.errors import ConfigError
from messages import assert_says


@pytest.mark.parametrize("options,expected", [
    (dict(multiscale=3), None),  # a whole number of levels, as '--multiscale 3'
    (dict(multiscale=[0.25, 0.5]), None),
    (dict(multiscale=True), "--multiscale"),
    (dict(multiscale={"a": 1}), "--multiscale"),
    (dict(multiscale=[[0.5]]), "--multiscale"),
    (dict(multiscale=2.5), "--multiscale"),
    (dict(style_layers=["conv1_1", "conv2_1:0.5"]), None),  # a list of 'name[:weight]' strings
    (dict(style_layers=5), "--style-layers"),
    (dict(style_layers=[1, 2]), "--style-layers"),
    (dict(content_layers={"conv4_2": 1}), "--content-layers"),
    (dict(style_blend_weights=object()), "--style-blend-weights"),
    (dict(style_layer_weight_exp=1e308), "--style-layer-weight-exp"),
    (dict(style_layer_weight_exp=float("inf")), "--style-layer-weight-exp"),
])
def test_values_of_any_type_are_parsed_or_refused_in_one_line(options, expected):
    if expected is None:
        Config(**options)
        return
    with pytest.raises(ConfigError) as refused:
        Config(**options)
    assert str(refused.value).startswith(expected) and "\n" not in str(refused.value), refused.value


def test_the_layer_weight_exponent_that_overflows_is_refused_before_the_run():
    """Found by bench/fuzz.py: --style-layer-weight-exp 1e308 raised OverflowError in problem.style_layers."""
    from legacy_nst.problem import style_layers

    with pytest.raises(ConfigError) as refused:
        style_layers(Config(style_layer_weight_exp=1e308))
    assert_says(refused.value, "--style-layer-weight-exp 1e+308", "overflow", "smaller exponent")
    assert len(style_layers(Config(style_layer_weight_exp=1e50))) == 5


@pytest.mark.parametrize("seed", [-2, 2 ** 32, 1.5])
def test_a_seed_numpy_cannot_take_is_refused_before_the_run(seed):
    """Found by bench/fuzz.py: --seed -2 reached numpy's RandomState and a ValueError traceback."""
    with pytest.raises(ConfigError) as refused:
        Config(seed=seed)
    assert str(refused.value).startswith("--seed ")
    assert_says(refused.value, f"got {seed!r}", "whole number", "0 to 4294967295")
    assert Config(seed=0).seed == 0 and Config(seed=2 ** 32 - 1).seed == 2 ** 32 - 1


@pytest.mark.parametrize("levels", ["99999999999", 2 ** 63 - 1, "17"])
def test_a_number_of_levels_no_image_can_have_is_refused_without_building_them(levels):
    """Found by bench/fuzz.py (its process was killed at 19 GB): a spec's multiscale = 9223372036854775807, or
    --multiscale 99999999999, built that many levels' fractions before any check."""
    with pytest.raises(ConfigError, match="^--multiscale .*: at most 16 levels"):
        Config(multiscale=levels)
    assert len(Config(multiscale=16).multiscale) == 15
