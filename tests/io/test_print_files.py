"""Print-ready files: 16-bit PNG/TIFF, an sRGB profile in every output, ICC inputs converted to sRGB, notes, alpha.

The 16-bit files are read back by decoders other than the writer: TensorFlow's
PNG decoder (libpng-compatible, 16 bits kept) and, for TIFF, the strip that
Pillow's own TIFF parser locates. The Adobe RGB input's expected sRGB values
come from the colour matrices here, not from LittleCMS.
"""
import io
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from legacy_nst.cli.main import main
from legacy_nst.config import Config
from legacy_nst.errors import ConfigError
from legacy_nst.io import images
from legacy_nst.io.icc import srgb_profile

# Adobe RGB (1998)'s primaries adapted to the ICC's D50 (as in Adobe's own profile), its gamma 563/256,
# and sRGB's primaries at D50 (as in LittleCMS's built-in sRGB profile).
ADOBE_RGB_D50 = np.array([[0.60974, 0.20528, 0.14919], [0.31111, 0.62567, 0.06322], [0.01947, 0.06087, 0.74457]])
ADOBE_GAMMA = 563 / 256
SRGB_D50 = np.array([[0.4360747, 0.3850649, 0.1430804], [0.2225045, 0.7168786, 0.0606169],
                     [0.0139322, 0.0971045, 0.7141733]])


def _s15(value):
    return struct.pack(">i", round(value * 65536))


def _xyz(x, y, z):
    return b"XYZ " + bytes(4) + _s15(x) + _s15(y) + _s15(z)


def matrix_profile(name, primaries, gamma):
    """A minimal ICC v2 RGB display profile: primaries (columns: R, G, B in XYZ at D50) and one gamma curve."""
    text = name.encode() + b"\0"
    desc = b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(4 + 4 + 2 + 1 + 67)
    curve = b"curv" + bytes(4) + struct.pack(">IH", 1, round(gamma * 256)) + bytes(2)
    columns = np.asarray(primaries).T
    tags = [(b"desc", desc), (b"wtpt", _xyz(0.9642, 1.0, 0.8249)), (b"rXYZ", _xyz(*columns[0])),
            (b"gXYZ", _xyz(*columns[1])), (b"bXYZ", _xyz(*columns[2])), (b"rTRC", curve), (b"gTRC", curve),
            (b"bTRC", curve)]
    start = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += bytes(-len(body) % 4)
        table += signature + struct.pack(">II", start + len(data), len(body))
        data += body
    header = (struct.pack(">I", start + len(data)) + bytes(4) + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
              + bytes(12) + b"acsp" + bytes(28) + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + bytes(48))
    return header + struct.pack(">I", len(tags)) + table + data


def adobe_to_srgb(rgb):
    """uint8 Adobe RGB -> float sRGB 0-255 by the matrices: linearise, to XYZ D50, to linear sRGB, clip, encode."""
    linear = (np.asarray(rgb, dtype=np.float64) / 255.0) ** ADOBE_GAMMA
    srgb = np.clip(linear @ ADOBE_RGB_D50.T @ np.linalg.inv(SRGB_D50).T, 0.0, 1.0)
    return 255.0 * np.where(srgb <= 0.0031308, 12.92 * srgb, 1.055 * srgb ** (1 / 2.4) - 0.055)


def png16_levels(path, channels):
    """A 16-bit PNG decoded by TensorFlow (not by the writer under test), as uint16 (H, W, channels)."""
    import tensorflow as tf

    return tf.io.decode_png(Path(path).read_bytes(), channels=channels, dtype=tf.uint16).numpy()


def tiff16_levels(path):
    """A 16-bit uncompressed TIFF's strip, located by Pillow's TIFF parser, as uint16 (H, W, samples)."""
    with Image.open(path) as image:
        tags = image.tag_v2
        assert set(tags[258]) == {16} and tags[259] == 1 and tags[262] == 2
        (offset,), (count,) = np.atleast_1d(tags[273]), np.atleast_1d(tags[279])
        width, height, samples = image.width, image.height, tags[277]
        eight_bit = np.asarray(image)  # Pillow reads 16-bit RGB TIFF as 8 bits: the high byte of each sample
    levels = np.frombuffer(Path(path).read_bytes()[offset:offset + count], "<u2").reshape(height, width, samples)
    np.testing.assert_array_equal(eight_bit, levels >> 8)
    return levels


def float_ramp(width=2048):
    """float (2, width, 3) RGB: smooth ramps 0-255 (R), 255-0 (G), 64-192 (B), far finer than 8-bit levels."""
    t = np.linspace(0.0, 1.0, width)
    ramp = np.stack([255.0 * t, 255.0 * (1.0 - t), 64.0 + 128.0 * t], axis=-1)
    return np.repeat(ramp[np.newaxis], 2, axis=0)


@pytest.mark.parametrize("name, decode", [("ramp.png", lambda p: png16_levels(p, 3)), ("ramp.tif", tiff16_levels),
                                          ("ramp.tiff", tiff16_levels)])
def test_sixteen_bit_output_keeps_the_gradation_between_eight_bit_levels(tmp_path, name, decode):
    ramp = float_ramp()
    images.save_image(tmp_path / name, ramp, bit_depth=16)
    levels = decode(tmp_path / name)
    assert levels.dtype == np.uint16 and levels.shape == ramp.shape
    for channel in range(3):
        assert len(np.unique(levels[..., channel])) > 1000  # 8 bits would give at most 256 (here 256 and 129)
    # Each value is the float's nearest 1/65535 step (half a step of rounding), not an 8-bit level times 257.
    assert np.abs(levels / 65535.0 - ramp / 255.0).max() <= 0.5 / 65535 + 1e-12
    assert np.count_nonzero(levels % 257) > 0.9 * levels.size


def test_sixteen_bit_from_uint8_is_the_levels_times_257(tmp_path):
    pixels = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    images.save_image(tmp_path / "levels.png", pixels, bit_depth=16)
    np.testing.assert_array_equal(png16_levels(tmp_path / "levels.png", 3), pixels.astype(np.uint16) * 257)


@pytest.mark.parametrize("name, bit_depth, mode", [("o.png", 8, "RGB"), ("o.jpg", 8, "RGB"), ("o.jpeg", 8, "RGB"),
                                                   ("o.tif", 8, "RGB"), ("o.webp", 8, "RGB"), ("o.png", 16, "RGB"),
                                                   ("o.tif", 16, "RGB"), ("a.png", 16, "RGBA"), ("a.tif", 8, "RGBA")])
def test_every_output_embeds_the_srgb_profile(tmp_path, name, bit_depth, mode):
    alpha = np.full((4, 6), 200, np.uint8) if mode == "RGBA" else None
    images.save_image(tmp_path / name, float_ramp(6), bit_depth=bit_depth, alpha=alpha)
    with Image.open(tmp_path / name) as written:
        written.load()
        assert written.mode == mode
        icc = written.info.get("icc_profile")
    assert icc == srgb_profile()
    assert "sRGB" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))


@pytest.mark.parametrize("extension", [".png", ".tif"])
def test_adobe_rgb_input_is_converted_to_srgb(tmp_path, extension):
    # Saturated and mid greens, a red, an orange, grey: Adobe RGB's greens are outside or at the edge of sRGB.
    adobe = np.array([[[40, 220, 40], [100, 200, 100], [128, 200, 128], [255, 0, 0], [200, 100, 50],
                       [128, 128, 128]]], dtype=np.uint8)
    path = tmp_path / f"adobe{extension}"
    Image.fromarray(adobe).save(path, icc_profile=matrix_profile("Adobe-like RGB", ADOBE_RGB_D50, ADOBE_GAMMA))
    read = images.read_image_with_notes(path)
    expected = adobe_to_srgb(adobe)
    assert np.abs(read.pixels - expected).max() <= 1.5, (read.pixels, expected)
    assert np.abs(read.pixels[0, 0].astype(int) - adobe[0, 0]).max() >= 40  # the green is not read as if sRGB
    assert read.pixels[0, 0, 0] == read.pixels[0, 0, 2] == 0  # clipped: that green is outside sRGB
    np.testing.assert_array_equal(images.read_image(path), read.pixels)
    assert read.notes == (f"{path}: colours converted from its ICC profile 'Adobe-like RGB' to sRGB",)


def test_an_srgb_tagged_input_is_unchanged(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "s.png", icc_profile=srgb_profile())
    read = images.read_image_with_notes(tmp_path / "s.png")
    np.testing.assert_array_equal(read.pixels, pixels)
    assert len(read.notes) == 1 and "to sRGB" in read.notes[0]


def test_an_unusable_profile_is_noted_and_the_pixels_read_as_they_are(tmp_path):
    pixels = np.full((4, 4, 3), 90, np.uint8)
    Image.fromarray(pixels).save(tmp_path / "bad.png", icc_profile=b"not an ICC profile")
    read = images.read_image_with_notes(tmp_path / "bad.png")
    np.testing.assert_array_equal(read.pixels, pixels)
    assert len(read.notes) == 1 and "cannot be applied" in read.notes[0] and "read as sRGB" in read.notes[0]


GRADIENT = np.arange(48, dtype=np.uint8).reshape(6, 8) * 5

MODE_NOTES = {
    "L": (lambda: Image.fromarray(GRADIENT, "L"), ["greyscale"]),
    "1": (lambda: Image.fromarray(GRADIENT > 100), ["1-bit"]),
    "I;16": (lambda: Image.fromarray(GRADIENT.astype(np.uint16) * 257), ["16-bit greyscale"]),
    "CMYK": (lambda: Image.new("CMYK", (8, 6), (0, 128, 255, 0)), ["CMYK without an ICC profile"]),
    "P": (lambda: Image.fromarray(GRADIENT, "L").convert("P"), ["palette"]),
    "RGBA": (lambda: Image.fromarray(np.dstack([gray3(GRADIENT), 255 - GRADIENT])), ["composited onto white"]),
    "LA": (lambda: Image.fromarray(np.dstack([GRADIENT, 255 - GRADIENT]), "LA"),
           ["greyscale", "composited onto white"]),
    "RGB": (lambda: Image.fromarray(gray3(GRADIENT)), []),
}


def gray3(values):
    return np.repeat(np.asarray(values, dtype=np.uint8)[:, :, None], 3, axis=2)


@pytest.mark.parametrize("mode", sorted(MODE_NOTES))
def test_each_converted_mode_is_noted_in_one_line(tmp_path, mode):
    make, expected = MODE_NOTES[mode]
    path = tmp_path / ("image.tif" if mode == "CMYK" else "image.png")
    make().save(path)
    read = images.read_image_with_notes(path)
    assert read.pixels.dtype == np.uint8 and read.pixels.shape == (6, 8, 3)
    assert len(read.notes) == len(expected)
    for note, words in zip(read.notes, expected):
        assert note.startswith(f"{path}: ") and words in note and "\n" not in note


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_alpha_is_kept_aside(tmp_path, mode):
    MODE_NOTES[mode][0]().save(tmp_path / "a.png")
    read = images.read_image_with_notes(tmp_path / "a.png")
    np.testing.assert_array_equal(read.alpha, 255 - GRADIENT)
    gray, opacity = GRADIENT / 255.0, (255 - GRADIENT) / 255.0
    over_white = 255.0 * (gray * opacity + (1.0 - opacity))  # the pixels as read: composited onto white
    assert np.abs(read.pixels - over_white[..., np.newaxis]).max() <= 1


@pytest.mark.parametrize("bit_depth", [8, 16])
def test_alpha_is_resized_and_attached(tmp_path, bit_depth):
    alpha = np.tile(np.linspace(0, 255, 8).astype(np.uint8), (4, 1))  # (4, 8): resized to the (8, 16) image
    images.save_image(tmp_path / "a.png", float_ramp(16).repeat(4, axis=0), bit_depth=bit_depth, alpha=alpha)
    expected = np.asarray(Image.fromarray(alpha.astype(np.float32), "F").resize((16, 8), Image.Resampling.BICUBIC))
    if bit_depth == 16:
        written = png16_levels(tmp_path / "a.png", 4)[..., 3] / 257.0
    else:
        written = np.asarray(Image.open(tmp_path / "a.png"))[..., 3]
    assert written.shape == (8, 16)
    assert np.abs(written - np.clip(expected, 0, 255)).max() <= 0.5 + 1e-6


@pytest.mark.parametrize("name, options, words", [
    ("o.jpg", dict(bit_depth=16), "JPEG holds 8 bits"), ("o.webp", dict(bit_depth=16), "WEBP holds 8 bits"),
    ("o.bmp", dict(bit_depth=16), "BMP holds 8 bits"), ("o.jpg", dict(alpha=True), "no alpha channel"),
    ("o.png", dict(bit_depth=12), "8 or 16")])
def test_formats_that_cannot_hold_it_are_refused(tmp_path, name, options, words):
    with pytest.raises(ConfigError) as refused:
        images.check_output_path(tmp_path / name, **options)
    assert words in str(refused.value) and "\n" not in str(refused.value)


def test_jpeg_with_sixteen_bits_is_exit_2_before_any_work(tmp_path, content_path, style_path, approx_weights_path,
                                                          capsys, monkeypatch):
    monkeypatch.setattr("legacy_nst.run.prepare.load_vgg19", lambda *a: pytest.fail("the weights were loaded"))
    status = main(["--content", str(content_path), "--style", str(style_path), "--weights", str(approx_weights_path),
                   "--width", "32", "--iterations", "2", "--output", str(tmp_path / "out.jpg"), "--bit-depth", "16",
                   "--log-json", str(tmp_path / "run.json"), "--quiet"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(lines) == 1 and "JPEG holds 8 bits per channel" in lines[0] and ".png or .tif" in lines[0], lines
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_the_command_writes_sixteen_bits_from_the_float_image_with_the_alpha(tmp_path, vgg, content_path,
                                                                            style_path, approx_weights_path):
    from legacy_nst.record.files import run_to_files as run

    photo = np.asarray(Image.open(content_path).resize((48, 36)))
    alpha = np.tile(np.linspace(0, 255, 48).astype(np.uint8), (36, 1))
    content = tmp_path / "content.png"
    Image.fromarray(np.dstack([photo, alpha])).save(
        content, icc_profile=matrix_profile("Adobe-like RGB", ADOBE_RGB_D50, ADOBE_GAMMA))
    config = Config(width=32, iterations=2, seed=0, weights=str(approx_weights_path), bit_depth=16, keep_alpha=True)
    result = run(str(content), str(style_path), tmp_path / "out.png", config, log_json=tmp_path / "run.json", vgg=vgg)
    levels = png16_levels(tmp_path / "out.png", 4)
    assert levels.shape == (24, 32, 4)
    colour = levels[..., :3]
    assert np.count_nonzero(colour % 257) > 0.9 * colour.size  # from the floats, not the uint8 image times 257
    np.testing.assert_array_equal(np.rint(colour / 257.0), result.image)  # the same image, finer
    assert np.abs(levels[..., 3] / 257.0 - np.asarray(Image.fromarray(alpha).resize((32, 24)))).max() < 3
    with Image.open(tmp_path / "out.png") as written:
        assert written.info["icc_profile"] == srgb_profile()
    notes = json.loads((tmp_path / "run.json").read_text())["image_notes"]
    assert notes == [f"{content}: transparent pixels composited onto white (--keep-alpha carries the alpha to "
                     "the output)", f"{content}: colours converted from its ICC profile 'Adobe-like RGB' to sRGB"]


@pytest.mark.parametrize("name, decode", [("ramp.png", lambda p: png16_levels(p, 3)), ("ramp.tif", tiff16_levels)])
def test_a_sixteen_bit_input_is_read_at_full_depth(tmp_path, name, decode):
    """issue 30: content, style and scored images keep their 16 bits (Pillow would keep the high byte): the pixels
    read are the file's levels / 257, decoded independently."""
    images.save_image(tmp_path / name, float_ramp(), bit_depth=16)
    read = images.read_image_with_notes(tmp_path / name)
    np.testing.assert_allclose(read.pixels, decode(tmp_path / name) / 257.0, rtol=0, atol=1e-4)
    assert read.pixels.dtype == np.float32 and len(np.unique(read.pixels[..., 0])) > 1000
    assert read.alpha is None and "16 bits per channel kept" in read.notes[0]
    half = images.resize(read.pixels, (1, 1024))
    assert half.dtype == np.float32 and len(np.unique(half[..., 0])) > 256


def test_a_sixteen_bit_input_with_alpha_is_composited_onto_white_at_full_depth(tmp_path):
    ramp, alpha = float_ramp(512), np.full((2, 512), 51, np.uint8)  # opacity 0.2
    images.save_image(tmp_path / "a.png", ramp, bit_depth=16, alpha=alpha)
    read = images.read_image_with_notes(tmp_path / "a.png")
    levels = png16_levels(tmp_path / "a.png", 4).astype(np.float64)
    opacity = levels[..., 3:] / 65535
    np.testing.assert_allclose(read.pixels, levels[..., :3] / 257 * opacity + 255 * (1 - opacity), atol=1e-3)
    np.testing.assert_array_equal(read.alpha, alpha)
