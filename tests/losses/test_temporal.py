"""The temporal term (Ruder et al. 2016) as one unit: its value and gradient against a numpy reference, its
TensorFlow form against its numpy form, and the closest-first long-term weights."""
import numpy as np
import pytest
import tensorflow as tf

from legacy_nst.losses.temporal import TemporalTerm, closest_first


def frames(seed=0, shape=(1, 9, 11, 3)):
    rng = np.random.RandomState(seed)
    image, warped = (rng.normal(0, 40, shape).astype(np.float32) for _ in range(2))
    weights = (rng.uniform(size=shape[:3] + (1,)) > 0.3).astype(np.float32)
    return image, warped, weights


def reference(image, warped, weights):
    """Ruder's WeightedContentLoss: MSE of sqrt(c) * x against sqrt(c) * w, and its gradient, in float64."""
    x, w, c = (a.astype(np.float64) for a in (image, warped, np.broadcast_to(weights, image.shape)))
    d = x.size
    return np.sum((np.sqrt(c) * x - np.sqrt(c) * w) ** 2) / d, 2 * c * (x - w) / d


def test_the_numpy_form_is_ruders_weighted_mean_squared_difference_with_its_gradient():
    image, warped, weights = frames()
    value, grad = TemporalTerm(warped=warped, weights=weights).loss_and_grad(image)
    want_value, want_grad = reference(image, warped, weights)
    assert value == pytest.approx(want_value, rel=1e-6)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-5, atol=1e-9)


def test_the_tensorflow_form_and_its_autodiff_gradient_equal_the_numpy_form():
    image, warped, weights = frames(1)
    term = TemporalTerm(warped=warped, weights=weights)
    x = tf.constant(image)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = term.loss(x)
    value, grad = term.loss_and_grad(image)
    assert float(loss) == pytest.approx(value, rel=1e-5)
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), grad, rtol=1e-5, atol=1e-8)


def test_unreliable_pixels_do_not_count():
    image, warped, _ = frames(2)
    nowhere = np.zeros(image.shape[:3] + (1,), np.float32)
    assert TemporalTerm(warped=warped, weights=nowhere).loss_and_grad(image)[0] == 0.0


def test_closest_first_gives_each_pixel_to_the_closest_frame_that_saw_it():
    near = np.array([1, 0, 1, 0], np.float32)
    middle = np.array([1, 1, 0, 0], np.float32)
    far = np.array([1, 1, 1, 1], np.float32)
    got = closest_first([near, middle, far])
    np.testing.assert_array_equal(got[0], near)
    np.testing.assert_array_equal(got[1], [0, 1, 0, 0])
    np.testing.assert_array_equal(got[2], [0, 0, 0, 1])
    np.testing.assert_array_equal(sum(got), [1, 1, 1, 1])
