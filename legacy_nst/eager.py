"""The same algorithm in TensorFlow 2's eager style: a Keras VGG-19, tf.GradientTape, tf.keras.optimizers.

This is what the TensorFlow tutorials popularised, run on exactly what the
graph backend uses: the weights of the same .mat (kernels oriented by
`network.kernel_for`, so --kernel-layout means the same), the same loss
functions (`losses.py`), the same initial image and the same optimizer
hyper-parameters. Adam is `tf.keras.optimizers.Adam` with tf.compat.v1's
beta2 0.999 and epsilon 1e-8 (Keras' own default epsilon is 1e-7), betas
rounded to float32 first (see `_float32`); both apply the "epsilon hat" update

    m += (1 - b1)(g - m);  v += (1 - b2)(g^2 - v)
    x -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)

so the backends take the same steps up to float32 rounding.

Backends: 'eager' runs each step op by op; 'function' traces the step once
with tf.function; 'function-xla' also compiles it with XLA (jit_compile=True).
Nothing here creates a tf.Graph or a session; it needs eager execution on.
"""
import logging

import numpy as np
import tensorflow as tf

from .errors import ConfigError
from .losses import build_losses, gram_targets
from .network import deepest_layer, kernel_for, layer_sequence
from .optimize import Stopwatch, _check_finite, _values, lbfgs_bounds, scipy_lbfgs

EAGER_BACKENDS = ("eager", "function", "function-xla")


class _RetracingNotice(logging.Filter):
    """Drop TensorFlow's "triggered tf.function retracing" warning about our own functions.

    Each run builds its model and traces its step anew (the step closes over that run's model
    and image), so running backends in a loop, as `compare` does, retraces by design.
    """

    OURS = ("_minimize_keras.<locals>.step", "loss_function.<locals>.losses_at",
            "_minimize_lbfgs.<locals>.losses_and_gradient")

    def filter(self, record):
        message = record.getMessage()
        return not ("tf.function retracing" in message and any(name in message for name in self.OURS))


tf.get_logger().addFilter(_RetracingNotice())


def vgg19_model(vgg, layers, pooling="avg", kernel_layout="tf"):
    """A Keras functional VGG-19 up to the deepest of `layers`, mapping an image to {layer: features}.

    Built as the tutorials build theirs from tf.keras.applications.VGG19
    (Conv2D 3x3 'same' + ReLU, 2x2 pooling, a Model with the chosen layers as
    outputs), with the .mat file's weights set into it.
    """
    keras = tf.keras
    wanted = tuple(dict.fromkeys(layers))
    deepest = deepest_layer(wanted, pooling)
    pool = keras.layers.AveragePooling2D if pooling == "avg" else keras.layers.MaxPooling2D
    inputs = keras.Input(shape=(None, None, 3), batch_size=1, name="image")
    current, outputs, convolutions = inputs, {}, []
    for name in layer_sequence(pooling):
        if name.startswith("conv"):
            layer = keras.layers.Conv2D(vgg.kernels[name].shape[3], 3, padding="same", activation="relu", name=name)
            convolutions.append(layer)
        else:
            layer = pool(pool_size=2, strides=2, padding="same", name=name)
        current = outputs[name] = layer(current)
        if name == deepest:
            break
    model = keras.Model(inputs, {name: outputs[name] for name in wanted}, name="vgg19")
    for layer in convolutions:
        layer.set_weights([kernel_for(vgg.kernels[layer.name], kernel_layout), vgg.biases[layer.name].reshape(-1)])
    return model


def keras_optimizer(config):
    """The tf.keras optimizer that steps exactly as the graph backend's tf.compat.v1.train one."""
    optimizers = tf.keras.optimizers
    rate = config.learning_rate
    if config.optimizer == "adam":
        return optimizers.Adam(rate, beta_1=_float32(config.adam_beta1), beta_2=_float32(0.999),
                               epsilon=config.adam_epsilon)
    if config.optimizer == "sgd":
        return optimizers.SGD(rate)
    if config.optimizer == "momentum":  # Keras' m = 0.9 m - lr g; x += m  is  tf1's a = 0.9 a + g; x -= lr a
        return optimizers.SGD(rate, momentum=0.9)
    if config.optimizer == "adagrad":  # tf1: accumulator from 0.1, x -= lr g / sqrt(accumulator), no epsilon
        return optimizers.Adagrad(rate, initial_accumulator_value=0.1, epsilon=0.0)
    raise ConfigError(f"--optimizer {config.optimizer} is not available with --backend {config.backend}; "
                      "use adam, sgd, momentum, adagrad or lbfgs")


def _float32(value):
    """`value` rounded to float32, as a Python float.

    tf.compat.v1's Adam kernel computes 1 - beta in float32 from float32 beta;
    Keras computes 1 - beta in Python (float64) and rounds afterwards, but the
    bias correction 1 - beta^t from float32 beta. With beta = 0.999 the two
    disagree by 1.3e-5 relative, so every first step was 2 * (1 - 6.4e-6)
    instead of 2, enough to flip ReLUs and move pixels by 0.6 after 5 steps at 64x48.
    Passing betas already rounded to float32 makes both computations exact.
    """
    return float(np.float32(value))


def compiled(backend, function):
    """`function` as the backend runs it: as is, in tf.function, or in tf.function(jit_compile=True)."""
    if backend == "eager":
        return function
    return tf.function(function, jit_compile=backend == "function-xla")


def loss_function(config, vgg, content_x, style_x):
    """`losses_at(image)` -> {'total', 'content', 'style'}: the Keras model on targets taken from it once."""
    model = vgg19_model(vgg, config.layers_in_use, config.pooling, config.kernel_layout)
    content_features = model(tf.constant(content_x))
    style_features = model(tf.constant(style_x))
    content_targets = {name: content_features[name] for name, _ in config.content_layers}
    style_targets = gram_targets({name: style_features[name].numpy() for name, _ in config.style_layers})

    def losses_at(image):
        return build_losses(model(image), content_targets, style_targets, config.content_layers,
                            config.style_layers, alpha=config.alpha, beta=config.beta,
                            normalization=config.loss_normalization)

    return losses_at


def minimize_eager(config, vgg, content_x, style_x, start, observe, bounds=None, on_step=None):
    """Run the optimisation eagerly; returns (final image (1, H, W, 3) float32, Stopwatch).

    `observe(iteration, losses, image)` sees the same entries as with the graph
    backend: entry i is the image after i steps and its losses. `on_step(steps,
    image)` runs after every step (how a stop request interrupts the run).
    """
    if config.backend not in EAGER_BACKENDS:
        raise ConfigError(f"unknown eager backend {config.backend!r}; choose from {', '.join(EAGER_BACKENDS)}")
    if not tf.executing_eagerly():
        raise ConfigError(f"--backend {config.backend} needs TensorFlow's eager execution, which is off here "
                          "(inside a tf.Graph, or after tf.compat.v1.disable_eager_execution()); "
                          "use --backend graph")
    losses_at = loss_function(config, vgg, content_x, style_x)
    if config.optimizer == "lbfgs":
        return _minimize_lbfgs(config, losses_at, start, observe, bounds, on_step)
    return _minimize_keras(config, losses_at, start, observe, bounds, on_step)


def _minimize_keras(config, losses_at, start, observe, bounds, on_step=None):
    image = tf.Variable(start, name="image")
    optimizer = keras_optimizer(config)
    optimizer.build([image])

    def step():
        with tf.GradientTape() as tape:
            current = tf.identity(image)  # the image the losses and the gradient are taken at
            losses = losses_at(current)
        optimizer.apply_gradients([(tape.gradient(losses["total"], image), image)])
        if bounds is not None:
            image.assign(tf.clip_by_value(image, *bounds))
        return losses, current

    step = compiled(config.backend, step)
    hint = f"lower --learning-rate (now {config.learning_rate:g})"
    stopwatch = Stopwatch()
    stopwatch.start()
    for iteration in range(config.iterations):
        losses, current = step()
        values, pixels = _values(losses), current.numpy()
        stopwatch.lap()
        _check_finite(iteration, values, hint)
        observe(iteration, values, pixels)
        if on_step is not None:
            on_step(iteration + 1, image.numpy())
    final = image.numpy()
    values = _values(compiled(config.backend, losses_at)(tf.constant(final)))
    _check_finite(config.iterations, values, hint)
    observe(config.iterations, values, final)
    return final, stopwatch


def _minimize_lbfgs(config, losses_at, start, observe, bounds, on_step=None):
    """scipy L-BFGS-B, the tape giving losses and gradient in one evaluation (as optimize.minimize_lbfgs)."""
    shape = tuple(start.shape)

    def losses_and_gradient(image):
        with tf.GradientTape() as tape:
            tape.watch(image)
            losses = losses_at(image)
        return losses, tape.gradient(losses["total"], image)

    losses_and_gradient = compiled(config.backend, losses_and_gradient)
    hint = "L-BFGS diverged; try --optimizer adam or check the inputs"
    last = {}

    def evaluate(x):
        image = x.reshape(shape).astype(np.float32)
        losses, gradient = losses_and_gradient(tf.constant(image))
        last.update(x=x.copy(), values=_values(losses), image=image)
        return last["values"]["total"], gradient.numpy().ravel().astype(np.float64)

    def record(iteration, x):
        if "x" not in last or not np.array_equal(last["x"], x):
            evaluate(x)
        _check_finite(iteration, last["values"], hint)
        observe(iteration, last["values"], last["image"])

    box = lbfgs_bounds(bounds, shape)
    x = np.asarray(start, np.float64).ravel()
    if box is not None:
        x = np.clip(x, box.lb, box.ub)
    record(0, x)
    stopwatch = Stopwatch()
    stopwatch.start()
    done = [0]

    def callback(x):
        stopwatch.lap()
        done[0] += 1
        record(done[0], x)
        if on_step is not None:
            on_step(done[0], last["image"])

    if config.iterations:
        x = scipy_lbfgs(evaluate, x, config.iterations, config.lbfgs_num_correction, box, config.lbfgs_initial_step,
                        callback)
    return x.reshape(shape).astype(np.float32), stopwatch
