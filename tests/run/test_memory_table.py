"""The plan's memory estimate against the whole process's measured peak RSS (issue 31), and the one function the
printed peak, the --memory-limit check and --tile auto read.

MEASURED is data, not a live measurement: bench/memory_peak.py's run of 2026-12-07
(bench/results/2026-12-07-memory-peak.md, CPU: AMD EPYC), each row one `legacy-nst` run in a
fresh process with default options (Adam, float32, the graph engine, the shared vgg19-approx.mat), `--tile off`
or `--tile N`, its peak the child's ru_maxrss (VmHWM: Python, TensorFlow, the weights, the inputs, every array).
"""
import pytest

from legacy_nst.config import Config
from legacy_nst.errors import ConfigError
from legacy_nst.run import memory
from legacy_nst.run.memory import GB, Estimate
from legacy_nst.run.plan import make_plan

MEASURED = [  # (width, height, tile: None untiled, measured whole-process peak in MB = 1e6 bytes)
    (256, 256, None, 1797),
    (512, 512, None, 2493),
    (800, 600, None, 3096),
    (1024, 1024, None, 5312),  # one iteration, a second bench run the same day
    (1600, 1200, None, 8581),
    (1024, 1024, 512, 2555),  # one iteration, a second bench run the same day
    (1600, 1200, 512, 2666),
    (3000, 2000, 512, 3842),  # one iteration
]


def test_the_table_spans_small_to_large_sizes_tiled_and_untiled():
    """(Larger tiled sizes: tests/run/test_memory.py holds the model to bench/memory_estimate.py's whole-process
    peaks up to 6000x4000.)"""
    untiled = {(w, h) for w, h, tile, _ in MEASURED if tile is None}
    tiled = {(w, h) for w, h, tile, _ in MEASURED if tile is not None}
    assert {(256, 256), (512, 512), (800, 600), (1024, 1024), (1600, 1200)} <= untiled
    assert {(1024, 1024), (1600, 1200), (3000, 2000)} <= tiled


@pytest.mark.parametrize("width, height, tile, peak_mb", MEASURED,
                         ids=[f"{w}x{h}-{'tile' + str(t) if t else 'untiled'}" for w, h, t, _ in MEASURED])
def test_the_plans_peak_is_within_ten_percent_of_the_measured_process_peak(width, height, tile, peak_mb):
    config = Config(tile=str(tile) if tile else "off", memory_limit=0)
    level = make_plan(config, (height, width)).levels[-1]
    assert level.tile == tile
    assert 0.9 <= level.estimate.total / (peak_mb * 1e6) <= 1.1, (level.estimate.total / 1e6, peak_mb)


def _fake_peak(height, width, config, core=None):
    """Untiled: 10 GB; tiled: 0.5 GB + 1 MB per pixel of the core, so the largest core within a limit is known."""
    total = 10 * GB if core is None else 0.5 * GB + core * 1e6
    return Estimate(height, width, runtime=int(total), weights=0, feature_maps=0, optimizer=0, images=0,
                    tile=core, halo=None if core is None else 80)


def test_the_printed_peak_the_memory_limit_and_tile_auto_read_one_function(monkeypatch):
    monkeypatch.setattr(memory, "peak_estimate", _fake_peak)
    auto = make_plan(Config(memory_limit=1.7), (1200, 1600))  # --tile auto: 0.5 GB + 1200 MB fits in 1.7 GB
    assert auto.levels[-1].tile == 1200 and "peak memory about 1.7 GB" in auto.lines()[-1]
    untiled = make_plan(Config(memory_limit=0, tile="off"), (1200, 1600))
    assert "peak memory about 10.0 GB" in untiled.lines()[-1]
    with pytest.raises(ConfigError, match=r"needs about 10\.0 GB .* only 1\.7 GB is available; the tiled run fits: "
                                          r"--tile 1200"):
        make_plan(Config(memory_limit=1.7, tile="off"), (1200, 1600))


def test_the_default_limit_counts_what_the_process_already_holds(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: int(1.0 * GB))
    monkeypatch.setattr(memory, "resident_bytes", lambda: int(1.5 * GB))
    assert memory.memory_limit_bytes(Config()) == int(memory.HEADROOM * 2.5 * GB)
    assert memory.memory_limit_bytes(Config(memory_limit=2)) == int(2 * GB), "an explicit limit is the process's"


def test_resident_bytes_reads_vmrss(tmp_path):
    status = tmp_path / "status"
    status.write_text("Name:\tpython\nVmHWM:\t  900 kB\nVmRSS:\t  700 kB\n")
    assert memory.resident_bytes(status) == 700 * 1024
    assert memory.resident_bytes(tmp_path / "none") == 0
