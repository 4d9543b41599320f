"""Faults met mid-run or at the door: divergence keeps the last good image, an L-BFGS run stops
cleanly on a signal, a decompression bomb is refused in one line."""
import json
import os
import signal
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from legacy_nst import Config
from legacy_nst.cli.main import main
from legacy_nst.errors import OptimizationError
from legacy_nst.io.images import load_image
from legacy_nst.record.interrupts import Interrupted
from legacy_nst.record.checkpoints import load_state
from legacy_nst.record.files import run_to_files as run
from messages import assert_says


@pytest.mark.slow
def test_divergence_keeps_the_last_good_image_beside_the_output(tmp_path, content_path, style_path,
                                                                approx_weights_path):
    config = Config(weights=str(approx_weights_path), width=32, height=32, iterations=5, optimizer="sgd",
                    learning_rate=1e30, init="content")
    out = tmp_path / "out.png"
    with pytest.raises(OptimizationError) as error:
        run(content_path, style_path, out, config)
    message = str(error.value)
    assert "non-finite at iteration 1" in message and "lower --learning-rate" in message
    assert f"the last image with a finite loss (iteration 0) is in {tmp_path / 'out.last-good.png'}" in message
    assert not out.exists(), "the output path never holds a diverged run's image"
    # Iteration 0 of --init content is the content image itself, so the file must equal it pixel for pixel.
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out.last-good.png")),
                                  load_image(content_path, (32, 32)))


class SignalAt:
    """A progress display that sends this process a signal when it sees `iteration`."""

    def __init__(self, iteration, signum):
        self.iteration, self.signum = iteration, signum

    def update(self, iteration, losses):
        if iteration == self.iteration:
            os.kill(os.getpid(), self.signum)

    def note(self, text):
        pass

    def close(self):
        pass


@pytest.mark.slow
def test_lbfgs_stops_cleanly_on_sigterm_and_resumes(tmp_path, content_path, style_path, approx_weights_path):
    config = Config(weights=str(approx_weights_path), width=32, height=32, iterations=50, optimizer="lbfgs",
                    init="content", checkpoint_dir=str(tmp_path / "ck"))
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as stopped:
        run(content_path, style_path, tmp_path / "out.png", config, log_json=tmp_path / "log.json",
            progress=SignalAt(3, signal.SIGTERM))
    assert signal.getsignal(signal.SIGTERM) is previous, "the handler is put back"
    assert stopped.value.exit_status == 143 and stopped.value.steps == 3
    assert "stopped by SIGTERM after 3 of 50 steps" in stopped.value.report
    state = load_state(tmp_path / "ck")
    assert state.steps == 3 and sorted(state.variables) == ["input"]
    log = json.loads((tmp_path / "log.json").read_text())
    assert [e["iteration"] for e in log["iterations"]] == [0, 1, 2, 3]
    # L-BFGS resumes from the saved image (its curvature pairs live inside scipy): entry 3 is re-evaluated
    # there and matches, and the loss goes on falling, never rising (L-BFGS-B accepts no worse point).
    result = run(content_path, style_path, tmp_path / "out.png", config.replace(iterations=6, resume=str(tmp_path / "ck")))
    assert [e["iteration"] for e in result.history] == [3, 4, 5, 6]
    assert result.history[0]["total"] == pytest.approx(log["iterations"][3]["total"], rel=1e-5)
    whole = [e["total"] for e in load_state(tmp_path / "ck").history]
    assert len(whole) == 7 and all(b <= a * (1 + 1e-6) for a, b in zip(whole, whole[1:])) and whole[6] < whole[3]


def png_header_only(path, width, height):
    """A valid 1-bit PNG of width x height: tiny on disk, huge once decoded."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = zlib.compress(b"\0" * ((width + 7) // 8 + 1) * height, 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def test_decompression_bomb_reaches_the_command_line_as_one_line(tmp_path, content_path, approx_weights_path,
                                                                 capsys):
    bomb = tmp_path / "bomb.png"
    png_header_only(bomb, 10_000, 10_000)  # 1e8 pixels, above Pillow's default 89,478,485
    assert bomb.stat().st_size < 100_000
    out = tmp_path / "out.png"
    status = main(["--content", str(content_path), "--style", str(bomb), "--weights", str(approx_weights_path),
                   "--output", str(out), "--width", "32", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1, err
    assert err[0].startswith(f"legacy-nst: error: {bomb}: "), err
    assert_says(err[0], "100000000 pixels", f"limit of {Image.MAX_IMAGE_PIXELS}", "downscale")
    assert not out.exists()
