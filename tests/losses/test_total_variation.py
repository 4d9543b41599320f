"""The total-variation term as one unit: its TensorFlow form (differentiated by the graph and eager engines) and
its numpy form with a written-out gradient (the tiled engine's) agree, and it enters the objective as a term."""
import numpy as np
import pytest
import tensorflow as tf

from legacy_nst import Config
from legacy_nst.losses.terms import objective_of
from legacy_nst.losses.total_variation import FORMS, TotalVariation


@pytest.mark.parametrize("form", sorted(FORMS))
def test_numpy_total_variation_gradient_matches_tensorflow(form):
    in_tensorflow, in_numpy = FORMS[form]
    image = np.random.RandomState(1).normal(0, 30, (1, 19, 23, 3)).astype(np.float32)
    with tf.GradientTape() as tape:
        x = tf.constant(image)
        tape.watch(x)
        loss = in_tensorflow(x)
    value, grad = in_numpy(image.copy())
    assert value == pytest.approx(float(loss), rel=1e-6)
    np.testing.assert_allclose(grad, tape.gradient(loss, x).numpy(), rtol=1e-5, atol=1e-7)


def test_the_mean_form_is_the_mean_of_squared_neighbour_differences():
    image = np.random.RandomState(2).normal(0, 1, (1, 5, 7, 3))
    want = np.mean(np.diff(image, axis=1) ** 2) + np.mean(np.diff(image, axis=2) ** 2)
    assert FORMS["mean"][1](image.astype(np.float32))[0] == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("normalization,form", [("artpy", "mean"), ("anishathalye", "mean"),
                                                ("jcjohnson", "interior")])
def test_the_term_is_on_with_a_tv_weight_in_its_normalizations_form(normalization, form):
    terms = objective_of(Config(tv_weight=1e-3, loss_normalization=normalization)).terms
    assert [t for t in terms if t.group == "tv"] == [TotalVariation(form=form)]
    assert not [t for t in objective_of(Config(loss_normalization=normalization)).terms if t.group == "tv"]
