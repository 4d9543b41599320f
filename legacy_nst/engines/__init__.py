"""Engines: ways of evaluating a Problem's loss and gradient (see engines.base for the seam).

graph  art.py's tf.compat.v1 graph dictionary in a session (engines.graph)
eager, function, function-xla  a Keras VGG-19 with tf.GradientTape (engines.eager)
--tile (any graph run whose memory plan tiles)  the same loss and gradient tile by tile (engines.tiled)
--workers / --ray-address on a tiled level  the tiled engine with its tiles on Ray workers (engines.workers)
"""
from ..errors import ConfigError
from .graph import GraphEngine
from .tiled import TiledEngine
from .workers import RayTiledEngine


def engine_class(backend):
    """The Engine class serving --backend `backend`."""
    if backend in GraphEngine.backends:
        return GraphEngine
    from .eager import EagerEngine  # lazily: graph runs never load the Keras model code

    if backend in EagerEngine.backends:
        return EagerEngine
    raise ConfigError(f"unknown backend {backend!r}; choose from graph, {', '.join(EagerEngine.backends)}")


def resumable(config):
    """Whether a run of `config` can be continued with --resume (its engine keeps its optimizer state)."""
    return engine_class(config.backend).resumable


def check_supported(config, resuming=False, tile=None, workers=None):
    """Refuse, in one line naming them, the options the chosen engine cannot honour: the one place this is checked.

    `tile`: the core size when the run's plan tiles a level (run.plan), which picks TiledEngine, or
    RayTiledEngine with `workers` (cluster.Workers).
    """
    engine = (RayTiledEngine if workers else TiledEngine) if tile else engine_class(config.backend)
    flags = engine.unsupported(config, resuming)
    if flags:
        raise ConfigError(f"{', '.join(flags)}: {engine.refusal}")
    return engine


def create_engine(problem, vgg, config, level, on_tile=None):
    """The engine for `problem` as run.plan's `level` says: config.backend's, or the tiled one when the level
    tiles (its options already checked with check_supported), on Ray workers when the level has them, in the
    level's precision; `on_tile(pass, done, total)` sees a tiled evaluation's progress."""
    if level.tile and level.workers:
        return RayTiledEngine(problem, vgg, config, level.precision, tile=level.tile, halo=level.halo,
                              on_tile=on_tile, workers=level.workers)
    if level.tile:
        return TiledEngine(problem, vgg, config, level.precision, tile=level.tile, halo=level.halo, on_tile=on_tile)
    return engine_class(config.backend)(problem, vgg, config, level.precision)
