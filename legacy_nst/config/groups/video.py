"""The options of `legacy-nst video` alone (group "video"): the frames it keeps, which frames, the temporal term's
earlier frames, the steps after the first frame and the overlap of --workers' segments. They are not Config
fields: the main command's options and --help stay as they are, and a video run takes a Config (every option of
the main command) and a VideoOptions.
"""
import dataclasses
import functools
from dataclasses import dataclass
from typing import Optional, Tuple

from ...errors import ConfigError
from ..checks import COUNT, Number, check_numbers
from ..roles import PATH, RESULT, option

DEFAULT_CRF = 10  # io.video's: near-lossless H.264
_video = functools.partial(option, group="video")


def parse_frame_offsets(text) -> Tuple[int, ...]:
    """--temporal-frames: '1' -> (1,); '4,1,2' -> (1, 2, 4): whole numbers >= 1, closest first, once each."""
    items = text if isinstance(text, (list, tuple)) else str(text).split(",")
    words = [item.strip() if isinstance(item, str) else item for item in items]
    if not words or not all((isinstance(v, int) and not isinstance(v, bool) and v >= 1)
                            or (isinstance(v, str) and v.isdigit() and int(v) >= 1) for v in words):
        raise ConfigError(f"--temporal-frames {text!r} is not a list of frame offsets; give whole numbers >= 1, "
                          f"e.g. 1 (the previous frame) or 1,2,4")
    return tuple(sorted({int(value) for value in words}))


@dataclass(frozen=True)
class VideoOptions:
    """What `legacy-nst video` adds to the main command's options."""

    frames_dir: Optional[str] = _video(
        None, "where each stylised frame (PNG), the optical flows (.flo) and their weights (.pgm) are kept, and what "
        "--resume continues (default: OUTPUT's name + '-frames')", metavar="DIR", roles=(PATH,))
    resume: bool = _video(
        False, "continue the run kept in --frames-dir: its finished frames are kept, the first missing one is "
        "computed next; the clip, styles, weights and options must be the run's")
    overwrite: bool = _video(
        False, "start afresh in a --frames-dir that holds a run's frames, deleting them (without it such a folder is "
        "refused: --resume continues it)")
    start_frame: int = _video(
        0, "first frame to stylise, counted from 0", metavar="N", roles=(RESULT,), number=COUNT)
    end_frame: Optional[int] = _video(
        None, "last frame to stylise, included, counted from 0 (default: the clip's last)", metavar="N",
        roles=(RESULT,), number=COUNT)
    every: int = _video(
        1, "stylise every N-th frame from --start-frame; the output's frame rate is divided by N, so its duration "
        "stays", metavar="N", roles=(RESULT,), number=Number(1, whole=True))
    frame_iterations: Optional[int] = _video(
        None, "optimizer steps of each frame after the first, which starts from the previous stylised frame warped "
        "by the optical flow (Ruder: 1000 after 2000; default: --iterations)", metavar="N", roles=(RESULT,),
        number=COUNT)
    temporal_frames: Tuple[int, ...] = _video(
        (1,), "the earlier frames each frame is held to by the temporal term (--temporal-weight), counted back in "
        "the frames stylised: 1 is the previous one, 1,2,4 adds long-term consistency with Ruder's closest-first "
        "weights (his -flow_relative_indices)", metavar="K[,K...]", parse=parse_frame_offsets, roles=(RESULT,))
    overlap: Optional[int] = _video(
        None, "with --workers N (the clip cut into N segments, each on a Ray worker): the frames each segment after "
        "the first starts before its own, stylised by both segments and cross-faded so the seam flickers no more "
        "than the rest (default: 4, or the most the segments allow; 0: a hard cut). The segments and their overlap "
        "are kept in --frames-dir's manifest for --resume", metavar="K", number=COUNT)
    crf: int = _video(
        DEFAULT_CRF, "H.264 quality of a video OUTPUT: 0 is lossless, 18 visually lossless, 23 libx264's default",
        metavar="Q", number=Number(0, 51, whole=True))

    def __post_init__(self):
        object.__setattr__(self, "temporal_frames", parse_frame_offsets(self.temporal_frames))
        check_numbers(self, VIDEO_FIELDS.values())
        if self.end_frame is not None and self.start_frame > self.end_frame:
            raise ConfigError(f"--start-frame {self.start_frame} is after --end-frame {self.end_frame}; give a start "
                              f"at or before the end")

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


VIDEO_FIELDS = {f.name: f for f in dataclasses.fields(VideoOptions)}
