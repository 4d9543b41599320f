"""Real processes stopped with SIGINT, SIGTERM and SIGKILL, then resumed.

Each run is 32x32 with far more iterations than it will do, a checkpoint every
5 steps and a log line every step (stderr is a pipe, so plain lines). The
signal is sent once a checkpoint exists; timeouts keep a hang from stalling CI.
"""
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from legacy_nst.cli.main import main
from legacy_nst.record.checkpoints import STATE_JSON, load_state, temporary_files

pytestmark = pytest.mark.slow  # real processes stopped by signals, each importing TensorFlow

REPO = Path(__file__).resolve().parents[2]
EVERY = 5
MEAN = np.array([123.68, 116.779, 103.939])


def start(tmp_path, content_path, style_path, approx_weights_path, *extra):
    stderr = open(tmp_path / "stderr.txt", "w")
    args = [sys.executable, str(REPO / "scripts" / "legacy-nst"), "--content", content_path, "--style", style_path,
            "--weights", approx_weights_path, "--width", "32", "--height", "32", "--iterations", "100000",
            "--seed", "0", "--output", tmp_path / "out.png", "--checkpoint-every", str(EVERY),
            "--checkpoint-dir", tmp_path / "ck", "--print-every", "1", *extra]
    # Python leaves SIGINT ignored if its parent ignored it (a CI job in the background): restore it.
    process = subprocess.Popen(list(map(str, args)), stdout=subprocess.DEVNULL, stderr=stderr,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    stderr.close()
    return process


def wait_for_checkpoint(process, tmp_path, timeout=240, name=STATE_JSON):
    """Until `name` appears in the checkpoint directory (default: the resumable state)."""
    deadline = time.monotonic() + timeout
    while not (tmp_path / "ck" / name).exists():
        if process.poll() is not None:
            pytest.fail(f"exited {process.returncode} before a checkpoint: {(tmp_path / 'stderr.txt').read_text()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("no checkpoint within the timeout")
        time.sleep(0.05)


def stop(process, signum, timeout=120):
    process.send_signal(signum)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"still running {timeout} s after {signal.Signals(signum).name}")


def logged_iterations(tmp_path):
    return [int(n) for n in re.findall(r"^iteration (\d+)/", (tmp_path / "stderr.txt").read_text(), re.M)]


def network_to_pixels(x):
    return np.clip(np.rint(x[0] + MEAN), 0, 255).astype(np.uint8)


def test_sigint_writes_current_and_best_images_log_plot_and_state_then_resumes(
        tmp_path, content_path, style_path, approx_weights_path, capsys):
    process = start(tmp_path, content_path, style_path, approx_weights_path, "--log-json", tmp_path / "log.json",
                    "--plot", tmp_path / "plot.png", "--strip", tmp_path / "strip.png")
    wait_for_checkpoint(process, tmp_path)
    assert stop(process, signal.SIGINT) == 130
    err = (tmp_path / "stderr.txt").read_text().strip().splitlines()
    found = re.fullmatch(r"legacy-nst: stopped by SIGINT after (\d+) of 100000 steps; wrote (.*); "
                         r"continue with: legacy-nst --resume (.*)", err[-1])
    assert found, err[-1]
    steps = int(found.group(1))
    assert found.group(3) == str(tmp_path / "ck") and "Traceback" not in "\n".join(err)
    for name in ("out.png", "out.best.png", "log.json", "plot.png", "strip.png"):
        assert str(tmp_path / name) in found.group(2)
        assert (tmp_path / name).stat().st_size > 0, name

    state = load_state(tmp_path / "ck")
    assert state.steps == steps and state.meta["status"] == "interrupted"
    # The output is the image after `steps` steps, the very one the state resumes from.
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out.png")), network_to_pixels(state.variables["input"]))
    log = json.loads((tmp_path / "log.json").read_text())
    assert log["status"] == f"interrupted by SIGINT after {steps} steps"
    assert [e["iteration"] for e in log["iterations"]] == list(range(steps))
    best = min(log["iterations"], key=lambda e: e["total"])
    assert log["best"] == {"iteration": best["iteration"], "total": best["total"]}
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out.best.png")),
                                  network_to_pixels(state.best_image))

    assert main(["--resume", str(tmp_path / "ck"), "--iterations", str(steps + 3), "--quiet"]) == 0
    log = json.loads((tmp_path / "log.json").read_text())
    assert log["status"] == "completed" and [e["iteration"] for e in log["iterations"]] == list(range(steps + 4))
    totals = [e["total"] for e in log["iterations"]]
    assert totals[-1] < totals[steps - 1], "the resumed steps go on lowering the loss"


def test_sigterm_stops_with_143(tmp_path, content_path, style_path, approx_weights_path):
    process = start(tmp_path, content_path, style_path, approx_weights_path)
    wait_for_checkpoint(process, tmp_path)
    assert stop(process, signal.SIGTERM) == 143
    last = (tmp_path / "stderr.txt").read_text().strip().splitlines()[-1]
    assert last.startswith("legacy-nst: stopped by SIGTERM after ")
    assert (tmp_path / "out.png").exists() and (tmp_path / "out.best.png").exists()
    assert load_state(tmp_path / "ck").meta["status"] == "interrupted"


def test_sigkill_loses_at_most_one_checkpoint_interval(tmp_path, content_path, style_path, approx_weights_path,
                                                      capsys):
    process = start(tmp_path, content_path, style_path, approx_weights_path)
    wait_for_checkpoint(process, tmp_path)
    time.sleep(np.random.RandomState().uniform(0.0, 1.0))  # any moment, a checkpoint write included
    assert stop(process, signal.SIGKILL) == -signal.SIGKILL
    seen = max(logged_iterations(tmp_path))
    state = load_state(tmp_path / "ck")  # also clears a write the kill cut short
    assert state.steps % EVERY == 0 and seen - state.steps < EVERY, (seen, state.steps)
    assert [e["iteration"] for e in state.history] == list(range(state.steps))
    assert temporary_files(tmp_path / "ck") == []
    assert not (tmp_path / "out.png").exists(), "kill -9 leaves no output; the state is what survives"

    target = state.steps + 2
    assert main(["--resume", str(tmp_path / "ck"), "--iterations", str(target), "--quiet"]) == 0
    assert Image.open(tmp_path / "out.png").size == (32, 32)
    assert [e["iteration"] for e in load_state(tmp_path / "ck").history] == list(range(target + 1))


def test_sigterm_stops_an_eager_backend_run_cleanly(tmp_path, content_path, style_path, approx_weights_path):
    """The eager loops see the stop request too; they keep no optimizer state, so no --resume hint."""
    process = start(tmp_path, content_path, style_path, approx_weights_path, "--backend", "eager")
    wait_for_checkpoint(process, tmp_path, name=f"{EVERY:05d}.png")  # images only: no resumable state here
    assert stop(process, signal.SIGTERM) == 128 + signal.SIGTERM
    last = (tmp_path / "stderr.txt").read_text().strip().splitlines()[-1]
    assert "stopped by SIGTERM" in last and "--resume" not in last, last
    steps = int(re.search(r"after (\d+) of", last).group(1))
    assert steps >= EVERY
    assert Image.open(tmp_path / "out.png").size == (32, 32)
    assert not temporary_files(tmp_path)


def test_sigterm_stops_a_multiscale_run_cleanly(tmp_path, content_path, style_path, approx_weights_path):
    """Every --multiscale level sees the stop request (no resumable state is kept across levels)."""
    process = start(tmp_path, content_path, style_path, approx_weights_path, "--multiscale", "0.5")
    wait_for_checkpoint(process, tmp_path, name=f"{EVERY:05d}.png")  # images only: no resumable state here
    assert stop(process, signal.SIGTERM) == 128 + signal.SIGTERM
    last = (tmp_path / "stderr.txt").read_text().strip().splitlines()[-1]
    assert "stopped by SIGTERM" in last, last
    assert (tmp_path / "out.png").exists() and not temporary_files(tmp_path)


def test_sigint_stops_a_scipy_lbfgs_run_in_its_thread_and_it_resumes(tmp_path, content_path, style_path,
                                                                      approx_weights_path):
    """scipy's L-BFGS-B runs in a thread that hands each iteration over (optim.lbfgs.scipy_iterates): Ctrl-C
    still stops the run after the current iteration with 130, writing the image the saved state resumes from."""
    process = start(tmp_path, content_path, style_path, approx_weights_path, "--optimizer", "lbfgs",
                    "--lbfgs-implementation", "scipy", "--init", "content")
    wait_for_checkpoint(process, tmp_path)
    assert stop(process, signal.SIGINT) == 130
    err = (tmp_path / "stderr.txt").read_text()
    last = err.strip().splitlines()[-1]
    found = re.fullmatch(r"legacy-nst: stopped by SIGINT after (\d+) of 100000 steps; wrote .*; continue with: "
                         r"legacy-nst --resume .*", last)
    assert found and "Traceback" not in err, last
    state = load_state(tmp_path / "ck")
    assert state.steps == int(found.group(1)) and state.meta["status"] == "interrupted"
    assert sorted(state.variables) == ["input"]  # L-BFGS resumes from the image, with an empty history
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out.png")), network_to_pixels(state.variables["input"]))
    assert main(["--resume", str(tmp_path / "ck"), "--iterations", str(state.steps + 2), "--quiet"]) == 0
    assert [e["iteration"] for e in load_state(tmp_path / "ck").history] == list(range(state.steps + 3))
