"""--average-iterates: the bias-corrected moving average of the iterates, against its formula, across a resume
and tiled."""
import json

import numpy as np
import pytest

from legacy_nst import Config, stylize
from legacy_nst.errors import ConfigError
from legacy_nst.optim.average import IterateAverage
from legacy_nst.record.checkpoints import load_state
from legacy_nst.record.files import run_to_files
from messages import assert_says


def reference(images, decay):
    """sum_i decay^(n-i) (1 - decay) x_i / (1 - decay^(n+1)), written out (float64)."""
    n = len(images) - 1
    weights = [(1 - decay) * decay ** (n - i) for i in range(n + 1)]
    return sum(w * x.astype(np.float64) for w, x in zip(weights, images)) / (1 - decay ** (n + 1))


def test_the_average_is_the_bias_corrected_weighted_sum_of_the_entries():
    rng = np.random.RandomState(0)
    images = [rng.normal(0, 50, (1, 5, 7, 3)).astype(np.float32) for _ in range(9)]
    average = IterateAverage(0.8)
    for i, image in enumerate(images):
        average.update(i, image)
        np.testing.assert_allclose(average.image(), reference(images[:i + 1], 0.8), rtol=1e-5, atol=1e-4)


def test_a_constant_image_averages_to_itself_from_the_first_entry_and_a_repeated_entry_counts_once():
    image = np.full((1, 4, 4, 3), 7.5, np.float32)
    average = IterateAverage(0.99)
    average.update(0, image)
    np.testing.assert_allclose(average.image(), image, rtol=1e-6)  # no pull towards 0: the bias correction
    average.update(1, image * 3)
    once = average.image()
    average.update(1, image * 3)  # L-BFGS reports a resumed start again
    np.testing.assert_array_equal(average.image(), once)


def test_the_average_survives_a_checkpoint_round_trip():
    rng = np.random.RandomState(1)
    images = [rng.normal(0, 50, (1, 3, 3, 3)).astype(np.float32) for _ in range(6)]
    straight, first, second = IterateAverage(0.7), IterateAverage(0.7), IterateAverage(0.7)
    for i, image in enumerate(images):
        straight.update(i, image)
    for i, image in enumerate(images[:3]):
        first.update(i, image)
    second.restore(first.variables())
    for i, image in enumerate(images[2:], start=2):  # entry 2 again, as a resumed L-BFGS reports it
        second.update(i, image)
    np.testing.assert_allclose(second.image(), straight.image(), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("decay", [1.0, -0.5, 2.0])
def test_a_decay_outside_0_1_is_refused_in_one_line(decay):
    with pytest.raises(ConfigError) as refused:
        Config(average_iterates=decay)
    assert str(refused.value).startswith("--average-iterates ")
    assert_says(refused.value, f"got {decay}", "(0, 1)", "0 for off")


def test_the_print_schedule_averages_and_0_turns_it_off():
    from legacy_nst.config import with_preset
    from legacy_nst.run.memory import image_copies

    on = Config(**with_preset({"preset": "jcjohnson", "schedule": "print"}))
    off = Config(**with_preset({"preset": "jcjohnson", "schedule": "print", "average_iterates": 0}))
    assert on.average_iterates == 0.9 and image_copies(on) > image_copies(off)


@pytest.fixture
def base(approx_weights_path):
    return Config(weights=str(approx_weights_path), seed=0, width=32, height=32, average_iterates=0.7)


@pytest.mark.slow
def test_the_written_image_is_the_average_and_its_losses_are_logged(tmp_path, vgg, content_path, style_path, base):
    seen = []
    result = stylize(str(content_path), str(style_path), base.replace(iterations=5), vgg=vgg,
                     observe=lambda i, losses, image: seen.append(image))
    iterates = []
    plain = stylize(str(content_path), str(style_path), base.replace(iterations=5, average_iterates=None), vgg=vgg,
                    observe=lambda i, losses, image: iterates.append(image))
    assert [e["total"] for e in result.history] == [e["total"] for e in plain.history]  # the iterates are the same
    np.testing.assert_allclose(result.network_image, reference(iterates, 0.7), rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(seen[-1], result.network_image, rtol=1e-6)  # observers see the average
    assert result.average_losses["total"] != pytest.approx(result.history[-1]["total"], rel=1e-3)


@pytest.mark.slow
def test_the_average_across_a_resume_equals_an_uninterrupted_runs(tmp_path, content_path, style_path, base):
    straight = run_to_files(content_path, style_path, tmp_path / "straight.png", base.replace(iterations=8),
                            log_json=tmp_path / "straight.json")
    ck = tmp_path / "ck"
    run_to_files(content_path, style_path, tmp_path / "first.png",
                 base.replace(iterations=3, checkpoint_every=3, checkpoint_dir=str(ck)))
    assert {"average", "average_weight", "average_through"} <= set(load_state(ck).variables)
    resumed = run_to_files(content_path, style_path, tmp_path / "resumed.png",
                           base.replace(iterations=8, resume=str(ck)), log_json=tmp_path / "resumed.json")
    np.testing.assert_allclose(resumed.network_image, straight.network_image, rtol=1e-4, atol=1e-3)
    logged = [json.loads((tmp_path / f"{name}.json").read_text())["average_losses"] for name in ("straight", "resumed")]
    assert logged[1]["total"] == pytest.approx(logged[0]["total"], rel=1e-4)


@pytest.mark.slow
def test_the_tiled_average_equals_the_untiled(content_path, style_path, base):
    options = dict(width=192, height=160, iterations=3, init="content")
    untiled = stylize(str(content_path), str(style_path), base.replace(tile="off", **options))
    tiled = stylize(str(content_path), str(style_path), base.replace(tile="96", **options))
    assert tiled.tiling["tiles"] > 1 and untiled.tiling is None
    np.testing.assert_allclose(tiled.network_image, untiled.network_image, rtol=1e-4, atol=1e-2)
    assert tiled.average_losses["total"] == pytest.approx(untiled.average_losses["total"], rel=1e-5)
