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
from dataclasses import asdict, replace

import numpy as np
import tensorflow as tf

from ..losses.targets import gram_targets, guided, make_targets
from ..losses.terms import LOSS_NAMES, normalized_gradient, term_losses, weigh_terms
from ..optim.optimizers import first_order
from ..problem import same_form
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


def engine_form(precision, config):
    """What builds a different graph besides the problem: (precision, whether a tf.compat.v1 train op will run
    here, --normalize-gradients); `config` None for an engine that only evaluates."""
    training = config is not None and config.optimizer != "lbfgs"
    return precision, training, config is not None and bool(config.normalize_gradients)


class GraphEngine(Engine):
    backends = ("graph",)
    reloadable = True

    def __init__(self, problem, vgg, config, precision="float32"):
        """`config`: the run's options; None for an engine that only evaluates (engines.evaluation_engine).

        The targets and the terms' carried arrays (losses.term.Term.carried) sit in tf.Variables, loaded
        from fed values, so that `reload` can put another problem's there without building the graph again."""
        self.problem, self.vgg = problem, vgg
        self.graph = tf.Graph()
        self.form = engine_form(precision, config)
        self.sess = tf1.Session(graph=self.graph, config=session_config(precision, training=self.form[1]))
        self._held, self._stepper = [], None  # [(variable, where its value is in targets or terms)]
        with self.graph.as_default():
            self.net = build_graph(vgg, *problem.size, pooling=problem.pooling, kernel_layout=problem.kernel_layout,
                                   deepest=problem.deepest, precision=precision)
            self.sess.run(self.net["input"].initializer)
            self.targets = self.materialize_targets(vgg)
            targets, objective = self._hold(self.targets, problem.objective)
            self.terms = term_losses(objective, self.net, targets)  # what self.losses sums
            self.losses = weigh_terms(objective, self.terms)
            self.fetch = {name: self.losses[name] for name in LOSS_NAMES if name in self.losses}
            self.direction = (normalized_gradient(objective, self.net, targets) if self.form[2] else None)
            self._load(self.targets, problem)
        self._gradient = self.direction

    def _hold(self, targets, objective):
        """(targets, objective) with each target array and each term's carried array replaced by a tf.Variable
        of its shape, which `_load` fills."""
        def held(value, where):
            variable = tf1.Variable(tf1.placeholder(tf.float32, np.shape(value)), trainable=False,
                                    use_resource=True)
            self._held.append((variable, where))
            return variable

        targets = {source: {key: held(value, ("target", source, key)) for key, value in by_key.items()}
                   for source, by_key in targets.items()}
        terms = tuple(replace(term, **{name: held(getattr(term, name), ("term", index, name))
                                       for name in term.carried})
                      for index, term in enumerate(objective.terms))
        return targets, replace(objective, terms=terms)

    def _load(self, targets, problem):
        """Fill the held variables from `targets` and `problem`'s terms, and the input with its start."""
        def value(where):
            if where[0] == "target":
                return targets[where[1]][where[2]]
            return getattr(problem.objective.terms[where[1]], where[2])

        feeds = {variable.initial_value: np.asarray(value(where), np.float32) for variable, where in self._held}
        self.sess.run([variable.initializer for variable, _ in self._held], feeds)
        self._set_input(problem.start)

    def _set_input(self, image):
        """Put `image` in the input variable (as art.py's assign, through ops built once: the graph stays)."""
        self.sess.run(self.net["input"].initializer, {self.net["input"].initial_value: image})

    def reload(self, problem, config, level):
        """Take `problem` in place of the engine's own when it has the same form (problem.same_form) and `config`
        and `level` would build the same engine: its content targets measured again (its style targets too when
        the style images changed), its carried arrays and start loaded; False (nothing changed) otherwise."""
        if engine_form(level.precision, config) != self.form or not same_form(self.problem, problem):
            return False
        styles_kept = all(np.array_equal(a, b) for a, b in zip(self.problem.styles, problem.styles))
        self.problem = problem
        objective = problem.objective
        if styles_kept:  # only the content image's features to measure again
            objective = replace(objective, terms=tuple(t for t in objective.terms if t.source == "content"))
        with self.graph.as_default():  # the variables' initial values are graph tensors
            self.targets = {**self.targets, **self.materialize_targets(self.vgg, objective)}
            self._load(self.targets, problem)
        return True

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

    def materialize_targets(self, vgg, objective=None):
        """art.py's targets: assign each image to the input, sess.run the layers, keep the values (numpy);
        those of `objective`'s terms (the problem's by default)."""
        def measure(image, layers, what, guides=None):
            if image.shape == self.problem.content.shape:  # art.py's way, on this graph
                self._set_input(image)
                features = self.sess.run({name: self.net[name] for name in layers})
            else:
                features = features_at_own_size(vgg, image, layers, self.problem)
            return gram_targets(guided(features, guides)) if what == "gram" else features

        return make_targets(objective or self.problem.objective, self.problem, measure)

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
        """The optimizer on the input variable, its state new: built once per options, its variables
        initialized again when asked for again (a reloaded engine's next problem)."""
        if self._stepper is None or self._stepper.settings != stepper_settings(config):
            self._stepper = GraphStepper(self, config)
        else:
            self._stepper.reset()
        return self._stepper

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


def stepper_settings(config) -> dict:
    """What a stepper is built from: the options but the step count (which a kept stepper does not hold).
    Not Config.replace, which checks the options again (a test sets a weight past its bound behind its back)."""
    return {name: value for name, value in asdict(config).items() if name != "iterations"}


class GraphStepper(Stepper):
    """A tf.compat.v1.train optimizer on the 'input' variable: one session run per step."""

    resumable = True

    def __init__(self, engine, config):
        self.sess, net = engine.sess, engine.net
        self.engine, self.settings = engine, stepper_settings(config)
        with engine.graph.as_default():
            trainer = first_order(config.optimizer).graph(config)
            if engine.direction is None:
                train = trainer.minimize(engine.losses["total"], var_list=[net["input"]])
            else:
                train = trainer.apply_gradients([(engine.direction, net["input"])])
            if engine.problem.bounds is not None:
                with tf1.control_dependencies([train]):
                    train = net["input"].assign(tf.clip_by_value(net["input"], *engine.problem.bounds)).op
            self.initializer = tf1.variables_initializer(trainer.variables())
        self.sess.run(self.initializer)
        self.train = train
        self._variables = [net["input"], *trainer.variables()]

    def reset(self):
        """The optimizer's variables as a new one's (the engine's input holds the new start)."""
        self.sess.run(self.initializer)

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
