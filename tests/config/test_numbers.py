"""Every numeric option is checked when the Config is made (issue 31): NaN, infinities and negative values are
refused in one line naming the option, whether they come from the API, the command line, a sweep spec or `score`.

The fields are found from their type annotations (int or float), not from the checks' own metadata, so a
numeric field added without a check fails here."""
import math
import typing

import pytest

from legacy_nst.cli.main import main
from legacy_nst.config import FIELDS, Config
from legacy_nst.config.checks import MAX_WEIGHT
from messages import refusal


def scalar_type(f):
    kind = f.type
    if typing.get_origin(kind) is typing.Union:
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    return kind if kind in (int, float) else None


NUMERIC = tuple(name for name, f in FIELDS.items() if scalar_type(f))
LISTS = ("style_blend_weights", "style_scale", "multiscale", "multiscale_iterations", "content_layers", "style_layers")


def test_the_numeric_fields_are_the_ones_expected():
    """If this fails, a numeric option was added: give it a `number=` (config.checks) and list it here."""
    assert set(NUMERIC) == {
        "width", "height", "image_size", "noise_ratio", "init_std", "init_noiseblend", "seed", "bit_depth", "alpha", "beta",
        "content_weight_blend", "style_layer_weight_exp", "tv_weight", "temporal_weight", "iterations", "learning_rate", "adam_beta1",
        "adam_epsilon", "lbfgs_num_correction", "lbfgs_initial_step", "average_iterates", "float32_finish",
        "memory_limit", "workers", "checkpoint_every", "print_every", "tensorboard_every",
        "tol_loss_relative", "tol_loss_relative_interval"}
    assert all("number" in FIELDS[name].metadata for name in NUMERIC if name != "bit_depth")  # bit_depth: 8 or 16


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, -1, -1.0])
@pytest.mark.parametrize("name", NUMERIC)
def test_every_numeric_option_refuses_nan_infinities_and_negative_values_naming_itself(name, value):
    if scalar_type(FIELDS[name]) is int and isinstance(value, float) and math.isfinite(value):
        value = -1  # -1.0 for a count: the same refusal as -1
    message = refusal(**{name: value})
    assert "--" + name.replace("_", "-") in message, message


@pytest.mark.parametrize("name", NUMERIC)
def test_every_numeric_option_takes_its_default_and_refuses_text(name):
    default = FIELDS[name].default
    assert getattr(Config(**{name: default}), name) == default
    if name != "lbfgs_initial_step":  # which reads text as a number, as the command line does
        assert "--" + name.replace("_", "-") in refusal(**{name: "1"})


@pytest.mark.parametrize("option, value", [
    ("style_blend_weights", "1,nan"), ("style_blend_weights", (math.inf,)), ("style_blend_weights", "-1,2"),
    ("style_scale", "1,nan"), ("style_scale", (math.inf,)), ("style_scale", "-1"),
    ("multiscale", "nan"), ("multiscale", (math.inf,)), ("multiscale", "-0.5"),
    ("multiscale_iterations", "-1"), ("multiscale_iterations", (math.nan,)),
    ("content_layers", "conv4_2:nan"), ("content_layers", "conv4_2:inf"), ("content_layers", "conv4_2:-1"),
    ("style_layers", "conv1_1:1,conv2_1:nan"), ("style_layers", (("conv1_1", math.inf),)),
])
def test_the_options_holding_several_numbers_refuse_nan_infinities_and_negatives(option, value):
    message = refusal(**{option: value})
    assert "--" + option.replace("_", "-") in message, message


@pytest.mark.parametrize("name", ["alpha", "beta", "tv_weight"])
def test_a_weight_that_overflows_float32_losses_is_refused_at_the_documented_bound(name):
    message = refusal(**{name: 1e30})
    assert f"--{name.replace('_', '-')} must be >= 0 and at most 1e+20, got 1e+30" in message
    assert getattr(Config(**{name: 1e9}), name) == 1e9  # the large weights people use are far below it


def test_the_bound_counts_the_layer_weights_too():
    """α multiplies each style layer's weight: art.py's weights total 10, so α may be at most 1e19."""
    assert Config(alpha=MAX_WEIGHT / 10).alpha == 1e19
    message = refusal(alpha=MAX_WEIGHT)
    assert "--alpha 1e+20 times the --style-layers weights' total 10" in message
    assert "--beta" in refusal(beta=1e19, content_layers="conv4_2:1000")


def test_tv_weight_nan_is_no_longer_taken_as_off():
    assert refusal(tv_weight=math.nan) == "--tv-weight must be >= 0 and at most 1e+20, got nan"


@pytest.mark.parametrize("flag", ["--alpha", "--beta", "--tv-weight", "--learning-rate", "--noise-ratio",
                                  "--init-std", "--memory-limit", "--average-iterates", "--style-layer-weight-exp"])
@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_the_command_line_refuses_them_before_anything_runs(flag, value, tmp_path, capsys):
    status = main(["--content", "c.jpg", "--style", "s.jpg", "--output", str(tmp_path / "o.png"), f"{flag}={value}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and err[0].startswith(f"legacy-nst: error: {flag} must be "), err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["nan", "inf", "1e30"])
def test_score_refuses_a_weight_that_is_not_a_finite_number(value, content_path, style_path, capsys):
    """Issue 31: `score ... --alpha nan` printed a total of nan and exited 0."""
    status = main(["score", str(content_path), str(style_path), str(content_path), f"--alpha={value}"])
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    assert captured.err.startswith("legacy-nst: error: --alpha must be >= 0"), captured.err


def test_a_sweep_spec_with_alpha_nan_is_refused_when_it_is_checked(tmp_path, content_path, style_path,
                                                                   approx_weights_path, capsys):
    """Issue 31: such a spec started Ray and failed every job; each job's Config is built when the spec is read."""
    spec = tmp_path / "spec.toml"
    spec.write_text(f'[base]\ncontent = "{content_path}"\nstyle = "{style_path}"\nweights = "{approx_weights_path}"\n'
                    '[axes]\nalpha = [100, nan]\n')
    status = main(["sweep", str(spec), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1, err
    assert "alpha=nan" in err[0] and "--alpha must be >= 0" in err[0], err[0]
    assert not (tmp_path / "out").exists(), "refused before the sweep's folder (and Ray) is touched"
