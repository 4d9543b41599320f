"""Flows and weights computed once per pair of frames and kept beside the frames, under Ruder's file names.

For frames i and j (makeOptFlow.sh's layout, so artistic_video.lua's default patterns
`backward_[%d]_{%d}.flo` and `reliable_[%d]_{%d}.pgm` read the folder as it is):
    forward_i_j.flo    i -> j                  reliable_i_j.pgm   its weights
    backward_j_i.flo   j -> i (warps i into j)  reliable_j_i.pgm   its weights (the temporal loss's)
A pair with only its backward flow and weights (artistic_video.lua reads no more, and `legacy-nst artistic-video`
puts only those of Ruder's files here) is read as it is, its forward flow and weights None.
The folder belongs to one clip at one working size: files of another size are computed again, files of
another clip at the same size are not noticed (the caller checks the clip, as --resume does).
"""
import os
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import NSTError
from .files import read_flo, read_pgm, write_flo, write_pgm
from .flow import DEFAULT_PRESET, consistency_weights, flow_pair


@dataclass(frozen=True)
class FlowPaths:
    """The four files of the pair (i, j)."""

    forward: str  # forward_i_j.flo
    backward: str  # backward_j_i.flo
    forward_weights: str  # reliable_i_j.pgm
    backward_weights: str  # reliable_j_i.pgm

    def all(self):
        return (self.forward, self.backward, self.forward_weights, self.backward_weights)


@dataclass(frozen=True)
class Flows:
    """The flows between frames i and j and their weights (float32, 0 or 1), and whether they were computed now."""

    forward: Optional[np.ndarray]  # i -> j, at frame i's pixels (None: a backward-only pair)
    backward: np.ndarray  # j -> i, at frame j's pixels: motion.flow.warp(image_i, backward) is image_i seen from j
    forward_weights: Optional[np.ndarray]  # (H, W), of forward (None: a backward-only pair)
    backward_weights: np.ndarray  # (H, W), of backward: where warp(image_i, backward) is reliable
    computed: bool  # False: read from the folder


def flow_paths(frames_dir, i, j) -> FlowPaths:
    """Ruder's file names for the pair (i, j) in `frames_dir`."""
    folder = os.fspath(frames_dir)
    return FlowPaths(os.path.join(folder, f"forward_{i}_{j}.flo"), os.path.join(folder, f"backward_{j}_{i}.flo"),
                     os.path.join(folder, f"reliable_{i}_{j}.pgm"), os.path.join(folder, f"reliable_{j}_{i}.pgm"))


def flows_for(frames_dir, i, j, frame_i, frame_j, *, size=None, preset=DEFAULT_PRESET) -> Flows:
    """The flows and weights between frames i and j (uint8 RGB), read from `frames_dir` or computed and kept there.

    `size` (height, width) is the working size the flows are computed at (default: the frames' own). A pair is
    read only if its four files (or its backward flow and weights alone) are there, readable and of that size;
    otherwise all four are computed and written (atomically, the weights last).
    """
    size = tuple(size) if size is not None else tuple(frame_i.shape[:2])
    paths = flow_paths(frames_dir, i, j)
    cached = _read_cached(paths, size)
    if cached is not None:
        return cached
    pair = flow_pair(frame_i, frame_j, size=size, preset=preset)
    flows = Flows(pair.forward, pair.backward, consistency_weights(pair.forward, pair.backward),
                  consistency_weights(pair.backward, pair.forward), computed=True)
    write_flo(paths.forward, flows.forward)
    write_flo(paths.backward, flows.backward)
    write_pgm(paths.forward_weights, flows.forward_weights)
    write_pgm(paths.backward_weights, flows.backward_weights)
    return flows


def _read_cached(paths, size):
    if all(os.path.isfile(path) for path in paths.all()):
        wanted = paths.all()
    elif not any(os.path.isfile(path) for path in (paths.forward, paths.forward_weights)):
        wanted = (None, paths.backward, None, paths.backward_weights)  # a backward-only pair, as Ruder's
    else:
        return None
    if not all(path is None or os.path.isfile(path) for path in wanted):
        return None
    try:
        forward, backward, forward_weights, backward_weights = (
            None if path is None else (read_flo if path.endswith(".flo") else read_pgm)(path, size) for path in wanted)
    except NSTError:
        return None
    return Flows(forward, backward, forward_weights, backward_weights, computed=False)
