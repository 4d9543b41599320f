"""Clips in and out: any video FFmpeg reads or an image sequence, H.264 out with the frame rate, the frame count,
the duration and the soundtrack kept, and one line for every bad input with nothing half-written."""
from fractions import Fraction

import av
import numpy as np
import pytest
from PIL import Image

from clips import audio_samples, main_frequency, pan, photo, write_clip_with_pyav
from legacy_nst.errors import ConfigError, NSTError
from legacy_nst.io.video import check_output, open_clip, write_clip

NTSC = Fraction(30000, 1001)
SMALL = (48, 64)


@pytest.fixture(scope="module")
def frames(shared_dir):
    return pan(photo(shared_dir), 5, size=SMALL)


@pytest.fixture(scope="module")
def clip_path(tmp_path_factory, frames):
    """Five frames at 29.97 fps with a 440 Hz AAC soundtrack, written by PyAV directly."""
    return write_clip_with_pyav(tmp_path_factory.mktemp("clip") / "pan.mp4", frames, rate=NTSC)


def luma(images):
    images = np.asarray(images, float)
    return 0.2126 * images[..., 0] + 0.7152 * images[..., 1] + 0.0722 * images[..., 2]


def close_to(decoded, original):
    """H.264 at CRF 10: luma within 2 levels on average (1.2 measured; CRF 23 gives 4.9), the colours within 4.5
    (4:2:0 chroma on a busy 64x48 crop: 3.2-3.5), and no bias (a shifted chroma would show as one)."""
    difference = np.asarray(decoded, float) - np.asarray(original, float)
    assert np.abs(luma(decoded) - luma(original)).mean() < 2
    assert np.abs(difference).mean() < 4.5
    assert np.abs(difference.mean(axis=(0, 1, 2))).max() < 0.5
    return True


def test_a_video_is_described_exactly_and_its_frames_read_as_rgb(clip_path, frames):
    clip = open_clip(clip_path)
    assert (clip.width, clip.height, clip.frame_count) == (64, 48, 5)
    assert clip.frame_rate == NTSC and clip.duration == 5 / NTSC
    assert clip.codec == "h264" and clip.audio_codecs == ("aac",) and clip.has_audio and not clip.is_pattern
    read = list(clip.frames())
    assert [index for index, _ in read] == [0, 1, 2, 3, 4]
    assert all(image.dtype == np.uint8 and image.shape == (48, 64, 3) for _, image in read)
    assert close_to([image for _, image in read], frames)


@pytest.mark.parametrize("degrees", [90, -90, 180])
def test_a_phone_clip_with_a_display_rotation_is_read_upright(tmp_path, frames, degrees):
    """PyAV's documented convention: the display matrix turns the frame `degrees` counter-clockwise."""
    with av.open(str(tmp_path / "phone.mp4"), "w") as output:
        stream = output.add_stream("libx264", rate=25, options={"crf": "10"})
        stream.height, stream.width = SMALL
        stream.pix_fmt = "yuv420p"
        stream.set_display_rotation(degrees)
        for index, image in enumerate(frames[:2]):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    clip = open_clip(tmp_path / "phone.mp4")
    upright = [np.rot90(image, degrees // 90) for image in frames[:2]]
    assert (clip.height, clip.width) == upright[0].shape[:2] and clip.rotation == degrees % 360
    assert close_to([image for _, image in clip.frames()], upright)


def test_start_end_and_every_select_frames_by_index(clip_path):
    clip = open_clip(clip_path)
    everything = dict(clip.frames())
    chosen = list(clip.frames(start=1, stop=5, every=2))
    assert [index for index, _ in chosen] == [1, 3]
    np.testing.assert_array_equal(chosen[1][1], everything[3])
    assert clip.indices(2) == range(2, 5)
    for selection, match in [({"start": 5}, "start frame 5"), ({"start": 2, "stop": 2}, "end frame 2"),
                             ({"stop": 6}, "end frame 6"), ({"every": 0}, "every 0")]:
        with pytest.raises(ConfigError, match=match):
            clip.indices(**selection)


def test_a_video_round_trip_keeps_frame_count_rate_duration_and_pixels(tmp_path, clip_path, frames):
    source = open_clip(clip_path)
    written = write_clip(tmp_path / "out.mp4", [image for _, image in source.frames()], source.frame_rate)
    assert written.frame_count == 5 and written.notes == ()
    again = open_clip(tmp_path / "out.mp4")
    assert (again.frame_count, again.frame_rate, again.duration) == (5, NTSC, source.duration)
    assert close_to([image for _, image in again.frames()], frames)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.mp4"]


def test_the_audio_is_carried_packet_for_packet_where_the_container_takes_it(tmp_path, clip_path):
    source = open_clip(clip_path)
    write_clip(tmp_path / "out.mp4", [image for _, image in source.frames()], source.frame_rate, audio_from=source)
    with av.open(str(clip_path)) as before, av.open(str(tmp_path / "out.mp4")) as after:
        original = [bytes(packet) for packet in before.demux(audio=0) if packet.size]
        copied = [bytes(packet) for packet in after.demux(audio=0) if packet.size]
    assert copied == original and len(copied) > 3
    samples, rate = audio_samples(tmp_path / "out.mp4")
    assert abs(main_frequency(samples, rate) - 440) <= rate / len(samples)


def test_audio_the_container_refuses_is_re_encoded_to_aac_with_a_note(tmp_path, frames):
    source = open_clip(write_clip_with_pyav(tmp_path / "pcm.mkv", frames, audio_codec="pcm_s16le",
                                            frequency=1000.0))
    assert source.audio_codecs == ("pcm_s16le",)
    written = write_clip(tmp_path / "out.mp4", frames, source.frame_rate, audio_from=source)
    assert written.notes == (f"{tmp_path / 'out.mp4'}: the pcm_s16le audio of {tmp_path / 'pcm.mkv'} cannot go "
                             f"into .mp4 as it is; re-encoded to AAC",)
    assert open_clip(tmp_path / "out.mp4").audio_codecs == ("aac",)
    samples, rate = audio_samples(tmp_path / "out.mp4")
    assert abs(main_frequency(samples, rate) - 1000) <= rate / len(samples)
    assert write_clip(tmp_path / "out.mkv", frames, source.frame_rate, audio_from=source).notes == ()


def test_an_audio_window_keeps_that_part_of_the_soundtrack(tmp_path, clip_path):
    source = open_clip(clip_path)
    images = [image for _, image in source.frames(1, 3)]
    window = (1 / NTSC, 3 / NTSC)
    write_clip(tmp_path / "out.mp4", images, source.frame_rate, audio_from=source, audio_window=window)
    samples, rate = audio_samples(tmp_path / "out.mp4")
    whole, _ = audio_samples(clip_path)
    assert abs(len(samples) - float(window[1] - window[0]) * rate) <= 1024  # AAC packets are 1024 samples
    assert len(samples) < len(whole) - 1024


def test_an_odd_size_is_padded_by_repeating_the_edge_with_a_note(tmp_path, frames):
    odd = [image[:47, :63] for image in frames]
    written = write_clip(tmp_path / "odd.mp4", odd, 25)
    assert (written.width, written.height) == (64, 48)
    assert written.notes == (f"{tmp_path / 'odd.mp4'}: 63x47 is odd and H.264 in yuv420p needs even sizes; "
                             f"padded to 64x48 by repeating the last column/row",)
    decoded = [image for _, image in open_clip(tmp_path / "odd.mp4").frames()]
    assert close_to([image[:47, :63] for image in decoded], odd)
    edge = np.abs(np.asarray(decoded, float)[:, :47, 63] - np.asarray(odd, float)[:, :, 62])
    assert edge.mean() < 4  # the padded column repeats the last one, up to the codec's error


def test_an_image_sequence_is_found_from_its_first_number_and_read_as_written(tmp_path, frames):
    written = write_clip(tmp_path / "%03d.png", frames, 25, start_number=3)
    assert written.frame_count == 5
    assert sorted(path.name for path in tmp_path.iterdir()) == ["003.png", "004.png", "005.png", "006.png", "007.png"]
    clip = open_clip(tmp_path / "%03d.png", frame_rate=NTSC)
    assert (clip.start_number, clip.frame_count, clip.frame_rate, clip.codec) == (3, 5, NTSC, "image sequence")
    assert clip.frame_path(1) == str(tmp_path / "004.png")
    for (_, image), original in zip(clip.frames(), frames):
        np.testing.assert_array_equal(image, original)
    assert open_clip(tmp_path / "%03d.png", start_number=4).frame_count == 4


def test_a_sequence_written_with_a_soundtrack_says_the_sound_is_not_kept(tmp_path, clip_path, frames):
    written = write_clip(tmp_path / "%04d.png", frames[:2], 25, audio_from=open_clip(clip_path))
    assert written.notes == (f"{tmp_path / '%04d.png'}: an image sequence holds no sound; the audio of "
                             f"{clip_path} is not written",)


# ---------------------------------------------------------------- bad input: one line, nothing written


def mjpeg_avi(path, frames):
    """An AVI of MJPEG frames, written by PyAV (AVI names its codec by a FourCC that a test can change)."""
    with av.open(str(path), "w") as output:
        stream = output.add_stream("mjpeg", rate=25)
        stream.height, stream.width = frames[0].shape[:2] if frames else SMALL
        stream.pix_fmt = "yuvj420p"
        output.start_encoding()  # the header, even with no frame
        for index, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


def bad_sources(folder, frames):
    (folder / "notes.txt").write_text("not a video\n" * 20)
    with av.open(str(folder / "sound.wav"), "w") as output:
        stream = output.add_stream("pcm_s16le", rate=8000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    mjpeg_avi(folder / "empty.avi", [])
    data = mjpeg_avi(folder / "codec.avi", frames[:2]).read_bytes()
    (folder / "codec.avi").write_bytes(data.replace(b"MJPG", b"QQQQ"))  # a FourCC no decoder knows
    movie = data.index(b"movi")
    (folder / "damaged.avi").write_bytes(data[:movie + 20] + np.random.default_rng(0).integers(
        0, 256, 2000, dtype=np.uint8).tobytes() + data[movie + 2020:])
    return {"notes.txt": "not a video FFmpeg can read", "sound.wav": r"has no video stream \(it holds audio\)",
            "empty.avi": "its video stream has no frames", "codec.avi": "its video codec has no decoder",
            "damaged.avi": "its mjpeg video cannot be decoded", "missing.mp4": "no such file",
            "%04d.png": r"no file matches \(looked for .*0000.png to .*0004.png\)"}


def test_every_bad_source_is_refused_in_one_line_and_writes_nothing(tmp_path, frames):
    expected = bad_sources(tmp_path, frames)
    before = sorted(tmp_path.iterdir())
    for name, message in expected.items():
        with pytest.raises(NSTError, match=message) as error:
            open_clip(tmp_path / name)
        assert "\n" not in str(error.value) and "; " in str(error.value), name
    assert sorted(tmp_path.iterdir()) == before


def test_a_sequence_with_a_frame_of_another_size_is_refused_when_read(tmp_path, frames):
    for number, image in enumerate(frames[:3]):
        Image.fromarray(image if number != 2 else image[:40]).save(tmp_path / f"{number:02d}.png")
    clip = open_clip(tmp_path / "%02d.png")
    with pytest.raises(NSTError, match="02.png: is 64x40, the sequence's first frame is 64x48"):
        list(clip.frames())


def test_bad_outputs_are_refused_before_any_work_in_one_line(tmp_path, clip_path, frames):
    for path, error, message in [
            (tmp_path / "out.avi", ConfigError, r"unknown output extension .avi; use .mp4, .mov, .mkv"),
            (tmp_path / "out", ConfigError, r"unknown output extension \(none\)"),
            (tmp_path / "%04d.jpg", ConfigError, "numbered PNG files"),
            (tmp_path / "f%02d" / "x.png", ConfigError, "numbered PNG files"),
            (tmp_path / "no" / "out.mp4", NSTError, "does not exist"),
            (clip_path, ConfigError, "is the input clip")]:
        with pytest.raises(error, match=message) as raised:
            write_clip(path, frames, 25, audio_from=open_clip(clip_path))
        assert "\n" not in str(raised.value)
    with pytest.raises(ConfigError, match="crf 60"):
        write_clip(tmp_path / "out.mp4", frames, 25, crf=60)
    assert check_output(tmp_path / "out.mkv") == "matroska"
    assert list(tmp_path.iterdir()) == []


def failing_after(frames, count):
    yield from frames[:count]
    raise NSTError("the run stopped; resume it")


@pytest.mark.parametrize("name", ["out.mp4", "%04d.png"])
def test_a_write_that_fails_half_way_leaves_the_old_output_or_nothing(tmp_path, frames, name):
    with pytest.raises(NSTError, match="the run stopped"):
        write_clip(tmp_path / name, failing_after(frames, 3), 25)
    assert list(tmp_path.iterdir()) == []
    if name == "out.mp4":
        write_clip(tmp_path / name, frames[:2], 25)
        kept = (tmp_path / name).read_bytes()
        with pytest.raises(NSTError, match="frame 2 is 32x48, the first was 64x48"):
            write_clip(tmp_path / name, frames[:2] + [frames[2][:, :32]], 25)
        assert (tmp_path / name).read_bytes() == kept and len(list(tmp_path.iterdir())) == 1


def test_no_frames_or_frames_that_are_not_uint8_rgb_are_refused(tmp_path, frames):
    with pytest.raises(NSTError, match="no frames to write"):
        write_clip(tmp_path / "out.mp4", [], 25)
    with pytest.raises(NSTError, match=r"frame 0 is float64 \(48, 64, 3\), not uint8"):
        write_clip(tmp_path / "out.mp4", [frames[0] / 255.0], 25)
    with pytest.raises(ConfigError, match="frame rate 0"):
        write_clip(tmp_path / "out.mp4", frames, 0)
    assert list(tmp_path.iterdir()) == []
