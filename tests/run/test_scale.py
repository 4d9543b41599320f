"""Scale control (run.scale, Gatys et al. 2017 section 6): the new style image's Gram matrices on --fine-layers
move toward --style-fine's and those on the other layers stay with --style-coarse's, measured in numpy on the
network's features; the command line writes NAME.style.png and transfers it; bad input is one line, exit 2."""
import numpy as np
import pytest
import tensorflow as tf

from legacy_nst import Config, stylize
from legacy_nst.cli.main import main
from legacy_nst.errors import ConfigError
from legacy_nst.io.images import read_image, resize, to_network
from legacy_nst.losses.guided import GuidedStyleTerm
from legacy_nst.problem import build_problem
from legacy_nst.run.scale import scale_regions, stage_config
from legacy_nst.vgg.graph import build_graph
from tests.messages import assert_says, refusal

tf1 = tf.compat.v1
WIDTH = 40
FINE, COARSE = ("conv1_1", "conv2_1"), ("conv3_1", "conv4_1", "conv5_1")


@pytest.fixture(scope="module")
def paintings(shared_dir):
    """A (fine: The Starry Night) and B (coarse: The Scream), uint8 RGB as read."""
    return tuple(read_image(shared_dir / "images" / name) for name in ("starry_night.jpg", "the_scream.jpg"))


def normalized_grams(vgg, rgb, width):
    """{layer: G / M} in float64 of `rgb` resized to `width` (aspect ratio kept), from the network's features."""
    height = round(width * rgb.shape[0] / rgb.shape[1])
    image = to_network(resize(rgb, (height, width)), vgg.mean_pixel)
    with tf.Graph().as_default(), tf1.Session() as sess:
        net = build_graph(vgg, height, width)
        features = sess.run({name: net[name] for name in FINE + COARSE}, {net["image"]: image})
    grams = {}
    for name, value in features.items():
        flat = np.asarray(value, np.float64).reshape(-1, value.shape[-1])
        grams[name] = flat.T @ flat / flat.shape[0]
    return grams


def distance(one, other):
    return np.linalg.norm(one - other) / np.linalg.norm(other)


def test_the_default_fine_layers_are_the_two_lowest_style_layers_and_each_painting_gets_its_own():
    config = Config(style_fine="a.png", style_coarse="b.png")
    assert config.fine_layers == FINE
    assert scale_regions(config)["region_layers"] == (FINE, COARSE)
    assert scale_regions(config.replace(fine_layers="conv1_1,conv2_1,conv3_1"))["region_layers"] == \
        (FINE + ("conv3_1",), ("conv4_1", "conv5_1"))


def test_stage_one_compares_the_fine_painting_on_the_fine_layers_only_and_weighs_no_content(vgg, paintings):
    stage = stage_config(Config(style_fine="a.png", style_coarse="b.png", tv_weight=1.0, preserve_colors=True))
    fine, coarse = paintings
    problem = build_problem(stage, coarse, [fine, coarse], vgg.mean_pixel, (40, WIDTH),
                            inputs=scale_regions(stage.replace(style_fine="a.png", style_coarse="b.png")))
    terms = problem.objective.of_kind(GuidedStyleTerm)
    assert {(term.region, term.layer) for term in terms} == {(0, name) for name in FINE} | {(1, n) for n in COARSE}
    assert problem.objective.group_weights["content"] == 0 and np.array_equal(problem.start, problem.content)
    assert stage.tv_weight == 0 and not stage.preserve_colors and stage.init == "content"


def progress_toward(x, start, goal):
    """How far `x` went from `start` toward `goal`, per layer: 1 - d(x, goal) / d(start, goal) (0: not at all)."""
    return {name: 1 - distance(x[name], goal[name]) / distance(start[name], goal[name]) for name in x}


@pytest.mark.slow
def test_the_new_style_takes_the_fine_paintings_fine_grams_and_keeps_the_coarse_paintings_coarse_ones(
        tmp_path, vgg, approx_weights_path, shared_dir, paintings):
    """Through the command line: stage 1 writes out.style.png (measured here), stage 2 transfers it. Started at
    B, the new style's Gram matrices on the fine layers move toward A's, several times as far as on the coarse
    layers, which stay nearer B's than A's by far."""
    images, output, fine, coarse = shared_dir / "images", tmp_path / "out.jpg", *paintings
    status = main(["--content", str(images / "tubingen.jpg"), "--style-fine", str(images / "starry_night.jpg"),
                   "--style-coarse", str(images / "the_scream.jpg"), "--output", str(output), "--width", str(WIDTH),
                   "--iterations", "20", "--optimizer", "lbfgs", "--weights", str(approx_weights_path), "--quiet"])
    assert status == 0 and output.is_file()
    mixed = read_image(tmp_path / "out.style.png")
    assert mixed.shape[:2] == (round(WIDTH * coarse.shape[0] / coarse.shape[1]), WIDTH)  # B's proportions
    a, b, x = (normalized_grams(vgg, image, WIDTH) for image in (fine, coarse, mixed))
    toward_a = progress_toward(x, b, a)
    for name in FINE:
        assert toward_a[name] > max(0.05, 3 * max(toward_a[n] for n in COARSE)), (name, toward_a)
    for name in COARSE:
        assert distance(x[name], b[name]) < 0.5 * distance(x[name], a[name]), name


@pytest.mark.parametrize("options, parts", [
    (dict(style_fine="a.png"), ("--style-fine", "--style-coarse", "give both")),
    (dict(style_coarse="b.png"), ("--style-coarse", "--style-fine", "give both")),
    (dict(style_fine="a.png", style_coarse="b.png", fine_layers="conv3_2"), ("--fine-layers", "conv3_2",
                                                                             "--style-layers")),
    (dict(style_fine="a.png", style_coarse="b.png", fine_layers="conv1_1,conv2_1,conv3_1,conv4_1,conv5_1"),
     ("--fine-layers", "every style layer", "leave")),
    (dict(style_fine="a.png", style_coarse="b.png", fine_layers="conv9_9"), ("--fine-layers", "conv9_9")),
    (dict(style_fine="a.png", style_coarse="b.png", fine_layers=""), ("--fine-layers", "empty")),
])
def test_a_half_given_scale_control_or_bad_fine_layers_is_refused_in_one_line(options, parts):
    assert_says(refusal(**options), *parts)


@pytest.mark.parametrize("given, parts", [
    (["--style", "S", "--style-fine", "A", "--style-coarse", "B"], ("--style", "--style-fine", "both")),
    (["--style-fine", "A"], ("--style-fine", "--style-coarse", "give both")),
    ([], ("required", "--style")),  # as before scale control: argparse's line
])
def test_the_command_line_refuses_two_style_sources_or_one_painting_with_exit_2(tmp_path, capsys, monkeypatch,
                                                                              approx_weights_path, given, parts):
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    for name in ("c.png", "S", "A", "B"):
        Image.new("RGB", (32, 32)).save(tmp_path / name, format="PNG")
    small = ["--width", "32", "--iterations", "1"]  # were it not refused, the run would be short
    assert main(["--content", "c.png", "--output", "o.png", *given, *small, "--weights", str(approx_weights_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert_says(err[0], *parts)
    assert not (tmp_path / "o.png").exists() and not (tmp_path / "o.style.png").exists()


def test_the_api_refuses_a_style_with_the_two_paintings(vgg, shared_dir):
    with pytest.raises(ConfigError) as refused:
        stylize(shared_dir / "images" / "tubingen.jpg", shared_dir / "images" / "shipwreck.jpg", vgg=vgg,
                style_fine="a.png", style_coarse="b.png", width=32, iterations=1)
    assert_says(refused.value, "--style", "--style-fine", "both")
