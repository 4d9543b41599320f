"""One run top to bottom: the initial images and the checkpoint layout."""
import numpy as np
import pytest
from PIL import Image

from legacy_nst import Config, stylize
from legacy_nst.io.images import load_image, to_network
from legacy_nst.record.files import RunPaths

SIZE = (32, 48)


def first_image(vgg, content_path, style_path, **options):
    seen = {}
    stylize(str(content_path), str(style_path), vgg=vgg, width=SIZE[1], height=SIZE[0], iterations=0,
            observe=lambda i, losses, image: seen.setdefault(i, image), **options)
    return seen[0]


@pytest.mark.slow
def test_init_content_and_style_start_from_those_images(vgg, content_path, style_path):
    for init, path in (("content", content_path), ("style", style_path)):
        want = to_network(np.asarray(Image.open(path).convert("RGB").resize((48, 32), Image.Resampling.BICUBIC)),
                          vgg.mean_pixel)
        np.testing.assert_allclose(first_image(vgg, content_path, style_path, init=init), want, atol=1e-4)


@pytest.mark.slow
def test_init_from_a_file_is_resized_to_the_working_size(vgg, content_path, style_path, shared_dir):
    other = shared_dir / "images" / "golden_gate.jpg"
    want = to_network(load_image(other, SIZE), vgg.mean_pixel)
    np.testing.assert_allclose(first_image(vgg, content_path, style_path, init=str(other)), want, atol=1e-4)


@pytest.mark.slow
def test_init_random_is_the_uniform_noise_alone(vgg, content_path, style_path):
    got = first_image(vgg, content_path, style_path, init="random", seed=11)
    want = np.random.RandomState(11).uniform(-20, 20, (1, *SIZE, 3)).astype(np.float32)
    np.testing.assert_array_equal(got, want)


def test_default_checkpoint_dir_sits_beside_the_output(tmp_path):
    assert RunPaths.of(tmp_path / "night.png", Config()).checkpoints == tmp_path / "night-checkpoints"
    assert RunPaths.of(tmp_path / "x.png", Config(checkpoint_dir=str(tmp_path / "ck"))).checkpoints == tmp_path / "ck"


@pytest.mark.slow
def test_arrays_are_accepted_as_images(vgg):
    rng = np.random.default_rng(0)
    content, style = (rng.integers(0, 256, (40, 60, 3), dtype=np.uint8) for _ in range(2))
    result = stylize(content, style, vgg=vgg, width=30, iterations=2, init="content")
    assert result.image.shape == (20, 30, 3) and result.size == (20, 30)
    assert len(result.history) == 3
