"""Colour control (Gatys et al. 2017, section 5) on the shared images: luminance-only transfer keeps the content's
chroma, histogram matching gives the style the content's mean and covariance."""
import numpy as np
import pytest

from legacy_nst.errors import ConfigError
from legacy_nst.io.color_control import (check_colorful, color_transform, luminance_inputs, match_colors,
                                         match_luminance, rgb_to_yiq, with_content_chroma, yiq_to_rgb)
from legacy_nst.io.images import load_image

SIZE = (72, 96)
PAIRS = [("tubingen", "starry_night"), ("tubingen", "the_scream"), ("golden_gate", "shipwreck"),
         ("tubingen", "seated-nude")]


def image(shared_dir, name, size=SIZE):
    return load_image(shared_dir / "images" / f"{name}.jpg", size)


def test_yiq_is_the_ntsc_transform_and_inverts():
    rgb = np.random.RandomState(0).uniform(0, 255, (5, 4, 3))
    yiq = rgb_to_yiq(rgb)
    np.testing.assert_allclose(yiq[..., 0], rgb @ [0.299, 0.587, 0.114], rtol=1e-12)
    np.testing.assert_allclose(rgb_to_yiq([[255, 255, 255]])[0], [255, 0, 0], atol=1e-4)  # white has no chroma
    np.testing.assert_allclose(yiq_to_rgb(yiq), rgb, atol=1e-9)


@pytest.mark.parametrize("content, style", PAIRS)
def test_the_styles_luminance_takes_the_contents_mean_and_variance(shared_dir, content, style):
    content_rgb, style_rgb = image(shared_dir, content), image(shared_dir, style, (60, 40))
    matched = match_luminance(style_rgb, content_rgb)
    content_y = rgb_to_yiq(content_rgb)[..., 0]
    assert matched.mean() == pytest.approx(content_y.mean(), abs=1e-9)
    assert matched.std() == pytest.approx(content_y.std(), abs=1e-9)
    assert np.corrcoef(matched.ravel(), rgb_to_yiq(style_rgb)[..., 0].ravel())[0, 1] == pytest.approx(1.0)
    grey_content, (grey_style,) = luminance_inputs(content_rgb, [style_rgb])
    assert grey_style.dtype == np.uint8 and grey_style.shape == (60, 40, 3)
    assert np.array_equal(grey_style[..., 0], grey_style[..., 2])
    assert np.abs(grey_content[..., 1].astype(float) - content_y).max() <= 0.5 + 1e-9


@pytest.mark.parametrize("content, style", PAIRS)
def test_luminance_control_keeps_the_contents_chroma_within_one_level(shared_dir, content, style):
    """The result here is the matched grey style at the content's size: a luminance far from the content's,
    so the clamping into the RGB cube is exercised (its Y is kept wherever the content's chroma allows it)."""
    content_rgb = image(shared_dir, content)
    result = luminance_inputs(content_rgb, [image(shared_dir, style)])[1][0]
    output = with_content_chroma(result, content_rgb)
    assert output.dtype == np.uint8 and output.shape == content_rgb.shape
    chroma_error = np.abs(rgb_to_yiq(output)[..., 1:] - rgb_to_yiq(content_rgb)[..., 1:])
    assert chroma_error.max() <= 1.0  # 1/255 of the range
    luminance_kept = np.abs(rgb_to_yiq(output)[..., 0] - rgb_to_yiq(result)[..., 0]) <= 1.0
    assert luminance_kept.mean() > 0.85
    as_float = with_content_chroma(result.astype(np.float64), content_rgb)  # unrounded: the chroma exactly
    assert as_float.dtype == np.float64
    assert np.abs(rgb_to_yiq(as_float)[..., 1:] - rgb_to_yiq(content_rgb)[..., 1:]).max() < 1e-9


@pytest.mark.parametrize("content, style", PAIRS)
def test_histogram_control_gives_the_style_the_contents_mean_and_covariance(shared_dir, content, style):
    content_rgb, style_rgb = image(shared_dir, content), image(shared_dir, style, (50, 70))
    transform = color_transform(style_rgb, content_rgb)
    mapped = transform(style_rgb, clip=False).reshape(-1, 3)
    pixels = content_rgb.reshape(-1, 3).astype(np.float64)
    np.testing.assert_allclose(mapped.mean(axis=0), pixels.mean(axis=0), rtol=0, atol=1e-3)
    np.testing.assert_allclose(np.cov(mapped, rowvar=False, bias=True), np.cov(pixels, rowvar=False, bias=True),
                               rtol=0, atol=1e-3)
    matched = match_colors(style_rgb, content_rgb)
    assert matched.dtype == np.uint8 and matched.shape == style_rgb.shape
    assert np.abs(matched - np.clip(mapped.reshape(style_rgb.shape), 0, 255)).max() <= 0.5 + 1e-9


def test_greyscale_images_are_refused_in_one_line(shared_dir):
    grey = np.repeat(image(shared_dir, "tubingen")[..., :1], 3, axis=2)
    with pytest.raises(ConfigError, match=r"^content image is greyscale, so there are no colours to control"):
        check_colorful(grey, "content image")
    check_colorful(image(shared_dir, "tubingen"), "content image")
    with pytest.raises(ConfigError, match=r"^the style image's colours vary in fewer than three directions"):
        color_transform(grey, image(shared_dir, "tubingen"))
