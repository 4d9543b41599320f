"""`--workers N`: the frames of a video run cut into N segments that overlap, and the seams blended.

Each segment is a normal video run on a sub-range of the frames chosen (video.run: its first frame runs the full
recipe, the others start from the previous stylised frame warped), so the N segments can run at once, one on
each Ray worker (video.workers). Segment i > 0 starts `overlap` (K) frames before the first frame it owns: over
those K frames it settles into its own temporally consistent sequence while segment i - 1 still owns them, and the
final frames there are a linear cross-fade from segment i - 1's frames to segment i's,

    out(p) = (1 - w) * s_{i-1}(p) + w * s_i(p),   w = (j + 1) / (K + 1)   for the j-th overlap frame (j = 0..K-1),

so the difference between the two segments' stylisations (two local minima of the same frame) is spread over
K + 1 consecutive pairs instead of landing on one: its share of a pair's squared temporal error falls as
1 / (K + 1)^2. Both segments' frames are warped-consistent with the same content frames, so the cross-fade needs
no warp of its own. (Taking the later segment's frames alone would put the whole difference on one pair, which is
what --overlap 0 does: a hard cut.)

The segments' lengths are balanced by work: segment 0 has no overlap, so it owns K more frames than the others
and every segment stylises about (frames + (N - 1) K) / N frames. Pure: no TensorFlow, no Ray.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from ..errors import ConfigError

DEFAULT_OVERLAP = 4  # frames; lowered to what the segments allow when --overlap is not given


@dataclass(frozen=True)
class Segment:
    """One segment: `positions`, the positions (0-based, in the frames chosen) it stylises, in order; it owns
    those from `owned` on (before them: the overlap, cross-faded with the previous segment's frames)."""

    number: int
    positions: range
    owned: int

    @property
    def overlap(self) -> range:
        return range(self.positions.start, self.owned)


@dataclass(frozen=True)
class SegmentPlan:
    """The segments of `total` frames chosen, `overlap` frames each after the first starts early."""

    total: int
    overlap: int
    segments: Tuple[Segment, ...]

    def sources(self, position) -> Tuple[Tuple[int, float], ...]:
        """(segment number, weight) whose frames make the final frame at `position`: one with weight 1, or two
        cross-faded (the module's docstring); the weights sum to 1."""
        owner = next(s for s in reversed(self.segments) if s.owned <= position)
        later = self.segments[owner.number + 1] if owner.number + 1 < len(self.segments) else None
        if later is None or position not in later.overlap:
            return ((owner.number, 1.0),)
        weight = (position - later.positions.start + 1) / (self.overlap + 1)
        return ((owner.number, 1.0 - weight), (later.number, weight))

    def seam_pairs(self) -> Tuple[int, ...]:
        """The consecutive pairs (p, p + 1), by p, whose frames are not both one segment's alone: a seam's
        cross-fade, or its cut when the overlap is 0."""
        return tuple(p for s in self.segments[1:] for p in range(s.positions.start - 1, s.owned))

    def seam_and_interior(self, errors) -> Tuple[float, float]:
        """The mean temporal error (video.measure) of the seam pairs and of the others, `errors[p]` the pair
        (p, p + 1)'s; NaN where there are none."""
        seams = set(self.seam_pairs())
        seam = [e for p, e in enumerate(errors) if p in seams]
        interior = [e for p, e in enumerate(errors) if p not in seams]
        return (float(np.mean(seam)) if seam else float("nan"), float(np.mean(interior)) if interior else float("nan"))

    @property
    def frames_stylised(self) -> int:
        return sum(len(s.positions) for s in self.segments)

    def to_json(self) -> dict:
        return {"overlap": self.overlap,
                "segments": [[s.positions.start, s.owned, s.positions.stop] for s in self.segments]}


def _segments(total, workers, overlap) -> Tuple[Segment, ...]:
    """Lengths balanced by work: (total + (workers - 1) * overlap) frames stylised, shared as evenly as can be."""
    work = total + (workers - 1) * overlap
    lengths = [work // workers + (1 if i < work % workers else 0) for i in range(workers)]
    segments, owned = [], 0
    for number, length in enumerate(lengths):
        start = owned - (overlap if number else 0)
        segments.append(Segment(number, range(start, start + length), owned))
        owned = start + length
    return tuple(segments)


def _fits(total, workers, overlap) -> bool:
    """Every segment owns at least one frame beyond the next one's overlap (the cross-fades never meet)."""
    segments = _segments(total, workers, overlap)
    owned = [s.positions.stop - s.owned for s in segments]
    return all(n > overlap for n in owned[:-1]) and owned[-1] >= 1


def plan_segments(total: int, workers: int, overlap: Optional[int] = None) -> SegmentPlan:
    """The SegmentPlan of `total` frames on `workers` segments overlapping by `overlap` frames (None:
    DEFAULT_OVERLAP, or the most the segments allow); one line (ConfigError) for what cannot be cut."""
    if workers < 1:
        raise ConfigError(f"--workers {workers}: a video run needs at least one segment; give --workers 1 or more")
    if workers > total:
        raise ConfigError(f"--workers {workers}: more segments than the {total} frames chosen; give --workers at "
                          f"most {total}")
    if overlap is None:
        overlap = next(k for k in range(DEFAULT_OVERLAP if workers > 1 else 0, -1, -1) if _fits(total, workers, k))
    elif overlap and workers == 1:
        raise ConfigError(f"--overlap {overlap}: one segment has no seam to blend; give --workers 2 or more, or "
                          f"leave --overlap out")
    elif not _fits(total, workers, overlap):
        most = next((k for k in range(overlap, -1, -1) if _fits(total, workers, k)), 0)
        owned = min(len(s.positions) for s in _segments(total, workers, overlap))
        raise ConfigError(f"--overlap {overlap}: not shorter than the segments of --workers {workers} over {total} "
                          f"frames ({owned} frames each); give --overlap at most {most}, or fewer --workers")
    return SegmentPlan(total, overlap, _segments(total, workers, overlap))


def blend(images, weights) -> np.ndarray:
    """The cross-fade of uint8 (H, W, 3) `images` by `weights` (summing to 1), rounded to uint8."""
    mixed = sum(np.asarray(image, np.float64) * weight for image, weight in zip(images, weights))
    return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
