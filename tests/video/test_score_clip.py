"""`legacy-nst score --clip`: a stylised clip's temporal errors equal video.measure on the same frames and flows,
and its frames' losses equal the still score of each frame; bad clips are one line and exit 2."""
import json

import numpy as np
import pytest
from PIL import Image

from clips import pan, photo
from legacy_nst.cli.main import main
from legacy_nst.config import Config
from legacy_nst.engines import evaluation_engine, kept as kept_module
from legacy_nst.motion.flow import consistency_weights, flow_pair
from legacy_nst.run.score import score
from legacy_nst.video.measure import temporal_error
from messages import assert_says

SIZE = (36, 48)  # (height, width)


def write_frames(folder, frames):
    folder.mkdir()
    for k, frame in enumerate(frames):
        Image.fromarray(frame).save(folder / f"{k:04d}.png")
    return str(folder / "%04d.png")


@pytest.fixture(scope="module")
def clips(tmp_path_factory, shared_dir):
    """A 3-frame 48x36 pan of the shared photo, and a 'stylised' clip of it that flickers: each frame shifted
    in colour by its own amount and given its own noise."""
    folder = tmp_path_factory.mktemp("clips")
    content = pan(photo(shared_dir), 3, step=(1, 2), size=SIZE)
    noise = np.random.default_rng(0)
    styled = [np.clip(frame.astype(int) + 20 * k - 10 + noise.integers(-25, 26, frame.shape), 0, 255).astype(np.uint8)
              for k, frame in enumerate(content)]
    return folder, content, styled, write_frames(folder / "content", content), write_frames(folder / "styled", styled)


@pytest.mark.slow
def test_a_clips_errors_and_losses_equal_measure_and_the_still_score_from_one_kept_engine(
        clips, style_path, approx_weights_path, vgg, monkeypatch):
    folder, content, styled, content_clip, styled_clip = clips
    report = folder / "scores.json"
    built = []
    monkeypatch.setattr(kept_module, "evaluation_engine", lambda *a: built.append(1) or evaluation_engine(*a))
    assert main(["score", "--clip", content_clip, str(style_path), styled_clip, "--weights",
                 str(approx_weights_path), "--width", "48", "--json", str(report), "--flows-dir", str(folder)]) == 0
    assert len(built) == 1  # three frames, one engine: reloaded with each frame's content
    (clip,) = json.loads(report.read_text())["clips"]
    expected = []
    for k in (1, 2):
        pair = flow_pair(content[k - 1], content[k])
        expected.append(temporal_error(styled[k - 1], styled[k], pair.backward,
                                       consistency_weights(pair.backward, pair.forward)))
    assert clip["temporal_errors"] == pytest.approx(expected, rel=1e-6)
    assert clip["mean_temporal_error"] == pytest.approx(np.mean(expected), rel=1e-6)
    assert (folder / "backward_2_1.flo").is_file()  # the flows kept where --flows-dir says
    config = Config(weights=str(approx_weights_path), width=48)
    for k, frame in enumerate(clip["frames"]):
        still = score(folder / "content" / f"{k:04d}.png", style_path, [folder / "styled" / f"{k:04d}.png"], config,
                      vgg=vgg).images[0]
        assert frame["losses"] == pytest.approx(still.losses, rel=1e-6), k
        assert [t["value"] for t in frame["terms"]] == pytest.approx([t.value for t in still.terms], rel=1e-6), k


@pytest.mark.parametrize("case, parts", [
    ("fewer frames", ("2 frames", "3", "same frames")),
    ("another size", ("40x30", "48x36", "--width 40")),
    ("a still image", ("1 frame", "not a clip")),
])
def test_a_bad_clip_is_one_line_and_exit_2(clips, case, parts, style_path, approx_weights_path, tmp_path, capsys):
    folder, content, styled, content_clip, styled_clip = clips
    if case == "fewer frames":
        stylised = write_frames(tmp_path / "two", styled[:2])
    elif case == "another size":
        stylised = write_frames(tmp_path / "small", [np.array(Image.fromarray(f).resize((40, 30))) for f in styled])
    else:
        stylised = str(tmp_path / "still.png")
        Image.fromarray(styled[0]).save(stylised)
    status = main(["score", "--clip", content_clip, str(style_path), stylised, "--weights", str(approx_weights_path),
                   "--width", "48", "--json", str(tmp_path / "scores.json")])
    assert status == 2
    assert_says(capsys.readouterr().err.strip(), *parts)
    assert not (tmp_path / "scores.json").exists()
