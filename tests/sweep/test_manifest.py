"""manifest.jsonl: a damaged one is one line with exit 2 naming it and the way out, before any job starts."""
import contextlib
import io
import json

import pytest

from legacy_nst.cli.main import main
from legacy_nst.sweep import driver
from messages import assert_says


@pytest.fixture
def sweep_folder(tmp_path, shared_dir, approx_weights_path, monkeypatch):
    spec = tmp_path / "spec.toml"
    spec.write_text(f'[base]\ncontent = "{shared_dir}/images/tubingen.jpg"\nweights = "{approx_weights_path}"\n'
                    f'style = "{shared_dir}/images/shipwreck.jpg"\nwidth = 32\niterations = 2\n')
    out = tmp_path / "out"
    out.mkdir()

    def no_ray(*args, **kwargs):
        raise AssertionError("a job was started")

    monkeypatch.setattr(driver, "_run_on_ray", no_ray)
    return spec, out


GOOD = json.dumps({"id": "0123456789ab", "status": "completed", "values": {}, "seconds": 3.0}) + "\n"


@pytest.mark.parametrize("content,problem", [
    (GOOD + '{"id": "0123456789ac", "sta', "line 2 is damaged (JSONDecodeError: Unterminated string"),
    (GOOD + "5\n", "line 2 is damaged (not a job entry)"),
    (GOOD.encode() + b"\xff\xfe\x00garbage", "is damaged (UnicodeDecodeError:"),
    ('{"status": "completed"}\n', "line 1 is damaged (not a job entry)"),
])
def test_a_damaged_manifest_is_one_line_with_exit_2_and_no_job_started(sweep_folder, content, problem):
    spec, out = sweep_folder
    path = out / "manifest.jsonl"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = path.read_bytes()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["sweep", str(spec), "--out", str(out), "--quiet"])
    lines = err.getvalue().splitlines()
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"legacy-nst: error: {path}: ") and problem in lines[0], lines
    assert_says(lines[0], "move it away or delete it", "rerun")
    assert path.read_bytes() == before and sorted(p.name for p in out.iterdir()) == ["manifest.jsonl"]
