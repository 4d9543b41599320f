"""`legacy-nst jcjohnson …` and `legacy-nst anishathalye …`: each option against its meaning in the peer's source.

Sources (docs/peers.md): J = jcjohnson/neural-style neural_style.lua (its cmd:option block and
main()), A = anishathalye/neural-style neural_style.py (build_parser, main) and stylize.py.
Also here: the main command refuses abbreviations and names the closest option.
"""
import pytest
from PIL import Image

from legacy_nst.cli.main import main
from legacy_nst.cli.parser import Parser
from legacy_nst.cli.peers import translate
from legacy_nst.config import Config

FIVE_RELUS = (("conv1_1", 1.0), ("conv2_1", 1.0), ("conv3_1", 1.0), ("conv4_1", 1.0), ("conv5_1", 1.0))
A_REQUIRED = ["--content", "c.jpg", "--styles", "s.jpg", "--output", "o.png"]


def value_of(job, key):
    """A translated setting: a file of the PeerRun, else a field of its Config."""
    return getattr(job, key) if key in ("content", "styles", "output", "native_size") else getattr(job.config, key)


@pytest.fixture
def i_jpg(tmp_path, monkeypatch):
    """An i.jpg in the working folder: Config takes an --init path only if the file exists."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "i.jpg").write_bytes(b"")


def jcjohnson(*argv):
    return translate("jcjohnson", list(argv))


def anishathalye(*argv):
    return translate("anishathalye", [*A_REQUIRED, *argv])


def error_line(capsys, argv):
    """main(argv)'s exit status must be 2 with one line on stderr: 'legacy-nst: error: problem; fix'."""
    status = main(argv)
    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith("legacy-nst: error: "), lines
    return lines[0]


# -- jcjohnson: neural_style.lua ----------------------------------------------------------------------------------

def test_jcjohnson_defaults_are_neural_style_luas():
    job = jcjohnson()
    c = job.config
    assert (job.content, job.styles, job.output) == ("examples/inputs/tubingen.jpg",
                                                     ["examples/inputs/seated-nude.jpg"], "out.png")
    assert (c.image_size, c.style_scale, c.beta, c.alpha, c.tv_weight, c.iterations) == (512, (1.0,), 5, 100, 1e-3, 1000)
    assert (c.optimizer, c.learning_rate, c.normalize_gradients, c.pooling) == ("lbfgs", 10.0, False, "max")
    assert c.lbfgs_num_correction == 100  # -lbfgs_num_correction 0 leaves nCorrection unset: optim.lbfgs's 100
    assert (c.init, c.init_std, c.seed) == ("randn", 0.001, None)  # torch.randn():mul(0.001); -seed -1: unseeded
    assert (c.content_layers, c.style_layers) == ((("conv4_2", 1.0),), FIVE_RELUS)
    assert (c.print_every, c.preserve_colors, c.style_blend_weights, c.weights) == (50, False, None, None)
    assert c.loss_normalization == "jcjohnson" and job.notes == []
    # -save_iter 100: out_100.png, out_200.png...; the last iteration is -output_image itself (maybe_save)
    assert [job.intermediate(t) for t in (0, 50, 100, 200, 1000)] == [None, None, "out_100.png", "out_200.png", None]


def test_jcjohnson_defaults_are_the_jcjohnson_preset_with_its_print_iter_and_adam_rate():
    """The preset leaves the learning rate, which L-BFGS does not use; -learning_rate 1e1 is -optimizer adam's."""
    preset = Config.from_options(preset="jcjohnson")
    assert jcjohnson().config == preset.replace(print_every=50, learning_rate=10.0)


@pytest.mark.parametrize("argv, expected", [
    (["-style_image", "a.jpg,b.jpg"], {"styles": ["a.jpg", "b.jpg"]}),
    (["-style_blend_weights", "3,1"], {"style_blend_weights": (3.0, 1.0)}),
    (["-content_image", "c.jpg"], {"content": "c.jpg"}),
    (["-image_size", "256"], {"image_size": 256}),
    (["-content_weight", "1e1"], {"beta": 10.0}),
    (["-style_weight", "1e3"], {"alpha": 1000.0}),
    (["-tv_weight", "0"], {"tv_weight": 0.0}),
    (["-num_iterations", "20"], {"iterations": 20}),
    (["-normalize_gradients"], {"normalize_gradients": True}),   # a boolean cmd:option: its name switches it on
    (["-normalize_gradients", "1"], {"normalize_gradients": True}),  # the copy where it is a number
    (["-init", "image"], {"init": "content"}),                     # content_image_caffe:clone()
    (["-init", "image", "-init_image", "i.jpg"], {"init": "i.jpg"}),
    (["-init", "random", "-init_image", "i.jpg"], {"init": "randn"}),  # -init_image is read only with -init image
    (["-optimizer", "adam", "-learning_rate", "5"], {"optimizer": "adam", "learning_rate": 5.0}),
    (["-lbfgs_num_correction", "7"], {"lbfgs_num_correction": 7}),
    (["-print_iter", "10"], {"print_every": 10}),
    (["-style_scale", "0.5"], {"style_scale": (0.5,)}),
    (["-original_colors", "1"], {"preserve_colors": True}),
    (["-pooling", "avg"], {"pooling": "avg"}),
    (["-seed", "42"], {"seed": 42}),
    (["-seed", "-1"], {"seed": None}),
    (["-content_layers", "relu4_2,relu5_2"], {"content_layers": (("conv4_2", 1.0), ("conv5_2", 1.0))}),
    (["-style_layers", "relu1_1,relu3_1"], {"style_layers": (("conv1_1", 1.0), ("conv3_1", 1.0))}),
    (["-model_file", "vgg.mat"], {"weights": "vgg.mat"}),
])
def test_jcjohnson_option(argv, expected, i_jpg):
    job = jcjohnson(*argv)
    assert {key: value_of(job, key) for key in expected} == expected


def test_jcjohnson_save_iter_names_out_N_beside_the_output():
    job = jcjohnson("-output_image", "dir/res.jpg", "-save_iter", "5", "-num_iterations", "12")
    assert [job.intermediate(t) for t in (0, 4, 5, 10, 12)] == [None, None, "dir/res_5.jpg", "dir/res_10.jpg", None]
    assert jcjohnson("-save_iter", "0").intermediate is None


def test_jcjohnson_ignored_options_get_one_note_each_and_change_nothing(capsys, tmp_path, approx_weights_path):
    ignored = ["-gpu", "-1", "-backend", "cudnn", "-cudnn_autotune", "-proto_file", "p.prototxt",
               "-multigpu_strategy", "3"]
    assert jcjohnson(*ignored).config == jcjohnson().config
    missing = str(tmp_path / "missing.jpg")
    line = error_line_after_notes(capsys, ["jcjohnson", *ignored, "-content_image", missing,
                                           "-model_file", str(approx_weights_path)],
                                  ["-gpu -1", "-backend cudnn", "-cudnn_autotune", "-proto_file p.prototxt",
                                   "-multigpu_strategy 3"])
    assert missing in line


def error_line_after_notes(capsys, argv, noted):
    """Exit 2 after one 'ignored' note per option in `noted`, then the error line."""
    status = main(argv)
    lines = capsys.readouterr().err.strip().splitlines()
    notes = [line for line in lines if " ignored: " in line]
    assert status == 2, lines
    assert sorted(note.split(" ignored: ")[0] for note in notes) == sorted(f"legacy-nst jcjohnson: {n}" for n in noted)
    assert len(lines) == len(noted) + 1 and lines[-1].startswith("legacy-nst: error: ")
    return lines[-1]


@pytest.mark.parametrize("argv, says", [
    (["-model_file", "models/VGG_ILSVRC_19_layers.caffemodel"], "weights download"),
    (["-image_size", "big"], "whole number"),
    (["-num_iterations", "10.5"], "whole number"),
    (["-num_iterations"], "missing argument"),
    (["-init", "noise"], "choose random or image"),
    (["-pooling", "min"], "choose max or avg"),
    (["-original_colors", "2"], "give 1 (on) or 0 (off)"),
    (["-content_layers", "conv4_2"], "relu4_2"),
    (["-tv_weight", "-1"], "-tv_weight (--tv-weight here) must be >= 0"),
    (["-style_imag", "a.jpg"], "did you mean -style_image?"),
    (["-content_w", "3"], "did you mean -content_weight?"),  # no abbreviations, as torch.CmdLine
])
def test_jcjohnson_bad_value_is_one_line_exit_2(capsys, argv, says):
    assert says in error_line(capsys, ["jcjohnson", *argv])


# -- anishathalye: neural_style.py --------------------------------------------------------------------------------

def test_anishathalye_defaults_are_neural_style_pys():
    job = anishathalye()
    c = job.config
    assert (job.content, job.styles, job.output) == ("c.jpg", ["s.jpg"], "o.png")
    assert (c.beta, c.content_weight_blend, c.alpha, c.tv_weight, c.style_layer_weight_exp) == (5, 1, 500, 100, 1)
    assert (c.optimizer, c.learning_rate, c.adam_beta1, c.adam_epsilon, c.iterations) == ("adam", 10, 0.9, 1e-8, 1000)
    assert (c.style_scale, c.pooling, c.preserve_colors, c.style_blend_weights) == ((1.0,), "max", False, None)
    assert (c.init, c.init_std) == ("randn", 0.256)  # no --initial: noiseblend 1, tf.random_normal * 0.256
    assert (c.width, c.height, job.native_size) == (None, None, True)  # no --width: the content's own size
    assert (c.print_every, c.weights, c.plot, job.log_json, job.intermediate) == (0, None, None, None, None)
    assert c.loss_normalization == "anishathalye"


def test_anishathalye_defaults_are_the_anishathalye_preset():
    preset = Config.from_options(preset="anishathalye")
    assert anishathalye().config == preset.replace(content_weight_blend=1.0, style_layer_weight_exp=1.0,
                                                   print_every=0)


@pytest.mark.parametrize("argv, expected", [
    (["--styles", "a.jpg", "b.jpg"], {"styles": ["a.jpg", "b.jpg"]}),
    (["--iterations", "20"], {"iterations": 20}),
    (["--iter", "7"], {"iterations": 7}),  # their ArgumentParser takes abbreviations, so this one does
    (["--print-iterations", "10"], {"print_every": 10}),
    (["--width", "300"], {"width": 300, "native_size": False}),
    (["--style-scales", "0.5", "2"], {"style_scale": (0.5, 2.0)}),
    (["--network", "vgg.mat"], {"weights": "vgg.mat"}),
    (["--content-weight-blend", "0.3"], {"content_weight_blend": 0.3}),
    (["--content-weight", "0.5"], {"beta": 0.5, "content_weight_blend": 1.0}),  # not the blend
    (["--style-weight", "1e3"], {"alpha": 1000.0}),
    (["--style-layer-weight-exp", "2"], {"style_layer_weight_exp": 2.0}),
    (["--style-blend-weights", "3", "1"], {"style_blend_weights": (3.0, 1.0)}),
    (["--tv-weight", "0"], {"tv_weight": 0.0}),
    (["--learning-rate", "1"], {"learning_rate": 1.0}),
    (["--beta1", "0.5"], {"adam_beta1": 0.5}),
    (["--beta2", "0.999"], {"optimizer": "adam"}),  # the one value there is here
    (["--eps", "1e-6"], {"adam_epsilon": 1e-6}),
    (["--initial", "i.jpg"], {"init": "i.jpg"}),  # noiseblend defaults to 0 with --initial
    (["--initial", "i.jpg", "--initial-noiseblend", "1"], {"init": "randn"}),
    (["--initial-noiseblend", "0"], {"init": "content"}),  # no --initial, blend < 1: the content
    (["--initial", "i.jpg", "--initial-noiseblend", "0.3"], {"init": "i.jpg", "init_noiseblend": 0.3, "init_std": 0.256}),
    (["--initial-noiseblend", "0.3"], {"init": "content", "init_noiseblend": 0.3}),  # the content, blended
    (["--initial-noiseblend", "2"], {"init": "randn", "init_noiseblend": 0.0}),  # no --initial, b >= 1: the noise
    (["--preserve-colors"], {"preserve_colors": True}),
    (["--pooling", "avg"], {"pooling": "avg"}),
])
def test_anishathalye_option(argv, expected, i_jpg):
    job = anishathalye(*argv)
    assert {key: value_of(job, key) for key in expected} == expected


def test_anishathalye_checkpoints_format_the_iteration():
    job = anishathalye("--checkpoint-output", "ck_{}.png", "--checkpoint-iterations", "10", "--iterations", "25")
    assert [job.intermediate(t) for t in (0, 5, 10, 20, 25)] == [None, None, "ck_10.png", "ck_20.png", "ck_25.png"]
    job = anishathalye("--checkpoint-output", "ck_%05d.png", "--checkpoint-iterations", "10")
    assert job.intermediate(10) == "ck_00010.png"


def test_anishathalye_progress_files_go_beside_the_output(tmp_path):
    job = translate("anishathalye", ["--content", "c.jpg", "--styles", "s.jpg", "--output", str(tmp_path / "o.png"),
                                     "--progress-plot", "--progress-write"])
    assert job.config.plot == str(tmp_path / "progress.png") and job.log_json == str(tmp_path / "progress.json")
    assert job.notes == [f"--progress-write writes {tmp_path / 'progress.json'} (every iteration's losses, as "
                         "JSON), not progress.txt"]


def test_anishathalye_overwrite(tmp_path, capsys):
    existing = tmp_path / "o.png"
    existing.write_bytes(b"")
    argv = ["--content", "c.jpg", "--styles", "s.jpg", "--output", str(existing)]
    assert "add --overwrite" in error_line(capsys, ["anishathalye", *argv])
    assert translate("anishathalye", [*argv, "--overwrite"]).output == str(existing)


@pytest.mark.parametrize("argv, says", [
    (["--network", "vgg19.caffemodel"], "weights download"),
    (["--beta2", "0.99"], "drop --beta2"),
    (["--initial", "i.jpg", "--initial-noiseblend", "1.5"], "--initial-noiseblend 1.5 is not between 0 and 1"),
    (["--checkpoint-output", "ck_{}.png"], "both of --checkpoint-output and --checkpoint-iterations"),
    (["--checkpoint-iterations", "5"], "both of --checkpoint-output and --checkpoint-iterations"),
    (["--checkpoint-output", "ck.png", "--checkpoint-iterations", "5"], "no placeholder"),
    (["--checkpoint-output", "ck_%q.png", "--checkpoint-iterations", "5"], "foo_%d.jpg"),
    (["--iterations", "many"], "invalid int value"),
    (["--tv-weight", "-1"], "--tv-weight must be >= 0"),
    (["--content-weight", "-1"], "--content-weight (--beta here)"),
    (["--stlyes", "x.jpg"], "did you mean --styles?"),
])
def test_anishathalye_bad_value_is_one_line_exit_2(capsys, argv, says):
    assert says in error_line(capsys, ["anishathalye", *A_REQUIRED, *argv])


# -- the main command: no abbreviations, and the closest option named ----------------------------------------------

def test_main_parser_refuses_abbreviations():
    assert Parser().allow_abbrev is False


@pytest.mark.parametrize("argv, says", [
    (["--content-weight", "0.5"], "unrecognized arguments: --content-weight 0.5"),  # was --content-weight-blend
    (["--iter", "5"], "unrecognized arguments: --iter 5; did you mean --iterations?"),
    (["--itrations", "5"], "did you mean --iterations?"),
])
def test_main_command_unknown_option(capsys, argv, says):
    assert says in error_line(capsys, ["--content", "c.jpg", "--style", "s.jpg", "--output", "o.png", *argv])


# -- end to end, tiny ----------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_jcjohnson_end_to_end(tmp_path, content_path, style_path, approx_weights_path, capsys):
    out = tmp_path / "out.png"
    status = main(["jcjohnson", "-style_image", str(style_path), "-content_image", str(content_path),
                   "-output_image", str(out), "-image_size", "32", "-num_iterations", "2", "-save_iter", "1",
                   "-print_iter", "0", "-model_file", str(approx_weights_path), "-gpu", "-1"])
    assert status == 0, capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png", "out_1.png"]  # out_2 is out.png itself
    assert Image.open(out).size == Image.open(tmp_path / "out_1.png").size == (32, 24)


@pytest.mark.slow
def test_anishathalye_end_to_end_at_the_contents_own_size(tmp_path, content_path, style_path, approx_weights_path,
                                                           capsys):
    small = tmp_path / "content.png"
    Image.open(content_path).resize((36, 27)).save(small)
    out = tmp_path / "out.jpg"
    status = main(["anishathalye", "--content", str(small), "--styles", str(style_path), "--output", str(out),
                   "--iterations", "2", "--checkpoint-output", str(tmp_path / "ck_%s.png"),
                   "--checkpoint-iterations", "1", "--network", str(approx_weights_path)])
    assert status == 0, capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck_1.png", "ck_2.png", "content.png", "out.jpg"]
    assert Image.open(out).size == Image.open(tmp_path / "ck_1.png").size == (36, 27)
