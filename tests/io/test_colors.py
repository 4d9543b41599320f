"""--preserve-colors / --original-colors: the result's luminance, the content's chroma."""
import numpy as np
import pytest
from PIL import Image

from legacy_nst import stylize
from legacy_nst.io.colors import preserve_colors, rgb_to_ycbcr, ycbcr_to_rgb
from legacy_nst.io.images import load_image
from conftest import losses_only


def reference_ycbcr(rgb):
    """ITU-T T.871 (JPEG) full-range YCbCr, written out channel by channel."""
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    return np.stack([y, cb, cr], axis=-1)


def test_conversion_matches_the_standard_and_pillow_and_inverts():
    rgb = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    np.testing.assert_allclose(rgb_to_ycbcr(rgb), reference_ycbcr(rgb), atol=1e-9)
    pillow = np.asarray(Image.fromarray(rgb).convert("YCbCr"), dtype=np.float64)
    assert np.abs(rgb_to_ycbcr(rgb) - pillow).max() <= 1.0  # Pillow rounds to integers
    np.testing.assert_allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, atol=1e-6)


def test_preserve_colors_on_arrays_keeps_luma_of_result_and_chroma_of_content():
    rng = np.random.default_rng(1)
    content = rng.integers(60, 200, (24, 32, 3), dtype=np.uint8)  # mid-range: no clipping
    result = rng.integers(60, 200, (24, 32, 3), dtype=np.uint8)
    mixed = preserve_colors(result, content)
    assert mixed.dtype == np.uint8 and mixed.shape == result.shape
    got, want_c, want_r = reference_ycbcr(mixed), reference_ycbcr(content), reference_ycbcr(result)
    y, cb, cr = want_r[..., 0], want_c[..., 1] - 128, want_c[..., 2] - 128
    exact = np.stack([y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb], axis=-1)
    in_gamut = ((exact >= 0) & (exact <= 255)).all(axis=-1)
    assert in_gamut.mean() > 0.5
    assert np.abs(got[..., 0] - want_r[..., 0])[in_gamut].max() < 1.0  # rounding to uint8 only
    assert np.abs(got[..., 1:] - want_c[..., 1:])[in_gamut].max() < 1.5
    np.testing.assert_array_equal(mixed, np.clip(np.rint(exact), 0, 255))
    assert np.abs(want_r[..., 1:] - want_c[..., 1:]).mean() > 10  # the inputs' chroma really differ


@pytest.mark.slow
def test_preserve_colors_run_keeps_the_content_chroma(vgg, content_path, style_path):
    """A real stylisation (Starry Night turns Tübingen blue/yellow); with the option the chroma is
    the photograph's. A new Y adds the same amount to R, G and B, so rounding keeps the chroma
    exactly; only pixels clipped back into 0..255 move."""
    options = dict(width=64, height=48, iterations=6, seed=0, vgg=vgg)
    plain = stylize(str(content_path), str(style_path), **options)
    kept = stylize(str(content_path), str(style_path), preserve_colors=True, **options)
    content = reference_ycbcr(load_image(content_path, (48, 64)))
    plain_ycc, kept_ycc = reference_ycbcr(plain.image), reference_ycbcr(kept.image)

    chroma_error = np.abs(kept_ycc[..., 1:] - content[..., 1:])
    assert chroma_error.mean() < 0.1 and np.percentile(chroma_error, 99) < 1.0, chroma_error.max()
    assert np.abs(plain_ycc[..., 1:] - content[..., 1:]).mean() > 5 * chroma_error.mean() + 5
    assert np.abs(kept_ycc[..., 0] - plain_ycc[..., 0]).mean() < 1.5  # luminance: the stylised result's
    assert losses_only(kept.history) == losses_only(plain.history)  # a post-process: the optimisation is the same
