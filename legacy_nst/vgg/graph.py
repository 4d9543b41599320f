"""The VGG-19 graph dictionary of art.py, built with tf.compat.v1 ops.

`build_graph` returns art.py's dictionary: 'input' is the one tf.Variable
(1, H, W, 3) being optimised, 'conv1_1' ... 'conv5_4' are conv + bias + ReLU
on constant weights, and 'avgpool1' ... 'avgpool5' (or 'maxpool1' ...) sit
between the blocks. It also holds 'image', the tensor the first convolution
reads: feeding it evaluates the network at any image in one session run
(how the L-BFGS path works) without touching the variable.

With precision='bfloat16' the convolutions, biases, ReLUs and pooling run in
bfloat16, while 'input', 'image' and every layer entry of the dictionary stay
float32 (each layer is cast back, so losses and Gram matrices are computed and
accumulated in float32).
"""
import numpy as np
import tensorflow as tf

from ..errors import ConfigError
from ..vgg19 import MIN_SIZE, layer_sequence

tf1 = tf.compat.v1


def kernel_for(kernel, kernel_layout):
    """MatConvNet stores [width, height, in, out]; TensorFlow wants [height, width, in, out].

    art.py fed the stored array to conv2d as is; 'artpy' reproduces that.
    """
    if kernel_layout == "artpy":
        return kernel
    if kernel_layout == "tf":
        return np.ascontiguousarray(np.transpose(kernel, (1, 0, 2, 3)))
    raise ConfigError(f"unknown kernel layout {kernel_layout!r}; choose tf or artpy")


def build_graph(weights, height, width, pooling="avg", kernel_layout="tf", deepest=None, precision="float32"):
    """Build the graph dictionary in the default graph, up to `deepest` (default: all of it).

    Stopping at the deepest layer in use saves building and holding the layers
    after it, which could never change the loss (a session run executes only
    what its fetches need, so they would not run anyway).

    height=width=None builds a network of any size: 'image' is then a placeholder
    to feed, and there is no 'input' variable (engines.tiled runs every tile shape
    through one such graph: one session's weights instead of ~350 MB per shape).
    """
    if height is None and width is None:
        pass
    elif height < MIN_SIZE or width < MIN_SIZE:
        raise ConfigError(f"size {width}x{height} is too small; width and height must be at least {MIN_SIZE} pixels")
    sequence = layer_sequence(pooling)
    if deepest is not None and deepest not in sequence:
        raise ConfigError(f"unknown layer {deepest!r}; choose from {', '.join(sequence)}")
    pool = tf.nn.avg_pool2d if pooling == "avg" else tf.nn.max_pool2d
    if precision not in ("float32", "bfloat16"):
        raise ConfigError(f"unknown precision {precision!r}; choose float32 or bfloat16")
    compute = tf.bfloat16 if precision == "bfloat16" else tf.float32

    if height is None and width is None:
        net = {"image": tf1.placeholder(tf.float32, (1, None, None, 3), name="image")}
        current = net["image"]
    else:
        # tf.zeros, not np.zeros: an image-sized numpy constant would hit the 2 GB GraphDef limit at 178 MP
        net = {"input": tf1.Variable(tf.zeros((1, height, width, 3)), name="input", use_resource=True)}
        net["image"] = current = tf.identity(net["input"], name="image")
    if compute != tf.float32:
        current = tf.cast(current, compute)
    for name in sequence:
        with tf1.name_scope(name):
            if name.startswith("conv"):
                kernel = tf.constant(kernel_for(weights.kernels[name], kernel_layout), name="kernel", dtype=compute)
                bias = tf.constant(weights.biases[name].reshape(-1), name="bias", dtype=compute)
                current = tf.nn.relu(tf.nn.conv2d(current, kernel, strides=1, padding="SAME") + bias)
            else:
                current = pool(current, ksize=2, strides=2, padding="SAME")
        net[name] = current if compute == tf.float32 else tf.cast(current, tf.float32, name=f"{name}_float32")
        if name == deepest:
            break
    return net

