"""The memory estimate, what is available, and refusing sizes that cannot fit."""

import json
from pathlib import Path

import numpy as np
import pytest

from legacy_nst import Config
from legacy_nst.cli.main import main
from legacy_nst.errors import ConfigError
from legacy_nst.run.memory import (GB, _cgroup_available, _meminfo_available, check_fits, estimate, feature_map_bytes,
                               largest_fitting, weight_bytes)
from legacy_nst.vgg.graph import build_graph
from legacy_nst.vgg19 import layer_sequence


@pytest.mark.parametrize("height,width,pooling,deepest", [(37, 50, "avg", "conv5_1"), (64, 48, "max", "conv4_2"),
                                                          (17, 16, "avg", "conv1_1")])
def test_feature_maps_are_the_graphs_tensors(approx_weights_path, height, width, pooling, deepest):
    """Independent count: the static shapes of the tensors build_graph makes."""
    import tensorflow as tf

    from legacy_nst.vgg.matfile import load_vgg19

    vgg = load_vgg19(approx_weights_path)
    with tf.Graph().as_default():
        net = build_graph(vgg, height, width, pooling=pooling, deepest=deepest)
        layers = layer_sequence(pooling)[:layer_sequence(pooling).index(deepest) + 1]
        expected = sum(4 * int(np.prod(net[name].shape)) for name in layers)
        constants = sum(4 * int(np.prod(op.outputs[0].shape)) for op in tf.compat.v1.get_default_graph()
                        .get_operations() if op.type == "Const" and op.name.endswith(("kernel", "bias")))
    assert feature_map_bytes(height, width, deepest, pooling) == expected
    assert weight_bytes(deepest, pooling) == constants


def test_estimate_grows_with_size_and_lbfgs_history():
    small, large = estimate(300, 400, Config()), estimate(600, 800, Config())
    assert large.total > small.total and large.feature_maps == pytest.approx(4 * small.feature_maps, rel=0.02)
    lbfgs = estimate(600, 800, Config(optimizer="lbfgs"))
    # scipy's L-BFGS-B keeps 2*M float64 vectors of H*W*3: 2.3 GB at 800x600 with M = 100.
    assert lbfgs.optimizer == pytest.approx(2 * 100 * 600 * 800 * 3 * 8)
    float32 = estimate(600, 800, Config(optimizer="lbfgs", lbfgs_implementation="float32"))
    # optim.lbfgs_float32: 2*M float32 vectors and five more (x, g, the direction, the trial x and g).
    assert float32.optimizer == pytest.approx((2 * 100 + 5) * 600 * 800 * 3 * 4)
    assert estimate(600, 800, Config(optimizer="lbfgs", lbfgs_num_correction=10)).total < lbfgs.total


MEASURED = Path(__file__).resolve().parents[2] / "bench" / "results" / "2026-12-05-memory-model.json"


def measured_cases():
    """bench/memory_estimate.py's committed float32 measurements at 1024x1024 and above: each case's options, the
    tile it ran with (None untiled), the process's RSS once the weights were loaded (`baseline`) and its peak
    above it (`peak`): the whole process's peak is their sum. (The model is float32's; bfloat16 runs need less,
    tiled ones much less, and are overestimated: docs/long-runs.md.)"""
    cases = json.loads(MEASURED.read_text())["cases"]
    return [case for case in cases if case["options"]["width"] * case["options"]["height"] >= 1024 * 1024
            and case["options"]["precision"] == "float32"]


def test_the_committed_measurements_cover_the_sizes_the_model_is_held_to():
    sizes = {(c["options"]["width"], c["options"]["height"], c["tile"] is not None) for c in measured_cases()}
    assert {(1024, 1024, False), (1024, 1024, True), (3072, 2304, True), (6000, 4000, True)} <= sizes


@pytest.mark.parametrize("case", measured_cases(), ids=lambda c: "{width}x{height}-{optimizer}-{precision}".format(
    **c["options"]) + f"-tile{c['tile']}")
def test_the_estimate_is_within_ten_percent_of_the_measured_process_peak(case):
    """The estimate is the whole process's peak (issue 31): against the baseline plus the peak above it."""
    options, tile = case["options"], case["tile"]
    config = Config(init="content", **{**options, "tile": "off" if tile is None else str(tile), "memory_limit": 0})
    modelled = check_fits(options["height"], options["width"], config).total  # the estimate of the run as it ran
    measured = case["baseline"] + case["peak"]
    assert 0.9 <= modelled / measured <= 1.1, (modelled / 1e6, measured / 1e6)


def test_largest_fitting_size_is_the_boundary():
    config = Config()
    limit = int(2.0 * GB)
    height, width = largest_fitting(600, 800, config, limit)
    assert estimate(height, width, config).total <= limit
    assert estimate(height + 2, width + 2, config).total > limit
    assert abs(width / height - 800 / 600) < 0.02
    assert largest_fitting(600, 800, config, int(0.1 * GB)) is None


def test_refusal_names_the_largest_size_that_fits():
    """Untiled (--tile off; the default, auto, would tile instead: tests/engines/test_tiled.py)."""
    with pytest.raises(ConfigError) as error:
        check_fits(600, 800, Config(tile="off"), limit=int(2.0 * GB))
    message = str(error.value)
    height, width = largest_fitting(600, 800, Config(tile="off"), int(2.0 * GB))
    needed = estimate(600, 800, Config(tile="off")).total / GB
    assert f"size 800x600 needs about {needed:.1f} GB" in message and "only 2.0 GB is available" in message
    assert f"--width {width} --height {height}" in message and "--multiscale" not in message
    assert check_fits(600, 800, Config(), limit=int(100 * GB)).total == estimate(600, 800, Config()).total


def test_multiscale_is_not_offered_as_a_memory_fix():
    """--multiscale's last level runs at the full size: it needs the same peak memory, so it is no advice here."""
    with pytest.raises(ConfigError) as error:
        check_fits(600, 800, Config(multiscale=(0.5,), tile="off"), limit=int(2.0 * GB))
    assert "--multiscale" not in str(error.value)


def test_memory_limit_option(monkeypatch):
    from legacy_nst.run import memory

    monkeypatch.setattr(memory, "available_bytes", lambda: int(0.2 * GB))
    monkeypatch.setattr(memory, "resident_bytes", lambda: int(0.8 * GB))
    with pytest.raises(ConfigError, match="only 0.9 GB"):  # 90% of what is free and held: the estimate's headroom
        check_fits(96, 128, Config())
    assert check_fits(96, 128, Config(memory_limit=0)).total > 0, "0 switches the check off"
    with pytest.raises(ConfigError, match="only 0.5 GB"):
        check_fits(96, 128, Config(memory_limit=0.5))
    with pytest.raises(ConfigError, match="memory-limit"):
        Config(memory_limit=-1)


def test_available_memory_sources(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24684084 kB\nMemFree:  16038544 kB\nMemAvailable:   20518128 kB\n")
    assert _meminfo_available(meminfo) == 20518128 * 1024
    assert _meminfo_available(tmp_path / "none") is None
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "memory.max").write_text("4294967296\n")
    (v2 / "memory.current").write_text("3221225472\n")
    (v2 / "memory.stat").write_text("anon 1\ninactive_file 536870912\nactive_file 2\n")
    assert _cgroup_available(v2) == 4294967296 - 3221225472 + 536870912
    (v2 / "memory.max").write_text("max\n")
    assert _cgroup_available(v2) is None, "no limit"
    v1 = tmp_path / "v1"
    (v1 / "memory").mkdir(parents=True)
    (v1 / "memory" / "memory.limit_in_bytes").write_text("2147483648\n")
    (v1 / "memory" / "memory.usage_in_bytes").write_text("1073741824\n")
    (v1 / "memory" / "memory.stat").write_text("cache 5\ntotal_inactive_file 1024\n")
    assert _cgroup_available(v1) == 2147483648 - 1073741824 + 1024


def test_cli_refuses_too_big_for_memory_in_one_line(tmp_path, content_path, style_path, approx_weights_path, capsys):
    out = tmp_path / "out.png"
    status = main(["--content", str(content_path), "--style", str(style_path), "--weights", str(approx_weights_path),
                   "--output", str(out), "--memory-limit", "1.5", "--tile", "off", "--checkpoint-every", "10",
                   "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1, err
    assert err[0].startswith("legacy-nst: error: size 800x600 needs about") and "the largest size that fits is" in err[0]
    assert list(tmp_path.iterdir()) == [], "nothing written, not even the checkpoint directory"


def test_scoring_is_estimated_without_optimizer_state_whatever_the_runs_optimizer():
    from legacy_nst.run.memory import check_evaluation_fits

    for optimizer in ("adam", "lbfgs"):
        config = Config(optimizer=optimizer)
        scored = check_evaluation_fits(300, 400, config, limit=10 ** 12)
        assert scored.optimizer == 0
        assert scored.total == estimate(300, 400, config).total - estimate(300, 400, config).optimizer


def test_scoring_that_cannot_fit_names_a_size_that_does():
    from legacy_nst.run.memory import check_evaluation_fits

    limit = estimate(300, 400, Config(optimizer="sgd")).total
    with pytest.raises(ConfigError) as error:
        check_evaluation_fits(1200, 1600, Config(), limit=limit)
    message = str(error.value)
    assert "scoring at 1600x1200" in message and "--width" in message and "--memory-limit 0" in message
