"""A clip's later frames share one engine, reloaded frame after frame (video.clip, engines.kept): the frames it
writes are those of an engine built again for every frame (the graph engine told it cannot reload), PNG for PNG,
and their losses the same. (A temporal term of another form, which builds the engine again: tests/engines/
test_engine_reuse.py.)"""
from pathlib import Path

import numpy as np
import pytest

from clips import pan, photo, write_clip_with_pyav
from legacy_nst import Config
from legacy_nst.config.groups.video import VideoOptions
from legacy_nst.engines.graph import GraphEngine
from legacy_nst.io.images import read_image
from legacy_nst.video.run import run_video

pytestmark = pytest.mark.slow
SIZE = (36, 48)
FRAMES = 3


@pytest.fixture(scope="module")
def clip_path(tmp_path_factory, shared_dir):
    frames = pan(photo(shared_dir, width=160), FRAMES, step=(0, 2), origin=(30, 20), size=SIZE)
    return write_clip_with_pyav(tmp_path_factory.mktemp("clip") / "pan.mp4", frames)


def stylise(folder, clip_path, style_path, weights, vgg, monkeypatch, reloadable):
    """The clip's frames (uint8) and losses, and how many graph engines were built."""
    built = []
    construct = GraphEngine.__init__

    def counted(self, *args, **kwargs):
        built.append(1)
        construct(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(GraphEngine, "__init__", counted)
        patch.setattr(GraphEngine, "reloadable", reloadable)
        config = Config(weights=str(weights), width=48, optimizer="lbfgs", iterations=4, seed=0)
        result = run_video(str(clip_path), str(style_path), str(folder / "out.mp4"), config,
                           VideoOptions(frame_iterations=2), vgg=vgg)
    frames = [read_image(Path(result.frames_dir) / f"out-{index:05d}.png") for index in range(FRAMES)]
    losses = [{name: value for name, value in frame.losses.items() if name != "elapsed"} for frame in result.frames]
    return frames, losses, len(built)


def test_the_frames_of_a_shared_engine_are_those_of_an_engine_built_for_each_frame(
        tmp_path, clip_path, style_path, approx_weights_path, vgg, monkeypatch):
    (tmp_path / "kept").mkdir(), (tmp_path / "rebuilt").mkdir()
    kept, kept_losses, kept_built = stylise(tmp_path / "kept", clip_path, style_path, approx_weights_path, vgg,
                                            monkeypatch, reloadable=True)
    rebuilt, losses, rebuilt_built = stylise(tmp_path / "rebuilt", clip_path, style_path, approx_weights_path, vgg,
                                             monkeypatch, reloadable=False)
    assert (kept_built, rebuilt_built) == (2, FRAMES)  # frame 0's; frame 1's, which frame 2 reloads
    for ours, theirs in zip(kept, rebuilt):
        assert np.array_equal(ours, theirs)
    assert kept_losses == losses and all("temporal" in frame for frame in losses[1:])
