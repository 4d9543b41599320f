"""The graph dictionary: shapes at art.py's sizes and odd ones, kernel orientation, truncation."""
import math

import numpy as np
import pytest
import tensorflow as tf

from legacy_nst.errors import ConfigError
from legacy_nst.vgg.graph import build_graph
from legacy_nst.vgg19 import layer_sequence
from legacy_nst.vgg19 import CONV_LAYERS

tf1 = tf.compat.v1


def expected_shape(name, height, width):
    """Channels and spatial size from VGG-19's design, independent of the code under test."""
    block = int(name[-1]) if "pool" in name else int(name[4])
    channels = {1: 64, 2: 128, 3: 256, 4: 512, 5: 512}[block]
    halvings = block if "pool" in name else block - 1
    for _ in range(halvings):
        height, width = math.ceil(height / 2), math.ceil(width / 2)
    return (1, height, width, channels)


@pytest.mark.parametrize("height,width", [(600, 800), (800, 600), (601, 799)])
def test_graph_shapes(vgg, height, width):
    with tf.Graph().as_default():
        net = build_graph(vgg, height, width)
        names = [n for n in net if n not in ("input", "image")]
        assert names == list(CONV_LAYERS[:2]) + ["avgpool1"] + list(CONV_LAYERS[2:4]) + ["avgpool2"] + \
            list(CONV_LAYERS[4:8]) + ["avgpool3"] + list(CONV_LAYERS[8:12]) + ["avgpool4"] + \
            list(CONV_LAYERS[12:]) + ["avgpool5"]
        for name in names:
            assert tuple(net[name].shape) == expected_shape(name, height, width), name
        assert tuple(net["input"].shape) == (1, height, width, 3)
        assert net["input"].dtype.base_dtype == tf.float32
        assert tf1.global_variables() == [net["input"]]


@pytest.mark.slow
def test_odd_size_runs_to_the_end(vgg):
    with tf.Graph().as_default(), tf1.Session() as sess:
        net = build_graph(vgg, 33, 47)
        sess.run(net["input"].initializer)
        out = sess.run(net["avgpool5"])
    assert out.shape == expected_shape("avgpool5", 33, 47)
    assert np.all(np.isfinite(out))


def numpy_conv_relu(x, kernel_hwio, bias):
    """Reference SAME 3x3 convolution + bias + ReLU: out[y,x,o] = sum K[dy,dx,i,o] in[y+dy-1, x+dx-1, i]."""
    h, w, _ = x.shape
    padded = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    out = np.zeros((h, w, kernel_hwio.shape[3]), np.float64)
    for dy in range(3):
        for dx in range(3):
            out += padded[dy:dy + h, dx:dx + w, :] @ kernel_hwio[dy, dx].astype(np.float64)
    return np.maximum(out + bias, 0)


@pytest.mark.parametrize("layout", ["tf", "artpy"])
def test_conv1_1_matches_numpy_reference(vgg, layout):
    rng = np.random.default_rng(0)
    image = rng.uniform(-100, 100, (1, 17, 19, 3)).astype(np.float32)
    with tf.Graph().as_default(), tf1.Session() as sess:
        net = build_graph(vgg, 17, 19, kernel_layout=layout, deepest="conv1_1")
        got = sess.run(net["conv1_1"], {net["image"]: image})[0]
    stored = vgg.kernels["conv1_1"]  # MatConvNet [width, height, in, out]
    # MatConvNet's first axis is the image's x: the TF [height, width] kernel is its transpose.
    kernel = np.transpose(stored, (1, 0, 2, 3)) if layout == "tf" else stored
    want = numpy_conv_relu(image[0].astype(np.float64), kernel, vgg.biases["conv1_1"])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)
    other = numpy_conv_relu(image[0].astype(np.float64), np.transpose(kernel, (1, 0, 2, 3)), vgg.biases["conv1_1"])
    assert np.abs(got - other).max() > 1.0, "the two kernel layouts should give different features"


def test_max_pooling_option(vgg):
    image = np.random.default_rng(1).uniform(-50, 50, (1, 16, 18, 3)).astype(np.float32)
    with tf.Graph().as_default(), tf1.Session() as sess:
        net = build_graph(vgg, 16, 18, pooling="max", deepest="maxpool1")
        assert "avgpool1" not in net
        conv, pooled = sess.run([net["conv1_2"], net["maxpool1"]], {net["image"]: image})
    want = conv[0].reshape(8, 2, 9, 2, 64).max(axis=(1, 3))
    np.testing.assert_allclose(pooled[0], want, rtol=1e-6)


def test_average_pooling_is_a_2x2_mean(vgg):
    image = np.random.default_rng(2).uniform(-50, 50, (1, 16, 16, 3)).astype(np.float32)
    with tf.Graph().as_default(), tf1.Session() as sess:
        net = build_graph(vgg, 16, 16, deepest="avgpool1")
        conv, pooled = sess.run([net["conv1_2"], net["avgpool1"]], {net["image"]: image})
    np.testing.assert_allclose(pooled[0], conv[0].reshape(8, 2, 8, 2, 64).mean(axis=(1, 3)), rtol=1e-5, atol=1e-4)


def test_graph_stops_at_the_deepest_layer_in_use(vgg):
    with tf.Graph().as_default() as graph:
        net = build_graph(vgg, 32, 32, deepest="conv4_2")
        assert list(net)[-1] == "conv4_2" and "conv4_3" not in net and "conv5_1" not in net
        assert not [op for op in graph.get_operations() if op.name.startswith(("conv5", "conv4_3"))]


def test_too_small_size_is_refused(vgg):
    with tf.Graph().as_default(), pytest.raises(ConfigError, match="at least 16"):
        build_graph(vgg, 15, 64)


def test_layer_sequence_has_vgg19_layout():
    seq = layer_sequence("avg")
    assert len(seq) == 21 and seq[-1] == "avgpool5" and seq.index("conv4_2") == 12
