"""The first-order optimizers, in one table: how each is built, which options it reads, the state it keeps.

Every engine builds its optimizer from `FIRST_ORDER` (the graph and tiled engines the tf.compat.v1.train one,
the eager engines its tf.keras twin), and the memory model counts its `slots`. A new optimizer is one entry
here and its name in config.options.OPTIMIZERS (tests/optim/test_optimizers.py checks the two agree).

The Keras twins take the same steps as tf.compat.v1's up to float32 rounding (tests/engines/test_eager.py):
Adam with tf.compat.v1's beta2 0.999 and epsilon 1e-8 (Keras' own default epsilon is 1e-7), betas rounded
to float32 first (see `_float32`); both apply the "epsilon hat" update

    m += (1 - b1)(g - m);  v += (1 - b2)(g^2 - v)
    x -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)
"""
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np
import tensorflow as tf

from ..errors import ConfigError

tf1 = tf.compat.v1


@dataclass(frozen=True)
class FirstOrder:
    """One first-order optimizer of the image."""

    graph: Callable            # config -> a tf.compat.v1.train optimizer
    keras: Optional[Callable]  # config -> the tf.keras optimizer that takes the same steps, None without one
    slots: int                 # image-sized variables it keeps (Adam's m and v): its state, for --resume and memory
    settings: Tuple[str, ...] = ()  # the Config fields it reads besides learning_rate


def _float32(value):
    """`value` rounded to float32, as a Python float.

    tf.compat.v1's Adam kernel computes 1 - beta in float32 from float32 beta; Keras computes 1 - beta in
    Python (float64) and rounds afterwards, but the bias correction 1 - beta^t from float32 beta. With
    beta = 0.999 the two disagree by 1.3e-5 relative, so every first step was 2 * (1 - 6.4e-6) instead of 2,
    enough to flip ReLUs and move pixels by 0.6 after 5 steps at 64x48. Betas already rounded to float32 make
    both computations exact.
    """
    return float(np.float32(value))


def _keras_adam(config):
    return tf.keras.optimizers.Adam(config.learning_rate, beta_1=_float32(config.adam_beta1),
                                    beta_2=_float32(0.999), epsilon=config.adam_epsilon)


FIRST_ORDER = {
    "adam": FirstOrder(
        lambda c: tf1.train.AdamOptimizer(c.learning_rate, beta1=c.adam_beta1, epsilon=c.adam_epsilon),
        _keras_adam, slots=2, settings=("adam_beta1", "adam_epsilon")),
    "sgd": FirstOrder(lambda c: tf1.train.GradientDescentOptimizer(c.learning_rate),
                      lambda c: tf.keras.optimizers.SGD(c.learning_rate), slots=0),
    # Keras' m = 0.9 m - lr g; x += m  is  tf1's a = 0.9 a + g; x -= lr a
    "momentum": FirstOrder(lambda c: tf1.train.MomentumOptimizer(c.learning_rate, momentum=0.9),
                           lambda c: tf.keras.optimizers.SGD(c.learning_rate, momentum=0.9), slots=1),
    "rmsprop": FirstOrder(lambda c: tf1.train.RMSPropOptimizer(c.learning_rate), None, slots=2),
    # tf1: accumulator from 0.1, x -= lr g / sqrt(accumulator), no epsilon
    "adagrad": FirstOrder(lambda c: tf1.train.AdagradOptimizer(c.learning_rate),
                          lambda c: tf.keras.optimizers.Adagrad(c.learning_rate, initial_accumulator_value=0.1,
                                                                epsilon=0.0), slots=1),
}


def first_order(name) -> FirstOrder:
    """The table's entry for --optimizer `name`; a one-line ConfigError for a name it does not hold."""
    if name not in FIRST_ORDER:
        raise ConfigError(f"--optimizer {name} is not a first-order optimizer; choose from "
                          f"{', '.join(FIRST_ORDER)} (or lbfgs)")
    return FIRST_ORDER[name]


def with_keras_twin():
    """The first-order optimizers with an exact tf.keras equivalent (what the eager engines can run)."""
    return tuple(name for name, entry in FIRST_ORDER.items() if entry.keras is not None)
