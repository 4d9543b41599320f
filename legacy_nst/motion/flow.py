"""Optical flow between two frames (OpenCV's DIS), warping by a flow, and Ruder's consistency weights.

A flow is float32 (H, W, 2), (x, y) displacements in pixels, read at the pixels of the frame it starts from:
`flow = optical_flow(source, target)` means source(p) ≈ target(p + flow(p)). For two frames i and j:

- the forward flow i -> j is optical_flow(frame_i, frame_j), the backward flow j -> i optical_flow(frame_j, frame_i);
- `warp(image_i, backward)` is frame i's image seen from frame j: warped(p) = image_i(p + backward(p)). This is
  Ruder et al.'s "previous frame warped into this one" (artistic_video.lua warps the previous stylised frame by
  the flow file `backward_[j]_{i}.flo`), the start image (`prevWarped`) and the temporal loss's target;
- `consistency_weights(backward, forward)` are the weights of that warp, 0 where frame j's pixel has no
  reliable counterpart in frame i (Ruder's `reliable_[j]_{i}.pgm`).
"""
from dataclasses import dataclass

import cv2
import numpy as np

from ..errors import ConfigError
from ..io.images import resize

# OpenCV's documented DIS presets (speed against accuracy). MEDIUM recovers a 3 px pan of a 96x72 photo to 0.26 px
# mean end-point error (FAST: 0.98), at about 1 ms a pair at that size.
PRESETS = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
           "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}
DEFAULT_PRESET = "medium"

# consistencyChecker.cpp's thresholds (Ruder et al. 2016, eq. 5 and 6, after Sundaram et al. 2010).
DISOCCLUSION_SCALE, DISOCCLUSION_OFFSET = 0.01, 0.5
BOUNDARY_SCALE, BOUNDARY_OFFSET = 0.01, 0.002


@dataclass(frozen=True)
class FlowPair:
    """The flows between frames i and j, both float32 (H, W, 2)."""

    forward: np.ndarray  # i -> j, at frame i's pixels: frame_i(p) ≈ frame_j(p + forward(p))
    backward: np.ndarray  # j -> i, at frame j's pixels: warp(image_i, backward) is image_i seen from frame j


def optical_flow(source, target, preset=DEFAULT_PRESET):
    """DIS optical flow from `source` to `target` (uint8 RGB of one size), on their luma: float32 (H, W, 2)."""
    if preset not in PRESETS:
        raise ConfigError(f"flow preset {preset!r}: unknown; use one of {', '.join(PRESETS)}")
    if source.shape != target.shape:
        raise ConfigError(f"optical flow between frames of different sizes {source.shape[:2]} and "
                          f"{target.shape[:2]}; resize them to one size first")
    dis = cv2.DISOpticalFlow_create(PRESETS[preset])
    grey = [cv2.cvtColor(np.ascontiguousarray(frame, dtype=np.uint8), cv2.COLOR_RGB2GRAY)
            for frame in (source, target)]
    return dis.calc(grey[0], grey[1], None).astype(np.float32)


def flow_pair(first, second, size=None, preset=DEFAULT_PRESET) -> FlowPair:
    """Forward (first -> second) and backward (second -> first) flows, at `size` (height, width) if given.

    The frames are resized as io.images resizes content images, so that the flows match the working size.
    """
    if size is not None:
        first, second = resize(first, size), resize(second, size)
    return FlowPair(optical_flow(first, second, preset), optical_flow(second, first, preset))


def warp(image, flow):
    """`image` seen along `flow`: warped(p) = image(p + flow(p)), bilinear, the border pixels repeated outside.

    `image` is (H, W) or (H, W, C), of any dtype cv2.remap takes (uint8, float32...); the result has its dtype.
    """
    image = np.asarray(image)
    if image.shape[:2] != flow.shape[:2]:
        raise ConfigError(f"warp: the image is {image.shape[1]}x{image.shape[0]} and the flow "
                          f"{flow.shape[1]}x{flow.shape[0]}; give a flow computed at the image's size")
    rows, columns = np.indices(flow.shape[:2], dtype=np.float32)
    map_x = columns + flow[..., 0].astype(np.float32)
    map_y = rows + flow[..., 1].astype(np.float32)
    return cv2.remap(image, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def consistency_weights(flow, reverse):
    """Ruder's weights of `flow` checked against the `reverse` flow: float32 (H, W), 0 or 1.

    As consistencyChecker.cpp in manuelruder/artistic-videos (run by makeOptFlow.sh as
    `consistencyChecker backward_j_i.flo forward_i_j.flo reliable_j_i.pgm`: `flow` is the one checked), a
    pixel p of `flow`'s frame gets weight 0 when
    - p + w leaves the frame (bilinear sampling of `reverse` there would need a pixel outside), w = flow(p);
    - the round trip does not come back (disocclusion): |w + ŵ|² >= 0.01 (|w|² + |ŵ|²) + 0.5, where
      ŵ = reverse(p + w), sampled bilinearly;
    - p is on a motion boundary: |∇u|² + |∇v|² > 0.01 |w|² + 0.002, with central differences of `flow`;
    and 1 elsewhere (the paper's section 3; its C++ then blurs the mask, which this leaves binary).
    """
    if flow.shape != reverse.shape:
        raise ConfigError(f"consistency weights: flows of different sizes {flow.shape[:2]} and "
                          f"{reverse.shape[:2]}; compute both at one size")
    flow, reverse = flow.astype(np.float64), reverse.astype(np.float64)
    inside, back = _sample(reverse, flow)
    round_trip = np.sum((flow + back) ** 2, axis=2)
    lengths = np.sum(flow ** 2, axis=2) + np.sum(back ** 2, axis=2)
    disoccluded = round_trip >= DISOCCLUSION_SCALE * lengths + DISOCCLUSION_OFFSET
    boundary = _gradient_energy(flow) > BOUNDARY_SCALE * np.sum(flow ** 2, axis=2) + BOUNDARY_OFFSET
    return (inside & ~disoccluded & ~boundary).astype(np.float32)


def _gradient_energy(flow):
    """|∇u|² + |∇v|² with the 3-tap central difference (-1/2, 0, 1/2), edges repeated (CDerivative<float>(3))."""
    padded = np.pad(flow, ((1, 1), (1, 1), (0, 0)), mode="edge")
    d_x = (padded[1:-1, 2:] - padded[1:-1, :-2]) / 2
    d_y = (padded[2:, 1:-1] - padded[:-2, 1:-1]) / 2
    return np.sum(d_x ** 2 + d_y ** 2, axis=2)


def _sample(field, flow):
    """(inside, field(p + flow(p))): bilinear samples where all four neighbours exist (0 elsewhere), exactly as
    consistencyChecker.cpp interpolates (cv2.remap would round the weights to 1/32)."""
    height, width = flow.shape[:2]
    rows, columns = np.indices((height, width))
    target_x, target_y = columns + flow[..., 0], rows + flow[..., 1]
    left, top = np.floor(target_x), np.floor(target_y)
    inside = (left >= 0) & (left + 1 < width) & (top >= 0) & (top + 1 < height)
    x1 = np.where(inside, left, 0).astype(np.intp)
    y1 = np.where(inside, top, 0).astype(np.intp)
    alpha_x = np.where(inside, target_x - left, 0)[..., None]
    alpha_y = np.where(inside, target_y - top, 0)[..., None]
    upper = (1 - alpha_x) * field[y1, x1] + alpha_x * field[y1, np.minimum(x1 + 1, width - 1)]
    lower = (1 - alpha_x) * field[np.minimum(y1 + 1, height - 1), x1] + \
        alpha_x * field[np.minimum(y1 + 1, height - 1), np.minimum(x1 + 1, width - 1)]
    return inside, (1 - alpha_y) * upper + alpha_y * lower
