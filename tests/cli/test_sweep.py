"""`legacy-nst sweep SPEC --out DIR --set KEY=VALUE`: the settings reach the jobs (the sweep itself is
tests/sweep/test_driver.py's; here run_sweep is replaced, so no Ray starts)."""
import pytest

from legacy_nst.cli import sweep as sweep_command
from legacy_nst.cli.main import main
from messages import assert_says


@pytest.fixture
def spec_path(tmp_path, content_path, style_path, approx_weights_path):
    path = tmp_path / "spec.toml"
    path.write_text(f'[base]\ncontent = "{content_path}"\nweights = "{approx_weights_path}"\nwidth = 256\n'
                    f'iterations = 500\n[axes]\nstyle = ["{style_path}"]\nalpha = [100, 1000]\n')
    return path


def test_set_overrides_the_specs_base_and_repeats(spec_path, tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr(sweep_command, "run_sweep", lambda spec, out, **kw: seen.setdefault("spec", spec) and 0)
    status = main(["sweep", str(spec_path), "--out", str(tmp_path / "out"), "--set", "iterations=5",
                   "--set", "width=32"])
    assert status == 0
    assert {(job.options["iterations"], job.options["width"]) for job in seen["spec"].jobs} == {(5, 32)}


def test_a_bad_set_is_one_line_with_exit_status_2(spec_path, tmp_path, capsys):
    assert main(["sweep", str(spec_path), "--out", str(tmp_path / "out"), "--set", "widht=32"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert_says(err, "--set widht", "unknown option", "did you mean width")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("limit, status", [("1", 2), ("2", 0), ("0", 2)])
def test_max_jobs_refuses_a_larger_grid_in_one_line_before_anything_starts(spec_path, tmp_path, capsys, monkeypatch,
                                                                          limit, status):
    monkeypatch.setattr(sweep_command, "run_sweep", lambda spec, out, **kw: 0)
    assert main(["sweep", str(spec_path), "--out", str(tmp_path / "out"), "--max-jobs", limit]) == status
    err = capsys.readouterr().err
    assert err.count("\n") == (status == 2)
    if limit == "1":
        assert_says(err, str(spec_path), "2 jobs", "--max-jobs 1", "shrink the axes")
    if limit == "0":
        assert_says(err, "--max-jobs", ">= 1", "got 0")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("flag, asked", [([], False), (["--tensorboard"], True)])
def test_tensorboard_asks_the_sweep_for_its_jobs_boards(spec_path, tmp_path, monkeypatch, flag, asked):
    seen = {}
    monkeypatch.setattr(sweep_command, "run_sweep", lambda spec, out, **kw: seen.update(kw) or 0)
    assert main(["sweep", str(spec_path), "--out", str(tmp_path / "out"), *flag]) == 0
    assert seen["tensorboard"] is asked
