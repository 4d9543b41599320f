"""record.files: what the file-writing run records and tells the user."""
import json

import pytest

from legacy_nst.cli.main import main
from legacy_nst.config import Config
from legacy_nst.record.files import run_to_files
from messages import assert_says


class Notes:
    """A stand-in for cli.progress.Progress that keeps what it is told."""

    def __init__(self):
        self.lines, self.cost = [], None

    def note(self, text):
        self.lines.append(text)

    def update(self, iteration, losses):
        pass

    def close(self):
        pass


@pytest.mark.slow
def test_lbfgs_restarts_are_counted_in_the_log_and_on_the_console(tmp_path, vgg, approx_weights_path, content_path,
                                                                  style_path):
    config = Config.from_options(preset="jcjohnson", image_size=32, iterations=30, seed=0,
                                 weights=str(approx_weights_path))
    notes = Notes()
    result = run_to_files(str(content_path), str(style_path), tmp_path / "out.png", config,
                          log_json=tmp_path / "run.json", progress=notes, vgg=vgg)
    log = json.loads((tmp_path / "run.json").read_text())
    assert result.restarts >= 1 and log["lbfgs_restarts"] == result.restarts
    assert log["iterations"][-1]["iteration"] == 30 and "stopped_early" not in log
    assert log["plan"][0]["lbfgs_restart"] is True
    assert any(line.startswith("plan: 32x24, 30 steps, float32 lbfgs (scipy, restarts)") for line in notes.lines)
    assert any(f"restarted {result.restarts} time" in line and "reaching iteration 30" in line for line in notes.lines)


# -- inputs are never overwritten -----------------------------------------------------------------------------------

def photo_folder(tmp_path, content_path, style_path):
    """content.png and style.png (32 px copies of the shared pair) in a folder of the test's own."""
    from PIL import Image

    for name, source in (("content.png", content_path), ("style.png", style_path)):
        Image.open(source).convert("RGB").resize((32, 32)).save(tmp_path / name)
    return tmp_path


def digests(folder):
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("extra,clash", [
    (["--output", "content.png"], "--output {d}/content.png is the --content file"),
    (["--output", "./sub/../style.png"], "--output {d}/sub/../style.png is the --style file"),
    (["--output", "o.png", "--log-json", "content.png"], "--log-json {d}/content.png is the --content file"),
    (["--output", "o.png", "--plot", "style.png"], "--plot {d}/style.png is the --style file"),
    (["--output", "o.png", "--strip", "content.png", "--checkpoint-every", "1"],
     "--strip {d}/content.png is the --content file"),
    (["--output", "o.png", "--init", "init.png", "--log-json", "init.png"], "--log-json {d}/init.png is the --init file"),
    (["--output", "o.png", "--log-json", "weights.mat"], "--log-json {d}/weights.mat is the --weights file"),
    (["--output", "o.png", "--init", "o.best.png"], "the lowest-loss image {d}/o.best.png (written on Ctrl-C and by a "
                                                    "resumed run) is the --init file"),
    (["--output", "o.png", "--checkpoint-dir", ".", "--checkpoint-every", "1", "--init", "00001.png"],
     "the checkpoint file {d}/00001.png is the --init file"),
    (["--output", "link.png"], "--output {d}/link.png is the --content file"),
])
def test_a_file_the_run_writes_is_never_one_of_its_inputs(tmp_path, content_path, style_path, approx_weights_path,
                                                          capsys, monkeypatch, extra, clash):
    """Issue 23: --content photo.png --output photo.png exited 0 and replaced the photograph."""
    import shutil

    folder = photo_folder(tmp_path, content_path, style_path)
    (folder / "sub").mkdir()
    shutil.copy(folder / "content.png", folder / "init.png")
    shutil.copy(folder / "content.png", folder / "o.best.png")
    shutil.copy(folder / "content.png", folder / "00001.png")
    (folder / "weights.mat").symlink_to(approx_weights_path)
    (folder / "link.png").symlink_to(folder / "content.png")
    monkeypatch.chdir(folder)
    before = digests(folder)
    status = main(["--content", "content.png", "--style", "style.png", "--weights", "weights.mat", "--width", "32",
                   "--height", "32", "--iterations", "2", "--quiet", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1, err
    assert clash.format(d=folder) in err[0] and "would replace it; " in err[0], err
    assert digests(folder) == before, "nothing written, nothing replaced"


def test_an_intermediate_image_is_never_one_of_the_inputs(tmp_path, content_path, style_path, approx_weights_path,
                                                          capsys, monkeypatch):
    folder = photo_folder(tmp_path, content_path, style_path)
    (folder / "ck_2.png").write_bytes((folder / "content.png").read_bytes())
    monkeypatch.chdir(folder)
    before = digests(folder)
    status = main(["anishathalye", "--content", "ck_2.png", "--styles", "style.png", "--output", "o.png",
                   "--network", str(approx_weights_path), "--width", "32", "--iterations", "3",
                   "--checkpoint-output", "ck_{}.png", "--checkpoint-iterations", "2"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1, err
    assert_says(err[0], f"{folder}/ck_2.png", "iteration 2", "--content", "name the intermediate images differently")
    assert digests(folder) == before


@pytest.mark.parametrize("output", ["", ".", "/"])
def test_an_output_without_a_file_name_is_one_line(tmp_path, output, capsys, monkeypatch, approx_weights_path):
    """Found by bench/fuzz.py: --output '' raised ValueError from pathlib (PosixPath('.') has an empty name)."""
    monkeypatch.chdir(tmp_path)
    assert main(["--content", "c.png", "--style", "s.png", "--output", output, "--weights", str(approx_weights_path),
                 "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("legacy-nst: error: --output") and "give a file name" in err[0], err


def test_intermediate_images_past_the_checked_iterations_never_replace_an_input(tmp_path, monkeypatch):
    """The check before the run looks at the first INTERMEDIATE_CHECKED iterations (a peer's -num_iterations
    1000000000 with -save_iter 1 must not take minutes); later ones are refused as they come."""
    from legacy_nst.errors import NSTError
    from legacy_nst.record import files
    from legacy_nst.record.intermediate import intermediate_path

    photo = tmp_path / "photo.png"
    photo.write_bytes(b"the photograph")
    monkeypatch.setattr(files, "INTERMEDIATE_CHECKED", 3)
    paths = files.RunPaths.of(tmp_path / "o.png", Config(iterations=10 ** 9))
    name = lambda t: str(photo) if t == 7 else str(tmp_path / f"i{t}.png")  # noqa: E731
    paths.check(Config(iterations=10 ** 9), [("--content", photo)], name)  # quick: only 4 iterations looked at
    assert intermediate_path(name, 6, [("--content", photo)]) == str(tmp_path / "i6.png")
    with pytest.raises(NSTError) as refused:
        intermediate_path(name, 7, [("--content", photo)])
    assert_says(refused.value, "photo.png", "iteration 7", "--content", "name the intermediate images differently")
    assert photo.read_bytes() == b"the photograph"


@pytest.mark.parametrize("argv", [["--content", "c.png", "--output", "o.png", "--style", ""],
                                  ["--content", "c.png", "--output", "o.png", "--style", ",,"],
                                  ["jcjohnson", "-content_image", "c.png", "-output_image", "o.png", "-style_image", ""]])
def test_a_style_option_naming_no_image_is_one_line(tmp_path, argv, capsys, monkeypatch, approx_weights_path):
    """Found by bench/fuzz.py: --style '' left no style path and an IndexError traceback in cli.stylize."""
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    Image.new("RGB", (32, 32)).save(tmp_path / "c.png")
    weights = ["-model_file" if argv[0] == "jcjohnson" else "--weights", str(approx_weights_path)]
    assert main([*argv, *weights]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no style image given" in err[0], err


def test_the_progress_lines_show_the_weighted_terms_that_add_up_to_the_logged_total(tmp_path, vgg, approx_weights_path,
                                                                                      content_path, style_path):
    """issue 30: 'total T = β·content C + α·style S + tv V', each term times its weight (--beta, --alpha,
    --tv-weight), so the line can be checked by hand; T is the log's total."""
    import io
    import re

    from legacy_nst.cli.progress import Progress

    config = Config.from_options(width=32, height=24, iterations=2, seed=0, beta=3.0, alpha=50.0, tv_weight=1e-2,
                                 weights=str(approx_weights_path))
    stream = io.StringIO()
    run_to_files(str(content_path), str(style_path), tmp_path / "out.png", config, log_json=tmp_path / "run.json",
                 progress=Progress(2, print_every=1, stream=stream, forecast=False), vgg=vgg)
    lines = re.findall(r"^iteration (\d+)/2: total (\S+) = β·content (\S+) \+ α·style (\S+) \+ tv ([^,\s]+)",
                       stream.getvalue(), re.M)
    logged = json.loads((tmp_path / "run.json").read_text())["iterations"]
    assert [int(line[0]) for line in lines] == [0, 1, 2]
    for (iteration, total, content, style, tv), entry in zip(lines, logged):
        assert float(total) == pytest.approx(entry["total"], rel=1e-3)
        assert float(content) + float(style) + float(tv) == pytest.approx(entry["total"], rel=1e-3)
        assert float(tv) == pytest.approx(1e-2 * entry["tv"], rel=1e-3)
