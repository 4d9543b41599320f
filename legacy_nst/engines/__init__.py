"""Engines: ways of evaluating a Problem's loss and gradient (see engines.base for the seam).

graph  art.py's tf.compat.v1 graph dictionary in a session (engines.graph)
eager, function, function-xla  a Keras VGG-19 with tf.GradientTape (engines.eager)
--tile (any graph run whose memory plan tiles)  the same loss and gradient tile by tile (engines.tiled)
--workers / --ray-address on a tiled level  the tiled engine with its tiles on Ray workers (engines.ray_tiled)

Each engine class says, as class data, which --backend names it serves, which options it refuses and whether
its runs can resume; `engine_for` is the one dispatch, and nothing outside engines/ compares backend names.
"""
from ..errors import ConfigError
from .base import Engine
from .graph import GraphEngine
from .tiled import TiledEngine
from .ray_tiled import RayTiledEngine


def backends():
    """{--backend name: Engine class} of the untiled engines. The eager engines' module is imported here, when
    a run first asks for a backend other than graph (graph runs never load the Keras model code)."""
    from .eager import EagerEngine  # lazily: graph runs never load the Keras model code

    return {name: engine for engine in (GraphEngine, EagerEngine) for name in engine.backends}


def engine_class(backend):
    """The Engine class serving --backend `backend`."""
    if backend in GraphEngine.backends:  # without importing the eager engines
        return GraphEngine
    engines = backends()
    if backend not in engines:
        raise ConfigError(f"unknown backend {backend!r}; choose from {', '.join(engines)}")
    return engines[backend]


def engine_for(config, tile=None, workers=None):
    """The Engine class for a level: the tiled one when the plan tiles it (`tile`: its core), on Ray workers
    when it has them (`workers`: cluster.TileWorkers), else --backend's."""
    if tile:
        return RayTiledEngine if workers else TiledEngine
    return engine_class(config.backend)


def network_graph(vgg, config, level):
    """The GraphDef of the network `level`'s engine builds (TensorBoard's Graphs tab), or None (engines.base)."""
    return engine_for(config, level.tile, level.tile_workers).network_graph(vgg, config, level)


def resumable(config):
    """Whether a run of `config` can be continued with --resume (its engine keeps its optimizer state)."""
    return engine_class(config.backend).resumable


def check_supported(config, resuming=False, tile=None, workers=None):
    """Refuse, in one line naming them, the options the level's engine cannot honour (engine_for's arguments):
    the one place this is checked. Returns the engine class."""
    engine = engine_for(config, tile, workers)
    flags = engine.unsupported(config, resuming)
    if flags:
        raise ConfigError(f"{', '.join(flags)}: {engine.refusal}")
    return engine


def create_engine(problem, vgg, config, level, on_tile=None) -> Engine:
    """The engine for `problem` as run.plan's `level` says (its options already checked with check_supported),
    in the level's precision; `on_tile(pass, done, total)` sees a tiled evaluation's progress."""
    return engine_for(config, level.tile, level.tile_workers).for_level(problem, vgg, config, level, on_tile)


def evaluation_engine(problem, vgg) -> Engine:
    """An engine that only evaluates (scoring): the graph engine in float32, with no optimizer and plain
    gradients, whatever the run's optimizer was."""
    return GraphEngine(problem, vgg, config=None)
