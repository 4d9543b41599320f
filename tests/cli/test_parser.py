"""The command line of the parity options: jcjohnson/anishathalye names, several styles, bad values."""
import io
import json

import pytest

from legacy_nst.cli.main import main
from legacy_nst.cli.parser import config_from_args, style_paths
from legacy_nst.cli.transfer import transfer_parser
from legacy_nst.cli.progress import Progress
from legacy_nst.config import Config
from messages import assert_says


def parsed(*argv):
    return config_from_args(transfer_parser().parse_args(["--content", "c.jpg", "--style", "s.jpg",
                                                         "--output", "o.png", *argv]))


def test_flag_aliases():
    assert parsed("--original-colors").preserve_colors is True
    assert parsed("--preserve-colors").preserve_colors is True
    assert parsed().preserve_colors is False
    assert parsed("--save-every", "25").checkpoint_every == 25
    assert parsed("--normalize-gradients").normalize_gradients is True
    config = parsed("--tv-weight", "1e6", "--style-scale", "0.5", "--content-weight-blend", "0.3",
                    "--style-layer-weight-exp", "2", "--lbfgs-num-correction", "7", "--loss-normalization", "paper")
    assert (config.tv_weight, config.style_scale, config.content_weight_blend, config.style_layer_weight_exp,
            config.lbfgs_num_correction, config.loss_normalization) == (1e6, (0.5,), 0.3, 2.0, 7, "paper")


def test_several_styles_repeated_or_comma_separated(tmp_path):
    args = transfer_parser().parse_args(["--content", "c.jpg", "--style", "a.jpg", "--style", "b.jpg,c.jpg",
                                        "--output", "o.png"])
    assert style_paths(args.style) == ["a.jpg", "b.jpg", "c.jpg"]
    odd = tmp_path / "a,b.jpg"
    odd.write_bytes(b"")
    assert style_paths([str(odd)]) == [str(odd)]  # an existing file keeps its comma


def test_print_every_is_jcjohnsons_print_iter():
    """Off a terminal: a line at every multiple of K (and the first and last); K = 0 prints none.
    (The one-off memory/time notes are not iteration lines and are left out here.)"""
    def lines(print_every, iterations=7):
        stream = io.StringIO()
        progress = Progress(iterations, print_every=print_every, stream=stream)
        for i in range(iterations + 1):
            progress.update(i, {"total": 1.0, "content": 1.0, "style": 1.0})
        return [line.split(":")[0] for line in stream.getvalue().splitlines() if line.startswith("iteration")]
    assert lines(3) == ["iteration 0/7", "iteration 3/7", "iteration 6/7", "iteration 7/7"]
    assert lines(0) == []


@pytest.fixture
def small_args(content_path, style_path, approx_weights_path):
    return ["--content", str(content_path), "--style", str(style_path), "--weights", str(approx_weights_path),
            "--width", "48"]


@pytest.mark.slow
def test_save_every_print_every_and_blended_styles_end_to_end(tmp_path, small_args, shared_dir, capsys):
    out, log = tmp_path / "out.png", tmp_path / "log.json"
    scream = shared_dir / "images" / "the_scream.jpg"
    status = main([*small_args, "--style", str(scream), "--style-blend-weights", "3,1", "--iterations", "4",
                   "--save-every", "2", "--print-every", "2", "--preserve-colors", "--tv-weight", "1e6",
                   "--output", str(out), "--log-json", str(log)])
    err = capsys.readouterr().err
    assert status == 0, err
    # every 2nd step, plus the starting image (for --strip) beside the resumable state
    pngs = sorted(p.name for p in (tmp_path / "out-checkpoints").glob("*.png"))
    assert pngs == ["00000.png", "00002.png", "00004.png"]
    assert [line.split(":")[0] for line in err.splitlines() if line.startswith("iteration")] == [
        "iteration 0/4", "iteration 2/4", "iteration 4/4"]
    data = json.loads(log.read_text())
    assert data["config"]["style"] == [small_args[3], str(scream)]
    assert data["config"]["style_blend_weights"] == [3.0, 1.0] and data["config"]["preserve_colors"] is True
    assert all("tv" in entry for entry in data["iterations"])


@pytest.mark.slow
def test_save_every_zero_writes_no_checkpoints(tmp_path, small_args, capsys):
    assert main([*small_args, "--iterations", "1", "--save-every", "0", "--print-every", "0",
                 "--output", str(tmp_path / "o.png")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.png"]
    assert "iteration" not in capsys.readouterr().err


BAD = {
    "blend weights count": (["--style-blend-weights", "1,2"], "one weight per --style"),
    "blend weights text": (["--style-blend-weights", "a,b"], "not a list of numbers"),
    "negative blend weight": (["--style-blend-weights", "-1"], ">= 0"),
    "style scale too small": (["--style-scale", "0.01"], "--style-scale 0.01"),
    "style scale per style": (["--style-scale", "1,2,3"], "one per --style"),
    "blend and content layers": (["--content-weight-blend", "0.5", "--content-layers", "conv3_1"], "not both"),
    "blend out of range": (["--content-weight-blend", "2"], "within [0, 1]"),
    "negative tv": (["--tv-weight", "-1"], "--tv-weight must be >= 0"),
    "zero exponent": (["--style-layer-weight-exp", "0"], "--style-layer-weight-exp must be > 0"),
    "missing second style": (["--style", "no-such-style.jpg"], "no-such-style.jpg: no such file"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_values_are_one_line_exit_2_no_output(case, tmp_path, small_args, capsys):
    extra, expected = BAD[case]
    out = tmp_path / "o.png"
    status = main([*small_args, "--iterations", "1", "--output", str(out), "--save-every", "1", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and err[0].startswith("legacy-nst: error: "), err
    assert expected in err[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag,value,expected", [
    ("--style-layers", "", ("empty", "e.g. 'conv4_2'")),
    ("--content-layers", "conv9_9", ("unknown layer 'conv9_9'", "choose from")),
    ("--style-blend-weights", ",", ("empty", "e.g. '0.8,0.2'")),
    ("--clip-pixels", "maybe", ("'maybe'", "true or false")),
])
def test_a_value_that_does_not_parse_names_its_option(flag, value, expected, capsys):
    """Found by bench/fuzz.py: 'empty list of numbers' said neither which option nor, in a spec, which key."""
    assert main(["--content", "c.jpg", "--style", "s.jpg", "--output", "o.png", flag, value]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("legacy-nst: error: "), err
    assert_says(err[0], f"{flag}: ", *expected)


def test_a_config_value_that_does_not_parse_names_its_option():
    from legacy_nst.errors import ConfigError

    with pytest.raises(ConfigError, match="^--style-blend-weights: empty list of numbers"):
        Config(style_blend_weights=[])
    with pytest.raises(ConfigError, match="^--style-layers: empty layer list"):
        Config(style_layers="")


MAIN = ["--content", "c.jpg", "--style", "s.jpg", "--output", "o.png"]


@pytest.mark.parametrize("argv, says", [
    (["--contnet", "c.jpg", "--style", "s.jpg", "--output", "o.png"], "--contnet; did you mean --content?"),
    (["--content", "c.jpg", "--stlye", "s.jpg", "--output", "o.png"], "--stlye; did you mean --style?"),
    (["--content", "c.jpg", "--style", "s.jpg", "--ouput", "o.png"], "--ouput; did you mean --output?"),
    ([*MAIN, "--widht", "5"], "--widht 5; did you mean --width?"),
    ([*MAIN, "--Width", "5"], "did you mean --width?"),
    ([*MAIN, "--learning_rate", "5"], "did you mean --learning-rate?"),
    ([*MAIN, "--preset", "fsat"], "invalid choice: 'fsat'; did you mean fast?"),
    ([*MAIN, "--optimizer", "adma"], "invalid choice: 'adma'; did you mean adam?"),
    ([*MAIN, "--style-weight", "5"], "did you mean --alpha?"),      # anishathalye's and jcjohnson's names
    ([*MAIN, "--content-weight", "5"], "did you mean --beta?"),
    ([*MAIN, "-num_iterations", "5"], "did you mean --iterations?"),
    ([*MAIN, "--styles", "a.jpg"], "did you mean --style?"),
    ([*MAIN, "--network", "x.mat"], "did you mean --weights?"),
    (["score", "c.jpg", "s.jpg", "x.png", "--normalisation", "artpy"], "did you mean --normalization?"),
    (["compare", "--content", "c.jpg", "--style", "s.jpg", "--backend", "eager"], "did you mean --backends?"),
    (["weights", "locate", "--donwload"], "--donwload; did you mean --download?"),
    (["weights", "dowload"], "invalid choice: 'dowload'; did you mean download?"),
    (["sweep", "spec.toml", "--output", "x"], "did you mean --out?"),
    (["anishathalye", "--contnet", "c.jpg"], "--contnet; did you mean --content?"),
    (["weight", "download"], "unknown command 'weight'; did you mean weights?"),
    (["--versoin"], "did you mean --version?"),
])
def test_every_mistyped_flag_gets_its_suggestion(argv, says, capsys):
    """Issue 30: a misspelt required option was answered 'the following arguments are required', a misspelt
    choice or subcommand with no suggestion, and a peer's name of one of ours with a different option."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("legacy-nst: error: ") and says in err[0], err


def test_version_prints_the_package_version(capsys):
    import legacy_nst

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"legacy-nst {legacy_nst.__version__}"
    with pytest.raises(SystemExit) as done:  # argparse's own --version, anywhere on the line
        main([*MAIN, "--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"legacy-nst {legacy_nst.__version__}"


@pytest.mark.parametrize("make", [lambda: Config(alpah=1), lambda: Config().replace(alpah=1),
                                  lambda: Config.from_options(alpah=1)])
def test_a_misspelt_keyword_in_the_python_api_gets_did_you_mean(make):
    from legacy_nst.errors import ConfigError

    with pytest.raises(ConfigError, match="^unknown option alpah; did you mean alpha\\?$"):
        make()


def test_stylize_with_a_misspelt_keyword_gets_did_you_mean_before_any_work():
    import legacy_nst
    from legacy_nst.errors import ConfigError

    with pytest.raises(ConfigError, match="did you mean alpha"):
        legacy_nst.stylize("no-such-content.jpg", "no-such-style.jpg", alpah=1)
