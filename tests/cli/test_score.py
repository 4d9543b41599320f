"""`legacy-nst score`: a run's written output scored with the run's options gives the run's logged losses."""
import json

import pytest

from legacy_nst.cli.main import main
from messages import assert_says


@pytest.fixture(scope="module")
def written_run(tmp_path_factory, content_path, style_path, approx_weights_path):
    """A 48 px, 3-step art.py run (noise start, seed 0) with its 8-bit PNG and its --log-json."""
    folder = tmp_path_factory.mktemp("run")
    status = main(["--content", str(content_path), "--style", str(style_path), "--weights", str(approx_weights_path),
                   "--width", "48", "--iterations", "3", "--seed", "0", "--quiet",
                   "--output", str(folder / "out.png"), "--log-json", str(folder / "run.json")])
    assert status == 0
    return folder


@pytest.mark.slow
def test_scoring_the_written_png_gives_the_logged_final_losses(written_run, content_path, style_path,
                                                               approx_weights_path, capsys):
    report = written_run / "score.json"
    status = main(["score", str(content_path), str(style_path), str(written_run / "out.png"),
                   "--weights", str(approx_weights_path), "--width", "48", "--json", str(report)])
    assert status == 0
    last = json.loads((written_run / "run.json").read_text())["iterations"][-1]
    scores = json.loads(report.read_text())
    (image,) = scores["images"]
    assert (scores["width"], scores["height"], image["resized"]) == (48, 36, False)
    for name in ("total", "content", "style"):
        assert image["losses"][name] == pytest.approx(last[name], rel=1e-3), name  # the PNG's 8-bit rounding
    assert [(t["group"], t["layer"]) for t in image["terms"]] == [("content", "conv4_2"), ("style", "conv1_1"),
                                                                  ("style", "conv2_1"), ("style", "conv3_1"),
                                                                  ("style", "conv4_1"), ("style", "conv5_1")]
    assert scores["config"]["content"] == str(content_path) and scores["weights_sha256"]
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("scored at 48x36, normalization artpy, float32; total = 5·content + 100·style")
    assert out[1].split() == ["image", "total", "content", "style", "c:conv4_2", "s:conv1_1", "s:conv2_1",
                              "s:conv3_1", "s:conv4_1", "s:conv5_1"]
    assert out[2].split()[:2] == [str(written_run / "out.png"), f"{image['losses']['total']:.4g}"]
    assert not list(written_run.glob(".*tmp"))


@pytest.mark.slow
def test_the_painting_is_resized_and_marked(content_path, style_path, approx_weights_path, capsys):
    status = main(["score", str(content_path), str(style_path), str(style_path), "--weights", str(approx_weights_path),
                   "--preset", "jcjohnson", "--size", "32"])
    assert status == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("scored at 32x24, normalization jcjohnson") and "0.001·tv" in out[0]
    assert out[2].startswith(f"{style_path} *")
    assert out[-1] == f"* resized to 32x24 (bicubic): {style_path} from 1024x640"


@pytest.mark.parametrize("options, message", [
    (["--normalization", "l2"], ("--normalization", "'l2'", "invalid choice", "choose from")),
    (["--size", "0"], ("--image-size", "got 0", "whole number")),
    (["--size", "8"], ("8x6", "too small", "at least 16")),
    (["--size", "big"], ("--size", "'big'", "int")),
    (["--width", "32", "missing.png"], ("missing.png", "no such file", "check the path")),
], ids=["unknown-normalization", "size-0", "size-too-small", "size-not-a-number", "missing-image"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, content_path, style_path, approx_weights_path, capsys, options,
                                          message):
    report = tmp_path / "score.json"
    args = ["score", str(content_path), str(style_path), str(content_path), "--weights", str(approx_weights_path),
            "--json", str(report), *options]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("legacy-nst: error: "), err
    assert_says(err, *message)
    assert not report.exists()
