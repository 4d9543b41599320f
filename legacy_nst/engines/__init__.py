"""Engines: ways of evaluating a Problem's loss and gradient (see engines.base for the seam).

graph  art.py's tf.compat.v1 graph dictionary in a session (engines.graph)
eager, function, function-xla  a Keras VGG-19 with tf.GradientTape (engines.eager)
"""
from ..errors import ConfigError
from .graph import GraphEngine


def engine_class(backend):
    """The Engine class serving --backend `backend`."""
    if backend in GraphEngine.backends:
        return GraphEngine
    from .eager import EagerEngine  # lazily: graph runs never load the Keras model code

    if backend in EagerEngine.backends:
        return EagerEngine
    raise ConfigError(f"unknown backend {backend!r}; choose from graph, {', '.join(EagerEngine.backends)}")


def check_supported(config, resuming=False):
    """Refuse, in one line naming them, the options the chosen engine cannot honour: the one place this is checked."""
    engine = engine_class(config.backend)
    flags = engine.unsupported(config, resuming)
    if flags:
        raise ConfigError(f"{', '.join(flags)}: {engine.refusal}")
    return engine


def create_engine(problem, vgg, config, precision="float32"):
    """The engine of config.backend for `problem` (its options already checked with check_supported)."""
    return engine_class(config.backend)(problem, vgg, config, precision)
