"""--multiscale: level plan, upsampling, and a coarse-to-fine run's history."""
import numpy as np
import pytest

from legacy_nst import Config, stylize
from legacy_nst.errors import ConfigError
from legacy_nst.config.parse import parse_scales
from legacy_nst.run.multiscale import upsample
from legacy_nst.run.multiscale import level_shapes as plan
from legacy_nst.vgg.matfile import load_vgg19


@pytest.mark.parametrize("text,want", [("0.25,0.5", (0.25, 0.5)), ("0.5", (0.5,)), ("3", (0.25, 0.5)),
                                       ("1", ()), ("", ()), ((0.3,), (0.3,))])
def test_parse_scales(text, want):
    assert parse_scales(text) == want


@pytest.mark.parametrize("text,match", [("0.5,0.25", "must increase"), ("1.5", "between 0 and 1"),
                                        ("0", "no level"), ("half", "not a list of numbers")])
def test_bad_scales_are_config_errors(text, match):
    with pytest.raises(ConfigError, match=match):
        Config(multiscale=text)


def test_plan_shares_iterations_and_scales_sizes():
    levels = plan(Config(multiscale="0.25,0.5", iterations=100), (600, 800))
    assert levels == [((150, 200), 33, 0.25, "float32"), ((300, 400), 33, 0.5, "float32"),
                      ((600, 800), 34, 1.0, "float32")]
    levels = plan(Config(multiscale="0.25", iterations=10, multiscale_iterations=7), (48, 64))
    assert levels == [((16, 16), 7, 0.25, "float32"), ((48, 64), 3, 1.0, "float32")]  # never below 16 px
    with pytest.raises(ConfigError, match="exceeds --iterations"):
        Config(multiscale="0.5", iterations=5, multiscale_iterations=6)


def test_plan_ends_a_bfloat16_run_with_its_float32_finish_and_a_float32_run_without():
    config = Config(multiscale="0.5", iterations=20, multiscale_iterations=8, precision="bfloat16", float32_finish=5)
    assert plan(config, (48, 64), "bfloat16") == [((24, 32), 8, 0.5, "bfloat16"), ((48, 64), 7, 1.0, "bfloat16"),
                                                  ((48, 64), 5, 1.0, "float32")]
    assert plan(config, (48, 64), "float32") == [((24, 32), 8, 0.5, "float32"), ((48, 64), 12, 1.0, "float32")]


def test_upsample_reproduces_smooth_images():
    """Bicubic interpolation is exact for linear ramps away from the border (independent: the formula)."""
    h, w, H, W = 12, 16, 24, 32
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    small = np.stack([3 * xs - 2 * ys, xs + 0.5, np.full_like(xs, -7.0)], axis=-1)[None]
    big = upsample(small, (H, W))
    assert big.shape == (1, H, W, 3) and big.dtype == np.float32
    Ys, Xs = np.mgrid[0:H, 0:W].astype(np.float64)
    x_src, y_src = (Xs + 0.5) / 2 - 0.5, (Ys + 0.5) / 2 - 0.5  # pixel-centre mapping
    inner = (slice(4, H - 4), slice(4, W - 4))
    np.testing.assert_allclose(big[0][inner][..., 0], (3 * x_src - 2 * y_src)[inner], atol=1e-3)
    np.testing.assert_allclose(big[0][inner][..., 1], (x_src + 0.5)[inner], atol=1e-3)
    np.testing.assert_allclose(big[0, ..., 2], -7.0, atol=1e-4)


@pytest.mark.slow
def test_coarse_to_fine_run(approx_weights_path, content_path, style_path):
    vgg = load_vgg19(approx_weights_path)
    seen = []
    result = stylize(str(content_path), str(style_path), vgg=vgg, width=64, height=48, iterations=8,
                     multiscale="0.5", optimizer="lbfgs", init="content",
                     observe=lambda i, values, image: seen.append((i, values["scale"], image)))
    history = result.history
    assert [e["iteration"] for e in history] == list(range(9))
    assert [e["scale"] for e in history] == [0.5] * 4 + [1.0] * 5
    assert [(i, s) for i, s, _ in seen] == [(e["iteration"], e["scale"]) for e in history]
    assert [image.shape for _, _, image in seen] == [(1, 24, 32, 3)] * 4 + [(1, 48, 64, 3)] * 5
    elapsed = [e["elapsed"] for e in history]
    assert elapsed == sorted(elapsed) and elapsed[0] > 0
    assert history[8]["total"] < 0.5 * history[4]["total"]   # the full-size level goes on improving
    assert history[3]["total"] < 0.5 * history[0]["total"]   # and so did the coarse one
    assert result.image.shape == (48, 64, 3) and result.size == (48, 64)
    assert [level["iterations"] for level in result.levels] == [4, 4]
    # The full-size level started from the coarse result, upsampled: not from the content image.
    content_start = stylize(str(content_path), str(style_path), vgg=vgg, width=64, height=48, iterations=0,
                            init="content").history[0]["total"]
    assert abs(history[4]["total"] - content_start) > 0.05 * content_start


def test_the_level_loop_reports_each_entry_once_and_the_coarse_levels_last_state_at_its_end(vgg, content_path,
                                                                                          style_path):
    """Two L-BFGS levels of 3 steps: entries 0-2 of the coarse level; its end, with the state its last iteration
    left (that iteration's entry is the full size's entry 0, reported there; a stop acts on the state, which
    cannot be resumed across levels); entries 3-6; then the Result, with no state to keep."""
    from legacy_nst.optim.loop import Step
    from legacy_nst.run.levels import Finished, LevelEnd, run_levels
    from legacy_nst.run.prepare import prepare

    config = Config(width=48, height=32, iterations=6, multiscale="0.5", optimizer="lbfgs", init="content")
    events = list(run_levels(prepare(str(content_path), str(style_path), config, vgg=vgg)))
    kinds = [(type(e).__name__, getattr(e, "iteration", None), getattr(e, "level", None)) for e in events]
    assert kinds == ([("Step", i, 0) for i in range(3)] + [("LevelEnd", None, 0)]
                     + [("Step", i, 1) for i in range(3, 7)] + [("Finished", None, None)])
    end, finished = events[3], events[-1]
    assert isinstance(end, LevelEnd) and end.state.steps == 3 and not end.state.resumable
    assert end.state.variables()["input"].shape == (1, 16, 24, 3)
    assert isinstance(finished, Finished) and finished.state is None
    steps = [e for e in events if isinstance(e, Step)]
    assert [e["iteration"] for e in finished.result.history] == [e.iteration for e in steps]
    assert [e.state.steps for e in steps if e.state] == [1, 2, 4, 5, 6]  # L-BFGS: the iteration that reached it


@pytest.mark.slow
def test_a_level_keeps_no_graph_of_the_levels_before_it(approx_weights_path, content_path, style_path):
    """bench/worker_rss.py --levels 16: a 16-level run grew 12% from the 5th level to the last, each finished
    level's graph (with its weight constants) waiting in a reference cycle; a level now frees it at its end.

    Graphs that other tests keep alive in this process are not the run's: the check is that when the last
    level runs, the only graph the run added is that level's own."""
    import gc
    import weakref

    import tensorflow as tf

    vgg = load_vgg19(approx_weights_path)
    options = dict(vgg=vgg, width=48, height=36, optimizer="adam", init="content")
    stylize(str(content_path), str(style_path), iterations=1, **options)  # any process-wide graph is made here
    before = weakref.WeakSet(o for o in gc.get_objects() if isinstance(o, tf.Graph))
    alive = []

    def count(iteration, values, image):
        if values["scale"] == 1.0:
            alive.append(sum(1 for o in gc.get_objects() if isinstance(o, tf.Graph) and o not in before))

    stylize(str(content_path), str(style_path), iterations=8, multiscale="0.6,0.7,0.8", observe=count, **options)
    assert alive and max(alive) == 1, alive


@pytest.mark.parametrize("extra,expected", [(["--multiscale", "0.5,0.25"], "must increase"),
                                            (["--multiscale", "0.5", "--multiscale-iterations", "9"], "exceeds"),
                                            (["--precision", "float16"], "invalid choice")])
def test_bad_performance_options_on_the_command_line(tmp_path, capsys, extra, expected):
    from legacy_nst.cli.main import main

    out = tmp_path / "out.png"
    status = main(["--content", "c.jpg", "--style", "s.jpg", "--output", str(out), "--iterations", "4", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and err[0].startswith("legacy-nst: error: ") and expected in err[0]
    assert not out.exists()
