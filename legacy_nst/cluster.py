"""Ray: starting a local instance or joining a cluster, and the environment of a worker process.

Sweeps (sweep.driver: one job per worker) and tile-parallel runs (engines.ray_tiled: one image's tiles on
actors) start and join Ray here, the same way: a local instance binds to 127.0.0.1 only; an address is
checked first, within a bounded wait, because Ray itself retries an address that does not answer for
many minutes. `TileWorkers` is what a run asks of Ray for a tiled level (run.plan puts it in the Level).
"""
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .errors import NSTError

PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding this legacy_nst package


def connect(ray, address):
    """Start a local Ray instance, or join `address` (auto or HOST:PORT); True when this call started one."""
    if ray.is_initialized():
        return False
    if address:
        check_reachable(address)
        try:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as error:
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise NSTError(f"--ray-address {address}: cannot join the Ray cluster ({reason}); start one with "
                           "'ray start --head' or check the address") from None
        return True
    loopback_only(ray)
    ray.init(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    return True


def loopback_only(ray):
    """Make the next local Ray instance bind to 127.0.0.1 only (not every interface): set
    RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 and, as Ray reads it once, when imported, tell an imported Ray too."""
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    constants = getattr(getattr(ray, "_private", None), "ray_constants", None)
    if getattr(constants, "ENABLE_RAY_CLUSTER", False):
        constants.ENABLE_RAY_CLUSTER = False  # measured: set after `import ray`, the variable alone bound to all


def check_reachable(address, seconds=10):
    """Refuse a HOST:PORT nobody listens on, or one that does not speak gRPC (Ray's GCS does), within about
    2 x `seconds`: Ray itself keeps retrying either for many minutes."""
    host, _, port = address.rpartition(":")
    if address == "auto" or not port.isdigit():
        return
    host = host.strip("[]") or "127.0.0.1"
    try:
        socket.create_connection((host, int(port)), timeout=seconds).close()
    except OSError as error:
        raise NSTError(f"--ray-address {address}: nothing answers there ({error.strerror or error}); start the "
                       "head with 'ray start --head' and give the address it prints") from None
    import grpc  # Ray's own dependency; a listener that is not a gRPC server never completes the handshake

    channel = grpc.insecure_channel(f"{host}:{port}")
    try:
        grpc.channel_ready_future(channel).result(timeout=seconds)
    except grpc.FutureTimeoutError:
        raise NSTError(f"--ray-address {address}: something listens there but it is not a Ray head (no gRPC "
                       f"answer in {seconds} s); give the address 'ray start --head' prints") from None
    finally:
        channel.close()  # before ray.init forks: an open channel makes gRPC warn at every fork


@dataclass(frozen=True)
class Capacity:
    """What the live nodes of the Ray cluster offer."""

    cpus: float          # CPUs over all nodes
    node_cpus: float     # CPUs of the largest node
    node_memory: float   # memory of the largest node, bytes
    gpus: float          # GPUs over all nodes

    def threads_each(self, count) -> int:
        """Threads for each of `count` tasks at once: the cluster's CPUs shared, at most one node's."""
        return max(1, min(int(self.node_cpus), int(self.cpus // count)))


def capacity(ray) -> Capacity:
    """The Capacity of the cluster Ray is connected to (sweep jobs and tile workers are sized from it)."""
    nodes = [node["Resources"] for node in ray.nodes() if node.get("Alive")]
    return Capacity(sum(n.get("CPU", 0) for n in nodes), max(n.get("CPU", 0) for n in nodes),
                    max(n.get("memory", 0) for n in nodes), sum(n.get("GPU", 0) for n in nodes))


def thread_environment(threads: int) -> dict:
    """Environment of a worker whose work may use `threads` cores: TensorFlow's and BLAS's thread pools.

    TensorFlow reads TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS when a
    session's own settings are 0 (legacy_nst's are), once per process; Ray starts
    separate workers for each distinct environment, so jobs of different sizes
    never share a pool of the wrong size.
    """
    threads = str(max(1, int(threads)))
    return {"TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": threads, "OMP_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads, "TF_CPP_MIN_LOG_LEVEL": "2"}


def worker_environment(threads: int) -> dict:
    """thread_environment; this package's folder first on PYTHONPATH, so a worker runs the driver's code (Ray
    expands ${PYTHONPATH} to the worker's own); and the driver's priority: Ray starts workers at niceness 15,
    which on a shared machine gave the tiles less CPU than the same run in one process (measured)."""
    return {**thread_environment(threads), "PYTHONPATH": f"{PACKAGE_ROOT}{os.pathsep}${{PYTHONPATH}}",
            "RAY_worker_niceness": str(os.nice(0))}


@dataclass(frozen=True)
class TileWorkers:
    """What a tiled level asks of Ray: `count` actors (None: one per CPU of the cluster, at most one per
    tile), on a local instance or the cluster at `address`, each needing about `memory` bytes."""

    count: Optional[int]
    address: Optional[str]
    memory: int = 0

    @classmethod
    def requested(cls, config, memory=0) -> Optional["TileWorkers"]:
        """From --workers and --ray-address; None when neither is given (the level runs in this process)."""
        if not config.workers and not config.ray_address:
            return None
        return cls(config.workers or None, config.ray_address, int(memory))

    def describe(self) -> str:
        count = f"{self.count} " if self.count else ""
        where = f"the Ray cluster at {self.address}" if self.address else "a local Ray instance (127.0.0.1)"
        return f"on {count}Ray workers of {where}"

    def to_json(self) -> dict:
        return {"count": self.count, "address": self.address, "memory_bytes": self.memory}
