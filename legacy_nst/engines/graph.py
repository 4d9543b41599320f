"""art.py's engine: the VGG-19 graph dictionary in a tf.compat.v1 session.

Exactly art.py's design: one tf.Variable 'input' behind the hand-built graph
dictionary, the targets materialised with session runs (assign the content,
run the content layers; assign the style, run the style layers, take their
Gram matrices as constants), the losses built on constant targets, and a
tf.compat.v1.train optimizer whose one session run per step returns the
losses and the image the step's gradient was taken at.

L-BFGS evaluates by feeding net['image'] (the tensor the first convolution
reads), so the variable is not touched while scipy searches.
"""
import numpy as np
import tensorflow as tf

from ..losses.targets import gram_targets, guided, make_targets
from ..losses.terms import LOSS_NAMES, normalized_gradient, term_losses, weigh_terms
from ..optim.optimizers import first_order
from .session import session_config
from ..vgg.graph import build_graph
from ..vgg19 import deepest_layer
from .base import Engine, Stepper, loss_values

tf1 = tf.compat.v1


def features_at_own_size(vgg, image, layers, problem):
    """The features of an image of another size than the problem's (a --style-scale style), on a graph
    dictionary built at its own size."""
    graph = tf.Graph()
    with graph.as_default(), tf1.Session(graph=graph) as sess:
        net = build_graph(vgg, *image.shape[1:3], pooling=problem.pooling, kernel_layout=problem.kernel_layout,
                          deepest=deepest_layer(layers, problem.pooling))
        return sess.run({name: net[name] for name in layers}, {net["image"]: image})


class GraphEngine(Engine):
    backends = ("graph",)

    def __init__(self, problem, vgg, config, precision="float32"):
        """`config`: the run's options; None for an engine that only evaluates (engines.evaluation_engine)."""
        self.problem = problem
        self.graph = tf.Graph()
        training = config is not None and config.optimizer != "lbfgs"  # a tf.compat.v1 train op will run here
        self.sess = tf1.Session(graph=self.graph, config=session_config(precision, training=training))
        with self.graph.as_default():
            self.net = build_graph(vgg, *problem.size, pooling=problem.pooling, kernel_layout=problem.kernel_layout,
                                   deepest=problem.deepest, precision=precision)
            self.sess.run(self.net["input"].initializer)
            self.targets = self.materialize_targets(vgg)
            self.terms = term_losses(problem.objective, self.net, self.targets)  # what self.losses sums
            self.losses = weigh_terms(problem.objective, self.terms)
            self.fetch = {name: self.losses[name] for name in LOSS_NAMES if name in self.losses}
            self.direction = (normalized_gradient(problem.objective, self.net, self.targets)
                              if config is not None and config.normalize_gradients else None)
            self.sess.run(self.net["input"].assign(problem.start))
        self._gradient = self.direction

    @classmethod
    def network_graph(cls, vgg, config, level):
        """art.py's graph dictionary at the level's size and precision, its constants' values left out (the
        Graphs tab shows the structure; the kernels' values would make the event file tens of MB)."""
        graph = tf.Graph()
        with graph.as_default():
            build_graph(vgg, *level.size, pooling=config.pooling, kernel_layout=config.kernel_layout,
                        precision=level.precision)
        graph_def = graph.as_graph_def()
        for node in graph_def.node:
            if node.op == "Const":
                node.attr["value"].tensor.ClearField("tensor_content")
        return graph_def

    def materialize_targets(self, vgg):
        """art.py's targets: assign each image to the input, sess.run the layers, keep the values (numpy)."""
        def measure(image, layers, what, guides=None):
            if image.shape == self.problem.content.shape:  # art.py's way, on this graph
                self.sess.run(self.net["input"].assign(image))
                features = self.sess.run({name: self.net[name] for name in layers})
            else:
                features = features_at_own_size(vgg, image, layers, self.problem)
            return gram_targets(guided(features, guides)) if what == "gram" else features

        return make_targets(self.problem.objective, self.problem, measure)

    def compute_loss_and_grads(self, image):
        if self._gradient is None:
            with self.graph.as_default():  # built on first use: first-order runs never need it
                self._gradient = tf1.gradients(self.losses["total"], self.net["image"])[0]
        fetched, gradient = self.sess.run([self.fetch, self._gradient], {self.net["image"]: image})
        return loss_values(fetched), gradient

    def evaluate(self, image):
        return loss_values(self.sess.run(self.fetch, {self.net["image"]: image}))

    def evaluate_terms(self, image):
        """(the losses as compute_loss_and_grads gives them, each term's unweighted value in objective.terms
        order) at a (1, H, W, 3) image, without the gradient."""
        fetched, terms = self.sess.run([self.fetch, self.terms], {self.net["image"]: image})
        return loss_values(fetched), tuple(float(value) for value in terms)

    def stepper(self, config):
        return GraphStepper(self, config)

    def __enter__(self):
        """While in use, the engine's graph is the default one, as in art.py's script (a test counts its ops)."""
        self._default = self.graph.as_default()
        self._default.__enter__()
        return self

    def __exit__(self, *exc):
        self._default.__exit__(*exc)
        self.close()
        return False

    def close(self):
        self.sess.close()


class GraphStepper(Stepper):
    """A tf.compat.v1.train optimizer on the 'input' variable: one session run per step."""

    resumable = True

    def __init__(self, engine, config):
        self.sess, net = engine.sess, engine.net
        self.engine = engine
        with engine.graph.as_default():
            trainer = first_order(config.optimizer).graph(config)
            if engine.direction is None:
                train = trainer.minimize(engine.losses["total"], var_list=[net["input"]])
            else:
                train = trainer.apply_gradients([(engine.direction, net["input"])])
            if engine.problem.bounds is not None:
                with tf1.control_dependencies([train]):
                    train = net["input"].assign(tf.clip_by_value(net["input"], *engine.problem.bounds)).op
            self.sess.run(tf1.variables_initializer(trainer.variables()))
        self.train = train
        self._variables = [net["input"], *trainer.variables()]

    def step(self):
        _, fetched, image = self.sess.run([self.train, self.engine.fetch, self.engine.net["image"]])
        return loss_values(fetched), image

    def evaluate(self):
        fetched, image = self.sess.run([self.engine.fetch, self.engine.net["image"]])
        return loss_values(fetched), image

    def variables(self):
        values = self.sess.run(self._variables)
        return {variable.op.name: value for variable, value in zip(self._variables, values)}

    def restore(self, variables):
        for variable in self._variables:
            self.sess.run(variable.initializer, {variable.initial_value: np.asarray(variables[variable.op.name])})
