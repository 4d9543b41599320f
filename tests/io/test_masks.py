"""Masks as floats in [0, 1]: read from any greyscale or colour array, resized, and checked in one line."""
import numpy as np
import pytest

from legacy_nst.errors import ConfigError
from legacy_nst.io.masks import as_mask, check_mask, resize_mask


def test_masks_from_uint8_float_grey_and_colour_arrays():
    np.testing.assert_allclose(as_mask(np.array([[0, 51, 255]], np.uint8)), [[0.0, 0.2, 1.0]], rtol=1e-7)
    np.testing.assert_array_equal(as_mask(np.array([[-1.0, 0.5, 2.0]])), [[0.0, 0.5, 1.0]])  # clipped
    colour = np.zeros((1, 2, 4), np.uint8)
    colour[0, 1] = (255, 255, 255, 0)  # the alpha channel is ignored
    np.testing.assert_allclose(as_mask(colour), [[0.0, 1.0]], atol=1e-7)
    assert as_mask(np.ones((3, 4, 1), np.uint8) * 255).shape == (3, 4)
    with pytest.raises(ValueError):
        as_mask(np.ones((2, 2, 2)))


def test_resizing_keeps_white_exactly_white_and_black_black():
    mask = np.zeros((60, 80), np.float32)
    mask[:, 40:] = 1.0
    small = resize_mask(mask, (15, 20))
    assert small.shape == (15, 20) and small.dtype == np.float32
    assert np.all(small[:, :9] == 0.0) and np.all(small[:, 11:] == 1.0)
    assert np.all(resize_mask(np.ones((60, 80), np.float32), (37, 49)) == 1.0)
    assert resize_mask(mask, (60, 80)) is mask or np.array_equal(resize_mask(mask, (60, 80)), mask)


def test_a_mask_of_another_aspect_ratio_or_black_everywhere_is_refused():
    check_mask(np.ones((61, 80)), (600, 800), "style mask 1")  # within one pixel
    with pytest.raises(ConfigError, match=r"^style mask 1 is 80x70 but the content image is 800x600, another aspect "
                                          r"ratio; draw the mask on the content image's frame$"):
        check_mask(np.ones((70, 80)), (600, 800), "style mask 1")
    with pytest.raises(ConfigError, match=r"^style mask 2 is black everywhere"):
        check_mask(np.zeros((60, 80)), (600, 800), "style mask 2")
