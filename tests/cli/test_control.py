"""The control options on the command line (issue 28): masks end to end on the graph engine, tiled as untiled,
and each bad input refused in one line, exit 2, before anything is written."""
import json

import numpy as np
import pytest
from PIL import Image

from legacy_nst.cli.main import main
from legacy_nst.sweep import spec

HEIGHT, WIDTH = 32, 48


def save(path, array):
    Image.fromarray(np.asarray(array, np.uint8)).save(path)
    return str(path)


@pytest.fixture
def images(tmp_path):
    """A 48x32 colour content, two 48x48 styles (stripes, dots) and masks, in tmp_path/in (outputs go beside)."""
    folder = tmp_path / "in"
    folder.mkdir()
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    yy, xx = np.mgrid[0:48, 0:48]
    left = np.zeros((HEIGHT, WIDTH)); left[:, : WIDTH // 2] = 255
    files = {
        "content": np.stack([60 + 3 * x, 90 + 3 * y, 140 + 0 * x], -1),
        "stripes": np.where(((xx // 3) % 2 == 0)[..., None], [250, 230, 30], [20, 30, 140]),
        "dots": np.where((((yy % 8 - 3.5) ** 2 + (xx % 8 - 3.5) ** 2) < 6)[..., None], [30, 170, 70], [210, 60, 50]),
        "left": left, "right": 255 - left,
        "black": np.zeros((HEIGHT, WIDTH)), "square": np.full((40, 40), 255),
        "grey": np.repeat((60 + 3 * x)[..., None], 3, -1),
    }
    paths = {name: save(folder / f"{name}.png", array) for name, array in files.items()}
    (folder / "notes.png").write_text("not an image")
    paths["not_an_image"] = str(folder / "notes.png")
    return paths


def argv(images, weights, out, *extra):
    return ["--content", images["content"], "--style", images["stripes"], "--style", images["dots"],
            "--weights", str(weights), "--width", str(WIDTH), "--iterations", "3", "--seed", "0", "--quiet",
            "--output", str(out), *extra]


BAD_INPUTS = {  # extra flags, what the one line must name
    "a mask count other than the style count": (["--style-mask", "{left}"],
                                                 ("1 --style-mask", "2 --style", "one --style-mask per --style")),
    "a region mask count other than the style count": (["--style-region-mask", "{square}"],  # the styles' frame
                                                        ("1 --style-region-mask", "2 --style", "per --style")),
    "a mask that is not an image": (["--style-mask", "{left}", "--style-mask", "{not_an_image}"],
                                    ("--style-mask 2", "notes.png")),
    "a mask of another aspect ratio": (["--style-mask", "{left}", "--style-mask", "{square}"],
                                       ("--style-mask 2", "40x40", "48x32", "aspect ratio")),
    "an empty mask": (["--style-mask", "{left}", "--style-mask", "{black}"], ("--style-mask 2", "black", "white")),
    "colour control with a greyscale content": (["--content", "{grey}", "--color-control", "luminance"],
                                                 ("greyscale", "--color-control")),
    "an unknown colour control": (["--color-control", "lum"], ("--color-control", "luminance")),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_control_input_is_one_line_exit_2_and_writes_nothing(case, images, approx_weights_path, tmp_path,
                                                                  capsys):
    extra, parts = BAD_INPUTS[case]
    out, log = tmp_path / "out.png", tmp_path / "log.json"
    status = main(argv(images, approx_weights_path, out, "--log-json", str(log), "--checkpoint-every", "1",
                       *[flag.format(**images) for flag in extra]))
    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith("legacy-nst: error: "), lines
    assert all(part in lines[0] for part in parts), lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # no output, log or checkpoint folder


def run_logged(images, weights, tmp_path, name, *extra):
    out, log = tmp_path / f"{name}.png", tmp_path / f"{name}.json"
    status = main(argv(images, weights, out, "--log-json", str(log), "--style-mask", images["left"],
                       "--style-mask", images["right"], *extra))
    assert status == 0
    return np.asarray(Image.open(out)), json.loads(log.read_text())


@pytest.mark.slow
def test_masks_run_end_to_end_and_a_tiled_run_equals_the_untiled_one(images, approx_weights_path, tmp_path):
    """Two styles split left/right on the graph engine, then in 32-px cores (2 tiles, the guides cut with them):
    the same losses at every step within 1e-5."""
    layers = ["--style-layers", "conv1_1:1,conv2_1:1,conv3_1:1", "--content-layers", "conv3_2"]  # a halo < 32 px
    untiled, untiled_log = run_logged(images, approx_weights_path, tmp_path, "untiled", *layers, "--tile", "off")
    tiled, tiled_log = run_logged(images, approx_weights_path, tmp_path, "tiled", *layers, "--tile", "32")
    assert untiled.shape == (HEIGHT, WIDTH, 3)
    assert untiled_log["config"]["style_mask"] == [images["left"], images["right"]]
    assert tiled_log["plan"][0]["tile"] and not untiled_log["plan"][0]["tile"]
    for want, got in zip(untiled_log["iterations"], tiled_log["iterations"], strict=True):
        for name in ("total", "content", "style"):
            assert got[name] == pytest.approx(want[name], rel=1e-5), (want["iteration"], name)
    assert np.abs(tiled.astype(int) - untiled).max() <= 1  # the same image, to rounding


def test_a_sweep_spec_resolves_mask_paths_from_its_folder(images, tmp_path):
    folder = tmp_path / "in"
    (folder / "spec.toml").write_text(
        '[base]\ncontent = "content.png"\nstyle = ["stripes.png", "dots.png"]\nstyle_mask = ["left.png", "right.png"]\n'
        '[axes]\nstyle_region_mask = [["left.png", "left.png"], ["right.png", "right.png"]]\n')
    jobs = spec.load(folder / "spec.toml").jobs
    assert len(jobs) == 2
    assert jobs[0].config.style_mask == (images["left"], images["right"])
    assert [job.config.style_region_mask for job in jobs] == [(images["left"],) * 2, (images["right"],) * 2]
