"""run.plan: one decision per level (size, steps, precision, engine, optimizer), read by the ETA, the log and the
console, and the line a run prints matching the levels it runs."""
import json
import subprocess
import sys

import pytest

from legacy_nst.config import Config
from legacy_nst.engines import session as runtime
from legacy_nst.errors import ConfigError
from legacy_nst.run.memory import GB
from legacy_nst.run.plan import FLOAT32_PER_BFLOAT16, make_plan
from messages import assert_says

ROOMY = int(100 * GB)


@pytest.fixture
def native_bfloat16(monkeypatch):
    monkeypatch.setattr(runtime, "cpu_flags", lambda: {"avx512f", "amx_bf16"})
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)


@pytest.fixture
def no_bfloat16(monkeypatch):
    monkeypatch.setattr(runtime, "cpu_flags", lambda: {"avx2"})


def levels(plan):
    return [(level.size, level.steps, level.scale, level.precision) for level in plan.levels]


def test_step_costs_follow_the_levels_pixels():
    plan = make_plan(Config(multiscale=(0.5,), multiscale_iterations=3, iterations=5), (100, 200), limit=ROOMY)
    cost = plan.step_costs()
    assert [cost(p) for p in range(1, 6)] == [0.25, 0.25, 0.25, 1.0, 1.0]


def test_each_coarse_level_can_have_its_own_step_count():
    config = Config(multiscale="0.25,0.5", multiscale_iterations="5,3", iterations=10)
    assert [(level.size, level.steps) for level in make_plan(config, (64, 128), limit=ROOMY).levels] == [
        ((16, 32), 5), ((32, 64), 3), ((64, 128), 2)]
    one_count = Config(multiscale="0.25,0.5", multiscale_iterations=3, iterations=10)
    assert [level.steps for level in make_plan(one_count, (64, 128), limit=ROOMY).levels] == [3, 3, 4]


@pytest.mark.parametrize("counts, message", [("5,3,1", "3 counts for 2 coarse level"), ("8,3", "exceeds --iterations"),
                                             ("5,x", "not a step count"), ("-1", "not a step count")])
def test_per_level_step_counts_that_cannot_run_are_refused(counts, message):
    with pytest.raises(ConfigError, match=message):
        Config(multiscale="0.25,0.5", multiscale_iterations=counts, iterations=10)


def test_step_costs_weigh_a_float32_finish_by_its_slower_steps(native_bfloat16):
    config = Config(multiscale=(0.5,), multiscale_iterations=2, iterations=6, precision="bfloat16", float32_finish=2)
    cost = make_plan(config, (100, 200), limit=ROOMY).step_costs()
    assert [cost(p) for p in range(1, 7)] == [0.25, 0.25, 1.0, 1.0, FLOAT32_PER_BFLOAT16, FLOAT32_PER_BFLOAT16]
    assert FLOAT32_PER_BFLOAT16 > 1


def test_without_native_bfloat16_the_plan_is_float32_with_no_finish_and_says_why(no_bfloat16):
    config = Config(multiscale=(0.5,), multiscale_iterations=2, iterations=6, precision="bfloat16", float32_finish=2)
    plan = make_plan(config, (100, 200), limit=ROOMY)
    assert levels(plan) == [((50, 100), 2, 0.5, "float32"), ((100, 200), 4, 1.0, "float32")]
    assert plan.precision == "float32" and "running float32 instead" in plan.note
    assert plan.lines()[0] == plan.note
    cost = plan.step_costs()
    assert [cost(p) for p in range(1, 7)] == [0.25, 0.25, 1.0, 1.0, 1.0, 1.0]


def test_a_tiled_level_runs_the_float32_lbfgs_and_says_so():
    config = Config(optimizer="lbfgs", tile="128", iterations=3)
    (level,) = make_plan(config, (384, 512), limit=ROOMY).levels
    assert (level.tile, level.halo, level.lbfgs) == (128, 80, "float32")
    assert "lbfgs (float32), tiled (core 128, halo 80)" in level.describe()
    (untiled,) = make_plan(config.replace(tile="off"), (384, 512), limit=ROOMY).levels
    assert untiled.tile is None and untiled.lbfgs == "scipy" and "untiled" in untiled.describe()


def test_each_level_is_checked_against_memory_and_the_full_size_refusal_comes_first():
    config = Config(multiscale=(0.5,), tile="off", iterations=4)
    with pytest.raises(ConfigError, match=r"^size 800x600 needs about"):
        make_plan(config, (600, 800), limit=int(0.5 * GB))


def test_resume_refuses_more_than_one_level():
    with pytest.raises(ConfigError, match="single-scale runs only"):
        make_plan(Config(multiscale=(0.5,)), (64, 64), resuming=True, limit=ROOMY)


@pytest.mark.slow
def test_the_plan_a_fast_run_prints_is_the_levels_it_runs(tmp_path, content_path, style_path, approx_weights_path):
    """`--preset fast`, scaled down to 64 px and 10 iterations: the printed plan lines, the log's plan and the
    sizes, precisions and step counts of the logged iterations all agree."""
    output, log = tmp_path / "out.png", tmp_path / "run.json"
    command = [sys.executable, "-m", "legacy_nst.cli", "--content", str(content_path), "--style", str(style_path),
               "--output", str(output), "--weights", str(approx_weights_path), "--preset", "fast", "--width", "64",
               "--height", "48", "--iterations", "10", "--multiscale-iterations", "4", "--float32-finish", "3",
               "--log-json", str(log), "--print-every", "0"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    record = json.loads(log.read_text())
    printed = [line.split(": ", 2)[2] for line in done.stderr.splitlines() if line.startswith("legacy-nst: plan")]
    assert len(printed) == len(record["plan"]) >= 2
    entries = record["iterations"]
    position = 0
    for line, level in zip(printed, record["plan"]):
        assert line.startswith(f"{level['width']}x{level['height']}, {level['steps']} steps, {level['precision']} ")
        ran = entries[position:position + level["steps"]]  # a level's entry 0 is the image its steps start from
        assert {(e["width"], e["height"], e["precision"]) for e in ran} == {(level["width"], level["height"],
                                                                              level["precision"])}
        position += level["steps"]
    assert position == 10 and entries[-1]["iteration"] == 10
    assert (entries[-1]["width"], entries[-1]["precision"]) == (record["plan"][-1]["width"], "float32")


def test_a_tiled_level_with_workers_says_where_its_tiles_run_and_an_untiled_run_is_refused():
    (level,) = make_plan(Config(tile="128", workers=2, iterations=3), (384, 512), limit=ROOMY).levels
    assert (level.tile_workers.count, level.tile_workers.address) == (2, None) and level.tile_workers.memory > 0
    assert "tiled (core 128, halo 80) on 2 Ray workers of a local Ray instance (127.0.0.1)," in level.describe()
    assert level.to_json()["workers"] == {"count": 2, "address": None, "memory_bytes": level.tile_workers.memory}
    (level,) = make_plan(Config(tile="128", ray_address="10.0.0.1:6379"), (384, 512), limit=ROOMY).levels
    assert "on Ray workers of the Ray cluster at 10.0.0.1:6379" in level.describe()
    with pytest.raises(ConfigError) as refused:
        make_plan(Config(workers=4), (384, 512), limit=ROOMY)  # auto: the untiled run fits
    assert str(refused.value).startswith("--workers ")
    assert_says(refused.value, "--tile auto", "untiled run fits", "--tile 256", "drop --workers")


def test_the_documented_recipe_shrinks_to_the_users_iterations_in_its_proportions(native_bfloat16, capsys):
    """issue 30: `--preset jcjohnson --schedule fast --width 128 --iterations 40` runs 40 steps, shared as the
    schedule's 80 half-size + 80 bfloat16 full-size + 30 float32 steps are (of 190), and the plan says so."""
    from legacy_nst.cli.parser import config_from_args
    from legacy_nst.cli.transfer import transfer_parser

    config = config_from_args(transfer_parser().parse_args(
        ["--content", "c.jpg", "--style", "s.jpg", "--output", "o.png", "--preset", "jcjohnson", "--schedule", "fast",
         "--width", "128", "--iterations", "40"]))
    plan = make_plan(config, (96, 128), limit=ROOMY)
    assert levels(plan) == [((48, 64), 17, 0.5, "bfloat16"), ((96, 128), 17, 1.0, "bfloat16"),
                            ((96, 128), 6, 1.0, "float32")]
    assert [line.split(": ")[1].split(", ")[1] for line in plan.lines()] == ["17 steps", "17 steps", "6 steps"]


@pytest.mark.parametrize("schedule", ["fast", "print"])
def test_every_smaller_budget_is_shared_in_the_schedules_proportions(schedule, native_bfloat16):
    """Each level within one step of budget * its share of the recipe (largest remainders), at least one step,
    and the levels summing to the budget."""
    from legacy_nst.config.presets import SCHEDULES

    recipe = SCHEDULES[schedule]
    counts = list(recipe["multiscale_iterations"]) if isinstance(recipe["multiscale_iterations"], tuple) else \
        [recipe["multiscale_iterations"]] * len(recipe["multiscale"])
    own = [*counts, recipe["iterations"] - sum(counts) - recipe["float32_finish"], recipe["float32_finish"]]
    own = [steps for steps in own if steps]
    for budget in range(len(own), recipe["iterations"]):
        steps = [level.steps for level in make_plan(Config.from_options(schedule=schedule, iterations=budget),
                                                    (64, 64), limit=ROOMY).levels]
        exact = [part * budget / recipe["iterations"] for part in own]
        assert sum(steps) == budget and min(steps) >= 1, (budget, steps)
        if min(exact) >= 1:  # below, the one-step floor decides
            assert all(abs(got - want) < 1 for got, want in zip(steps, exact)), (budget, steps, exact)
    with pytest.raises(ConfigError) as refused:
        Config.from_options(schedule=schedule, iterations=len(own) - 1)
    assert_says(refused.value, f"--iterations {len(own) - 1}", f"--schedule {schedule}", f"{len(own)} or more")
