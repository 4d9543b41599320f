"""One image's tiles on Ray workers (--workers N, --ray-address ADDR): the tiled engine, scaled out.

- Each worker is a Ray actor holding the VGG constants (ray.put once, read from the object store) in one
  TileNetwork that serves every window shape, with its share of the CPUs (cluster.thread_environment).
- The driver keeps the image, the gradient and the optimizer. Per evaluation it puts each tile's window
  once (pass 1 and pass 2 read the same) and the terms' pass-2 values (dL/dG) once; the terms' window inputs
  (the content targets' windows) once per run. It gets back each tile's partial sums (pass 1) and gradient
  window (pass 2), which it adds in tile order, as the in-process engine does: the same numbers to float
  rounding.
- A worker that dies mid-pass (SIGKILL, a lost node) has its tiles run again on the others at once, and
  is replaced by a new worker (up to MAX_RESTARTS times per worker) that takes tiles once it has started.
"""
import os
import re
import sys
import time
from collections import deque

import numpy as np

from ..errors import NSTError
from ..cluster import capacity, connect, worker_environment
from .tiled import TiledEngine, TiledEvaluator, TileNetwork, run_tile, window_of

DEPTH = 2             # tiles in flight per worker: one running and one waiting, so no worker idles on a round trip
MAX_RESTARTS = 3      # how often a dead worker is replaced (its tiles meanwhile run on the others)
MAX_ATTEMPTS = 4      # runs of one tile before the evaluation gives up
START_SECONDS = 120   # the workers' start-up (TensorFlow's import, the network's build) may take this long
STALL_SECONDS = 600   # no tile finished for this long (and for 5x the slowest tile so far): the cluster is stuck
GB = 1e9
# Ray's errors for a worker or its result lost on the way (the tile runs again); anything else is the tile's own
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b")
LOST = ("RayActorError", "ObjectLostError", "OwnerDiedError", "NodeDiedError", "OutOfMemoryError")


class TileWorker:
    """A Ray actor: one TileNetwork for every window shape, from the weights in the object store."""

    def __init__(self, weights, options):
        import ray  # only ever imported where Ray runs this

        self.network = TileNetwork(weights, **options)
        self.node = ray.get_runtime_context().get_node_id()

    def ready(self):
        """Where this worker runs and which code it runs: its pid, node, threads and legacy_nst's file."""
        return {"pid": os.getpid(), "node": self.node, "package": sys.modules["legacy_nst"].__file__,
                "threads": int(os.environ.get("TF_NUM_INTRAOP_THREADS") or 0) or None}

    def run(self, kind, tile, window, windows, feeds):
        """(run_tile's result, seconds it took, this node's id)."""
        started = time.perf_counter()
        result = run_tile(self.network, kind, tile, window, windows, feeds)
        return result, time.perf_counter() - started, self.node


def worker_shape(ray, workers, tiles):
    """(workers, threads each, GPUs each) for `workers` (cluster.TileWorkers) on the cluster Ray is connected to:
    --workers, or one per CPU, at most one per tile; a one-line NSTError when the cluster cannot hold them."""
    offered = capacity(ray)
    cpus, memory, gpus = offered.cpus, offered.node_memory, offered.gpus
    count = min(workers.count or max(1, int(cpus)), tiles)
    if count > cpus:
        raise NSTError(f"--workers {count} asks for {count} CPUs (one per worker) but the Ray cluster has "
                       f"{cpus:g}; give --workers {int(cpus)} or fewer, or add nodes")
    if workers.memory > memory:
        raise NSTError(f"each Ray worker needs about {workers.memory / GB:.1f} GB (one tile's network) but the "
                       f"largest Ray node offers {memory / GB:.1f} GB; give a smaller --tile, or add a larger node")
    return count, offered.threads_each(count), (min(1.0, gpus / count) if gpus else 0)


def _error_name(ray, error):
    return next((name for name in LOST if isinstance(error, getattr(ray.exceptions, name, ()))), None)


def _last_line(error):
    """The worker's exception in one line: its last 'SomethingError: message' line, not the traceback's last."""
    cause = getattr(error, "cause", None) or error  # a RayTaskError wraps what the worker raised
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    named = [line for line in lines if EXCEPTION_LINE.match(line)]
    line = named[-1] if named else f"{type(cause).__name__}: {lines[-1] if lines else 'no message'}"
    return line if len(line) <= 200 else line[:197] + "..."  # Ray's own explain at length


def _nbytes(value):
    """Bytes of the arrays in a (nested) dict, tuple or list: what a tile's arguments or result move."""
    if isinstance(value, dict):
        return sum(_nbytes(item) for item in value.values())
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(item) for item in value)
    return int(getattr(value, "nbytes", 0))


class TilePool:
    """The workers of one tiled level: started (within a bounded wait), given tiles, killed at the end."""

    def __init__(self, ray, workers, weights, options, tiles, start_seconds=START_SECONDS):
        self.ray, self.workers = ray, workers
        self.count, self.threads, self.gpus = worker_shape(ray, workers, tiles)
        resources = dict(num_cpus=self.threads, num_gpus=self.gpus, **({"memory": workers.memory} if workers.memory
                                                                        else {}))
        self._remote = ray.remote(TileWorker).options(
            **resources, max_restarts=0, scheduling_strategy="SPREAD",
            runtime_env={"env_vars": worker_environment(self.threads)})
        self._arguments = (ray.put(weights), options)  # put once: every worker, and every replacement, reads it
        self.actors = [self._remote.remote(*self._arguments) for _ in range(self.count)]
        self.restarts = [0] * self.count
        # across passes: the replacements starting (their ready() ref -> worker), left out until they answer
        self.probes, self.down, self.dead = {}, set(), set()
        try:
            self.started = self._wait_started(start_seconds)
        except BaseException:
            self.close()
            raise

    def _wait_started(self, seconds):
        """Each worker's ready() (pid, node, threads, code); a one-line NSTError when one cannot start or they
        have not all started within `seconds`."""
        refs = [actor.ready.remote() for actor in self.actors]
        deadline, done = time.monotonic() + seconds, []
        while len(done) < len(refs) and time.monotonic() < deadline:  # short waits: Ctrl-C stays responsive
            done, _ = self.ray.wait(refs, num_returns=len(refs), timeout=min(1.0, max(0.0, deadline - time.monotonic())))
        try:
            self.ray.get(done)
        except self.ray.exceptions.RayError as error:
            raise NSTError(f"a Ray worker could not start ({_last_line(error)}); check that the cluster's nodes "
                           "have legacy_nst's packages (tensorflow, numpy)") from None
        if len(done) < len(refs):
            memory = f" and {self.workers.memory / GB:.1f} GB" if self.workers.memory else ""
            raise NSTError(f"only {len(done)} of {len(refs)} Ray workers started within {seconds:g} s (each asks "
                           f"for {self.threads} CPU(s){memory}); lower --workers or --tile, or see 'ray status'")
        return self.ray.get(refs)

    def map(self, jobs, arrived):
        """Run jobs[i] (TileWorker.run's arguments) on the workers, arrived(i, result, seconds, node, worker)
        as each comes back, in any order; return how many tiles ran again after a worker was lost."""
        return _Dispatch(self, jobs).run(arrived)

    def replace(self, worker):
        """A new worker in place of a lost one (killed first, should it live on), or False when this one has
        been replaced MAX_RESTARTS times already."""
        self.ray.kill(self.actors[worker])
        if self.restarts[worker] >= MAX_RESTARTS:
            return False
        self.restarts[worker] += 1
        self.actors[worker] = self._remote.remote(*self._arguments)
        return True

    def close(self):
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []


class _Dispatch:
    """One pass's tiles in flight: at most DEPTH per worker; a lost tile queued again at the front; a lost
    worker replaced, and left out until its replacement has started."""

    def __init__(self, pool, jobs):
        self.pool, self.ray, self.actors, self.jobs = pool, pool.ray, pool.actors, jobs
        self.pending = deque(range(len(jobs)))
        self.running = {}  # result ref -> (tile index, worker, which of its replacements)
        self.probes, self.down, self.dead = pool.probes, pool.down, pool.dead  # the pool's: replacements starting
        self.busy = [0] * len(self.actors)
        self.attempts = [0] * len(jobs)
        self.retried, self.slowest = 0, 0.0

    def run(self, arrived):
        last = time.monotonic()
        while self.pending or self.running:
            self._submit()
            if not self.running and not self.probes:
                raise NSTError(f"every Ray worker is gone ({len(self.dead)} of {len(self.actors)} died "
                               f"{MAX_RESTARTS + 1} times); see 'ray status', then continue with --resume")
            ready, _ = self.ray.wait([*self.running, *self.probes], num_returns=1, timeout=1.0)
            for ref in ready:
                if ref in self.probes:
                    self._probed(ref)
                elif self._collect(ref, arrived):
                    last = time.monotonic()
            waited = time.monotonic() - last
            if waited > max(STALL_SECONDS, 5 * self.slowest):
                raise NSTError(f"no tile came back from the Ray workers in {waited:.0f} s; see 'ray status', then "
                               "continue with --resume")
        return self.retried

    def _submit(self):
        while self.pending:
            free = [w for w in range(len(self.actors)) if w not in self.down and self.busy[w] < DEPTH]
            if not free:
                return
            worker = min(free, key=lambda w: self.busy[w])
            index = self.pending.popleft()
            generation = self.pool.restarts[worker]
            self.running[self.actors[worker].run.remote(*self.jobs[index])] = (index, worker, generation)
            self.busy[worker] += 1
            self.attempts[index] += 1

    def _collect(self, ref, arrived):
        """Hand a finished tile on; True unless it was lost with its worker (then it is queued again)."""
        index, worker, generation = self.running.pop(ref)
        self.busy[worker] -= 1
        try:
            result, seconds, node = self.ray.get(ref)
        except self.ray.exceptions.RayError as error:
            if _error_name(self.ray, error) is None:
                raise NSTError(f"a Ray worker failed on tile {index + 1}: {_last_line(error)}") from None
            self._lost(index, worker, error, current=generation == self.pool.restarts[worker])
            return False
        self.slowest = max(self.slowest, seconds)
        arrived(index, result, seconds, node, worker)
        return True

    def _lost(self, index, worker, error, current=True):
        """Queue the tile again; replace its worker unless that is done (`current`: it ran on the worker now
        in that place)."""
        if self.attempts[index] >= MAX_ATTEMPTS:
            raise NSTError(f"tile {index + 1} was lost {self.attempts[index]} times on the Ray workers "
                           f"({_last_line(error)}); see 'ray status', then continue with --resume")
        self.pending.appendleft(index)
        self.retried += 1
        if current and worker not in self.down:
            self._replace(worker)

    def _replace(self, worker):
        self.down.add(worker)
        if self.pool.replace(worker):
            self.probes[self.actors[worker].ready.remote()] = worker
        else:
            self.dead.add(worker)

    def _probed(self, ref):
        worker = self.probes.pop(ref)
        try:
            self.ray.get(ref)
        except self.ray.exceptions.RayError:
            self._replace(worker)  # the replacement died too, or could not start
            return
        self.down.discard(worker)


class _InOrder:
    """Hands results to consume(index, result) in index order, whatever order they arrive in."""

    def __init__(self, consume):
        self.consume, self.waiting, self.next, self.arrived = consume, {}, 0, 0

    def add(self, index, result):
        self.arrived += 1
        self.waiting[index] = result
        while self.next in self.waiting:
            self.consume(self.next, self.waiting.pop(self.next))
            self.next += 1


class RayTiledEvaluator(TiledEvaluator):
    """TiledEvaluator whose tiles run on a TilePool's workers; the sums stay here, in tile order.

    Kept for the log: each evaluation's pass wall times, the last gradient evaluation's tiles (pass, seconds,
    node, worker) and the bytes it moved (a final losses-only evaluation does not replace it), the tiles each
    node ran, the tiles run again.
    """

    def __init__(self, pool, size, objective, tile, halo=None, on_tile=None, **network):
        super().__init__(None, size, objective, tile, halo=halo, on_tile=on_tile, **network)
        self.pool = pool
        self._windows = (None, [])  # (image, its windows' refs): pass 2 reads pass 1's
        self._term_windows = None   # the terms' window inputs' refs (the content targets' windows), put once
        self.timeline, self.by_node = [], {}
        self.current = self.last = {"bytes": {"sent": 0, "received": 0}, "tiles": []}  # this evaluation, the last
        self.retried = 0

    def set_targets(self, content_features, style_grams, more=None):
        super().set_targets(content_features, style_grams, more)
        self._term_windows = None

    def _put(self, value):
        self.current["bytes"]["sent"] += _nbytes(value)
        return self.pool.ray.put(value)

    def _window_refs(self, label, image):
        if label == "pass 2" and self._windows[0] is image:
            return self._windows[1]
        self._windows = (image, [self._put(np.ascontiguousarray(window_of(image, tile))) for tile in self.tiles])
        return self._windows[1]

    def _term_window_refs(self):
        if self._term_windows is None:
            self._term_windows = [self._put(self.term_windows(tile)) for tile in self.tiles]
        return self._term_windows

    def _map(self, label, kind, image, feeds, consume, guides=None):
        """TiledEvaluator._map on the workers: every tile sent at once, consumed in tile order."""
        evaluation = label.startswith("pass")
        if label == "pass 1":
            self.timeline.append({})
            self.current = {"bytes": {"sent": 0, "received": 0}, "tiles": []}
        started = time.perf_counter()
        windows = self._window_refs(label, image)
        if kind in ("partials", "gradient"):
            term_windows = self._term_window_refs()
        else:  # a guided measurement's guide windows, or None
            term_windows = [guides and self._put(self.tile_windows(kind, tile, guides)) for tile in self.tiles]
        feeds = self._put(feeds) if feeds is not None else None
        in_order = _InOrder(consume)

        def arrived(index, result, seconds, node, worker):
            self.current["bytes"]["received"] += _nbytes(result)
            self.by_node[node] = self.by_node.get(node, 0) + 1
            if evaluation:
                self.current["tiles"].append({"pass": label, "tile": index, "seconds": round(seconds, 4), "node": node,
                                        "worker": worker})
            in_order.add(index, result)
            if self.on_tile is not None:
                self.on_tile(label, in_order.arrived, len(self.tiles))

        jobs = [(kind, tile, windows[i], term_windows[i], feeds) for i, tile in enumerate(self.tiles)]
        self.retried += self.pool.map(jobs, arrived)
        if evaluation:
            self.timeline[-1][label] = round(time.perf_counter() - started, 4)
        if label == "pass 2":
            self._windows, self.last = (None, []), self.current

    def record(self):
        """The workers' part of --log-json's "tiling" (docs/any-size.md describes it)."""
        pool = self.pool
        return {"count": pool.count, "threads": pool.threads, "gpus": pool.gpus, "address": pool.workers.address,
                "started": [{key: info[key] for key in ("node", "pid", "threads")} for info in pool.started],
                "tiles_by_node": self.by_node, "tiles_run_again": self.retried,
                "pass_1_seconds": [entry.get("pass 1") for entry in self.timeline],
                "pass_2_seconds": [entry.get("pass 2") for entry in self.timeline],
                "last_evaluation": self.last if self.last["tiles"] else self.current}


class RayTiledEngine(TiledEngine):
    """TiledEngine with its tiles on Ray workers: what run.plan's level says for --workers / --ray-address.

    It joins Ray (cluster.connect: a local instance on 127.0.0.1, or the cluster) and starts its workers when
    built; close() kills them, and shuts down the Ray instance it started.
    """

    @classmethod
    def for_level(cls, problem, vgg, config, level, on_tile=None):
        return cls(problem, vgg, config, level.precision, tile=level.tile, halo=level.halo, on_tile=on_tile,
                   workers=level.tile_workers)

    def __init__(self, problem, vgg, config, precision="float32", tile=512, halo=None, on_tile=None, workers=None):
        import ray  # heavy, and only runs with workers need it

        self.ray, self.workers, self.pool = ray, workers, None
        self.started_ray = connect(ray, workers.address)
        try:
            super().__init__(problem, vgg, config, precision, tile=tile, halo=halo, on_tile=on_tile)
        except BaseException:
            self._release()
            raise

    def _evaluator(self, vgg, size, objective, tile, halo, on_tile=None):
        evaluator = RayTiledEvaluator(self.pool, size, objective, tile, halo=halo, on_tile=on_tile, **self.network)
        if self.pool is None:  # the first (the level's own) evaluator: its network is the workers'
            self.pool = evaluator.pool = TilePool(self.ray, self.workers, vgg, evaluator.network_options(),
                                                  len(evaluator.tiles))
        return evaluator

    @property
    def tiling(self):
        return {**super().tiling, "workers": self.evaluator.record()}

    def close(self):
        try:
            super().close()
        finally:
            self._release()

    def _release(self):
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self.started_ray:
            self.started_ray = False
            self.ray.shutdown()
