"""The same Problem in TensorFlow 2's eager style: a Keras VGG-19, tf.GradientTape, tf.keras.optimizers.

This is what the TensorFlow tutorials popularised, run on exactly what the
graph engine uses: the weights of the same .mat (kernels oriented by
`vgg.graph.kernel_for`, so --kernel-layout means the same), the same terms
(`losses.terms`), the same targets code (`losses.targets`), the same initial
image and the same optimizer hyper-parameters: each optimizer's tf.keras twin
from `optim.optimizers`, which takes the graph engine's steps up to float32 rounding.

Backends: 'eager' runs each step op by op; 'function' traces the step once
with tf.function; 'function-xla' also compiles it with XLA (jit_compile=True).
It needs eager execution on (only the targets' Gram matrices are taken in small graphs of their own,
as every engine's are: losses.targets).
"""
import logging

import tensorflow as tf

from ..errors import ConfigError
from ..losses.targets import gram_targets, guided, make_targets
from ..losses.terms import build_losses, term_losses, weigh_terms
from ..optim.optimizers import first_order, with_keras_twin
from ..vgg.keras import vgg19_model
from .base import Engine, Stepper, loss_values

EAGER_BACKENDS = ("eager", "function", "function-xla")


class _RetracingNotice(logging.Filter):
    """Drop TensorFlow's "triggered tf.function retracing" warning about our own functions.

    Each run builds its model and traces its step anew (the step closes over that run's model
    and image), so running backends in a loop, as `compare` does, retraces by design.
    """

    OURS = ("EagerStepper.__init__.<locals>.step", "EagerEngine.__init__.<locals>.losses_at",
            "EagerEngine.__init__.<locals>.losses_and_gradient")

    def filter(self, record):
        message = record.getMessage()
        return not ("tf.function retracing" in message and any(name in message for name in self.OURS))


tf.get_logger().addFilter(_RetracingNotice())


def compiled(backend, function):
    """`function` as the backend runs it: as is, in tf.function, or in tf.function(jit_compile=True)."""
    if backend == "eager":
        return function
    return tf.function(function, jit_compile=backend == "function-xla")


class EagerEngine(Engine):
    backends = EAGER_BACKENDS
    refusal = "implemented for --backend graph only; drop them or use --backend graph"
    resumable = False

    @classmethod
    def unsupported(cls, config, resuming=False):
        flags = []
        runnable = (*with_keras_twin(), "lbfgs")
        if config.optimizer not in runnable:
            flags.append(f"--optimizer {config.optimizer} (no exact tf.keras equivalent; these have one: "
                         f"{', '.join(runnable)})")
        if config.normalize_gradients:
            flags.append("--normalize-gradients")
        if config.precision != "float32":
            flags.append(f"--precision {config.precision}")
        if resuming:
            flags.append("--resume (the eager backends keep no optimizer state)")
        return flags

    def __init__(self, problem, vgg, config, precision="float32"):
        if not tf.executing_eagerly():
            raise ConfigError(f"--backend {config.backend} needs TensorFlow's eager execution, which is off here "
                              "(inside a tf.Graph, or after tf.compat.v1.disable_eager_execution()); "
                              "use --backend graph")
        self.problem, self.backend = problem, config.backend
        model = vgg19_model(vgg, problem.layers, problem.pooling, problem.kernel_layout)

        def measure(image, layers, what, guides=None):
            features = model(tf.constant(image))
            features = {name: features[name].numpy() for name in layers}
            return gram_targets(guided(features, guides)) if what == "gram" else features

        targets = make_targets(problem.objective, problem, measure)

        def losses_at(image):
            return build_losses(problem.objective, {**model(image), "image": image}, targets)

        def losses_and_gradient(image):
            with tf.GradientTape() as tape:
                tape.watch(image)
                losses = losses_at(image)
            return losses, tape.gradient(losses["total"], image)

        self.losses_at = losses_at
        self.terms_at = lambda image: term_losses(problem.objective, {**model(image), "image": image}, targets)
        self.objective = problem.objective
        self._losses_and_gradient = compiled(self.backend, losses_and_gradient)

    def compute_loss_and_grads(self, image):
        losses, gradient = self._losses_and_gradient(tf.constant(image))
        return loss_values(losses), gradient.numpy()

    def evaluate(self, image):
        return loss_values(self.losses_at(tf.constant(image)))

    def evaluate_terms(self, image):
        terms = self.terms_at(tf.constant(image))
        return loss_values(weigh_terms(self.objective, terms)), tuple(float(value) for value in terms)

    def stepper(self, config):
        return EagerStepper(self, config)


class EagerStepper(Stepper):
    """A tf.keras optimizer on a tf.Variable image; its state is not kept, so runs cannot be resumed."""

    def __init__(self, engine, config):
        self.engine = engine
        image = self.image = tf.Variable(engine.problem.start, name="image")
        optimizer = first_order(config.optimizer).keras(config)
        optimizer.build([image])
        bounds, losses_at = engine.problem.bounds, engine.losses_at

        def step():
            with tf.GradientTape() as tape:
                current = tf.identity(image)  # the image the losses and the gradient are taken at
                losses = losses_at(current)
            optimizer.apply_gradients([(tape.gradient(losses["total"], image), image)])
            if bounds is not None:
                image.assign(tf.clip_by_value(image, *bounds))
            return losses, current

        self._step = compiled(engine.backend, step)
        self._evaluate = compiled(engine.backend, losses_at)

    def step(self):
        losses, current = self._step()
        return loss_values(losses), current.numpy()

    def evaluate(self):
        image = self.image.numpy()
        return loss_values(self._evaluate(tf.constant(image))), image

    def variables(self):
        return {"input": self.image.numpy()}
