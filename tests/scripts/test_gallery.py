"""scripts/gallery.py stays runnable: a one-style, one-step gallery at 32 px."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow  # the gallery script's real runs

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gallery.py"


def test_gallery_script_writes_images_grid_and_summary(tmp_path, shared_dir, approx_weights_path):
    spec = importlib.util.spec_from_file_location("gallery", SCRIPT)
    gallery = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gallery)
    gallery.main(["--shared", str(shared_dir), "--weights", str(approx_weights_path), "--out", str(tmp_path),
                  "--width", "32", "--iterations", "1", "--styles", "starry_night"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gallery.json", "grid.jpg", "tubingen-starry_night.png"]
    result = np.asarray(Image.open(tmp_path / "tubingen-starry_night.png"))
    grid = np.asarray(Image.open(tmp_path / "grid.jpg"), dtype=float)
    assert result.shape == (24, 32, 3) and grid.shape == (24, 64, 3)
    top, photo = grid[:3, 32:], grid[:3, :32]  # the inset covers only the lower left
    assert np.abs(top - result[:3]).mean() < 0.5 * np.abs(top - photo).mean()  # JPEG, so not exact
    summary = json.loads((tmp_path / "gallery.json").read_text())
    assert summary["config"]["optimizer"] == "lbfgs" and summary["runs"][0]["style"] == "starry_night.jpg"
