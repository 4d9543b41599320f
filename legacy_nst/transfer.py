"""One run of art.py's algorithm, top to bottom: the Python API behind the command line.

`stylize(content, style, **options)` returns the image and the loss history;
`run(...)` adds what the command line needs on disk: the output image, the
checkpoints and the JSON log, each written atomically.
"""
import json
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import numpy as np
import tensorflow as tf

from . import __version__
from .atomic import atomic_write, check_directory
from .config import Config
from .errors import ConfigError
from .images import check_output_path, from_network, load_image, read_image, resize, save_image, to_network, working_size
from .losses import build_losses, materialize_targets
from .network import build_graph, deepest_layer
from .optimize import Stopwatch, minimize_lbfgs, minimize_tf
from .runtime import resolve_precision, session_config
from .weights import load_vgg19

tf1 = tf.compat.v1

NOISE_RANGE = 20.0  # art.py: np.random.uniform(-20, 20, ...)


@dataclass
class Result:
    """The stylised image (uint8 RGB), its loss history and the timing."""

    image: np.ndarray
    history: List[dict]
    s_per_iter: Optional[float]
    config: Config
    size: tuple  # (height, width)
    extra: dict = field(default_factory=dict)


def _as_image(source, what):
    if isinstance(source, np.ndarray):
        if source.ndim != 3 or source.shape[2] != 3:
            raise ConfigError(f"{what} array must be (height, width, 3) RGB, got shape {source.shape}")
        return np.clip(source, 0, 255).astype(np.uint8)
    return read_image(source)


def initial_image(config, content, style, size_hw, mean_pixel):
    """The image the optimisation starts from, in network space (1, H, W, 3) float32.

    'noise' is art.py's generate_noise_image: uniform(-20, 20) noise mixed with
    the content by noise_ratio; with --seed S the draws equal art.py's after
    np.random.seed(S).
    """
    height, width = size_hw
    if config.init == "content":
        return content
    if config.init == "style":
        return style
    if config.init in ("noise", "random"):
        rng = np.random.RandomState(config.seed)
        noise = rng.uniform(-NOISE_RANGE, NOISE_RANGE, (1, height, width, 3)).astype(np.float32)
        if config.init == "random":
            return noise
        return (noise * config.noise_ratio + content * (1.0 - config.noise_ratio)).astype(np.float32)
    return to_network(load_image(config.init, size_hw), mean_pixel)


def stylize(content, style, config: Optional[Config] = None, *, vgg=None, observe=None, start=None, started=None,
            **options) -> Result:
    """Stylise `content` (path or uint8 RGB array) with `style`, as art.py does.

    Options are Config fields (e.g. iterations=100, optimizer='lbfgs'); `vgg`
    reuses already loaded weights; `observe(iteration, losses, image)` sees
    every iteration (image: uint8 RGB). `start` (network space, overrides --init)
    and `started` (the perf_counter that `elapsed` counts from) let --multiscale
    chain runs.
    """
    config = (config or Config()).replace(**options) if options else (config or Config())
    vgg = vgg or load_vgg19(config.weights_path())
    if config.multiscale:
        from .multiscale import stylize_multiscale

        return stylize_multiscale(content, style, config, vgg=vgg, observe=observe)
    precision = resolve_precision(config.precision)
    content_rgb = _as_image(content, "content")
    size = working_size(content_rgb.shape[:2], config.width, config.height)
    content_x = to_network(resize(content_rgb, size), vgg.mean_pixel)
    style_x = to_network(resize(_as_image(style, "style"), size), vgg.mean_pixel)
    if start is None:
        start = initial_image(config, content_x, style_x, size, vgg.mean_pixel)

    history = []
    final = {}

    def record(iteration, values, image):
        values = {**values, "elapsed": time.perf_counter() - started}
        history.append({"iteration": iteration, **values})
        final["image"] = image
        if observe is not None:
            observe(iteration, values, image)

    graph = tf.Graph()
    with graph.as_default(), tf1.Session(graph=graph, config=session_config()) as sess:
        net = build_graph(vgg, *size, pooling=config.pooling, kernel_layout=config.kernel_layout,
                          deepest=deepest_layer(config.layers_in_use, config.pooling), precision=precision)
        sess.run(net["input"].initializer)
        content_targets, style_targets = materialize_targets(
            sess, net, content_x, style_x, config.content_layers, config.style_layers)
        losses = build_losses(net, content_targets, style_targets, config.content_layers,
                              config.style_layers, alpha=config.alpha, beta=config.beta)
        sess.run(net["input"].assign(start))
        stopwatch = Stopwatch()
        started = time.perf_counter() if started is None else started
        if config.optimizer == "lbfgs":
            minimize_lbfgs(sess, net, losses, config.iterations, config.lbfgs_num_correction, record, stopwatch)
        else:
            minimize_tf(sess, net, losses, config.optimizer, config.learning_rate, config.iterations,
                        record, stopwatch)
        final_image = sess.run(net["input"])
    return Result(image=from_network(final_image, vgg.mean_pixel), history=history,
                  s_per_iter=stopwatch.median(), config=config, size=size,
                  extra={"precision": precision, "network_image": final_image})


def versions():
    """Versions of everything that can change the numbers, for the JSON log."""
    import PIL
    import scipy

    return {"legacy_nst": __version__, "python": platform.python_version(), "tensorflow": tf.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "pillow": PIL.__version__}


def checkpoint_dir_for(config, output):
    return Path(config.checkpoint_dir) if config.checkpoint_dir else Path(output).with_name(
        Path(output).stem + "-checkpoints")


def run(content, style, output, config: Config, log_json=None, progress=None):
    """The command line's job: stylise, then write the output, checkpoints and JSON log."""
    from .download import sha256_file

    check_output_path(output)
    if log_json:
        check_directory(log_json)
    vgg = load_vgg19(config.weights_path())
    checkpoints = checkpoint_dir_for(config, output) if config.checkpoint_every else None
    if checkpoints is not None:
        checkpoints.mkdir(parents=True, exist_ok=True)

    def observe(iteration, values, image):
        if progress is not None:
            progress.update(iteration, values)
        if checkpoints is not None and iteration and iteration % config.checkpoint_every == 0:
            save_image(checkpoints / f"{iteration:05d}.png", from_network(image, vgg.mean_pixel))

    try:
        result = stylize(content, style, config, vgg=vgg, observe=observe)
    finally:
        if progress is not None:
            progress.close()
    save_image(output, result.image)
    if log_json:
        height, width = result.size
        log = {
            "config": {**config.to_json(), "width": width, "height": height, "weights": str(config.weights_path()),
                       "content": str(content), "style": str(style), "output": str(output),
                       "precision": result.extra.get("precision", config.precision)},
            "versions": versions(),
            "weights_sha256": sha256_file(config.weights_path()),
            "s_per_iter": result.s_per_iter,
            "iterations": result.history,
        }
        atomic_write(log_json, json.dumps(log, indent=1).encode())
    return result
