"""Issue 31's probes of the file-writing run (record.files), each as a user found it: a device, FIFO or socket
at an output path, read-only folders, a disk that fills at the end, two runs in one checkpoint folder, a saved
state replaced without --resume, and `--checkpoint-dir .` in a folder of the user's files.

Every refusal must be one line, exit 2, before the weights are loaded, with nothing replaced. The permission
probes run as a normal user would see them: root's overrides are dropped with read-only mounts (or the test is
skipped, saying why, where this machine cannot mount).
"""
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import special_files
from legacy_nst.cli.main import main
from legacy_nst.run import prepare
from messages import assert_says

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path, content_path, style_path, approx_weights_path, monkeypatch):
    """A working folder with content.png and style.png (32 px) and weights.mat (a link); the current folder."""
    for name, source in (("content.png", content_path), ("style.png", style_path)):
        Image.open(source).convert("RGB").resize((32, 32)).save(tmp_path / name)
    (tmp_path / "weights.mat").symlink_to(approx_weights_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def weights_loads(monkeypatch):
    """The times the run loaded its weights: a refusal before the work leaves it at 0."""
    loads = []
    real = prepare.load_vgg19

    def load(path):
        loads.append(path)
        return real(path)
    monkeypatch.setattr(prepare, "load_vgg19", load)
    return loads


def run(capsys, *extra, iterations=1):
    """`legacy-nst` on the folder's images in this process: (status, stderr lines)."""
    status = main(["--content", "content.png", "--style", "style.png", "--weights", "weights.mat", "--width", "16",
                   "--height", "16", "--iterations", str(iterations), "--seed", "0", "--quiet", *map(str, extra)])
    return status, capsys.readouterr().err.strip().splitlines()


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


OUTPUTS = {"--output": ["--output", "out.png"], "--log-json": ["--output", "o.png", "--log-json", "out.json"],
           "--plot": ["--output", "o.png", "--plot", "out.svg"],
           "--strip": ["--output", "o.png", "--strip", "out.png", "--checkpoint-every", "1"]}


@pytest.mark.parametrize("kind", ["device", "fifo", "socket"])
@pytest.mark.parametrize("option", sorted(OUTPUTS))
def test_a_special_file_at_an_output_path_is_refused_before_the_work_and_stays(folder, capsys, weights_loads,
                                                                               option, kind):
    """Issue 31: --log-json full.json where full.json is `mknod c 1 7` (or a FIFO) exited 0 and the node was gone;
    as root, --log-json /dev/full replaced the system's /dev/full with JSON."""
    argv = OUTPUTS[option]
    target = folder / argv[argv.index(option) + 1]
    special_files.make(target, kind)
    with special_files.unblocked([target] if kind == "fifo" else []) as watch:
        status, err = run(capsys, *argv)
    assert not watch.blocked
    assert status == 2 and len(err) == 1, err
    assert err[0].startswith("legacy-nst: error: "), err
    assert_says(err[0], f"{option} {target}", {"device": "character device", "fifo": "FIFO", "socket": "socket"}[kind], "will not replace it",
                f"give another {option}")
    assert special_files.describe(target) == kind, "never replaced"
    assert weights_loads == [], "refused before the weights are loaded"


@pytest.mark.parametrize("option", ["--output", "--log-json", "--plot", "--strip", "--checkpoint-dir"])
def test_a_read_only_folder_is_refused_before_the_work(folder, capsys, weights_loads, option):
    """Issue 31: from a read-only folder --log-json, --plot and --strip ended with `OSError: [Errno 30] Read-only
    file system: './.r.json.79ff5f34.tmp'` after the whole run; a read-only output folder threw the image away; a
    checkpoint folder inside an unwritable one was an OSError at `self.directory.mkdir`."""
    (folder / "ro").mkdir()
    argv = {"--output": ["--output", "ro/out.png"], "--log-json": ["--output", "o.png", "--log-json", "ro/r.json"],
            "--plot": ["--output", "o.png", "--plot", "ro/p.png"],
            "--strip": ["--output", "o.png", "--strip", "ro/s.png", "--checkpoint-every", "1"],
            "--checkpoint-dir": ["--output", "o.png", "--checkpoint-dir", "ro/ck", "--checkpoint-every", "1"]}[option]
    with special_files.read_only(folder / "ro"):
        status, err = run(capsys, *argv)
    assert status == 2 and len(err) == 1, err
    assert_says(err[0], f"{option} ", "ro", "cannot write in ", "make it writable")
    assert ".tmp" not in err[0] and ("Read-only" in err[0] or "ermission" in err[0]), err
    assert weights_loads == [], "refused before the weights are loaded"
    assert os.listdir(folder / "ro") == []


@pytest.mark.slow
def test_a_disk_that_fills_at_the_end_keeps_the_state_and_says_how_to_write_the_image_elsewhere(folder, capsys):
    """Issue 31: a write that fails at the end named the hidden temp file and did not say how to recover."""
    straight, err = run(capsys, "--output", "straight.png", "--iterations", 2)
    assert straight == 0, err
    (folder / "small").mkdir()
    with special_files.small_disk(folder / "small", 64):
        special_files.fill(folder / "small", 200)  # the check's empty file fits, the image does not
        status, err = run(capsys, "--output", "small/out.png", "--checkpoint-every", "1", "--checkpoint-dir", "ck",
                          iterations=2)
        assert status == 2 and len(err) == 1, err
        assert_says(err[0], "small/out.png", "no space left", "--resume ck --output elsewhere.png")
        assert ".tmp" not in err[0], err
        assert json.loads((folder / "ck" / "state.json").read_text())["steps"] == 2
    assert main(["--resume", "ck", "--output", "elsewhere.png", "--quiet"]) == 0, capsys.readouterr().err
    np.testing.assert_array_equal(np.asarray(Image.open("elsewhere.png")), np.asarray(Image.open("straight.png")))


@pytest.mark.slow
def test_a_disk_that_fills_at_the_end_of_a_run_without_state_keeps_the_image_in_a_temporary_file(folder, capsys):
    (folder / "small").mkdir()
    with special_files.small_disk(folder / "small", 64):
        special_files.fill(folder / "small", 200)
        status, err = run(capsys, "--output", "small/out.png", "--checkpoint-dir", "ck")  # where a Ctrl-C would save
    assert status == 2 and len(err) == 1, err
    kept = Path(err[0].split("the image is in ")[1].split(" instead")[0])
    try:
        assert Image.open(kept).size == (16, 16)
    finally:
        kept.unlink()


@pytest.mark.slow
@pytest.mark.parametrize("option", ["--log-json", "--plot"])
def test_a_log_or_plot_that_cannot_be_written_at_the_end_is_one_line_naming_it(folder, capsys, option):
    """Issue 31: --log-json, --plot and --strip on a full disk ended in an OSError traceback after the run."""
    (folder / "small").mkdir()
    name = {"--log-json": "small/r.json", "--plot": "small/p.png"}[option]
    with special_files.small_disk(folder / "small", 64):
        special_files.fill(folder / "small", 200)
        status, err = run(capsys, "--output", "out.png", option, name)
    assert status == 2 and len(err) == 1, err
    assert_says(err[0], name, "No space left on device", "the image is in out.png")
    assert Image.open("out.png").size == (16, 16)


def holder_run(folder, steps):
    """A second process running `legacy-nst` with --checkpoint-dir ck in `folder`, saving every step."""
    return subprocess.Popen(
        [sys.executable, "-m", "legacy_nst.cli", "--content", "content.png", "--style", "style.png", "--weights",
         "weights.mat", "--width", "16", "--height", "16", "--iterations", str(steps), "--output", "first.png",
         "--checkpoint-dir", "ck", "--checkpoint-every", "1", "--quiet"], cwd=folder,
        env={**os.environ, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


@pytest.mark.slow
@pytest.mark.parametrize("resume", [False, True])
def test_a_second_run_in_a_checkpoint_folder_in_use_is_refused_naming_the_first(folder, capsys, weights_loads,
                                                                                resume):
    """Issue 31: two runs with one --checkpoint-dir both exited 0, their checkpoint images alternating."""
    first = holder_run(folder, 100000)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and not (folder / "ck" / "state.json").exists():
            assert first.poll() is None, first.stderr.read()
            time.sleep(0.1)
        if resume:
            status = main(["--resume", "ck", "--output", "second.png", "--quiet"])
            err = capsys.readouterr().err.strip().splitlines()
        else:
            status, err = run(capsys, "--output", "second.png", "--checkpoint-dir", "ck", "--checkpoint-every", "1")
    finally:
        first.send_signal(signal.SIGINT)
        _, first_err = first.communicate(timeout=120)
    assert first.returncode == 130, first_err  # the first run was not disturbed: it stopped when told, and saved
    assert status == 2 and len(err) == 1, err
    assert_says(err[0], "--checkpoint-dir ck", "another run", f"pid {first.pid}")
    assert weights_loads == [] and not (folder / "second.png").exists()


@pytest.mark.slow
def test_a_saved_state_is_not_replaced_without_resume_or_overwrite(folder, capsys, weights_loads):
    """Issue 31: the same command with --iterations 3 and no --resume exited 0 over a saved step-45 state."""
    argv = ["--output", "out.png", "--checkpoint-every", "1", "--checkpoint-dir", "ck"]
    assert run(capsys, *argv, iterations=4)[0] == 0
    saved = digest(folder / "ck" / "state.json")
    weights_loads.clear()
    status, err = run(capsys, *argv, iterations=3)
    assert status == 2 and len(err) == 1, err
    assert_says(err[0], "--checkpoint-dir ck", "saved run (step 4)", "--resume ck", "--overwrite")
    assert digest(folder / "ck" / "state.json") == saved and weights_loads == []
    status, err = run(capsys, *argv, "--overwrite", iterations=3)
    assert status == 0, err
    assert json.loads((folder / "ck" / "state.json").read_text())["steps"] == 3
    assert sorted(p.name for p in (folder / "ck").glob("state-*.npz")) == ["state-00002.npz", "state-00003.npz"]


@pytest.mark.parametrize("name", ["00000.png", "state-00002.npz"])
def test_a_checkpoint_folder_of_the_users_files_keeps_their_images(folder, capsys, weights_loads, name):
    """Issue 31: `--checkpoint-dir .` overwrote a user's 00000.png (and would replace a state-00002.npz)."""
    Image.new("RGB", (8, 8), "red").save(folder / name, format="PNG")
    before = digest(folder / name)
    status, err = run(capsys, "--output", "out.png", "--checkpoint-dir", ".", "--checkpoint-every", "1",
                      iterations=3)
    assert status == 2 and len(err) == 1, err
    assert_says(err[0], "--checkpoint-dir .", name, "would replace it", "move it away")
    assert digest(folder / name) == before and weights_loads == []


@pytest.mark.slow
def test_a_checkpoint_folder_of_the_users_files_keeps_their_state_files(folder, capsys):
    """Issue 31: `--checkpoint-dir .` deleted an unrelated state-99999.npz."""
    (folder / "state-99999.npz").write_bytes(b"the user's own file")
    status, err = run(capsys, "--output", "out.png", "--checkpoint-dir", ".", "--checkpoint-every", "1",
                      iterations=3)
    assert status == 0, err
    assert (folder / "state-99999.npz").read_bytes() == b"the user's own file"
    assert sorted(p.name for p in folder.glob("state-*.npz")) == ["state-00002.npz", "state-00003.npz",
                                                                  "state-99999.npz"]
    assert not (folder / "run.lock").exists(), "the lock is released"


@pytest.mark.slow
def test_a_run_without_checkpoints_is_refused_too_when_its_folder_holds_a_saved_run(folder, capsys, weights_loads):
    """Ctrl-C saves a run's state even without --checkpoint-every: it would replace the saved one without a word."""
    assert run(capsys, "--output", "out.png", "--checkpoint-every", "1", iterations=2)[0] == 0
    saved = digest(folder / "out-checkpoints" / "state.json")
    weights_loads.clear()
    status, err = run(capsys, "--output", "out.png", iterations=2)
    assert status == 2 and len(err) == 1, err
    assert_says(err[0], "--checkpoint-dir out-checkpoints", "saved run (step 2)", "--resume out-checkpoints",
                "--overwrite")
    assert digest(folder / "out-checkpoints" / "state.json") == saved and weights_loads == []
