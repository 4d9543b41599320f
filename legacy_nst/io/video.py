"""Video clips in and out, through PyAV (FFmpeg's libraries): any video FFmpeg reads, or a numbered image sequence.

`open_clip(source)` describes a clip (`Clip`: size, frame count, frame rate as a Fraction, duration, audio) and
reads its frames as uint8 (H, W, 3) RGB by index range (`Clip.frames(start, stop, every)`), upright (a phone's
display rotation applied), decoding only the first frame up front. A source with a printf-style number
(`frames/%04d.png`) is an image sequence; its first number is found as FFmpeg's image2 demuxer finds it (the
first of 0-4 that exists), its frames are read by io.images (colour-managed like any input) and its frame rate
is image2's 25 unless given. The frame count is the container's, counted by demuxing when it does not say.

`write_clip(path, frames, frame_rate, ...)` writes .mp4/.mov/.mkv as H.264 (libx264, yuv420p, CRF 10 by default:
near-lossless) frame for frame at the given rate, carrying a source clip's audio over, or an image sequence of
PNGs. It returns the notes the caller should print (odd size padded, audio re-encoded or dropped). Every write is
atomic (io.atomic): on any failure the output is untouched. Bad input is one line: NSTError/ConfigError.
"""
import contextlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain
from typing import Iterator, Optional, Tuple

import av
import numpy as np
from av.video.reformatter import Interpolation

from ..errors import ConfigError, NSTError
from .atomic import atomic_write, check_directory
from .images import read_image, save_image

PATTERN_FRAME_RATE = Fraction(25)  # FFmpeg's image2 demuxer reads a sequence at 25 frames per second by default
START_NUMBER_RANGE = 5  # image2's start_number_range: the first file is looked for at numbers 0-4
# Decoding to RGB: swscale's fast path shifts chroma (a mean bias of about -1.5 levels per channel on yuv420p);
# full chroma interpolation with accurate rounding does not.
_TO_RGB = Interpolation.BICUBIC | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT
_NUMBER = re.compile(r"%(0?\d*)d")

DEFAULT_CRF = 10  # libx264's constant rate factor: 0 is lossless, 18 "visually lossless", 23 its default
VIDEO_FORMATS = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska"}  # extension -> FFmpeg muxer
PATTERN_EXTENSIONS = (".png",)
# Audio codecs each container takes as they are (FFmpeg's muxers refuse the others, which go in as AAC); None: any.
KEPT_AUDIO = {"mp4": {"aac", "mp3", "alac", "ac3", "eac3", "opus", "flac"},
              "mov": {"aac", "mp3", "alac", "ac3", "eac3", "pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_f32le"},
              "matroska": None}
_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "4.0", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}  # FFmpeg's defaults
_FROM_RGB = Interpolation.AREA | Interpolation.ACCURATE_RND
_BT709, _LIMITED_RANGE = 1, 1  # AVCOL_SPC/PRI/TRC_BT709 and AVCOL_RANGE_MPEG: the tags of the colours we encode


@dataclass(frozen=True)
class Clip:
    """An opened clip: what it is, and its frames on demand (`frames`)."""

    source: str  # the video file or the image pattern
    width: int
    height: int
    frame_count: int
    frame_rate: Fraction  # frames per second
    duration: Fraction  # seconds
    codec: str  # the video codec ("image sequence" for a pattern)
    audio_codecs: Tuple[str, ...] = ()  # one per audio stream
    start_number: Optional[int] = None  # an image sequence's first number; None for a video file
    rotation: int = 0  # degrees counter-clockwise that frames are turned to stand upright (a phone's display matrix)

    @property
    def has_audio(self):
        return bool(self.audio_codecs)

    @property
    def is_pattern(self):
        return self.start_number is not None

    def indices(self, start=0, stop=None, every=1):
        """The frame indices (0-based, in the clip) that start/stop/every select, checked against the clip."""
        stop = self.frame_count if stop is None else stop
        if not 0 <= start < self.frame_count:
            raise ConfigError(f"{self.source}: start frame {start} is outside the clip's frames 0-"
                              f"{self.frame_count - 1}; give a frame in that range")
        if not start < stop <= self.frame_count:
            raise ConfigError(f"{self.source}: end frame {stop} must be after the start frame {start} and at most "
                              f"the frame count {self.frame_count}; give an end in that range")
        if every < 1:
            raise ConfigError(f"every {every}: must be at least 1; give a positive step")
        return range(start, stop, every)

    def frames(self, start=0, stop=None, every=1) -> Iterator[Tuple[int, np.ndarray]]:
        """(index, uint8 (H, W, 3) RGB) for each selected frame, in order; a video decodes from its start."""
        wanted = self.indices(start, stop, every)
        reader = _pattern_frames if self.is_pattern else _video_frames
        for index, image in reader(self, wanted.stop):
            if index in wanted:
                yield index, image

    def frame_path(self, index):
        """The file of an image sequence's frame `index` (0-based)."""
        return _pattern_path(self.source, self.start_number + index)


@dataclass(frozen=True)
class Written:
    """A written clip: its path, frame count, size as written (padded) and the notes to print."""

    path: str
    frame_count: int
    width: int
    height: int
    notes: Tuple[str, ...] = ()


def open_clip(source, *, frame_rate=None, start_number=None) -> Clip:
    """Describe a video file or an image sequence (`frames/%04d.png`), reading as little as it must.

    `frame_rate` and `start_number` apply to image sequences (25 and image2's search by default).
    """
    source = os.fspath(source)
    if is_pattern(source):
        return _open_pattern(source, frame_rate, start_number)
    if not os.path.isfile(source):
        raise NSTError(f"{source}: no such file; check the path (an image sequence needs a number like %04d)")
    return _open_video(source)


def is_pattern(path):
    """True for a printf-style image sequence (one %d or %0Nd, %% for a literal %) that is not a file itself."""
    path = os.fspath(path)
    plain = path.replace("%%", "")
    return not os.path.exists(path) and len(_NUMBER.findall(plain)) == 1 and plain.count("%") == 1


# ---------------------------------------------------------------- video files


def _open_video(source):
    try:
        container = av.open(source)
    except av.error.FFmpegError as exc:
        raise NSTError(f"{source}: not a video FFmpeg can read ({_reason(exc)}); give a video file or an image "
                       f"pattern like frames/%04d.png") from None
    with container:
        if not container.streams.video:
            kinds = ", ".join(sorted({s.type for s in container.streams})) or "nothing"
            raise NSTError(f"{source}: has no video stream (it holds {kinds}); give a video")
        stream = container.streams.video[0]
        count = stream.frames or sum(1 for packet in container.demux(stream) if packet.size)
        if count == 0:
            raise NSTError(f"{source}: its video stream has no frames; give a clip with at least one frame")
        rotation = _first_frame_rotation(source, stream)
        rate = Fraction(stream.average_rate or stream.guessed_rate or PATTERN_FRAME_RATE)
        duration = Fraction(stream.duration * stream.time_base) if stream.duration else Fraction(count) / rate
        audio = tuple(s.codec_context.name if s.codec_context else "unknown" for s in container.streams.audio)
        size = (stream.codec_context.width, stream.codec_context.height)
        return Clip(source, *(size[::-1] if rotation % 180 else size), count, rate, duration,
                    stream.codec_context.name, audio, rotation=rotation)


def _first_frame_rotation(source, stream):
    """Decode the first frame (an unknown codec or undecodable data fails here, not hours into a run); its
    display rotation, to the nearest quarter turn (FFmpeg's command line turns frames upright the same way)."""
    if stream.codec_context is None:
        raise NSTError(f"{source}: its video codec has no decoder in this FFmpeg; convert it first, e.g. "
                       f"ffmpeg -i {source} -c:v libx264 -crf 10 converted.mp4")
    try:
        with av.open(source) as container:
            for frame in container.decode(video=0):
                return round(frame.rotation / 90) % 4 * 90
    except av.error.FFmpegError as exc:
        raise NSTError(f"{source}: its {stream.codec_context.name} video cannot be decoded ({_reason(exc)}); "
                       f"convert it first, e.g. ffmpeg -i {source} -c:v libx264 -crf 10 converted.mp4") from None
    raise NSTError(f"{source}: no frame of its {stream.codec_context.name} video decodes; convert it first, "
                   f"e.g. ffmpeg -i {source} -c:v libx264 -crf 10 converted.mp4")


def _video_frames(clip, stop):
    with av.open(clip.source) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        decoded = enumerate(container.decode(stream))
        while True:
            try:
                index, frame = next(decoded, (stop, None))
            except av.error.FFmpegError as exc:
                raise NSTError(f"{clip.source}: a frame after the first cannot be decoded ({_reason(exc)}); the file "
                               f"is damaged: re-encode it, e.g. ffmpeg -i {clip.source} repaired.mp4") from None
            if index >= stop:
                return
            image = frame.to_ndarray(format="rgb24", src_color_range=frame.color_range, interpolation=_TO_RGB)
            yield index, np.ascontiguousarray(np.rot90(image, clip.rotation // 90)) if clip.rotation else image


def _reason(exc):
    return getattr(exc, "strerror", None) or str(exc).split(":")[0]


# ---------------------------------------------------------------- image sequences


def _pattern_path(pattern, number):
    return pattern % number


def _open_pattern(pattern, frame_rate, start_number):
    if not os.path.isdir(os.path.dirname(pattern) or "."):
        raise NSTError(f"{pattern}: folder {os.path.dirname(pattern)} does not exist; check the pattern")
    candidates = range(START_NUMBER_RANGE) if start_number is None else [start_number]
    first = next((n for n in candidates if os.path.isfile(_pattern_path(pattern, n))), None)
    if first is None:
        looked = " to ".join(dict.fromkeys(_pattern_path(pattern, n) for n in (candidates[0], candidates[-1])))
        raise NSTError(f"{pattern}: no file matches (looked for {looked}); check the pattern and the first "
                       f"frame's number")
    count = 1
    while os.path.isfile(_pattern_path(pattern, first + count)):
        count += 1
    height, width = read_image(_pattern_path(pattern, first)).shape[:2]
    rate = Fraction(frame_rate) if frame_rate is not None else PATTERN_FRAME_RATE
    if rate <= 0:
        raise ConfigError(f"frame rate {frame_rate}: must be positive; give frames per second, e.g. 25")
    return Clip(pattern, width, height, count, rate, Fraction(count) / rate, "image sequence", (), first)


def _pattern_frames(clip, stop):
    for index in range(stop):
        image = read_image(clip.frame_path(index))
        if image.shape[:2] != (clip.height, clip.width):
            raise NSTError(f"{clip.frame_path(index)}: is {image.shape[1]}x{image.shape[0]}, the sequence's "
                           f"first frame is {clip.width}x{clip.height}; give frames of one size")
        yield index, image




# ---------------------------------------------------------------- writing


def check_output(path, source=None):
    """The container format ("pattern" for an image sequence) of an output path, checked before any work.

    Refuses an unknown extension, a missing folder, a number outside the file name, and an output equal to
    the input `source`.
    """
    path = os.fspath(path)
    extension = os.path.splitext(path)[1].lower()
    if is_pattern(path):
        if extension not in PATTERN_EXTENSIONS or len(_NUMBER.findall(os.path.basename(path))) != 1:
            raise ConfigError(f"{path}: an image sequence is written as numbered PNG files; give a pattern like "
                              f"out/%04d.png")
        container_format = "pattern"
    elif extension in VIDEO_FORMATS:
        container_format = VIDEO_FORMATS[extension]
    else:
        raise ConfigError(f"{path}: unknown output extension {extension or '(none)'}; use "
                          f"{', '.join(VIDEO_FORMATS)} or an image pattern like out/%04d.png")
    check_directory(path)
    if source is not None and os.path.realpath(path) == os.path.realpath(os.fspath(source)):
        raise ConfigError(f"{path}: is the input clip; give another output path")
    return container_format


def write_clip(path, frames, frame_rate, *, audio_from=None, audio_window=None, crf=DEFAULT_CRF,
               start_number=1) -> Written:
    """Write uint8 (H, W, 3) RGB frames to a video (.mp4/.mov/.mkv) or an image pattern (.png), atomically.

    A video is H.264 (libx264, yuv420p, BT.709 limited range, `crf`) at `frame_rate` (frames per second, a
    Fraction keeps 30000/1001 exact), one frame per frame given; an odd size is padded by one pixel. `audio_from`
    (a Clip) gives the audio stream(s) to carry over: packets as they are where the container takes the codec
    (KEPT_AUDIO), else re-encoded to AAC; `audio_window` (start, end) in seconds of the source keeps only that
    part, shifted to start at 0. An image pattern's files are numbered from `start_number`.
    """
    path = os.fspath(path)
    container_format = check_output(path, audio_from.source if audio_from is not None else None)
    rate = _frame_rate(frame_rate)
    if not 0 <= crf <= 51:
        raise ConfigError(f"crf {crf}: libx264's quality goes from 0 (lossless) to 51; give a value in 0-51")
    frames = _checked_frames(path, frames)
    first = next(frames, None)
    if first is None:
        raise NSTError(f"{path}: no frames to write; give at least one frame")
    frames = chain([first], frames)
    if container_format == "pattern":
        return _write_pattern(path, frames, audio_from, start_number)
    return _write_video(path, container_format, frames, first.shape[:2], rate, crf, audio_from, audio_window)


def _frame_rate(frame_rate):
    rate = Fraction(frame_rate).limit_denominator(1_000_000)
    if rate <= 0:
        raise ConfigError(f"frame rate {frame_rate}: must be positive; give frames per second, e.g. 25")
    return rate


def _checked_frames(path, frames):
    shape = None
    for number, image in enumerate(frames):
        image = np.asarray(image)
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise NSTError(f"{path}: frame {number} is {image.dtype} {image.shape}, not uint8 (H, W, 3) RGB; "
                           f"convert the frames before writing")
        if shape is not None and image.shape != shape:
            raise NSTError(f"{path}: frame {number} is {image.shape[1]}x{image.shape[0]}, the first was "
                           f"{shape[1]}x{shape[0]}; give frames of one size")
        shape = image.shape
        yield image


def _write_video(path, container_format, frames, size, rate, crf, audio_from, audio_window):
    height, width = size
    padded = (height + height % 2, width + width % 2)
    notes = []
    if padded != size:
        notes.append(f"{path}: {width}x{height} is odd and H.264 in yuv420p needs even sizes; padded to "
                     f"{padded[1]}x{padded[0]} by repeating the last column/row")
    written = 0

    def write(handle):
        nonlocal written
        with av.open(handle, "w", format=container_format) as output, _audio_source(audio_from) as source:
            video = _video_stream(output, padded, rate, crf)
            audio = _audio_streams(output, container_format, source, notes, path)
            for image in frames:
                output.mux(video.encode(_yuv_frame(_pad(image, padded), written)))
                written += 1
            output.mux(video.encode(None))
            if audio:
                _carry_audio(output, source, audio, audio_window)

    atomic_write(path, write=write, verify=lambda temporary: _check_written(temporary, container_format,
                                                                            written, path))
    return Written(path, written, padded[1], padded[0], tuple(notes))


def _video_stream(output, size, rate, crf):
    stream = output.add_stream("libx264", rate=rate, options={"crf": str(crf)})
    stream.height, stream.width = size
    stream.pix_fmt = "yuv420p"
    context = stream.codec_context
    context.colorspace = context.color_primaries = context.color_trc = _BT709
    context.color_range = _LIMITED_RANGE
    return stream


def _yuv_frame(image, pts):
    frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(
        format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG", interpolation=_FROM_RGB)
    frame.pts = pts
    return frame


def _pad(image, size):
    """Edge-replicate the last row/column up to `size` (height, width)."""
    extra = (size[0] - image.shape[0], size[1] - image.shape[1])
    return np.pad(image, ((0, extra[0]), (0, extra[1]), (0, 0)), mode="edge") if any(extra) else image


def _audio_source(audio_from):
    if audio_from is None or audio_from.is_pattern or not audio_from.has_audio:
        return contextlib.nullcontext()
    return av.open(audio_from.source)


def _audio_streams(output, container_format, source, notes, path):
    """[(input stream, output stream, copied?)] for every audio stream of `source`."""
    streams = []
    for stream in source.streams.audio if source is not None else ():
        name = stream.codec_context.name if stream.codec_context else "unknown"
        kept = KEPT_AUDIO[container_format]
        if stream.codec_context is not None and (kept is None or name in kept):
            streams.append((stream, output.add_stream_from_template(stream), True))
            continue
        channels = stream.layout.nb_channels if stream.codec_context else 2
        layout = _LAYOUTS.get(channels, stream.layout.name if stream.codec_context else "stereo")
        streams.append((stream, output.add_stream("aac", rate=stream.rate, layout=layout, format="fltp"), False))
        notes.append(f"{path}: the {name} audio of {source.name} cannot go into {os.path.splitext(path)[1]} as "
                     f"it is; re-encoded to AAC")
    return streams


def _carry_audio(output, source, streams, window):
    """Copy (or re-encode) the audio streams' packets, within `window`, into `output`."""
    outputs = {stream.index: (copy, copied) for stream, copy, copied in streams}
    for packet in source.demux([stream for stream, _, _ in streams]):
        if packet.dts is None:
            continue
        target, copied = outputs[packet.stream.index]
        if copied:
            if _in_window(packet, window):
                packet.stream = target
                output.mux(packet)
            continue
        for frame in packet.decode():
            if _in_window(frame, window):
                output.mux(target.encode(frame))
    for _, target, copied in streams:
        if not copied:
            output.mux(target.encode(None))


def _in_window(item, window):
    """Whether a packet or frame starts inside `window` (seconds); its timestamps move to the window's start."""
    if window is None:
        return True
    start, end = (Fraction(limit) for limit in window)
    stamp = item.pts if item.pts is not None else item.dts
    if not start <= stamp * item.time_base < end:
        return False
    shift = round(start / item.time_base)
    item.pts = None if item.pts is None else item.pts - shift
    if isinstance(item, av.Packet) and item.dts is not None:
        item.dts -= shift
    return True


def _check_written(temporary, container_format, expected, path):
    with av.open(temporary, format=container_format) as written:
        stream = written.streams.video[0]
        count = stream.frames or sum(1 for packet in written.demux(stream) if packet.size)
    if count != expected:
        raise NSTError(f"{path}: {expected} frames were encoded but the file holds {count}; report this")


def _write_pattern(path, frames, audio_from, start_number):
    """PNG files into a hidden folder beside them, renamed into place once all are written."""
    notes = []
    if audio_from is not None and audio_from.has_audio:
        notes.append(f"{path}: an image sequence holds no sound; the audio of {audio_from.source} is not written")
    directory = os.path.dirname(path) or "."
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(path).replace('%', '')}.", dir=directory)
    try:
        names = []
        for offset, image in enumerate(frames):
            names.append(os.path.basename(_pattern_path(path, start_number + offset)))
            save_image(os.path.join(staging, names[-1]), image)
        for name in names:
            os.replace(os.path.join(staging, name), os.path.join(directory, name))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    height, width = image.shape[:2]
    return Written(path, len(names), width, height, tuple(notes))
