"""run.score: a run's objective on any image, against the run's own log and an independent numpy computation."""
import numpy as np
import pytest

from legacy_nst.config import Config
from legacy_nst.errors import ConfigError
from legacy_nst.io.images import read_image, resize, to_network
from legacy_nst.run.score import score

SIZE = (24, 32)  # (height, width): the run fixture's size


@pytest.mark.slow
@pytest.mark.parametrize("options", [dict(iterations=3), dict(preset="jcjohnson", iterations=4)],
                         ids=["artpy-adam", "jcjohnson-lbfgs-tv"])
def test_the_float_image_reproduces_the_runs_last_logged_losses(run, vgg, content_path, style_path, options):
    result = run(**options)
    last = result.history[-1]
    scores = score(str(content_path), str(style_path), [result.network_image], result.config, vgg=vgg)
    (image,) = scores.images
    assert scores.size == result.size == SIZE and image.read_size is None
    assert set(image.losses) == {name for name in ("total", "content", "style", "tv") if name in last}
    for name, value in image.losses.items():
        assert value == pytest.approx(last[name], rel=1e-5), name


def np_conv1_1(x, vgg):
    """conv1_1 + ReLU of a (1, H, W, 3) network-space image in float64: SAME 3x3, TF's [height, width] kernel."""
    kernel = np.transpose(vgg.kernels["conv1_1"], (1, 0, 2, 3)).astype(np.float64)
    _, h, w, _ = x.shape
    padded = np.pad(x[0].astype(np.float64), ((1, 1), (1, 1), (0, 0)))
    out = sum(padded[dy:dy + h, dx:dx + w, :] @ kernel[dy, dx] for dy in range(3) for dx in range(3))
    return np.maximum(out + vgg.biases["conv1_1"].ravel(), 0).reshape(h * w, -1)  # F: (M, N)


NUMPY_TERMS = {  # (content(x, p), style(x, a)) of F (M, N) under each normalization's formulas
    "artpy": (lambda x, p: ((x - p) ** 2).sum() / (4 * x.size),
              lambda x, a: ((x.T @ x - a.T @ a) ** 2).sum() / (4 * x.shape[1] ** 2 * x.shape[0] ** 2)),
    "jcjohnson": (lambda x, p: ((x - p) ** 2).mean(),
                  lambda x, a: ((x.T @ x / x.size - a.T @ a / x.size) ** 2).mean()),
}


@pytest.mark.parametrize("normalization", sorted(NUMPY_TERMS))
def test_each_layers_term_matches_numpy(vgg, content_path, style_path, normalization):
    size = (20, 28)
    content, style = (to_network(resize(read_image(path), size), vgg.mean_pixel) for path in (content_path, style_path))
    image = (content + np.random.default_rng(1).uniform(-30, 30, content.shape)).astype(np.float32)
    config = Config(width=28, height=20, content_layers="conv1_1", style_layers="conv1_1:0.5,conv2_1:2",
                    loss_normalization=normalization, alpha=7.0, beta=3.0)
    (scored,) = score(str(content_path), str(style_path), [image], config, vgg=vgg).images
    content_term, style_term, deeper = scored.terms
    assert [(t.group, t.layer, t.weight) for t in scored.terms] == [("content", "conv1_1", 1.0),
                                                                     ("style", "conv1_1", 0.5), ("style", "conv2_1", 2.0)]
    content_loss, style_loss = NUMPY_TERMS[normalization]
    x, p, a = (np_conv1_1(array, vgg) for array in (image, content, style))
    assert content_term.value == pytest.approx(content_loss(x, p), rel=1e-4)
    assert style_term.value == pytest.approx(style_loss(x, a), rel=1e-4)
    assert scored.losses["content"] == pytest.approx(content_term.value, rel=1e-6)
    assert scored.losses["style"] == pytest.approx(0.5 * style_term.value + 2.0 * deeper.value, rel=1e-6)
    assert scored.losses["total"] == pytest.approx(3.0 * scored.losses["content"] + 7.0 * scored.losses["style"],
                                                   rel=1e-6)


def test_an_image_of_another_size_is_resized_bicubic_like_the_content(vgg, content_path, style_path):
    painting = read_image(style_path)
    config = Config.from_options(width=32, preset="gatys")
    images = [str(style_path), resize(painting, (24, 32)), str(content_path)]
    from_file, at_size, photo = score(str(content_path), str(style_path), images, config, vgg=vgg).images
    assert from_file.read_size == painting.shape[:2] and from_file.resized((24, 32))
    assert at_size.read_size == (24, 32) and not at_size.resized((24, 32))
    assert from_file.losses == at_size.losses
    assert from_file.losses["style"] < 1e-9 * photo.losses["style"]  # the style target is the painting so resized


@pytest.mark.slow
def test_the_size_defaults_to_the_runs_working_size(vgg, content_path, style_path):
    """--image-size, --width alone, and a preset's size, each as the run computes it from the content (4:3)."""
    for options, size in ((dict(image_size=40), (30, 40)), (dict(height=21), (21, 28)),
                          (dict(preset="jcjohnson", image_size=36), (27, 36))):
        scores = score(str(content_path), str(style_path), [str(content_path)], Config.from_options(**options), vgg=vgg)
        assert scores.size == size, options


def test_a_float_image_at_another_size_is_refused(vgg, content_path, style_path):
    with pytest.raises(ConfigError, match=r"network-space \(1, 24, 32, 3\).*pass uint8 RGB"):
        score(str(content_path), str(style_path), [np.zeros((1, 30, 40, 3), np.float32)], Config(width=32), vgg=vgg)


def test_a_16_bit_output_scores_as_its_float_image_where_8_bits_do_not(vgg, content_path, style_path, tmp_path):
    """issue 30: a 16-bit PNG is read at full depth (OpenCV), so a --bit-depth 16 output, re-read and scored, gives
    the float image's losses within 1e-4 when no pixel was clipped; its 8-bit twin does not (tests/io holds the
    TIFF's pixels)."""
    from legacy_nst.io.images import from_network, save_image

    config = Config(width=SIZE[1], height=SIZE[0])
    content = resize(read_image(content_path), SIZE).astype(np.float64)
    texture = np.random.RandomState(3).uniform(-40, 40, content.shape)
    image = to_network(np.clip(content * 0.8 + 25 + texture, 5, 250), vgg.mean_pixel)  # 5-250: nothing clipped
    paths = [tmp_path / "out16.png", tmp_path / "out8.png"]
    for path, depth in zip(paths, (16, 8)):
        save_image(path, from_network(image, vgg.mean_pixel, bit_depth=depth), bit_depth=depth)
    floats, sixteen, eight = score(str(content_path), str(style_path), [image, *map(str, paths)], config,
                                   vgg=vgg).images
    for name, value in floats.losses.items():
        assert sixteen.losses[name] == pytest.approx(value, rel=1e-4), name
    assert any(eight.losses[name] != pytest.approx(value, rel=1e-4) for name, value in floats.losses.items())
