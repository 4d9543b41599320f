"""--plot and --strip: what the figures hold, where the frames sit."""
import numpy as np
import pytest
from PIL import Image

from legacy_nst import Config
from legacy_nst.record import plots
from legacy_nst.errors import ConfigError
from legacy_nst.record.files import run_to_files as run


def history(n=20):
    return [{"iteration": i, "total": 5.0 * (i + 1) + 100.0 * 1000.0 / (i + 1), "content": float(i + 1),
             "style": 1000.0 / (i + 1)} for i in range(n)]


def test_loss_plot_draws_the_weighted_terms_on_a_log_scale(tmp_path, monkeypatch):
    captured = {}
    real_save = plots._save

    def keep(figure, path):
        captured["axes"] = figure.axes[0]
        captured["lines"] = {line.get_label(): line.get_ydata() for line in figure.axes[0].get_lines()}
        real_save(figure, path)

    monkeypatch.setattr(plots, "_save", keep)
    h = history()
    plots.plot_losses(tmp_path / "loss.png", h, alpha=100.0, beta=5.0)
    assert captured["axes"].get_yscale() == "log"
    lines = captured["lines"]
    np.testing.assert_allclose(lines["total"], [e["total"] for e in h])
    np.testing.assert_allclose(lines["content × β (5)"], [5.0 * e["content"] for e in h])
    np.testing.assert_allclose(lines["style × α (100)"], [100.0 * e["style"] for e in h])
    np.testing.assert_allclose(lines["content × β (5)"] + lines["style × α (100)"], lines["total"])
    assert any(label.startswith("lowest total") for label in lines)
    image = Image.open(tmp_path / "loss.png")
    assert image.format == "PNG" and image.size == (800, 500)


def test_strip_places_frames_in_order_five_to_a_row(tmp_path):
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255), (255, 0, 255), (0, 0, 0)]
    frames = [(i * 100, np.full((40, 40, 3), c, np.uint8)) for i, c in enumerate(colours)]
    plots.plot_strip(tmp_path / "strip.png", frames)
    image = np.asarray(Image.open(tmp_path / "strip.png").convert("RGB")).astype(int)
    height, width = image.shape[:2]
    assert width == 1500 and height > 500, (width, height)  # 5 tiles of 3 in at 100 dpi; two rows
    # The middle of each tile is its frame's colour: row-major order.
    for k, colour in enumerate(colours):
        row, column = divmod(k, 5)
        centre = image[int(height * (row + 0.55) / 2), int(width * (column + 0.5) / 5)]
        assert np.abs(centre - colour).max() <= 2, (k, centre, colour)
    blank = image[int(height * 1.55 / 2), int(width * 4.5 / 5)]  # row 2, column 5: no eighth frame
    assert (blank == 255).all(), "unused tiles stay blank"


def test_strip_keeps_first_and_last_of_many_frames():
    for n in (16, 24, 51, 400):
        picked = plots.evenly_spaced(list(range(n)), plots.MAX_FRAMES)
        assert len(picked) <= plots.MAX_FRAMES and picked[0] == 0 and picked[-1] == n - 1
        gaps = np.diff(picked)
        assert len(set(gaps[:-1])) == 1 and 0 < gaps[-1] <= gaps[0], (n, picked)
    assert plots.evenly_spaced([1, 2, 3], plots.MAX_FRAMES) == [1, 2, 3]


def test_figure_paths_are_checked_before_the_run(tmp_path):
    with pytest.raises(ConfigError, match="unknown figure format '.gif'"):
        plots.check_plot_path(tmp_path / "loss.gif", "--plot")
    with pytest.raises(ConfigError, match="--strip shows the checkpoint images"):
        Config(strip=str(tmp_path / "s.png"))


@pytest.mark.slow
def test_run_writes_plot_and_strip_from_its_checkpoints(tmp_path, content_path, style_path, approx_weights_path):
    config = Config(weights=str(approx_weights_path), width=32, height=32, iterations=7, checkpoint_every=3,
                    checkpoint_dir=str(tmp_path / "ck"), plot=str(tmp_path / "loss.svg"),
                    strip=str(tmp_path / "strip.png"))
    shown = []
    real = plots.plot_strip
    try:
        plots.plot_strip = lambda path, frames, title=None: (shown.extend(i for i, _ in frames),
                                                             real(path, frames, title))
        result = run(content_path, style_path, tmp_path / "out.png", config)
    finally:
        plots.plot_strip = real
    assert shown == [0, 3, 6, 7], "checkpoints, then the final image"
    assert (tmp_path / "loss.svg").read_text().lstrip().startswith("<?xml")
    assert Image.open(tmp_path / "strip.png").format == "PNG"
    assert len(result.history) == 8
