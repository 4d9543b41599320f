"""Exact tiled evaluation of art.py's loss and gradient: any image size in the memory of one tile.

- A Gram matrix is a sum over positions, and content features are local.
- Each tile is a core plus a halo, on VGG's 16-pixel grid, so its core features equal the whole
  image's (engines.tiles).
- Pass 1 sums every style layer's Gram matrix over the cores and the content loss over the cores.
- Pass 2: with G fixed, dL/dF is local (style 2·F·dL/dG, content ∝ F − P); each tile's core dL/dF
  is backpropagated through the tile, and its pixel gradient (halo included) added into the image's.
- Terms on the image (total variation) are taken on the whole image in numpy (cheap): their
  loss_and_grad (losses.term).

Same loss and gradient as the untiled graph to float rounding: no seams, one global style.
"""
import numpy as np
import tensorflow as tf

from ..losses.targets import make_targets
from ..optim.optimizers import first_order
from ..vgg.graph import build_graph
from ..vgg19 import CONV_SHAPES, deepest_layer, layer_sequence, stride_of
from .base import Engine, Stepper
from .session import session_config
from .tiles import halo_for, plan_tiles

tf1 = tf.compat.v1


class TileNetwork:
    """The VGG graph for windows of any shape, in its own graph and session, with the per-tile ops of every term
    on a layer (losses.term: tile_partial, tile_gradient).

    One graph for every window shape: a graph and session per shape held ~350 MB each (measured at
    512x384, tile 128: 4 shapes, 2.5 GB after the first runs), mostly copies of the weights.

    Fed: the window's pixels (net['image']) and the core's rows/columns in the window; for the losses also each
    term's inputs (`inputs`, keyed "INDEX/NAME": its windows, e.g. the content targets, and its pass-2 values,
    e.g. a style layer's dL/dG); for a guided Gram measurement (`guided_grams`) each layer's guide window.
    """

    def __init__(self, vgg, terms, pooling, kernel_layout, precision):
        self.graph = tf.Graph()
        names = sorted({term.layer for term in terms}, key=layer_sequence(pooling).index)
        with self.graph.as_default():
            self.net = build_graph(vgg, None, None, pooling=pooling, kernel_layout=kernel_layout,
                                   deepest=deepest_layer(names, pooling), precision=precision)
            self.bounds = tf1.placeholder(tf.int32, (4,), name="core")  # y0, y1, x0, x1 in the window
            cores = {name: self._mask(self.net[name], stride_of(name)) for name in names}
            self.features = {t.layer: self.net[t.layer] for t in terms if t.measure == "features"}
            self.grams = {t.layer: _gram(self.net[t.layer] * cores[t.layer]) for t in terms if t.measure == "gram"}
            self.guides = {name: tf1.placeholder(tf.float32, (1, None, None, 1), name=f"guide_{name}")
                           for name in self.grams}  # a guided measurement's T, over the window
            self.guided_grams = {name: _gram(self.net[name] * cores[name] * guide)
                                 for name, guide in self.guides.items()}
            self.inputs, self.partials, grad_ys = {}, [], {}
            for index, term in enumerate(terms):
                x, core = self.net[term.layer], cores[term.layer]
                inputs = {name: tf1.placeholder(tf.float32, shape, name=f"term{index}_{name}")
                          for name, shape in term.tile_inputs(int(x.shape[-1])).items()}
                self.inputs.update({f"{index}/{name}": placeholder for name, placeholder in inputs.items()})
                self.partials.append(term.tile_partial(x, core, inputs))
                grad_ys[term.layer] = grad_ys.get(term.layer, 0.0) + term.tile_gradient(x, core, inputs)
            order = sorted(grad_ys)
            self.image_grad = tf1.gradients([self.net[n] for n in order], self.net["image"],
                                            grad_ys=[grad_ys[n] for n in order])[0]
        self.session = tf1.Session(graph=self.graph, config=session_config(precision))

    def _mask(self, features, stride):
        """1 on the core's positions of a feature map, 0 on the halo's (the core at that layer's stride)."""
        height, width = tf.shape(features)[1], tf.shape(features)[2]
        y0, y1 = self.bounds[0] // stride, -(-self.bounds[1] // stride)
        x0, x1 = self.bounds[2] // stride, -(-self.bounds[3] // stride)
        rows = tf.cast((tf.range(height) >= y0) & (tf.range(height) < y1), tf.float32)
        cols = tf.cast((tf.range(width) >= x0) & (tf.range(width) < x1), tf.float32)
        return rows[None, :, None, None] * cols[None, None, :, None]

    def run(self, fetches, feeds):
        return self.session.run(fetches, feeds)

    def close(self):
        self.session.close()


def window_of(image, tile):
    """The pixels `tile` reads: its window of the (1, H, W, 3) image."""
    y0, y1, x0, x1 = tile.window
    return image[:, y0:y1, x0:x1]


def _gram(features):
    flat = tf.reshape(features, (-1, features.shape[-1]))
    return tf.matmul(flat, flat, transpose_a=True)


def run_tile(network, kind, tile, window, windows=None, feeds=None):
    """One tile's share of an evaluation, on a TileNetwork (here, or in a Ray worker):

    features  the layers measured as features (the content targets) over the tile's core
    grams     the Gram matrices of the layers measured as Gram matrices (the style targets) over the core;
              with `windows` ({layer: guide window}), those layers' guided ones, (T o F)^T (T o F)
    partials  pass 1: each term's partial sum over the core; `windows`: the terms' window inputs for this tile
    gradient  pass 2: the window's pixel gradient, with the terms' pass-2 values `feeds` (and `windows`)
    """
    fed = {network.net["image"]: window, network.bounds: np.array(tile.core_in_window(), np.int32)}
    if kind == "features":
        fetched = network.run(network.features, fed)
        return {name: _core_of(tile, name, value) for name, value in fetched.items()}
    if kind == "grams" and windows is None:
        return network.run(network.grams, fed)
    if kind == "grams":
        fed.update({network.guides[name]: value for name, value in windows.items()})
        return network.run({name: network.guided_grams[name] for name in windows}, fed)
    fed.update({network.inputs[key]: value for key, value in {**windows, **(feeds or {})}.items()})
    return network.run(network.partials if kind == "partials" else network.image_grad, fed)


def layer_windows(arrays, tile):
    """{layer: whole-image array at that layer} cut to `tile`'s window at each layer."""
    windows = {}
    for name, value in arrays.items():
        wy0, wy1, wx0, wx1 = tile.at_layer(name)[0]
        windows[name] = value[:, wy0:wy1, wx0:wx1]
    return windows


def _core_of(tile, layer, features):
    """The core's part of a window's feature map at `layer`."""
    (wy0, _, wx0, _), (cy0, cy1, cx0, cx1) = tile.at_layer(layer)
    return features[:, cy0 - wy0:cy1 - wy0, cx0 - wx0:cx1 - wx0]


def _add_into(sums, values):
    """sums[name] += value in float64, for each layer's partial sum of one tile (tile order kept by the caller)."""
    for name, value in values.items():
        value = np.asarray(value, np.float64)
        sums[name] = sums[name] + value if name in sums else value


class TiledEvaluator:
    """compute_loss_and_grads(image) tile by tile, equal to the untiled graph's to float rounding.

    `objective` (losses.terms.Objective) is the loss: each term on a layer brings its tiled form (losses.term),
    each term on the image its numpy form; `tile` the core size and `halo` the margin around it, multiples of
    16 (run.plan checks them; the halo defaults to halo_for(the layers in use)). Targets: set_targets(content
    features by layer (whole-image arrays), style Gram matrices by layer), e.g. from targets().
    """

    def __init__(self, vgg, size, objective, tile, halo=None, pooling="avg", kernel_layout="tf",
                 precision="float32", on_tile=None):
        self.vgg, self.size, self.objective = vgg, tuple(size), objective
        self.terms = tuple(term for term in objective.terms if not term.on_image)  # the tile network's
        self.image_terms = tuple(term for term in objective.terms if term.on_image)
        self.pooling, self.kernel_layout, self.precision = pooling, kernel_layout, precision
        self.halo = halo_for(objective.layers, pooling) if halo is None else halo
        self.tile = tile
        self.tiles = plan_tiles(*self.size, tile, self.halo)
        self.on_tile = on_tile  # on_tile(pass_name, done, total), e.g. progress on long evaluations
        self._network_ = None
        self.term_targets = self.window_arrays = None
        self.evaluations = 0

    def layer_shape(self, name):
        """(height, width, channels) of the whole image's feature map at `name`."""
        s = stride_of(name)
        height, width = self.size
        return -(-height // s), -(-width // s), CONV_SHAPES[name][3]

    def _scale(self, term):
        """The term's scale(N, M) for the whole image's feature map at its layer."""
        height, width, channels = self.layer_shape(term.layer)
        return term.scale(float(channels), float(height * width))

    def network_options(self):
        """TileNetwork's arguments besides the weights: what a Ray worker builds its own network from."""
        return dict(terms=self.terms, pooling=self.pooling, kernel_layout=self.kernel_layout,
                    precision=self.precision)

    def _network(self):
        """The one tile network (for any window shape), built on first use."""
        if self._network_ is None:
            self._network_ = TileNetwork(self.vgg, **self.network_options())
        return self._network_

    def term_windows(self, tile):
        """Every term's window inputs over `tile`'s window ({"INDEX/NAME": array}), fed in both passes."""
        windows = {}
        for index, arrays in enumerate(self.window_arrays):
            (wy0, wy1, wx0, wx1), _ = tile.at_layer(self.terms[index].layer)
            windows.update({f"{index}/{name}": value[:, wy0:wy1, wx0:wx1] for name, value in arrays.items()})
        return windows

    def tile_windows(self, kind, tile, guides=None):
        """What run_tile's `windows` is for `kind` on `tile`: the terms' window inputs in both passes, the guide
        windows of a guided measurement (`guides`: {layer: whole-image guide}), else None."""
        if kind in ("partials", "gradient"):
            return self.term_windows(tile)
        return None if guides is None else layer_windows(guides, tile)

    def _map(self, label, kind, image, feeds, consume, guides=None):
        """Run `kind` (run_tile's) on every tile's window of `image`, here, one tile after another, and hand
        each result to consume(index, result) in tile order; on_tile(label, done, total) after each."""
        for index, tile in enumerate(self.tiles):
            windows = self.tile_windows(kind, tile, guides)
            consume(index, run_tile(self._network(), kind, tile, window_of(image, tile), windows, feeds))
            if self.on_tile is not None:
                self.on_tile(label, index + 1, len(self.tiles))

    # -- targets, tile by tile --
    def targets(self, content_image, style_image, guides=None):
        """(content features by layer over the whole image, style Gram matrices by layer), tile by tile; with
        `guides` ({layer: whole-image guide}), the style's guided Gram matrices at those layers."""
        layers = {t.layer for t in self.terms if t.measure == "features"} if content_image is not None else ()
        content = {name: np.zeros((1, *self.layer_shape(name)), np.float32) for name in layers}
        grams = {}

        def place(index, features):
            for name, value in features.items():
                _, (cy0, cy1, cx0, cx1) = self.tiles[index].at_layer(name)
                content[name][:, cy0:cy1, cx0:cx1] = value

        if content:
            self._map("targets", "features", content_image, None, place)
        if style_image is not None:
            self._map("targets", "grams", style_image, None, lambda index, values: _add_into(grams, values), guides)
        return content, {name: value.astype(np.float32) for name, value in grams.items()}

    def set_targets(self, content_features, style_grams, more=None):
        """The targets (losses.targets.make_targets' "content" and "style"; `more`: its other sources, e.g.
        "region"), and each term's window inputs."""
        found = {**(more or {}), "content": content_features, "style": style_grams}
        self.term_targets = [None if t.source is None else np.asarray(t.target_in(found), np.float32)
                             for t in self.terms]
        self.window_arrays = [t.tile_windows(target) for t, target in zip(self.terms, self.term_targets)]

    @property
    def style_target(self):
        """{layer: the style terms' Gram targets}."""
        return {t.layer: target for t, target in zip(self.terms, self.term_targets) if t.source == "style"}

    # -- the loss and its gradient --
    def compute_losses(self, image):
        """The losses alone: pass 1 only, a quarter of compute_loss_and_grads' work."""
        image = np.asarray(image, np.float32)
        losses, _, _ = self._pass_1(image)
        self._on_image(image, losses, None)
        return losses

    def compute_terms(self, image):
        """(compute_losses' losses, each term's unweighted value in the objective's order): pass 1's sums."""
        losses, _, values = self._pass_1(np.asarray(image, np.float32))
        self._on_image(np.asarray(image, np.float32), losses, None)
        values = {**dict(zip(map(id, self.terms), values)),
                  **{id(term): term.loss_and_grad(image)[0] for term in self.image_terms}}
        return losses, tuple(float(values[id(term)]) for term in self.objective.terms)

    def _on_image(self, image, losses, gradient):
        """Add the terms on the image (losses.term: loss_and_grad) into `losses` and, unless None, `gradient`."""
        for term in self.image_terms:
            value, grad = term.loss_and_grad(image)
            weight = self.objective.group_weights[term.group]
            losses[term.group] = losses.get(term.group, 0.0) + term.weight * value
            losses["total"] += weight * term.weight * value
            if gradient is not None:
                grad *= np.float32(weight * term.weight)
                gradient += grad

    def _pass_1(self, image):
        """(the losses of the terms on layers, by group and total; the pass-2 values; each term's value) at `image`."""
        if self.term_targets is None:
            raise RuntimeError("set_targets first")
        sums = [None] * len(self.terms)

        def add(index, partials):
            for position, partial in enumerate(partials):
                value = np.asarray(partial, np.float64)
                sums[position] = value if sums[position] is None else sums[position] + value

        self._map("pass 1", "partials", image, None, add)
        weights, groups, feeds, values = self.objective.group_weights, {}, {}, []
        for index, term in enumerate(self.terms):
            factor = weights[term.group] * term.weight
            value, fed = term.tile_loss(sums[index], self.term_targets[index], self._scale(term), factor)
            groups[term.group] = groups.get(term.group, 0.0) + term.weight * value
            feeds.update({f"{index}/{name}": array for name, array in fed.items()})
            values.append(value)
        total = sum(weights[group] * value for group, value in groups.items())
        return {"total": total, **groups}, feeds, values

    def compute_loss_and_grads(self, image):
        """({'total', 'content', 'style'[, 'tv']}, float32 gradient of 'total') at `image` (1, H, W, 3)."""
        image = np.asarray(image, np.float32)
        losses, feeds, _ = self._pass_1(image)
        gradient = np.zeros_like(image)

        def add(index, window_gradient):
            y0, y1, x0, x1 = self.tiles[index].window
            gradient[:, y0:y1, x0:x1] += window_gradient

        self._map("pass 2", "gradient", image, feeds, add)
        self._on_image(image, losses, gradient)
        self.evaluations += 1
        return losses, gradient

    def close(self):
        if self._network_ is not None:
            self._network_.close()
            self._network_ = None


class TiledStepper(Stepper):
    """A tf.compat.v1 optimizer stepping the image along the tiled gradient, fed through a placeholder.

    The image and the optimizer's slots are variables of a small graph of their own (named as the
    untiled graph's: 'input', 'input/Adam', ...), so every tf.compat.v1 optimizer works tiled and
    --resume state has the same form. step()/evaluate() return the losses and image the step's
    gradient was taken at (before the step), as the untiled loop does. `tf_variables`: the image and
    the optimizer's slots.
    """

    resumable = True

    def __init__(self, evaluator, start, config, bounds=None):
        self.evaluator = evaluator
        self.graph = tf.Graph()
        shape = tuple(np.shape(start))
        with self.graph.as_default():
            # tf.zeros, not a numpy constant: an image-sized constant would hit the 2 GB GraphDef limit
            self.image = tf1.Variable(tf.zeros(shape), name="input", use_resource=True)
            self.gradient = tf1.placeholder(tf.float32, shape, name="gradient")
            self.trainer = first_order(config.optimizer).graph(config)
            train = self.trainer.apply_gradients([(self.gradient, self.image)])
            if bounds is not None:
                with tf1.control_dependencies([train]):
                    train = self.image.assign(tf.clip_by_value(self.image, *bounds)).op
            self.train = train
            self.session = tf1.Session(graph=self.graph, config=session_config(training=True))
            # trainer.variables() lists only the default graph's: keep them while this graph is the default
            self.tf_variables = [self.image, *self.trainer.variables()]
            self.session.run(tf1.variables_initializer(self.tf_variables))
        self._load(self.image, np.asarray(start, np.float32))

    def _load(self, variable, value):
        """Write a value into a variable by feeding its initial value (no new ops, no image-sized constant)."""
        with self.graph.as_default():  # initial_value exists only in graph mode
            self.session.run(variable.initializer, {variable.initial_value: value})

    def evaluate(self):
        image = self.session.run(self.image)
        return self.evaluator.compute_losses(image), image

    def step(self):
        image = self.session.run(self.image)
        losses, gradient = self.evaluator.compute_loss_and_grads(image)
        self.session.run(self.train, {self.gradient: gradient})
        return losses, image

    def variables(self):
        return {v.op.name: value for v, value in zip(self.tf_variables, self.session.run(self.tf_variables))}

    def restore(self, variables):
        for variable in self.tf_variables:
            self._load(variable, variables[variable.op.name])

    def close(self):
        self.session.close()



class TiledEngine(Engine):
    """engines.base's Engine over TiledEvaluator: chosen when the plan tiles a level (run.plan), for any --backend graph run.

    Its targets are tiled too (content features and each style's Gram matrices, a style at its own size
    through an evaluator of that size), blended by losses.targets as the graph engine's are.
    """

    backends = ("graph",)
    refusal = "not available in a tiled run (--tile); drop them, or give --tile off where the untiled run fits"

    @classmethod
    def unsupported(cls, config, resuming=False):
        return [flag for flag, used in (
            ("--normalize-gradients", config.normalize_gradients),
            (f"--backend {config.backend}", config.backend != "graph"),
            ("--clip-pixels with --optimizer lbfgs (the float32 L-BFGS has no bounds)",
             config.clip_pixels and config.optimizer == "lbfgs")) if used]

    @classmethod
    def for_level(cls, problem, vgg, config, level, on_tile=None):
        return cls(problem, vgg, config, level.precision, tile=level.tile, halo=level.halo, on_tile=on_tile)

    def __init__(self, problem, vgg, config, precision="float32", tile=512, halo=None, on_tile=None):
        self.problem, self.size = problem, tuple(problem.size)
        self._steppers = []
        self.network = dict(pooling=problem.pooling, kernel_layout=problem.kernel_layout, precision=precision)
        self.evaluator = self._evaluator(vgg, self.size, problem.objective, tile, halo, on_tile)
        try:
            targets = self._targets(vgg)
            self.evaluator.set_targets(targets.get("content", {}), targets.get("style", {}), targets)
        except BaseException:
            self.evaluator.close()
            raise

    def _evaluator(self, vgg, size, objective, tile, halo, on_tile=None):
        """An evaluator with this engine's network settings (engines.ray_tiled: one whose tiles run on Ray)."""
        return TiledEvaluator(vgg, size, objective, tile, halo=halo, on_tile=on_tile, **self.network)

    def _targets(self, vgg):
        """Content features and style Gram matrices measured tile by tile (a style of another size through an
        evaluator of its size), made into targets by losses.targets.make_targets as every engine's are."""
        evaluator = self.evaluator

        def measure(image, layers, what, guides=None):
            if what == "features":
                return evaluator.targets(image, None)[0]
            if tuple(image.shape[1:3]) == self.size:
                return evaluator.targets(None, image, guides)[1]
            other = self._evaluator(vgg, tuple(image.shape[1:3]), self.problem.objective.only("style"),
                                    evaluator.tile, evaluator.halo)
            try:  # --style-scale: an evaluator at the style's own size
                return other.targets(None, image, guides)[1]
            finally:
                other.close()

        return make_targets(self.problem.objective, self.problem, measure)

    @property
    def tiling(self):
        """For the run record: core and halo sizes, tiles per evaluation (two passes each), window shapes."""
        evaluator = self.evaluator
        return {"tile": evaluator.tile, "halo": evaluator.halo, "tiles": len(evaluator.tiles), "passes": 2,
                "evaluations": evaluator.evaluations, "window_shapes": sorted({t.shape for t in evaluator.tiles})}

    def compute_loss_and_grads(self, image):
        return self.evaluator.compute_loss_and_grads(image)

    def evaluate(self, image):
        return self.evaluator.compute_losses(image)

    def evaluate_terms(self, image):
        return self.evaluator.compute_terms(image)

    def stepper(self, config):
        stepper = TiledStepper(self.evaluator, self.problem.start, config, bounds=self.problem.bounds)
        self._steppers.append(stepper)
        return stepper

    def close(self):
        for stepper in self._steppers:
            stepper.close()
        self.evaluator.close()

