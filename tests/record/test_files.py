"""record.files: what the file-writing run records and tells the user."""
import json

from legacy_nst.config import Config
from legacy_nst.record.files import stylize_to_files


class Notes:
    """A stand-in for cli.progress.Progress that keeps what it is told."""

    def __init__(self):
        self.lines, self.cost = [], None

    def note(self, text):
        self.lines.append(text)

    def update(self, iteration, losses):
        pass

    def close(self):
        pass


def test_lbfgs_restarts_are_counted_in_the_log_and_on_the_console(tmp_path, vgg, approx_weights_path, content_path,
                                                                  style_path):
    config = Config.from_options(preset="jcjohnson", image_size=32, iterations=30, seed=0,
                                 weights=str(approx_weights_path))
    notes = Notes()
    result = stylize_to_files(str(content_path), str(style_path), tmp_path / "out.png", config,
                              log_json=tmp_path / "run.json", progress=notes, vgg=vgg)
    log = json.loads((tmp_path / "run.json").read_text())
    assert result.restarts >= 1 and log["lbfgs_restarts"] == result.restarts
    assert log["iterations"][-1]["iteration"] == 30 and "stopped_early" not in log
    assert log["plan"][0]["lbfgs_restart"] is True
    assert any(line.startswith("plan: 32x24, 30 steps, float32 lbfgs (scipy, restarts)") for line in notes.lines)
    assert any(f"restarted {result.restarts} time" in line and "reaching iteration 30" in line for line in notes.lines)
