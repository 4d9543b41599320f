"""The first-order optimizer table: one entry builds each optimizer for every engine and sizes its state."""
import numpy as np
import pytest
import tensorflow as tf

from legacy_nst import Config
from legacy_nst.config.options import OPTIMIZERS
from legacy_nst.errors import ConfigError
from legacy_nst.optim.optimizers import FIRST_ORDER, first_order
from legacy_nst.run.memory import optimizer_bytes

tf1 = tf.compat.v1


def test_the_option_choices_are_the_table_and_lbfgs():
    assert set(OPTIMIZERS) == set(FIRST_ORDER) | {"lbfgs"}


@pytest.mark.parametrize("name", sorted(FIRST_ORDER))
def test_each_optimizer_keeps_as_many_image_sized_slots_as_the_table_says(name):
    config = Config(optimizer=name, learning_rate=0.5)
    with tf.Graph().as_default():
        image = tf1.Variable(np.zeros((1, 4, 5, 3), np.float32), use_resource=True)
        trainer = first_order(name).graph(config)
        trainer.minimize(tf.reduce_sum(tf.square(image)), var_list=[image])
        slots = [v for v in trainer.variables() if tuple(v.shape) == (1, 4, 5, 3)]
    assert len(slots) == FIRST_ORDER[name].slots


@pytest.mark.parametrize("name", sorted(FIRST_ORDER))
def test_the_memory_model_counts_the_tables_slots(name):
    config = Config(optimizer=name)
    assert optimizer_bytes(10, 20, config) == FIRST_ORDER[name].slots * 10 * 20 * 3 * 4


def test_an_optimizer_missing_from_the_table_is_an_error_not_a_guess():
    with pytest.raises(ConfigError, match="--optimizer nadam"):
        first_order("nadam")


def test_adam_reads_its_settings_from_the_config():
    config = Config(adam_beta1=0.99, adam_epsilon=0.1, learning_rate=3.0)
    with tf.Graph().as_default():
        trainer = first_order("adam").graph(config)
    assert (trainer._beta1, trainer._epsilon, trainer._lr) == (0.99, 0.1, 3.0)
    assert set(FIRST_ORDER["adam"].settings) == {"adam_beta1", "adam_epsilon"}
