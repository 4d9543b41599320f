"""The --help group "engine": what evaluates the network.

Config (config.options) is made of these groups' fields, in GROUP_NAMES' order.
"""
import functools
from dataclasses import dataclass
from typing import Optional


from ..checks import COUNT, Number
from ..parse import parse_tile
from ..roles import PATH, RESULT, RESUME_MAY_CHANGE, SCORING, WORKERS, option
from ..weights import APPROXIMATE, DEFAULT_WEIGHTS, SHARED_ENV, WEIGHTS_ENV

BACKENDS = ("graph", "eager", "function", "function-xla")
PRECISIONS = ("float32", "bfloat16")
GIGABYTES = Number(0, text="a number of GB >= 0 and finite (0: no check)")
_engine = functools.partial(option, group="engine")


@dataclass(frozen=True)
class EngineOptions:
    """What evaluates the network."""

    backend: str = _engine(
        "graph",
        "graph: a tf.compat.v1 graph run in a session, as art.py; eager: the same algorithm step by step with "
        "tf.GradientTape and tf.keras.optimizers on a Keras VGG-19; function: the eager step wrapped in tf.function; "
        "function-xla: tf.function(jit_compile=True), opt-in as XLA's kernels round differently", choices=BACKENDS,
        roles=(RESULT,))
    precision: str = _engine(
        "float32",
        "bfloat16 runs the convolutions in bfloat16 (oneDNN; faster where the CPU has AVX512-BF16 or AMX) while the "
        "image, the Gram matrices and the losses stay float32; falls back to float32, with a note, on other CPUs",
        choices=PRECISIONS, roles=(RESULT,))
    float32_finish: int = _engine(
        0,
        "with --precision bfloat16: run the last N of --iterations at full size in float32, from the bfloat16 image, "
        "so the run ends at an exactly computed loss (0: none)", metavar="N", roles=(RESULT,), number=COUNT)
    weights: Optional[str] = _engine(
        None, f"MatConvNet VGG-19 .mat (default: ${WEIGHTS_ENV}, then {DEFAULT_WEIGHTS}, then the approximate "
        f"weights ${{{SHARED_ENV}:-../shared}}/{APPROXIMATE}, with a note; docs/weights.md)", metavar="PATH",
        roles=(RESULT, RESUME_MAY_CHANGE, PATH, SCORING))
    memory_limit: Optional[float] = _engine(
        None,
        "refuse sizes whose estimated peak memory exceeds GB (default: the memory available now; 0: do not check)",
        metavar="GB", roles=(SCORING,), number=GIGABYTES)
    tile: str = _engine(
        "auto",
        "evaluate the loss and its exact gradient tile by tile (engines.tiled), so any size fits in memory: SIZE is "
        "the largest core in pixels (a multiple of 16; each tile adds a halo of the deepest layer's receptive field), "
        "auto tiles only when the untiled run's memory estimate does not fit and then picks the largest tile that "
        "fits, off never tiles", metavar="SIZE|auto|off", parse=parse_tile)
    workers: int = _engine(
        0, "evaluate the tiled levels' tiles on N Ray workers (actors holding the network, each with its share of the "
        "CPUs) of a local Ray instance bound to 127.0.0.1, or of --ray-address's cluster; the image, gradient and "
        "optimizer stay in this process and the numbers are the in-process tiled run's. Levels that do not tile run "
        "here; a run none of whose levels tiles is refused, naming a --tile (0: no workers)", metavar="N",
        roles=(WORKERS,), number=Number(0, whole=True, text="a whole number >= 0 (0: no workers)"))
    ray_address: Optional[str] = _engine(
        None,
        "run the tiled levels' tiles on the Ray cluster at ADDR (the HOST:PORT 'ray start --head' prints, or auto) "
        "instead of a local instance: --workers workers, by default one per CPU of the cluster (at most one per tile)",
        metavar="auto|HOST:PORT", roles=(WORKERS,))
