"""Tiles on Ray workers (--workers, --ray-address) equal the in-process tiled run, survive a killed worker,
stop and resume, and refuse what cannot run in one line.

One local Ray instance for the module (2 CPUs, 127.0.0.1, shut down after); 2 workers of 1 CPU each. At
288x96 with --tile 96 (3 tiles in a row, the smallest core the halo allows: one tile more than workers, so
tiles are in flight on both when one comes back), not the in-process exactness test's 512x384 at 128: the
Ray tests were the suite's slowest (25-62 s each at 256x192, 6 tiles).
"""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from legacy_nst.cli.main import main
from legacy_nst.config import Config
from legacy_nst.cluster import TileWorkers, loopback_only
from legacy_nst.engines.tiled import TiledEngine
from legacy_nst.engines.ray_tiled import RayTiledEngine
from legacy_nst.io.images import read_image, resize, to_network
from messages import assert_says
from problems import make_problem
from ray_processes import workers_of_this_process

pytestmark = pytest.mark.slow  # a local Ray instance and runs on its workers (30-80 s each)

REPO = Path(__file__).resolve().parents[2]
SIZE = (96, 288)  # height, width: the conftest `run` fixture's size
TILE = "96"
LOSSES = ("total", "content", "style")


@pytest.fixture(scope="module")
def ray_instance():
    """A local Ray instance with 2 CPUs, bound to 127.0.0.1 only; its GCS address."""
    import ray  # only these tests need it

    loopback_only(ray)
    context = ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 2**20)
    try:
        assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}
        yield context.address_info["gcs_address"]
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def in_process(run):
    """The in-process tiled runs the worker runs must equal, by optimizer (made once each)."""
    made = {}

    def reference(optimizer):
        if optimizer not in made:
            made[optimizer] = run(tile=TILE, init="content", iterations=2, optimizer=optimizer)
        return made[optimizer]
    return reference


def relative_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def assert_same_losses(got, want):
    assert [e["iteration"] for e in got] == [e["iteration"] for e in want]
    for mine, theirs in zip(got, want):
        for name in LOSSES:
            assert mine[name] == pytest.approx(theirs[name], rel=1e-6), (mine["iteration"], name)


def test_workers_run_this_tree_and_give_the_in_process_loss_and_gradient(ray_instance, vgg, content_path,
                                                                         style_path):
    content, style = (to_network(resize(read_image(p), SIZE), vgg.mean_pixel) for p in (content_path, style_path))
    image = content + np.random.RandomState(0).uniform(-20, 20, content.shape).astype(np.float32)
    problem = make_problem(vgg, content, style, tv_weight=1e-2)
    with TiledEngine(problem, vgg, Config(), tile=int(TILE)) as engine:
        want, want_gradient = engine.compute_loss_and_grads(image)
    with RayTiledEngine(problem, vgg, Config(), tile=int(TILE), workers=TileWorkers(2, None)) as engine:
        started = engine.pool.started
        got, gradient = engine.compute_loss_and_grads(image)
        tiling = engine.tiling
    assert [Path(s["package"]).parent for s in started] == [REPO / "legacy_nst"] * 2
    assert len({s["pid"] for s in started} - {os.getpid()}) == 2 and [s["threads"] for s in started] == [1, 1]
    for name in (*LOSSES, "tv"):
        assert got[name] == pytest.approx(want[name], rel=1e-6), name
    assert relative_l2(gradient, want_gradient) < 1e-5
    tiles = tiling["workers"]["last_evaluation"]["tiles"]
    assert sorted((t["pass"], t["tile"]) for t in tiles) == [(p, i) for p in ("pass 1", "pass 2") for i in range(3)]
    assert tiling["workers"]["last_evaluation"]["bytes"]["sent"] > image.nbytes


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_a_run_on_workers_follows_the_in_process_tiled_run(ray_instance, run, in_process, optimizer):
    """Adam, and the float32 L-BFGS (a tiled level's), 2 iterations from the content."""
    result = run(tile=TILE, init="content", iterations=2, optimizer=optimizer, workers=2)
    assert result.plan.levels[0].tile_workers == TileWorkers(2, None, result.plan.levels[0].tile_workers.memory)
    assert "on 2 Ray workers" in result.plan.lines()[-1]
    assert_same_losses(result.history, in_process(optimizer).history)


def test_a_worker_killed_mid_pass_has_its_tiles_run_again_and_the_run_is_unchanged(ray_instance, run, in_process):
    killed = []

    def kill_in_the_second_evaluation(label, done, total):
        if label == "pass 1" and done == 1:
            killed.append(None)
            if len(killed) == 2:  # the second evaluation's first tile is back; the others are in flight
                pids = workers_of_this_process(b"ray::TileWorker")
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

    result = run(tile=TILE, init="content", iterations=2, workers=2, on_tile=kill_in_the_second_evaluation)
    assert len(killed) > 2 and isinstance(killed[2], int), "no worker was killed"
    workers = result.tiling["workers"]
    assert workers["tiles_run_again"] >= 1
    assert_same_losses(result.history, in_process("adam").history)


def _state_steps(checkpoints):
    try:
        return json.loads((checkpoints / "state.json").read_text())["steps"]
    except (OSError, ValueError, KeyError):
        return 0


def test_sigint_saves_and_exits_130_and_resume_completes_on_workers(ray_instance, content_path, style_path,
                                                                     approx_weights_path, tmp_path):
    checkpoints, log = tmp_path / "ck", tmp_path / "run.json"
    args = ["--content", content_path, "--style", style_path, "--weights", approx_weights_path, "--width", SIZE[1],
            "--height", SIZE[0], "--tile", TILE, "--workers", 2, "--ray-address", ray_instance, "--iterations", 200,
            "--checkpoint-every", 1, "--checkpoint-dir", checkpoints, "--output", tmp_path / "out.png",
            "--log-json", log, "--quiet"]
    # Python leaves SIGINT ignored if its parent ignored it (a suite run in the background): restore it.
    driver = subprocess.Popen([sys.executable, "-m", "legacy_nst.cli", *map(str, args)],
                              env={**os.environ, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE, text=True,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 300  # only a bound: the wait ends when the run has saved 2 steps
    while time.time() < deadline and _state_steps(checkpoints) < 2 and driver.poll() is None:
        time.sleep(0.2)
    driver.send_signal(signal.SIGINT)
    _, err = driver.communicate(timeout=300)
    assert driver.returncode == 130, err
    saved = _state_steps(checkpoints)
    assert 2 <= saved < 200 and f"continue with: legacy-nst --resume {checkpoints}" in err
    assert main(["--resume", str(checkpoints), "--iterations", str(saved + 1), "--quiet"]) == 0
    record = json.loads(log.read_text())
    assert record["status"] == "completed" and record["plan"][0]["workers"]["count"] == 2
    assert [e["iteration"] for e in record["iterations"]] == list(range(saved + 2))
    assert record["tiling"]["workers"]["count"] == 2


def refused(args, expect_seconds=120):
    """A run's (exit status, last stderr line, seconds) as its own process: a fresh driver, no Ray joined."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "legacy_nst.cli", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=expect_seconds)
    return done.returncode, done.stderr.strip().splitlines()[-1], time.perf_counter() - started


def test_what_cannot_run_on_workers_is_one_line_with_exit_2(ray_instance, content_path, style_path,
                                                           approx_weights_path, tmp_path, capsys):
    base = ["--content", content_path, "--style", style_path, "--weights", approx_weights_path, "--width", SIZE[1],
            "--height", SIZE[0], "--iterations", 1, "--output", tmp_path / "out.png", "--quiet"]
    assert main([*map(str, base), "--tile", TILE, "--workers", "3"]) == 2  # joins the module's 2-CPU instance
    err = capsys.readouterr().err
    assert err.startswith("legacy-nst: error: --workers 3 "), err
    assert_says(err, "3 CPUs", "has 2", "--workers 2 or fewer", "add nodes")
    assert main([*map(str, base), "--tile", "off", "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("legacy-nst: error: --workers "), err
    assert_says(err, "--tile off", "--tile 144", "drop --workers")  # half of 288, on the 16-px grid
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    threading.Thread(target=lambda: [listener.accept() for _ in range(4)], daemon=True).start()
    silent = f"127.0.0.1:{listener.getsockname()[1]}"
    for address, reason in (("127.0.0.1:1", "nothing answers there"), (silent, "it is not a Ray head")):
        status, line, seconds = refused([*base, "--tile", TILE, "--ray-address", address])
        assert status == 2 and line.startswith(f"legacy-nst: error: --ray-address {address}: ") and reason in line
        assert seconds < 90, seconds  # Ray itself waited more than 10 minutes on the silent one
    assert not (tmp_path / "out.png").exists()
