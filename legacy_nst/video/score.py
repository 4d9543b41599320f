"""A stylised clip scored as research comparisons need it (`legacy-nst score --clip`): ours, another tool's or a
frame-by-frame run's, a video file or an image pattern, against the content clip.

- The temporal error of each consecutive pair (video.measure), under the content clip's own DIS flows and
  consistency weights at the scoring size (motion.flow; kept in and read from `flows_dir` through
  motion.cache.flows_for when one is given, e.g. a video run's frames folder, else computed and dropped).
- Each frame's losses exactly as the still score takes them (run.score.score: the frame's content, the styles,
  the objective of `config` at the scoring size), the weights loaded once and one evaluation engine kept for
  the whole clip (engines.kept: its content targets measured again for each frame, its style targets once);
  every stylised clip's frame is scored on that frame's engine.

The stylised clips must have the content clip's frame count and be at the scoring size (the content's working
size as a run computes it: --width/--height, --image-size, the preset's): a stylised clip is not resized, since
the flows are measured at that size. Every check is made before the weights are loaded.
"""
import os
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from ..config import Config
from ..engines.kept import KeptEngine
from ..errors import ConfigError
from ..io.images import as_rgb_image
from ..io.video import open_clip
from ..motion.cache import flows_for
from ..motion.flow import consistency_weights, flow_pair
from ..run.score import ImageScore, Scores, score
from ..vgg.matfile import load_vgg19
from .measure import temporal_error


@dataclass(frozen=True)
class ClipScore:
    """One stylised clip: each frame's still score and each consecutive pair's temporal error."""

    name: str
    frames: Tuple[ImageScore, ...]
    temporal_errors: Tuple[float, ...]  # pair (k, k + 1) at k

    @property
    def mean_temporal_error(self) -> float:
        return float(np.mean(self.temporal_errors)) if self.temporal_errors else float("nan")

    def mean_losses(self) -> dict:
        """Each loss ('total', 'content', 'style'[, 'tv']) averaged over the frames."""
        return {name: float(np.mean([frame.losses[name] for frame in self.frames])) for name in self.frames[0].losses}


@dataclass(frozen=True)
class ClipScores:
    """Every stylised clip scored against one content clip, one objective, at one size."""

    content: str
    size: Tuple[int, int]  # (height, width)
    normalization: str
    group_weights: dict
    clips: Tuple[ClipScore, ...]

    def frame_scores(self) -> Scores:
        """The frames as a still Scores (each named 'NAME #k'), for the still score's table."""
        images = tuple(ImageScore(f"{clip.name} #{k}", frame.losses, frame.terms, frame.read_size)
                       for clip in self.clips for k, frame in enumerate(clip.frames))
        return Scores(self.size, self.normalization, self.group_weights, images)

    def to_json(self) -> dict:
        frames = self.frame_scores().to_json()
        per_clip = len(self.clips[0].frames)
        return {**{key: frames[key] for key in ("width", "height", "normalization", "group_weights")},
                "content": self.content, "flows": "OpenCV DIS between the content clip's frames at the scoring size",
                "clips": [{"clip": clip.name, "temporal_errors": list(clip.temporal_errors),
                           "mean_temporal_error": clip.mean_temporal_error, "mean_losses": clip.mean_losses(),
                           "frames": frames["images"][n * per_clip:(n + 1) * per_clip]}
                          for n, clip in enumerate(self.clips)]}


def check_clips(content, stylised, config):
    """The opened clips (io.video.Clip) and the scoring size (height, width), checked: two frames or more, the
    same frame count, each stylised clip at the content's working size."""
    content_clip = open_clip(content)
    size = config.working_size((content_clip.height, content_clip.width))
    clips = [open_clip(path) for path in stylised]
    for clip in (content_clip, *clips):
        if clip.frame_count < 2:
            raise ConfigError(f"{clip.source} has {clip.frame_count} frame(s): not a clip; score a still image with "
                              f"'legacy-nst score CONTENT STYLE IMAGE', or give a clip of two frames or more")
    height, width = size
    for clip in clips:
        if clip.frame_count != content_clip.frame_count:
            raise ConfigError(f"{clip.source} has {clip.frame_count} frames and the content clip {content} "
                              f"{content_clip.frame_count}; give the stylised clip of the same frames")
        if (clip.height, clip.width) != (height, width):
            raise ConfigError(f"{clip.source} is {clip.width}x{clip.height} and the scoring size {width}x{height}; "
                              f"give the size it was stylised at (--width {clip.width} --height {clip.height})")
    return content_clip, clips, size


def pair_flows(flows_dir, k, earlier, later, size):
    """(backward flow k+1 -> k, its consistency weights) between content frames at `size`: read from or kept in
    `flows_dir` when given (motion.cache's names), else computed."""
    if flows_dir is not None:
        flows = flows_for(flows_dir, k, k + 1, earlier, later, size=size)
        return flows.backward, flows.backward_weights
    pair = flow_pair(earlier, later, size=size)
    return pair.backward, consistency_weights(pair.backward, pair.forward)


def score_clip(content, style, stylised, config: Optional[Config] = None, *, flows_dir=None, vgg=None,
               names=None) -> ClipScores:
    """Score each clip of `stylised` (paths: video files or image patterns) against the `content` clip and
    `style` (one, or a list to blend) under `config`: see the module's docstring."""
    config = config or Config()
    content_clip, clips, size = check_clips(content, stylised, config)
    for path in [style] if isinstance(style, (str, os.PathLike)) else style:
        as_rgb_image(path, "style")  # a bad style refused before the weights load
    if flows_dir is not None and not os.path.isdir(flows_dir):
        raise ConfigError(f"--flows-dir {flows_dir}: no such folder; create it or give another")
    vgg = vgg or load_vgg19(config.weights_path())
    names = list(names) if names is not None else [str(path) for path in stylised]
    frames, errors = [[] for _ in clips], [[] for _ in clips]
    previous, kept = None, KeptEngine()
    with kept:
        for (k, content_frame), *styled in zip(content_clip.frames(), *(clip.frames() for clip in clips)):
            styled = [image for _, image in styled]
            scores = score(content_frame, style, styled, config, vgg=vgg, names=names, kept=kept)
            for n, image_score in enumerate(scores.images):
                frames[n].append(image_score)
            if previous is not None:
                backward, weights = pair_flows(flows_dir, k - 1, previous[0], content_frame, size)
                for n, image in enumerate(styled):
                    errors[n].append(temporal_error(previous[1][n], image, backward, weights))
            previous = (content_frame, styled)
    return ClipScores(str(content), scores.size, scores.normalization, scores.group_weights,
                      tuple(ClipScore(name, tuple(f), tuple(e)) for name, f, e in zip(names, frames, errors)))

