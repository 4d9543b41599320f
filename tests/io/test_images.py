"""Tests for legacy_nst.io.images: reading every common mode, sizes, and atomic writes.

Test images are generated in tmp_path with known pixel values; expectations
are computed with plain numpy, not with the code under test.
"""
import os
import warnings

import numpy as np
import pytest
from PIL import Image

from legacy_nst.config import Config
import special_files
from legacy_nst.io import images
from legacy_nst.errors import ImageError

VGG_MEAN = np.array([123.68, 116.779, 103.939])


def write(tmp_path, name, image, **options):
    path = tmp_path / name
    image.save(path, **options)
    return path


def gray3(values):
    """uint8 (H, W) -> the (H, W, 3) RGB image with that gray level."""
    return np.repeat(np.asarray(values, dtype=np.uint8)[:, :, None], 3, axis=2)


def over_white(rgb, alpha):
    """Alpha-composite colours onto white, as floats."""
    a = np.asarray(alpha, dtype=np.float64)[..., None] / 255.0
    return np.asarray(rgb, dtype=np.float64) * a + 255.0 * (1.0 - a)


def assert_one_line_error(excinfo, path):
    message = str(excinfo.value)
    assert str(path) in message
    assert "\n" not in message
    return message


# ---------------------------------------------------------------- read_image

RGB_PIXELS = np.array(
    [[[255, 0, 0], [0, 255, 0], [0, 0, 255]],
     [[10, 20, 30], [200, 100, 50], [255, 255, 255]]],
    dtype=np.uint8,
)


@pytest.mark.parametrize("name, options", [
    ("rgb.png", {}),
    ("rgb.bmp", {}),
    ("rgb.tif", {}),
    ("rgb.webp", {"lossless": True}),
])
def test_reads_lossless_formats_exactly(tmp_path, name, options):
    path = write(tmp_path, name, Image.fromarray(RGB_PIXELS), **options)
    result = images.read_image(path)
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, RGB_PIXELS)


def test_read_image_returns_writable_array(tmp_path):
    result = images.read_image(write(tmp_path, "rgb.png", Image.fromarray(RGB_PIXELS)))
    result[0, 0] = 0  # would raise on a read-only view of Pillow's buffer


def test_grayscale_is_repeated_over_channels(tmp_path):
    levels = np.array([[0, 77], [200, 255]], dtype=np.uint8)
    path = write(tmp_path, "gray.png", Image.fromarray(levels, "L"))
    np.testing.assert_array_equal(images.read_image(path), gray3(levels))


def test_one_bit_image_is_black_and_white(tmp_path):
    bits = np.array([[True, False, True], [False, False, True]])
    path = write(tmp_path, "bits.png", Image.fromarray(bits).convert("1"))
    assert Image.open(path).mode == "1"
    np.testing.assert_array_equal(images.read_image(path), gray3(np.where(bits, 255, 0)))


def test_palette_image_uses_palette_colours(tmp_path):
    palette = [(250, 10, 20), (5, 6, 7), (0, 128, 255)]
    indices = np.array([[0, 1, 2], [2, 1, 0]], dtype=np.uint8)
    image = Image.fromarray(indices, "P")
    image.putpalette([c for colour in palette for c in colour])
    path = write(tmp_path, "palette.png", image)
    assert Image.open(path).mode == "P"
    expected = np.array(palette, dtype=np.uint8)[indices]
    np.testing.assert_array_equal(images.read_image(path), expected)


def test_palette_transparency_becomes_white(tmp_path):
    image = Image.fromarray(np.array([[0, 1]], dtype=np.uint8), "P")
    image.putpalette([0, 0, 0, 40, 50, 60])
    path = write(tmp_path, "palette.png", image, transparency=0)
    np.testing.assert_array_equal(images.read_image(path), [[[255, 255, 255], [40, 50, 60]]])


def test_rgb_transparency_key_becomes_white(tmp_path):
    pixels = np.array([[[1, 2, 3], [90, 80, 70]]], dtype=np.uint8)
    path = write(tmp_path, "keyed.png", Image.fromarray(pixels), transparency=(1, 2, 3))
    np.testing.assert_array_equal(images.read_image(path), [[[255, 255, 255], [90, 80, 70]]])


def test_rgba_is_composited_onto_white(tmp_path):
    rgb = np.array([[[255, 0, 0], [0, 0, 255], [30, 60, 90], [200, 100, 0]]], dtype=np.uint8)
    alpha = np.array([[0, 255, 128, 64]], dtype=np.uint8)
    rgba = np.concatenate([rgb, alpha[..., None]], axis=2)
    path = write(tmp_path, "rgba.png", Image.fromarray(rgba, "RGBA"))
    result = images.read_image(path)
    assert result.shape == (1, 4, 3)
    np.testing.assert_allclose(result, over_white(rgb, alpha), atol=1)
    np.testing.assert_array_equal(result[0, 0], [255, 255, 255])
    np.testing.assert_array_equal(result[0, 1], [0, 0, 255])


def test_gray_alpha_is_composited_onto_white(tmp_path):
    levels = np.array([[100, 100, 100, 0]], dtype=np.uint8)
    alpha = np.array([[0, 255, 128, 200]], dtype=np.uint8)
    path = write(tmp_path, "la.png", Image.fromarray(np.dstack([levels, alpha]), "LA"))
    assert Image.open(path).mode == "LA"
    expected = over_white(gray3(levels), alpha)
    np.testing.assert_allclose(images.read_image(path), expected, atol=1)


def test_cmyk_is_converted_to_rgb(tmp_path):
    cmyk = np.array([[[255, 0, 0, 0], [0, 255, 0, 0], [0, 0, 0, 255], [0, 0, 0, 0]]], dtype=np.uint8)
    path = write(tmp_path, "cmyk.tif", Image.fromarray(cmyk, "CMYK"))
    assert Image.open(path).mode == "CMYK"
    expected = [[[0, 255, 255], [255, 0, 255], [0, 0, 0], [255, 255, 255]]]
    np.testing.assert_array_equal(images.read_image(path), expected)


SIXTEEN_BIT = np.array([[0, 128, 129, 257], [1000, 32896, 65280, 65535]])


def expected_eight_bit(values):
    """The 16-bit levels scaled to 8 bits: round(v * 255 / 65535)."""
    return gray3(np.floor(np.clip(values, 0, 65535) * 255 / 65535 + 0.5))


@pytest.mark.parametrize("name", ["deep.png", "deep.tif"])
def test_sixteen_bit_grayscale_is_scaled_not_clipped(tmp_path, name):
    path = write(tmp_path, name, Image.fromarray(SIXTEEN_BIT.astype(np.uint16)))
    assert Image.open(path).mode == "I;16"
    result = images.read_image(path)
    np.testing.assert_array_equal(result, expected_eight_bit(SIXTEEN_BIT))
    # 0, 0, 1, 1 / 4, 128, 254, 255: clipping would have made the second row all 255.
    np.testing.assert_array_equal(result[..., 0], [[0, 0, 1, 1], [4, 128, 254, 255]])


def test_mode_i_is_read_as_sixteen_bit_range(tmp_path):
    values = np.array([[-5, 0, 257, 32896], [65535, 70000, 1000, 128]], dtype=np.int32)
    path = write(tmp_path, "int.tif", Image.fromarray(values))
    assert Image.open(path).mode == "I"
    np.testing.assert_array_equal(images.read_image(path), expected_eight_bit(values))


MARK = 8  # side of the red marker square in the EXIF tests


def jpeg_with_orientation(tmp_path, orientation):
    """A 48x32 gray JPEG with a red square in its stored top-left corner."""
    stored = np.full((32, 48, 3), 128, dtype=np.uint8)
    stored[:MARK, :MARK] = (255, 0, 0)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return write(tmp_path, f"rot{orientation}.jpg", Image.fromarray(stored), exif=exif, quality=95)


def is_red(pixels):
    r, g, b = np.asarray(pixels, dtype=float).reshape(-1, 3).mean(axis=0)
    return r > 200 and g < 60 and b < 60


@pytest.mark.parametrize("orientation, rotations, red_corner", [
    (6, -1, (slice(0, MARK), slice(-MARK, None))),   # 90 deg clockwise: top-left -> top-right
    (8, 1, (slice(-MARK, None), slice(0, MARK))),    # 90 deg anticlockwise: top-left -> bottom-left
])
def test_exif_orientation_is_applied(tmp_path, orientation, rotations, red_corner):
    path = jpeg_with_orientation(tmp_path, orientation)
    result = images.read_image(path)
    assert result.shape == (48, 32, 3)
    assert is_red(result[red_corner])
    assert not is_red(result[:MARK, :MARK])
    with Image.open(path) as raw:
        stored = np.asarray(raw.convert("RGB"))
    np.testing.assert_array_equal(result, np.rot90(stored, rotations))


# ---------------------------------------------------------------- read errors

def test_missing_file(tmp_path):
    path = tmp_path / "nope.jpg"
    with pytest.raises(ImageError, match="no such file") as excinfo:
        images.read_image(path)
    assert_one_line_error(excinfo, path)


def test_directory(tmp_path):
    with pytest.raises(ImageError, match="directory") as excinfo:
        images.read_image(tmp_path)
    assert_one_line_error(excinfo, tmp_path)


@pytest.mark.parametrize("kind, said", [("fifo", "is a FIFO (named pipe), not a regular file"),
                                        ("device", "is a character device, not a regular file"),
                                        ("socket", "is a socket, not a regular file"),
                                        ("loop", "is a symbolic link loop")])
def test_a_special_file_is_named_for_what_it_is_without_opening_it(tmp_path, kind, said):
    """Issue 31: a FIFO as an image said "the file is empty"; a symlink loop said "no such file"."""
    path = special_files.make(tmp_path / "image.png", kind)
    with special_files.unblocked([path] if kind == "fifo" else []) as watch:
        with pytest.raises(ImageError) as excinfo:
            images.read_image(path)
    assert not watch.blocked
    assert said in str(excinfo.value)
    assert_one_line_error(excinfo, path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ImageError, match="empty") as excinfo:
        images.read_image(path)
    assert_one_line_error(excinfo, path)


def test_html_named_jpg(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_text("<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n")
    with pytest.raises(ImageError, match="HTML") as excinfo:
        images.read_image(path)
    assert_one_line_error(excinfo, path)


def test_random_bytes_are_not_an_image(tmp_path):
    path = tmp_path / "noise.png"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(ImageError, match="not an image") as excinfo:
        images.read_image(path)
    assert_one_line_error(excinfo, path)


@pytest.mark.parametrize("fraction", [0.5, 0.99])
def test_truncated_jpeg_fails_at_read_time(tmp_path, content_path, fraction):
    data = content_path.read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(ImageError, match="truncated") as excinfo:
        images.read_image(path)
    assert_one_line_error(excinfo, path)


def test_jpeg_cut_inside_its_header(tmp_path, content_path):
    path = tmp_path / "stub.jpg"
    path.write_bytes(content_path.read_bytes()[:200])
    with pytest.raises(ImageError) as excinfo:
        images.read_image(path)
    assert_one_line_error(excinfo, path)


def test_corrupt_png_data(tmp_path):
    path = write(tmp_path, "bad.png", Image.fromarray(np.full((64, 64, 3), 7, dtype=np.uint8)))
    data = bytearray(path.read_bytes())
    start = data.index(b"IDAT") + 8
    data[start:start + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    with pytest.raises(ImageError) as excinfo:
        images.read_image(path)
    assert_one_line_error(excinfo, path)


@pytest.mark.parametrize("side", [12, 20])  # 144 px: Pillow warns; 400 px: Pillow raises
def test_decompression_bomb(tmp_path, monkeypatch, side):
    path = write(tmp_path, "big.png", Image.new("RGB", (side, side)))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ImageError) as excinfo:
            images.read_image(path)
    message = assert_one_line_error(excinfo, path)
    assert str(side * side) in message and "100" in message
    assert not [w for w in caught if issubclass(w.category, Image.DecompressionBombWarning)]


def test_image_at_the_pixel_limit_is_read(tmp_path, monkeypatch):
    path = write(tmp_path, "ok.png", Image.new("RGB", (10, 10), (1, 2, 3)))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    assert images.read_image(path).shape == (10, 10, 3)


# ---------------------------------------------------------------- resize / load_image

def gradient(h, w):
    y, x = np.mgrid[0:h, 0:w]
    return np.dstack([x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), (x + y) % 256]).astype(np.uint8)


def test_resize_to_same_size_is_a_no_op():
    image = gradient(30, 40)
    assert images.resize(image, (30, 40)) is image


def test_resize_shape_and_pillow_default_filter():
    image = gradient(30, 40)
    result = images.resize(image, (17, 53))
    assert result.shape == (17, 53, 3) and result.dtype == np.uint8
    plain_pillow = np.asarray(Image.fromarray(image).resize((53, 17)))
    np.testing.assert_array_equal(result, plain_pillow)


def test_resize_keeps_a_flat_colour():
    flat = np.full((20, 30, 3), (12, 34, 56), dtype=np.uint8)
    result = images.resize(flat, (45, 25))
    assert result.shape == (45, 25, 3)
    assert (result == (12, 34, 56)).all()


def test_load_image(tmp_path):
    path = write(tmp_path, "g.png", Image.fromarray(gradient(30, 40)))
    np.testing.assert_array_equal(images.load_image(path), gradient(30, 40))
    assert images.load_image(path, (20, 16)).shape == (20, 16, 3)


# ---------------------------------------------------------------- to_network / from_network

def test_to_network_subtracts_the_mean():
    image = gradient(5, 7)
    x = images.to_network(image, VGG_MEAN)
    assert x.shape == (1, 5, 7, 3) and x.dtype == np.float32
    np.testing.assert_allclose(x[0], image.astype(np.float64) - VGG_MEAN, atol=1e-5)


def test_network_round_trip_is_exact():
    image = np.random.default_rng(1).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    x = images.to_network(image, VGG_MEAN)
    np.testing.assert_array_equal(images.from_network(x, VGG_MEAN), image)
    np.testing.assert_array_equal(images.from_network(x[0], VGG_MEAN), image)


def test_from_network_rounds_and_clips():
    mean = np.array([100.0, 110.0, 120.0])
    target = np.array([[[12.4, 12.6, -5.0], [300.0, 254.7, 0.3]]])
    result = images.from_network((target - mean)[None], mean)
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, [[[12, 13, 0], [255, 255, 0]]])


def test_from_network_refuses_nan():
    x = np.zeros((1, 2, 2, 3))
    x[0, 1, 1, 2] = np.nan
    with pytest.raises(ImageError, match="NaN"):
        images.from_network(x, VGG_MEAN)


# ---------------------------------------------------------------- save_image

@pytest.mark.parametrize("name, pillow_format", [
    ("out.png", "PNG"), ("out.bmp", "BMP"), ("out.tif", "TIFF"), ("out.tiff", "TIFF"), ("OUT.PNG", "PNG"),
])
def test_save_lossless_round_trip(tmp_path, name, pillow_format):
    image = gradient(24, 33)
    images.save_image(tmp_path / name, image)
    with Image.open(tmp_path / name) as saved:
        assert saved.format == pillow_format
        np.testing.assert_array_equal(np.asarray(saved.convert("RGB")), image)
    assert os.listdir(tmp_path) == [name]


@pytest.mark.parametrize("name, pillow_format", [("out.jpg", "JPEG"), ("out.jpeg", "JPEG"), ("out.webp", "WEBP")])
def test_save_lossy_formats(tmp_path, name, pillow_format):
    image = np.full((24, 33, 3), (200, 40, 90), dtype=np.uint8)
    images.save_image(tmp_path / name, image)
    with Image.open(tmp_path / name) as saved:
        assert saved.format == pillow_format
        assert np.abs(np.asarray(saved.convert("RGB"), dtype=int) - image).max() <= 4


def test_save_float_batch_is_clipped_and_rounded(tmp_path):
    x = np.array([[[[-3.2, 12.5001, 300.0], [254.6, 0.49, 128.0]]]])
    images.save_image(tmp_path / "f.png", x)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "f.png")), [[[0, 13, 255], [255, 0, 128]]])


def test_save_overwrites_an_existing_file(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    images.save_image(target, gradient(4, 4))
    np.testing.assert_array_equal(np.asarray(Image.open(target)), gradient(4, 4))


@pytest.mark.parametrize("name", ["out.xyz", "out"])
def test_save_unknown_extension(tmp_path, name):
    with pytest.raises(ImageError, match=r"\.png") as excinfo:
        images.save_image(tmp_path / name, gradient(4, 4))
    assert_one_line_error(excinfo, tmp_path / name)
    assert os.listdir(tmp_path) == []


def test_save_into_missing_directory(tmp_path):
    target = tmp_path / "missing" / "out.png"
    with pytest.raises(ImageError, match="does not exist") as excinfo:
        images.save_image(target, gradient(4, 4))
    assert_one_line_error(excinfo, target)
    assert not (tmp_path / "missing").exists()


def test_save_onto_a_directory(tmp_path):
    (tmp_path / "out.png").mkdir()
    with pytest.raises(ImageError, match="is a directory"):
        images.save_image(tmp_path / "out.png", gradient(4, 4))


def encoder_failing_midway(error):
    def save(image, fp, filename):
        fp.write(b"\x89PNG\r\n\x1a\n half an image")
        raise error
    return save


@pytest.mark.parametrize("existing", [None, b"the previous result"])
def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch, existing):
    target = tmp_path / "out.png"
    if existing is not None:
        target.write_bytes(existing)
    monkeypatch.setitem(Image.SAVE, "PNG", encoder_failing_midway(OSError("disk on fire")))
    with pytest.raises(ImageError, match="disk on fire") as excinfo:
        images.save_image(target, gradient(8, 8))
    assert_one_line_error(excinfo, target)
    if existing is None:
        assert os.listdir(tmp_path) == []
    else:
        assert os.listdir(tmp_path) == ["out.png"]
        assert target.read_bytes() == existing


def test_interrupted_write_removes_the_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setitem(Image.SAVE, "PNG", encoder_failing_midway(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        images.save_image(tmp_path / "out.png", gradient(8, 8))
    assert os.listdir(tmp_path) == []


def test_complete_synced_file_is_renamed_into_place(tmp_path, monkeypatch):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    image = gradient(12, 10)
    synced, renamed = [], []
    real_fsync, real_replace = os.fsync, os.replace

    def spy_fsync(fd):
        synced.append(fd)
        real_fsync(fd)

    def spy_replace(source, destination):
        assert synced, "renamed before fsync"
        assert os.path.dirname(os.path.abspath(source)) == str(tmp_path)
        assert os.path.abspath(destination) == str(target)
        assert target.read_bytes() == b"old"
        with Image.open(source) as pending:
            np.testing.assert_array_equal(np.asarray(pending), image)
        renamed.append(source)
        real_replace(source, destination)

    monkeypatch.setattr(os, "fsync", spy_fsync)
    monkeypatch.setattr(os, "replace", spy_replace)
    images.save_image(target, image)
    assert len(renamed) == 1
    assert os.listdir(tmp_path) == ["out.png"]
    np.testing.assert_array_equal(np.asarray(Image.open(target)), image)


# ---------------------------------------------------------------- the shared real images

def test_reads_the_content_and_style_images(content_path, style_path):
    content = images.read_image(content_path)
    style = images.read_image(style_path)
    assert content.shape == (768, 1024, 3) and content.dtype == np.uint8
    assert style.shape == (640, 1024, 3) and style.dtype == np.uint8
    for image in (content, style):
        assert 20 < image.mean() < 235 and image.std() > 20  # a real photo, not blank


def test_every_shared_jpeg_reads_as_rgb(shared_dir):
    paths = sorted((shared_dir / "images").glob("*.jpg"))
    assert len(paths) >= 2
    for path in paths:
        with Image.open(path) as raw:
            width, height = raw.size
            if raw.getexif().get(0x0112) in (5, 6, 7, 8):  # displayed rotated a quarter turn
                width, height = height, width
        assert images.read_image(path).shape == (height, width, 3)


def test_content_image_at_art_py_default_size(content_path):
    content = images.load_image(content_path, Config().working_size((768, 1024)))
    assert content.shape == (600, 800, 3)
    assert Config(width=512).working_size((768, 1024)) == (384, 512)
