"""The `legacy-nst` command end to end: outputs, --log-json, and every bad input."""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from legacy_nst.cli.main import main

REPO = Path(__file__).resolve().parents[2]


def command(*args):
    return [sys.executable, str(REPO / "scripts" / "legacy-nst"), *map(str, args)]


@pytest.fixture
def small_args(content_path, style_path, approx_weights_path):
    return ["--content", content_path, "--style", style_path, "--weights", approx_weights_path,
            "--width", 48, "--iterations", 3]


@pytest.mark.slow
def test_end_to_end_with_log_json(tmp_path, small_args, approx_weights_path):
    out, log = tmp_path / "result.png", tmp_path / "run.json"
    done = subprocess.run(command(*small_args, "--output", out, "--log-json", log, "--seed", 1,
                                  "--checkpoint-every", 2, "--checkpoint-dir", tmp_path / "ck"),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "oneDNN" not in done.stderr
    from PIL import Image

    assert Image.open(out).size == (48, 36)  # 48 wide, 1024x768 content's aspect ratio
    # Images every 2 steps from step 0; the resumable state of the finished run and the one before it
    # (see tests/record/test_checkpoints.py).
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == ["00000.png", "00002.png", "state-00002.npz",
                                                                   "state-00003.npz", "state.json",
                                                                   "state.previous.json"]
    data = json.loads(log.read_text())
    assert set(data) == {"config", "versions", "weights_sha256", "s_per_iter", "status", "best", "iterations", "plan"}
    assert data["status"] == "completed"
    (level,) = data["plan"]  # run.plan's one level, as the run printed it
    assert (level["width"], level["height"], level["steps"], level["optimizer"], level["tile"]) == (48, 36, 3, "adam",
                                                                                                  None)
    lowest = min(data["iterations"], key=lambda e: e["total"])
    assert data["best"] == {"iteration": lowest["iteration"], "total": lowest["total"]}
    assert data["weights_sha256"] == hashlib.sha256(Path(approx_weights_path).read_bytes()).hexdigest()
    assert data["config"]["iterations"] == 3 and data["config"]["seed"] == 1
    assert data["config"]["width"] == 48 and data["config"]["height"] == 36
    assert data["config"]["optimizer"] == "adam" and data["config"]["learning_rate"] == 2.0
    assert {"tensorflow", "numpy", "scipy", "pillow", "python"} <= set(data["versions"])
    assert [e["iteration"] for e in data["iterations"]] == [0, 1, 2, 3]
    for entry in data["iterations"]:
        assert entry["total"] == pytest.approx(5.0 * entry["content"] + 100.0 * entry["style"], rel=1e-5)
    assert data["iterations"][-1]["total"] < data["iterations"][0]["total"]
    assert isinstance(data["s_per_iter"], float) and 0 < data["s_per_iter"] < 60
    assert not list(tmp_path.glob(".*part"))


def test_help_lists_every_contract_option(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--content", "--style", "--output", "--width", "--height", "--iterations", "--optimizer",
                 "--learning-rate", "--alpha", "--beta", "--init", "--noise-ratio", "--seed", "--pooling",
                 "--kernel-layout", "--content-layers", "--style-layers", "--weights", "--checkpoint-every",
                 "--checkpoint-dir", "--log-json"):
        assert flag in out, flag


def corrupt_files(tmp_path, content_path, approx_weights_path):
    html = tmp_path / "page.mat"
    html.write_text("<!DOCTYPE html><html><body>404 Not Found</body></html>")
    truncated = tmp_path / "truncated.mat"
    with open(approx_weights_path, "rb") as src:
        truncated.write_bytes(src.read(5_000_000))
    bad_image = tmp_path / "broken.jpg"
    bad_image.write_bytes(Path(content_path).read_bytes()[:3000])
    return html, truncated, bad_image


BAD_INPUTS = {
    "missing content": (["--content", "{tmp}/nope.jpg"], "nope.jpg"),
    "corrupt content": (["--content", "{bad_image}"], "broken.jpg"),
    "missing style": (["--style", "{tmp}/nostyle.png"], "nostyle.png"),
    "html saved as .mat": (["--weights", "{html}"], "not a MATLAB"),
    "truncated .mat": (["--weights", "{truncated}"], "truncated"),
    "missing weights": (["--weights", "{tmp}/none.mat"], "weights download"),
    "too small": (["--width", "8", "--height", "8"], "at least 16"),
    "absurd size": (["--width", "100000"], "width"),
    "unknown optimizer": (["--optimizer", "newton"], "invalid choice"),
    "unknown layer": (["--style-layers", "conv9_1:1"], "unknown layer"),
    "bad number": (["--iterations", "many"], "invalid int"),
    "diverging (NaN/inf)": (["--optimizer", "sgd", "--learning-rate", "1e30", "--init", "content"], "non-finite"),
    "output dir missing": (["--output", "{tmp}/no/such/dir/out.png"], "does not exist"),
    "unknown output format": (["--output", "{tmp}/out.xyz"], ".xyz"),
    "missing required": (["--content"], "expected one argument"),
}


@pytest.mark.parametrize("case", [pytest.param(case, marks=pytest.mark.slow) if "NaN" in case else case
                                  for case in sorted(BAD_INPUTS)])  # diverging runs the optimisation
def test_bad_input_is_one_line_exit_2_no_output(case, tmp_path, small_args, content_path, approx_weights_path,
                                                capsys):
    html, truncated, bad_image = corrupt_files(tmp_path, content_path, approx_weights_path)
    extra, expected = BAD_INPUTS[case]
    extra = [a.format(tmp=tmp_path, html=html, truncated=truncated, bad_image=bad_image) for a in extra]
    out = tmp_path / "out.png"
    status = main([*map(str, small_args), "--output", str(out), "--log-json", str(tmp_path / "log.json"), "--quiet",
                   *extra])
    err = capsys.readouterr().err
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("legacy-nst: error: "), err
    assert expected in lines[0]
    leftovers = [p.name for p in tmp_path.rglob("*") if p.suffix in (".png", ".json", ".part", ".xyz")]
    # A diverged run keeps its last image with a finite loss, named so it cannot pass for a result.
    assert leftovers == (["out.last-good.png"] if "NaN" in case else []), leftovers


@pytest.mark.slow
def test_bad_input_in_a_real_process_has_no_traceback(tmp_path, small_args):
    done = subprocess.run(command(*small_args, "--output", tmp_path / "o.png", "--content", tmp_path / "x.jpg"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "o.png").exists()


def test_default_weights_come_from_the_environment(tmp_path, small_args, monkeypatch, capsys):
    args = [a for a in map(str, small_args)]
    i = args.index("--weights")
    del args[i:i + 2]
    monkeypatch.setenv("LEGACY_NST_WEIGHTS", str(tmp_path / "from-env.mat"))
    assert main([*args, "--output", str(tmp_path / "o.png")]) == 2
    assert "from-env.mat" in capsys.readouterr().err
    monkeypatch.delenv("LEGACY_NST_WEIGHTS")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEGACY_NST_SHARED", str(tmp_path / "no-shared"))  # nor the approximate weights
    assert main([*args, "--output", str(tmp_path / "o.png")]) == 2
    err = capsys.readouterr().err
    assert os.path.join("weights", "imagenet-vgg-verydeep-19.mat") in err and "weights download" in err


def test_weights_verify_command(approx_weights_path, capsys):
    assert main(["weights", "verify", str(approx_weights_path)]) == 0
    out = capsys.readouterr().out
    assert "68e33bf00fda178dc568f6a93738cd74ab0be2028b9d81752ffc37272baf681a" in out
