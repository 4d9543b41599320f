"""Small test clips with an exact known motion, made from a shared photo, and the raw PyAV to write them.

A camera pan crops a downscaled photo at an offset that moves by whole pixels, so the flow is known exactly; a
zoom resamples it about the frame's centre. The clips are written with PyAV directly (not by legacy_nst.io.video),
with a sine soundtrack, so that the reader is checked against an independent writer.
"""
from fractions import Fraction

import av
import cv2
import numpy as np
from PIL import Image

SIZE = (72, 96)  # (height, width) of the flow clips


def photo(shared_dir, width=256):
    """The shared Tübingen photo, downscaled to `width` (RGB uint8): texture at a small size."""
    image = Image.open(shared_dir / "images" / "tubingen.jpg").convert("RGB")
    height = round(image.height * width / image.width)
    return np.array(image.resize((width, height), Image.Resampling.LANCZOS))


def pan(picture, frames, step=(2, 3), origin=(80, 40), size=SIZE):
    """The camera moves by `step` (down, right) pixels a frame: frame k is the crop at origin + k * step."""
    (top, left), (height, width) = origin, size
    return [picture[top + k * step[0]:top + k * step[0] + height, left + k * step[1]:left + k * step[1] + width]
            for k in range(frames)]


def pan_flow(step=(2, 3), size=SIZE, frames_apart=1):
    """The exact flow from frame k to frame k + frames_apart of `pan`: the scene moves against the camera."""
    flow = np.zeros(size + (2,), np.float32)
    flow[..., 0], flow[..., 1] = -step[1] * frames_apart, -step[0] * frames_apart
    return flow


def zoom(picture, frames, factor=1.04, origin=(20, 30), size=SIZE):
    """The camera zooms in by `factor` a frame about the centre of the region at `origin` of twice the size."""
    height, width = size
    region = picture[origin[0]:origin[0] + 2 * height, origin[1]:origin[1] + 2 * width]
    centre, region_centre = np.array([(width - 1) / 2, (height - 1) / 2]), np.array([width - 0.5, height - 0.5])
    clips = []
    for k in range(frames):
        scale = factor ** k  # frame pixel p shows region point region_centre + (p - centre) / scale
        matrix = np.array([[1 / scale, 0, region_centre[0] - centre[0] / scale],
                           [0, 1 / scale, region_centre[1] - centre[1] / scale]])
        clips.append(cv2.warpAffine(region, matrix, (width, height), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                                    borderMode=cv2.BORDER_REFLECT))
    return clips


def zoom_flow(factor=1.04, size=SIZE):
    """The exact flow from frame k to frame k + 1 of `zoom`: every point moves away from the centre."""
    height, width = size
    rows, columns = np.indices(size, dtype=np.float32)
    return np.stack([(factor - 1) * (columns - (width - 1) / 2), (factor - 1) * (rows - (height - 1) / 2)], axis=2)


def sine(seconds, frequency=440.0, rate=44100):
    """A mono sine at half scale, float32 (1, samples)."""
    time = np.arange(int(round(seconds * rate))) / rate
    return (0.5 * np.sin(2 * np.pi * frequency * time)).astype(np.float32)[None]


def write_clip_with_pyav(path, frames, rate=Fraction(25), audio_codec="aac", frequency=440.0, container=None):
    """H.264 frames and, unless audio_codec is None, a sine soundtrack as long as the video, in `path`."""
    output = av.open(str(path), "w", format=container)
    video = output.add_stream("libx264", rate=rate, options={"crf": "10"})
    video.height, video.width = frames[0].shape[:2]
    video.pix_fmt = "yuv420p"
    audio = None if audio_codec is None else output.add_stream(
        audio_codec, rate=44100, layout="mono", format="s16" if audio_codec.startswith("pcm") else "fltp")
    for index, image in enumerate(frames):
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = index
        output.mux(video.encode(frame))
    output.mux(video.encode(None))
    if audio is not None:
        samples = sine(len(frames) / rate, frequency)
        if audio_codec.startswith("pcm"):
            samples = (samples * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(samples, format="s16" if samples.dtype == np.int16 else "flt",
                                           layout="mono")
        frame.sample_rate, frame.pts = 44100, 0
        output.mux(audio.encode(frame))
        output.mux(audio.encode(None))
    output.close()
    return path


def audio_samples(path):
    """Every decoded sample of the first audio stream, mono float64, and its rate."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        frames = [frame.to_ndarray().astype(np.float64) for frame in container.decode(stream)]
        return np.concatenate([frame.reshape(frame.shape[0], -1)[0] for frame in frames]), stream.rate


def main_frequency(samples, rate):
    """The strongest frequency of a signal (Hann window), in Hz, to a resolution of rate / len(samples)."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return np.argmax(spectrum) * rate / len(samples)
