"""The run's plan: each level's size, steps, precision, engine (tiled or not) and optimizer, decided once.

`make_plan` is the one place these are decided. The memory check is its
estimates, the ETA weighs steps by its levels, run.levels.solve builds each
level's engine and optimizer from it, --log-json records it, and a run prints
it at its start, one line per level: how a user sees what a preset,
--multiscale or --tile auto decided.

Levels, coarsest first (run.multiscale.level_shapes): one per --multiscale
fraction, then the full size; a bfloat16 run's --float32-finish N is one more
level, the full size again in float32 for its last N steps (on a CPU without
native bfloat16 the whole run is float32, in one level).
"""
from dataclasses import dataclass
from typing import Optional, Tuple

from ..engines import check_supported
from ..cluster import TileWorkers
from ..engines.session import runnable_precision
from ..engines.tiles import core_for_tiles, halo_for
from ..errors import ConfigError
from ..problem import layers_in_use
from .memory import GB, Estimate, check_fits, memory_limit_bytes
from .multiscale import level_shapes

# How much longer a float32 step takes than a bfloat16 one (evaluation medians, 400x300: 0.703 / 0.209 s,
# bench/results/2026-11-30-session-grappler-400x300.md): the ETA's weight for a --float32-finish step.
FLOAT32_PER_BFLOAT16 = 3.4


@dataclass(frozen=True)
class Level:
    """One optimisation at one size: what it runs, how, and the memory it needs."""

    size: Tuple[int, int]   # (height, width)
    steps: int
    scale: float            # of the full size
    precision: str          # what the convolutions compute in
    optimizer: str
    lbfgs: Optional[str]    # an lbfgs level's implementation ("scipy", or "float32": always when tiled)
    estimate: Estimate      # its peak memory; .tile and .halo when it runs tiled
    restart: bool = False   # an lbfgs level restarted when it stops early (--lbfgs-restart)
    tile_workers: Optional[TileWorkers] = None  # a tiled level's tiles on Ray workers (--workers, --ray-address)

    @property
    def tile(self) -> Optional[int]:
        return self.estimate.tile

    @property
    def halo(self) -> Optional[int]:
        return self.estimate.halo

    def describe(self) -> str:
        height, width = self.size
        method = f"lbfgs ({self.lbfgs}{', restarts' if self.restart else ''})" if self.lbfgs else self.optimizer
        engine = f"tiled (core {self.tile}, halo {self.halo})" if self.tile else "untiled"
        engine += f" {self.tile_workers.describe()}" if self.tile_workers else ""
        steps = f"{self.steps} step{'' if self.steps == 1 else 's'}"
        return (f"{width}x{height}, {steps}, {self.precision} {method}, {engine}, "
                f"peak memory about {self.estimate.total / GB:.1f} GB")

    def to_json(self) -> dict:
        return {"width": self.size[1], "height": self.size[0], "steps": self.steps, "scale": self.scale,
                "precision": self.precision, "optimizer": self.optimizer, "lbfgs": self.lbfgs,
                "lbfgs_restart": self.restart, "tile": self.tile,
                "halo": self.halo, "memory_bytes": self.estimate.total,
                "workers": self.tile_workers.to_json() if self.tile_workers else None}


@dataclass(frozen=True)
class Plan:
    """The levels of a run, and what was decided for all of them."""

    levels: Tuple[Level, ...]
    precision: str            # what the run computes in: bfloat16 falls back to float32 where it cannot run
    note: Optional[str]       # why it fell back, for the user
    available: Optional[int]  # the memory limit the levels were checked against, bytes (None: not checked)

    @property
    def size(self) -> Tuple[int, int]:
        return self.levels[-1].size

    def lines(self) -> list:
        """What a run prints at its start: one line per level (and the precision note)."""
        room = f" of {self.available / GB:.1f} GB available" if self.available else ""
        count = len(self.levels)
        lines = [self.note] if self.note else []
        for index, level in enumerate(self.levels):
            label = "plan" if count == 1 else f"plan {index + 1}/{count}"
            lines.append(f"{label}: {level.describe()}{room}")
        return lines

    def step_costs(self):
        """cost(position): the work of the step ending at `position` relative to a full-size step in the run's
        precision (its level's pixels over the full size's, times FLOAT32_PER_BFLOAT16 for a float32 finish's
        step), for an ETA across levels (cli.progress.Progress.cost)."""
        full = self.size[0] * self.size[1]
        costs = [level.size[0] * level.size[1] / full * (FLOAT32_PER_BFLOAT16 if level.precision != self.precision
                                                         else 1.0)
                 for level in self.levels for _ in range(level.steps)] or [1.0]
        return lambda position: costs[min(max(position, 1), len(costs)) - 1]

    def to_json(self) -> list:
        return [level.to_json() for level in self.levels]


def make_plan(config, size_hw, resuming=False, limit=None) -> Plan:
    """The plan of `config` at the working size `size_hw` (height, width); ConfigError, before anything is
    built, when a level cannot fit in memory (`limit` bytes, default --memory-limit or what is available),
    when a tiled level's engine cannot honour an option, or when --resume meets more than one level."""
    if resuming and config.multiscale:
        raise ConfigError("--resume continues single-scale runs only; rerun without --resume or without "
                          "--multiscale")
    if resuming and config.float32_finish:
        raise ConfigError("--resume continues single-precision runs only; rerun without --resume or without "
                          "--float32-finish")
    precision, note = runnable_precision(config.precision)
    available = memory_limit_bytes(config) if limit is None else limit
    full = check_fits(*size_hw, config, available)  # the full size first: its refusal names the fix
    levels = []
    for size, steps, scale, level_precision in level_shapes(config, size_hw, precision):
        estimate = full if size == tuple(size_hw) else check_fits(*size, config, available)
        # a worker holds what one tile needs: the runtime, the network's weights, one window's feature maps
        workers = (TileWorkers.requested(config, estimate.runtime + estimate.weights + estimate.feature_maps)
                   if estimate.tile else None)
        if estimate.tile:
            check_supported(config, resuming=resuming, tile=estimate.tile, workers=workers)
        lbfgs = ("float32" if estimate.tile else config.lbfgs_implementation) if config.optimizer == "lbfgs" else None
        levels.append(Level(size, steps, scale, level_precision, config.optimizer, lbfgs, estimate,
                            bool(lbfgs) and config.lbfgs_restart, workers))
    if TileWorkers.requested(config) and not any(level.tile_workers for level in levels):
        raise ConfigError(_untiled_workers(config, size_hw))
    return Plan(tuple(levels), precision, note, available)


def _untiled_workers(config, size_hw):
    """Why a run with --workers/--ray-address but no tiled level is refused, and the --tile that would tile it."""
    count = max(2, config.workers)
    halo = halo_for(layers_in_use(config), config.pooling)
    core = core_for_tiles(*size_hw, count, halo)
    flags = "--workers" if not config.ray_address else "--ray-address"
    fix = f"give --tile {core} (at least {count} tiles) or a smaller one, or drop {flags}" if core else \
        f"the image is too small to split into {count} tiles; drop {flags}"
    return (f"{flags} evaluate tiled levels on Ray workers, but no level of this run tiles (--tile {config.tile}"
            f"{': the untiled run fits in memory' if config.tile == 'auto' else ''}); {fix}")
