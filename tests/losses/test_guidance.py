"""Guidance channels carried to the layers: "simple" against a hand computation and TensorFlow's own pooling,
"inside" against a hand computation and the receptive fields a linear copy of the network actually has."""
import numpy as np
import pytest
import tensorflow as tf

from legacy_nst.engines.tiles import receptive_field
from legacy_nst.errors import ConfigError
from legacy_nst.losses.guidance import propagate, receptive_span, region_size, uncovered
from legacy_nst.vgg19 import CONV_LAYERS, layer_sequence

MASK = np.array([[0, 1, 1, 0, 1],
                 [1, 1, 0, 0, 1],
                 [0, 0, 0, 1, 1]], np.float32)


def test_simple_guides_are_the_mask_pooled_as_the_network_pools_worked_by_hand():
    """3x5: one 2x2 SAME pooling gives 2x3 (the last row and column are windows of one or two pixels), two
    give 1x2; the convolutions keep the size."""
    avg = propagate(MASK, ["conv1_2", "conv2_1", "conv3_1"], "avg")
    np.testing.assert_array_equal(avg["conv1_2"][0, :, :, 0], MASK)
    np.testing.assert_array_equal(avg["conv2_1"][0, :, :, 0], [[0.75, 0.25, 1.0], [0.0, 0.5, 1.0]])
    np.testing.assert_array_equal(avg["conv3_1"][0, :, :, 0], [[0.375, 1.0]])
    most = propagate(MASK, ["conv2_1", "conv3_1"], "max")
    np.testing.assert_array_equal(most["conv2_1"][0, :, :, 0], [[1, 1, 1], [0, 1, 1]])
    np.testing.assert_array_equal(most["conv3_1"][0, :, :, 0], [[1, 1]])
    assert avg["conv2_1"].shape == (1, 2, 3, 1) and avg["conv2_1"].dtype == np.float32
    assert region_size(avg["conv2_1"]) == 3.5


@pytest.mark.parametrize("pooling", ["avg", "max"])
def test_simple_guides_equal_tensorflows_same_pooling_at_odd_sizes(pooling):
    mask = np.random.RandomState(1).uniform(0, 1, (37, 23)).astype(np.float32)
    guides = propagate(mask, CONV_LAYERS, pooling)
    pool = tf.nn.avg_pool2d if pooling == "avg" else tf.nn.max_pool2d
    current = tf.constant(mask[None, :, :, None])
    for name in layer_sequence(pooling):
        if not name.startswith("conv"):
            current = pool(current, ksize=2, strides=2, padding="SAME")
        elif name in guides:
            np.testing.assert_allclose(guides[name], current.numpy(), rtol=1e-6, atol=1e-7, err_msg=name)


@pytest.mark.parametrize("mode", ["simple", "inside"])
def test_an_all_white_mask_is_exactly_one_at_every_layer(mode):
    guides = propagate(np.ones((21, 34), np.float32), CONV_LAYERS, mode=mode)
    for name, guide in guides.items():
        assert guide.shape == (1, -(-21 // 2 ** (int(name[4]) - 1)), -(-34 // 2 ** (int(name[4]) - 1)), 1)
        assert np.all(guide == 1.0), name


def test_the_receptive_span_is_the_receptive_field_of_the_tiles():
    for name in CONV_LAYERS:
        before, after, stride = receptive_span(name)
        assert before + after + 1 == receptive_field(name) and stride == 2 ** (int(name[4]) - 1), name
    assert receptive_span("conv2_1") == (4, 5, 2)  # conv1_1, conv1_2: 2 each side; the pooling: 1 after, stride 2


def test_inside_keeps_a_position_only_where_its_receptive_field_is_in_the_region_worked_by_hand():
    """The region is columns 4 and right of a 12x12 image. conv1_1 reads columns j-1..j+1: kept from 5 on (the
    last column's field is clipped to the image). conv2_1's position j reads 2j-4..2j+5: kept from j = 4."""
    mask = np.zeros((12, 12), np.float32)
    mask[:, 4:] = 1.0
    guides = propagate(mask, ["conv1_1", "conv2_1"], mode="inside")
    np.testing.assert_array_equal(guides["conv1_1"][0, 0, :, 0], [0] * 5 + [1] * 7)
    np.testing.assert_array_equal(guides["conv2_1"][0, 0, :, 0], [0, 0, 0, 0, 1, 1])
    assert np.all(guides["conv2_1"][0, :, :, 0] == guides["conv2_1"][0, :1, :, 0])  # every row alike
    grey = mask * 0.6  # "inside" thresholds at 0.5 first: a 0.6 grey region is the region
    np.testing.assert_array_equal(propagate(grey, ["conv2_1"], mode="inside")["conv2_1"], guides["conv2_1"])


def _receptive_fields(shape, layer):
    """{output position: set of input pixels it depends on} of a linear copy of VGG's layout (3x3 all-ones
    kernels, SAME; 2x2 average pooling, SAME), from the Jacobian: the fields as the network has them."""
    image = tf.constant(np.ones((1, *shape, 1), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(image)
        current = image
        for name in layer_sequence("avg"):
            if name.startswith("conv"):
                current = tf.nn.conv2d(current, tf.ones((3, 3, 1, 1)), 1, "SAME")
            else:
                current = tf.nn.avg_pool2d(current, 2, 2, "SAME")
            if name == layer:
                break
    jacobian = tape.jacobian(current, image).numpy()[0, :, :, 0, 0, :, :, 0]
    return jacobian != 0


@pytest.mark.parametrize("layer, shape", [("conv2_1", (26, 30)), ("conv3_1", (26, 30)), ("conv4_1", (90, 84))])
def test_inside_equals_the_receptive_fields_of_a_linear_network(layer, shape):
    """A position is inside when no pixel its output depends on (its Jacobian row) is outside the region."""
    rng = np.random.RandomState(4)
    mask = np.ones(shape, np.float32)
    mask[rng.randint(0, shape[0], 3), rng.randint(0, shape[1], 3)] = 0.0  # three holes
    mask[:, :3] = 0.2
    fields = _receptive_fields(mask.shape, layer)
    want = np.array([[np.all(mask[fields[i, j]] >= 0.5) for j in range(fields.shape[1])]
                     for i in range(fields.shape[0])], np.float32)
    got = propagate(mask, [layer], mode="inside")[layer][0, :, :, 0]
    np.testing.assert_array_equal(got, want)
    assert 0 < got.sum() < got.size  # neither all in nor all out: the test sees the erosion


def test_unknown_modes_and_layers_are_one_line_errors():
    with pytest.raises(ConfigError, match="unknown guidance 'outside'; choose from simple, inside"):
        propagate(MASK, ["conv1_1"], mode="outside")
    with pytest.raises(ConfigError, match="unknown layer"):
        propagate(MASK, ["conv9_9"])


def test_uncovered_is_the_share_no_mask_touches():
    left, right = np.zeros((4, 4)), np.zeros((4, 4))
    left[:, :1], right[:, 3:] = 1.0, 0.5
    assert uncovered([left, right]) == 0.5
