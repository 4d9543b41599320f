"""Optical flow, warps and Ruder's consistency weights, against clips whose motion is known exactly."""
import math

import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from clips import SIZE, pan, pan_flow, photo, zoom, zoom_flow
from legacy_nst.errors import ConfigError
from legacy_nst.motion.flow import consistency_weights, flow_pair, optical_flow, warp

MARGIN = 8  # "away from the borders": DIS has no data beyond the frame


@pytest.fixture(scope="module")
def picture(shared_dir):
    return photo(shared_dir)


def end_point_error(flow, truth):
    return np.linalg.norm(flow - truth, axis=2)[MARGIN:-MARGIN, MARGIN:-MARGIN]


def test_dis_recovers_a_known_camera_pan_both_ways_within_half_a_pixel(picture):
    first, second = pan(picture, 2)
    pair = flow_pair(first, second)
    assert end_point_error(pair.forward, pan_flow()).mean() < 0.5
    assert end_point_error(pair.backward, -pan_flow()).mean() < 0.5
    assert np.percentile(end_point_error(pair.forward, pan_flow()), 95) < 0.5


def test_dis_recovers_a_known_zoom_within_half_a_pixel(picture):
    first, second = zoom(picture, 2)
    error = end_point_error(optical_flow(first, second), zoom_flow())
    assert error.mean() < 0.5
    assert np.abs(zoom_flow()).max() > 1.5  # the zoom moves the corners by more than the tolerance


def test_a_pair_at_a_working_size_is_computed_on_the_resized_frames(picture):
    first, second = pan(picture, 2, step=(4, 6))
    pair = flow_pair(first, second, size=(36, 48))
    assert pair.forward.shape == (36, 48, 2) and pair.backward.shape == (36, 48, 2)
    half = np.linalg.norm(pair.forward - pan_flow(step=(2, 3), size=(36, 48)), axis=2)[4:-4, 4:-4]
    assert half.mean() < 0.5


def test_flows_of_frames_of_different_sizes_are_refused_in_one_line(picture):
    with pytest.raises(ConfigError, match="different sizes") as error:
        optical_flow(picture[:72, :96], picture[:72, :90])
    assert "\n" not in str(error.value)


# ---------------------------------------------------------------- warp


def test_warping_the_previous_frame_by_the_known_backward_flow_gives_this_frame(picture):
    previous, current = pan(picture, 2)
    warped = warp(previous, -pan_flow())
    inner = np.s_[:-3, :-4]  # the pan (2 down, 3 right) brings in 2 rows and 3 columns the previous frame lacks
    np.testing.assert_array_equal(warped[inner], current[inner])
    assert np.abs(warped[-1:].astype(int) - current[-1:]).mean() > 5  # the border rows are only repeated


def test_warping_by_the_dis_flow_matches_this_frame_away_from_the_borders(picture):
    previous, current = pan(picture, 2)
    warped = warp(previous, flow_pair(previous, current).backward)
    difference = np.abs(warped.astype(float) - current)[MARGIN:-MARGIN, MARGIN:-MARGIN]
    assert difference.mean() < 1.5
    assert np.abs(previous.astype(float) - current)[MARGIN:-MARGIN, MARGIN:-MARGIN].mean() > 10


def test_warping_by_a_fractional_flow_is_bilinear_interpolation(picture):
    image = picture[:40, :50].astype(np.float32)
    rng = np.random.default_rng(0)
    flow = rng.uniform(-2, 2, (40, 50, 2)).astype(np.float32)
    rows, columns = np.indices((40, 50))
    reference = np.stack([map_coordinates(image[..., c], [rows + flow[..., 1], columns + flow[..., 0]], order=1,
                                          mode="nearest") for c in range(3)], axis=2)
    # cv2.remap rounds the bilinear weights to 1/32: at most 1/32 of the largest step between neighbours
    assert np.abs(warp(image, flow) - reference).max() <= 255 / 32


def test_a_flow_of_another_size_is_refused_in_one_line(picture):
    with pytest.raises(ConfigError, match="the image is 96x72 and the flow 48x36") as error:
        warp(picture[:72, :96], np.zeros((36, 48, 2), np.float32))
    assert "\n" not in str(error.value)


# ---------------------------------------------------------------- consistency weights


def consistency_checker(flow1, flow2):
    """consistencyChecker.cpp's checkConsistency, pixel by pixel (binary: no smoothing, boundaries 0)."""
    height, width = flow1.shape[:2]
    padded = np.pad(flow1, ((1, 1), (1, 1), (0, 0)), mode="edge")
    reliable = np.ones((height, width), np.float32)
    for y in range(height):
        for x in range(width):
            dx = (padded[y + 1, x + 2] - padded[y + 1, x]) / 2
            dy = (padded[y + 2, x + 1] - padded[y, x + 1]) / 2
            motion_edge = dx[0] ** 2 + dx[1] ** 2 + dy[0] ** 2 + dy[1] ** 2
            bx, by = x + flow1[y, x, 0], y + flow1[y, x, 1]
            x1, y1 = math.floor(bx), math.floor(by)
            x2, y2 = x1 + 1, y1 + 1
            if x1 < 0 or x2 >= width or y1 < 0 or y2 >= height:
                reliable[y, x] = 0
                continue
            ax, ay = bx - x1, by - y1
            a = (1 - ax) * flow2[y1, x1] + ax * flow2[y1, x2]
            b = (1 - ax) * flow2[y2, x1] + ax * flow2[y2, x2]
            u, v = (1 - ay) * a + ay * b
            cx, cy = bx + u, by + v
            u2, v2 = flow1[y, x]
            if (cx - x) ** 2 + (cy - y) ** 2 >= 0.01 * (u2 * u2 + v2 * v2 + u * u + v * v) + 0.5:
                reliable[y, x] = 0
            elif motion_edge > 0.01 * (u2 * u2 + v2 * v2) + 0.002:
                reliable[y, x] = 0
    return reliable


def test_the_weights_equal_ruders_checker_written_out_pixel_by_pixel():
    rng = np.random.default_rng(3)
    rows, columns = np.indices((14, 18))
    forward = np.stack([-2 + 0.5 * np.sin(columns / 5) + 3 * (columns >= 12), 1 + 0.3 * np.cos(rows / 4)], axis=2)
    forward[:, :6] *= 0.1  # slow motion, where the boundary test's offset decides
    forward += rng.normal(0, 0.05, forward.shape)
    backward = -forward + rng.normal(0, 0.5, forward.shape)  # inconsistent here and there
    weights = consistency_weights(forward, backward)
    np.testing.assert_array_equal(weights, consistency_checker(forward, backward))
    assert 0.2 < weights.mean() < 0.8  # (every constant of the check changes some of these 252 pixels)


def moving_square(step=5, side=12, size=(32, 40), left=10, top=10):
    """Exact flows of a square moving `step` px right over a still background: (forward i->j, backward j->i),
    and the background pixels of frame j that the square covered in frame i."""
    forward, backward = np.zeros(size + (2,), np.float32), np.zeros(size + (2,), np.float32)
    forward[top:top + side, left:left + side, 0] = step
    backward[top:top + side, left + step:left + step + side, 0] = -step
    disoccluded = np.zeros(size, bool)
    disoccluded[top:top + side, left:left + step] = True
    return forward, backward, disoccluded


def test_exact_flows_of_a_moving_square_weigh_zero_on_its_wake_and_edges_and_one_elsewhere():
    forward, backward, disoccluded = moving_square()
    weights = consistency_weights(backward, forward)
    square = backward[..., 0] != 0
    edges = np.zeros_like(square)  # pixels whose central difference reaches across the square's outline
    edges[1:-1, 1:-1] = (square[1:-1, 1:-1] != square[2:, 1:-1]) | (square[1:-1, 1:-1] != square[:-2, 1:-1]) | \
        (square[1:-1, 1:-1] != square[1:-1, 2:]) | (square[1:-1, 1:-1] != square[1:-1, :-2])
    border = np.zeros_like(square)
    border[-1, :] = border[:, -1] = True  # floor(p) + 1 must be inside: the last row and column have no right pair
    assert (weights[disoccluded] == 0).all()
    np.testing.assert_array_equal(weights == 0, disoccluded | edges | border)


def test_dis_weights_are_zero_where_the_pan_disoccludes_and_one_elsewhere(picture):
    previous, current = pan(picture, 2)
    pair = flow_pair(previous, current)
    weights = consistency_weights(pair.backward, pair.forward)
    rows, columns = np.indices(SIZE)
    # pixel p of the current frame was in the previous one at p + (3, 2); the check needs its right/lower neighbour
    disoccluded = (columns + 3 + 1 >= SIZE[1]) | (rows + 2 + 1 >= SIZE[0])
    assert (weights[disoccluded] == 0).mean() > 0.98
    assert (weights[~disoccluded] == 1).mean() > 0.99
    assert disoccluded.mean() > 0.08  # 4 columns and 3 rows of 96x72


def test_flows_of_different_sizes_get_no_weights():
    with pytest.raises(ConfigError, match="different sizes"):
        consistency_weights(np.zeros((8, 8, 2)), np.zeros((8, 9, 2)))
