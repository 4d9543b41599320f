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
from .colors import preserve_colors
from .engines.tiled import TiledEvaluator, minimize_tiled, refused_features, tiled_targets
from .errors import ConfigError, OptimizationError
from .images import (check_output_path, from_network, load_image, pixel_bounds, read_image, resize, save_image,
                     to_network, working_size)
from .layers import content_layers, style_layers
from .losses import build_losses, normalized_gradient
from .memory import check_fits, memory_limit_bytes
from .network import build_graph, deepest_layer
from .optimize import Stopwatch, minimize_lbfgs, minimize_tf
from .styles import as_style_list, blend_weights, check_styles, materialize_all_targets, prepare_styles
from .runtime import effective_precision, resolve_precision, session_config
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


def stylize(content, style, config: Optional[Config] = None, *, vgg=None, observe=None, state=None,
            on_estimate=None, start=None, started=None, on_tile=None, **options) -> Result:
    """Stylise `content` (path or uint8 RGB array) with `style` (one, or a list to blend), as art.py does.

    Options are Config fields (e.g. iterations=100, optimizer='lbfgs',
    preset='gatys'); `vgg` reuses already loaded weights; `observe(iteration,
    losses, image)` sees every iteration (image: float32 network space). A size
    whose memory estimate exceeds --memory-limit (default: what is available)
    is refused before the graph is built; `on_estimate(estimate)` sees the
    estimate. `state` (a resume.Checkpointer) saves and restores the run's state.
    `start` (network space, overrides --init) and `started` (the perf_counter
    that `elapsed` counts from) let --multiscale chain runs. A tiled run
    (--tile, engines.tiled) calls `on_tile(pass, done, total)` after each tile.
    """
    config = (config or Config()).replace(**options) if options else (config or Config())
    vgg = vgg or load_vgg19(config.weights_path())
    if config.multiscale:
        from .multiscale import stylize_multiscale

        if state is not None and state.saved is not None:
            raise ConfigError("--resume continues single-scale runs only; rerun without --resume or without "
                              "--multiscale")
        return stylize_multiscale(content, style, config, vgg=vgg, observe=observe, state=state)
    precision = resolve_precision(config.precision)
    content_rgb = _as_image(content, "content")
    size = working_size(content_rgb.shape[:2], config.width, config.height)
    estimate = check_fits(*size, config)  # before the working-size arrays, which alone can be gigabytes
    if on_estimate is not None:
        on_estimate(estimate)
    content_x = to_network(resize(content_rgb, size), vgg.mean_pixel)
    styles_rgb = [_as_image(image, "style") for image in as_style_list(style)]
    styles_x = prepare_styles(styles_rgb, size, config, vgg.mean_pixel)
    weights = blend_weights(config, len(styles_x))
    style_x = to_network(resize(styles_rgb[0], size), vgg.mean_pixel)
    if start is None:
        start = initial_image(config, content_x, style_x, size, vgg.mean_pixel)
    layers = dict(content_layers=content_layers(config), style_layers=style_layers(config))

    history = []

    def record(iteration, values, image):
        values = {**values, "elapsed": time.perf_counter() - started}
        history.append({"iteration": iteration, **values})
        if observe is not None:
            observe(iteration, values, image)

    bounds = pixel_bounds(vgg.mean_pixel) if config.clip_pixels else None
    if estimate.tile:
        refused = refused_features(config)
        if refused:
            raise ConfigError(f"{', '.join(refused)}: not available in a tiled run (--tile {config.tile} at "
                              f"{size[1]}x{size[0]}); drop them, or give --tile off if the untiled run fits")
        evaluator = TiledEvaluator(vgg, size, alpha=config.alpha, beta=config.beta, tile=estimate.tile,
                                   tv_weight=config.tv_weight, normalization=config.loss_normalization,
                                   pooling=config.pooling, kernel_layout=config.kernel_layout, precision=precision,
                                   on_tile=on_tile, **layers)
        try:
            evaluator.set_targets(*tiled_targets(evaluator, vgg, content_x, styles_x, weights))
            del content_x, styles_x, style_x
            started = time.perf_counter() if started is None else started
            final_image, stopwatch = minimize_tiled(evaluator, config, start, record, bounds, state)
        finally:
            evaluator.close()
        tiling = {"tile": estimate.tile, "halo": evaluator.halo, "tiles": len(evaluator.tiles),
                  "evaluations": evaluator.evaluations, "passes": 2,
                  "window_shapes": sorted({t.shape for t in evaluator.tiles})}
        return Result(image=render(config, final_image, vgg.mean_pixel, content_rgb), history=history,
                      s_per_iter=stopwatch.median(), config=config, size=size,
                      extra={"precision": precision, "network_image": final_image, "tiling": tiling})
    if config.backend != "graph":
        from .eager import minimize_eager  # TensorFlow 2 style; the graph path never imports it

        if len(styles_x) > 1:
            raise ConfigError("several --style images: implemented for --backend graph only; give one style or "
                              "use --backend graph")
        if state is not None and state.saved is not None:
            raise ConfigError("--resume continues --backend graph runs only (the eager backends keep no "
                              "optimizer state); rerun without --resume or with --backend graph")
        on_step = None if state is None else state.stop_if_requested
        started = time.perf_counter() if started is None else started
        final_image, stopwatch = minimize_eager(config, vgg, content_x, style_x, start, record, bounds, on_step)
        return Result(image=render(config, final_image, vgg.mean_pixel, content_rgb), history=history,
                      s_per_iter=stopwatch.median(), config=config, size=size,
                      extra={"precision": "float32", "network_image": final_image})

    graph = tf.Graph()
    with graph.as_default(), tf1.Session(graph=graph, config=session_config()) as sess:
        net = build_graph(vgg, *size, pooling=config.pooling, kernel_layout=config.kernel_layout,
                          deepest=deepest_layer(config.layers_in_use, config.pooling), precision=precision)
        sess.run(net["input"].initializer)
        targets = materialize_all_targets(sess, net, vgg, content_x, styles_x, weights, config=config, **layers)
        terms = dict(alpha=config.alpha, beta=config.beta, tv_weight=config.tv_weight,
                     normalization=config.loss_normalization, **layers)
        losses = build_losses(net, *targets, **terms)
        gradient = normalized_gradient(net, *targets, **terms) if config.normalize_gradients else None
        sess.run(net["input"].assign(start))
        stopwatch = Stopwatch()
        started = time.perf_counter() if started is None else started
        if config.optimizer == "lbfgs":
            minimize_lbfgs(sess, net, losses, config.iterations, config.lbfgs_num_correction, record, stopwatch,
                           bounds=bounds, state=state, gradient=gradient, initial_step=config.lbfgs_initial_step)
        else:
            minimize_tf(sess, net, losses, config.optimizer, config.learning_rate, config.iterations,
                        record, stopwatch, adam_beta1=config.adam_beta1, adam_epsilon=config.adam_epsilon,
                        bounds=bounds, state=state, gradient=gradient)
        final_image = sess.run(net["input"])
    return Result(image=render(config, final_image, vgg.mean_pixel, content_rgb), history=history,
                  s_per_iter=stopwatch.median(), config=config, size=size,
                  extra={"precision": precision, "network_image": final_image})


def render(config, image, mean_pixel, content_rgb):
    """A network-space image as uint8 RGB, with the content's colours under --preserve-colors."""
    rgb = from_network(image, mean_pixel)
    return preserve_colors(rgb, content_rgb) if config.preserve_colors else rgb


def versions():
    """Versions of everything that can change the numbers, for the JSON log."""
    import PIL
    import scipy

    return {"legacy_nst": __version__, "python": platform.python_version(), "tensorflow": tf.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "pillow": PIL.__version__}


def checkpoint_dir_for(config, output):
    if config.checkpoint_dir:
        return Path(config.checkpoint_dir)
    if config.resume:
        return Path(config.resume)
    return Path(output).with_name(Path(output).stem + "-checkpoints")


def sibling_path(output, label):
    """out.png -> out.best.png: where the extra images of a run go, beside its output."""
    output = Path(output)
    return output.with_name(f"{output.stem}.{label}{output.suffix}")


def run(content, style, output, config: Config, log_json=None, progress=None):
    """The command line's job: stylise, then write the output, checkpoints, JSON log and figures.

    Every --checkpoint-every steps the image (NNNNN.png) and the resumable state
    go to the checkpoint directory, and --plot is refreshed. On SIGINT/SIGTERM
    it writes the current image to OUTPUT, the lowest-loss one to
    OUTPUT.best, the state, the log and the figures, then raises Interrupted.
    If the loss turns NaN/inf, the last image with a finite loss goes to
    OUTPUT.last-good (OUTPUT itself is not written) and the error says so.
    """
    from .download import sha256_file
    from .interrupts import Interrupted, StopRequest
    from .plots import check_plot_path
    from .resume import Checkpointer, check_compatible, fingerprint, load_state, weights_fingerprint

    check_output_path(output)
    if log_json:
        check_directory(log_json)
    for option, path in (("--plot", config.plot), ("--strip", config.strip)):
        if path:
            check_plot_path(path, option)
    saved = load_state(config.resume) if config.resume else None
    vgg = load_vgg19(config.weights_path())
    content_rgb = _as_image(content, "content")
    styles_rgb = [_as_image(image, "style") for image in as_style_list(style)]
    check_styles(config, styles_rgb, working_size(content_rgb.shape[:2], config.width, config.height))
    checkpoints = checkpoint_dir_for(config, output)
    inputs = {"content": fingerprint(content), "style": [fingerprint(s) for s in as_style_list(style)]}
    if config.checkpoint_every or saved is not None:
        inputs["weights"] = weights_fingerprint(vgg)
    if saved is not None:
        check_compatible(saved, config, inputs)
    stop = StopRequest()
    styles = [_path_or_none(s) for s in as_style_list(style)]
    meta = {"config": config.to_json(), "content": _path_or_none(content),
            "style": styles[0] if len(styles) == 1 else styles,
            "output": _path_or_none(output), "log_json": _path_or_none(log_json) if log_json else None,
            "inputs": inputs,
            "versions": versions()}
    figures = Figures(config, checkpoints)

    def on_checkpoint(steps):
        if config.plot:
            figures.losses(state.history)

    state = Checkpointer(checkpoints, config.checkpoint_every, meta, stop=stop, saved=saved,
                         on_checkpoint=on_checkpoint)

    def as_rgb(image):
        return render(config, image, vgg.mean_pixel, content_rgb)

    def observe(iteration, values, image):
        state.observe(iteration, values, image)
        if progress is not None:
            progress.update(iteration, values)
        if config.checkpoint_every and iteration % config.checkpoint_every == 0:
            checkpoints.mkdir(parents=True, exist_ok=True)
            save_image(checkpoints / f"{iteration:05d}.png", as_rgb(image))

    def on_estimate(estimate):
        if progress is not None:
            available = memory_limit_bytes(config)
            room = f" of {available / 1e9:.1f} GB available" if available else ""
            tiled = f", tiled (core {estimate.tile}, halo {estimate.halo})" if estimate.tile else ""
            progress.note(f"{estimate.width}x{estimate.height} {config.optimizer}{tiled}: peak memory about "
                          f"{estimate.total / 1e9:.1f} GB{room}")

    last_note = [time.perf_counter()]

    def on_tile(label, done, total):
        """Progress within a long tiled evaluation: a note at most every 30 s."""
        if progress is not None and time.perf_counter() - last_note[0] > 30:
            last_note[0] = time.perf_counter()
            progress.note(f"{label}: tile {done} of {total}")

    def write_log(status, s_per_iter, size, extra=None):
        if not log_json:
            return
        height, width = size
        styles = [str(s) for s in as_style_list(style)]
        log = {
            "config": {**config.to_json(), "width": width, "height": height, "weights": str(config.weights_path()),
                       "content": str(content), "style": styles[0] if len(styles) == 1 else styles,
                       "output": str(output), "precision": effective_precision(config.precision)},
            "versions": versions(),
            "weights_sha256": sha256_file(config.weights_path()),
            "s_per_iter": s_per_iter,
            "status": status,
            "best": state.best,
            "iterations": state.history,
        }
        if extra and "tiling" in extra:  # --tile: core and halo sizes, tiles per evaluation (two passes each)
            log["tiling"] = extra["tiling"]
        atomic_write(log_json, json.dumps(log, indent=1).encode())

    try:
        with stop:
            result = stylize(content_rgb, styles_rgb, config, vgg=vgg, observe=observe, state=state,
                             on_estimate=on_estimate, on_tile=on_tile)
    except Interrupted as interrupted:
        steps, image = state.current
        size = image.shape[1:3]
        save_image(output, as_rgb(image))
        written = [f"{output} (after {steps} steps)"]
        if state.best_image is not None:
            best = sibling_path(output, "best")
            save_image(best, as_rgb(state.best_image))
            written.append(f"{best} (lowest loss, iteration {state.best['iteration']})")
        write_log(f"interrupted by {interrupted.name} after {steps} steps", None, size)
        written += [str(p) for p in (log_json, figures.all(state.history, image, steps, vgg.mean_pixel)) if p]
        resume_hint = f"; continue with: legacy-nst --resume {checkpoints}" if config.backend == "graph" else ""
        interrupted.report = (f"stopped by {interrupted.name} after {steps} of {config.iterations} steps; wrote "
                              f"{', '.join(written)}{resume_hint}")
        raise
    except OptimizationError as error:
        if state.last is None:
            raise
        iteration, image = state.last
        last_good = sibling_path(output, "last-good")
        save_image(last_good, as_rgb(image))
        raise OptimizationError(f"{error}; the last image with a finite loss (iteration {iteration}) is in "
                                f"{last_good}") from None
    finally:
        if progress is not None:
            progress.close()
    save_image(output, result.image)
    write_log("completed", result.s_per_iter, result.size, result.extra)
    figures.all(state.history, result.image, state.history[-1]["iteration"])
    return result


def _path_or_none(source):
    return None if isinstance(source, np.ndarray) else str(Path(source).resolve())


class Figures:
    """--plot and --strip, drawn from the history and the checkpoint images."""

    def __init__(self, config, checkpoints):
        self.config = config
        self.checkpoints = checkpoints

    def losses(self, history):
        from .plots import plot_losses

        c = self.config
        plot_losses(c.plot, history, alpha=c.alpha, beta=c.beta,
                    title=f"{c.optimizer}, learning rate {c.learning_rate:g}" if c.optimizer != "lbfgs" else "lbfgs")

    def all(self, history, image, steps, mean_pixel=None):
        """Write whichever of --plot and --strip were asked for; return their paths as text."""
        from .plots import checkpoint_frames, plot_strip

        written = []
        if self.config.plot and history:
            self.losses(history)
            written.append(self.config.plot)
        if self.config.strip:
            final = image if mean_pixel is None else from_network(image, mean_pixel)
            frames = [(i, p) for i, p in checkpoint_frames(self.checkpoints, up_to=steps) if i != steps]
            plot_strip(self.config.strip, frames + [(steps, final)])
            written.append(self.config.strip)
        return ", ".join(written) or None
