"""Run-time properties that performance depends on: a fixed graph, timings in the log, the session set-up."""
import json

import pytest
import tensorflow as tf

from legacy_nst import stylize
from legacy_nst.cli.main import main


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_graph_does_not_grow_during_a_run(vgg, content_path, style_path, optimizer):
    counts = []
    stylize(str(content_path), str(style_path), vgg=vgg, width=48, height=32, iterations=5, optimizer=optimizer,
            observe=lambda i, values, image: counts.append(len(tf.compat.v1.get_default_graph().get_operations())))
    assert len(counts) == 6
    assert counts[0] > 100 and set(counts) == {counts[0]}, counts


@pytest.mark.slow
def test_log_json_entries_record_elapsed(tmp_path, content_path, style_path, approx_weights_path):
    log = tmp_path / "run.json"
    status = main(["--content", str(content_path), "--style", str(style_path), "--weights", str(approx_weights_path),
                   "--width", "48", "--iterations", "4", "--output", str(tmp_path / "out.png"),
                   "--log-json", str(log), "--quiet"])
    assert status == 0
    entries = json.loads(log.read_text())["iterations"]
    elapsed = [e["elapsed"] for e in entries]
    assert len(elapsed) == 5 and 0 < elapsed[0] and elapsed == sorted(elapsed)
    steps = [b - a for a, b in zip(elapsed[1:], elapsed[2:])]
    assert all(step > 0 for step in steps)

