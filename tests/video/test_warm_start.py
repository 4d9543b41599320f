"""A later frame's start and temporal inputs: earlier frames warped into it along the pan (so that they match it
where the flow is reliable), one per --temporal-frames offset, closest first; the start is the previous frame
warped, its unreliable pixels the frame's own --init."""
import numpy as np
import pytest

from clips import pan, photo, write_clip_with_pyav
from legacy_nst import Config
from legacy_nst.config.groups.video import VideoOptions
from legacy_nst.io.images import resize, to_network
from legacy_nst.io.video import open_clip
from legacy_nst.problem import initial_image
from legacy_nst.run.prepare import prepare
from legacy_nst.video.run import plan_video, warm_start

SIZE = (36, 48)


@pytest.fixture(scope="module")
def clip_path(tmp_path_factory, shared_dir):
    frames = pan(photo(shared_dir, width=160), 3, step=(0, 2), origin=(30, 20), size=SIZE)
    return write_clip_with_pyav(tmp_path_factory.mktemp("clip") / "pan.mp4", frames)


def test_earlier_frames_are_warped_into_the_frame_closest_first_and_start_it_where_reliable(
        tmp_path, clip_path, style_path, approx_weights_path, vgg):
    config = Config(weights=str(approx_weights_path), width=48, seed=0, init="noise")
    (tmp_path / "frames").mkdir()
    setup = plan_video(str(clip_path), str(style_path), str(tmp_path / "out.mp4"), config,
                       VideoOptions(temporal_frames="2,1", frames_dir=str(tmp_path / "frames")))
    contents = dict(enumerate(image for _, image in open_clip(clip_path).frames()))
    # The content frames stand in for the stylised ones: warped along the true motion, they match frame 2.
    stylised = {position: resize(image, setup.size) for position, image in contents.items()}
    prepared = prepare(contents[2], str(style_path), setup.later, vgg=vgg)
    start, inputs = warm_start(setup, prepared, 2, 2, contents, stylised)
    mean = vgg.mean_pixel
    target = to_network(stylised[2], mean)[0]
    previous = inputs["previous"]
    assert len(previous) == 2 and start.shape == (1, *SIZE, 3)
    for offset, (warped, weights) in zip((1, 2), previous):
        reliable = weights[0, ..., 0] > 0.5
        assert 0.7 < reliable.mean() < 1 and not reliable[:, -2 * offset:].any()  # the columns the pan uncovers
        assert np.abs(warped[0] - target)[reliable].mean() < 3, offset  # levels, after H.264 and bilinear warping
    own = initial_image(setup.later, target[None], to_network(resize(prepared.inputs.styles_rgb[0], setup.size),
                                                              mean), setup.size, mean)[0]
    reliable = previous[0][1][0, ..., 0] > 0.5
    assert np.array_equal(start[0][reliable], previous[0][0][0][reliable])
    assert np.array_equal(start[0][~reliable], own[~reliable])


def test_under_luminance_control_a_later_frame_starts_and_is_held_on_grey_images_as_the_network_sees_them(
        tmp_path, clip_path, style_path, approx_weights_path, vgg):
    # --color-control luminance: the levels optimise on the content's luminance as a grey image (run.control);
    # the frame's own init for the unreliable pixels and the warped earlier frames must be grey too.
    config = Config(weights=str(approx_weights_path), width=48, seed=0, init="content", color_control="luminance")
    (tmp_path / "frames").mkdir()
    setup = plan_video(str(clip_path), str(style_path), str(tmp_path / "out.mp4"), config,
                       VideoOptions(temporal_frames="1", frames_dir=str(tmp_path / "frames")))
    contents = dict(enumerate(image for _, image in open_clip(clip_path).frames()))
    stylised = {position: resize(image, setup.size) for position, image in contents.items()}  # in colour
    prepared = prepare(contents[1], str(style_path), setup.later, vgg=vgg)
    start, inputs = warm_start(setup, prepared, 1, 1, contents, stylised)
    reliable = inputs["previous"][0][1][0, ..., 0] > 0.5
    assert 0 < reliable.mean() < 1
    for image in (start[0], inputs["previous"][0][0][0]):
        rgb = image + vgg.mean_pixel
        assert np.abs(rgb[..., 0] - rgb[..., 1]).max() < 1e-3 and np.abs(rgb[..., 1] - rgb[..., 2]).max() < 1e-3
    # The unreliable pixels are the frame's own --init content: its luminance (YIQ's Y, rounded as the control's).
    luma = np.rint(resize(contents[1], setup.size).astype(np.float64) @ [0.299, 0.587, 0.114])
    assert np.abs((start[0] + vgg.mean_pixel)[..., 0][~reliable] - luma[~reliable]).max() <= 1.0
