"""One engine kept across problems of the same form (a clip's later frames), where the engine can take another
problem (Engine.reloadable: the graph engine); a new one per problem otherwise (eager, tiled, Ray tiles).

Building an engine is most of a short problem's set-up: at 450x350 the graph engine's graph, session and
targets take 6-7 s, which a video frame paid again every frame (bench/results/2026-12-07-video-reuse.md). A
reloaded engine computes what a new one would, from the same values (tests/video/test_engine_reuse.py).
"""
from contextlib import nullcontext
from types import SimpleNamespace

from . import create_engine, engine_for, evaluation_engine

EVALUATION = SimpleNamespace(precision="float32", tile=None, tile_workers=None)  # evaluation_engine's level


class KeptEngine:
    """The engine for each problem asked of it: the kept one reloaded when it can take the problem, else a new
    one (kept in its place when reloadable). The kept engine is closed by `close` (or a `with` block's end)."""

    def __init__(self):
        self.engine = None

    def engine_for(self, problem, vgg, config, level, on_tile=None):
        """A context manager giving the engine for `problem` (run.levels.solve's `with`): a kept engine stays
        open after it, an engine that cannot be reloaded is closed as solve closes any."""
        kind = engine_for(config, level.tile, level.tile_workers)
        if not kind.reloadable:
            return create_engine(problem, vgg, config, level, on_tile)
        if type(self.engine) is kind and self.engine.reload(problem, config, level):
            return nullcontext(self.engine)
        self.close()
        self.engine = create_engine(problem, vgg, config, level, on_tile)
        return nullcontext(self.engine)

    def evaluation_for(self, problem, vgg):
        """evaluation_engine's engine for `problem` (scoring: no optimizer), kept and reloaded as engine_for
        keeps a run's (`legacy-nst score --clip`: one engine for every frame of a clip)."""
        if self.engine is not None and self.engine.reload(problem, None, EVALUATION):
            return nullcontext(self.engine)
        self.close()
        self.engine = evaluation_engine(problem, vgg)
        return nullcontext(self.engine)

    def close(self):
        if self.engine is not None:
            self.engine.close()
            self.engine = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
