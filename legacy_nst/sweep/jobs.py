"""One sweep job: exactly one run of the main command, in this process, in its own folder.

OUT/<id>/ holds the image, run.json (the main command's --log-json record)
and checkpoints/. When checkpoints/state.json exists (a worker killed with
SIGKILL, a sweep stopped with Ctrl-C) the job resumes from it, as --resume
does. A job without a seed runs with one derived from the sweep's base seed
and its id (job_seed), so running it again, after a failure or in another
sweep, starts from the same noise. The Ray task around `run_job` declares the job's threads, its memory
(the run's own estimate) and GPUs; the weights stay loaded in the worker.
"""
import gc
import hashlib
import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

from PIL import Image

from .pipeline import PREVIOUS_JSON, STATE_JSON, Config, Interrupted, NSTError, load_state, load_vgg19, make_plan, \
    memory_estimate, open_regular, read_regular, run_to_files, thread_environment
from .spec import Job

RECORD = "run.json"
CHECKPOINTS = "checkpoints"
BOARDS = "tensorboard"  # legacy-nst sweep --tensorboard: OUT/tensorboard/<id>/, one TensorBoard run per job
MAX_CHECKPOINT_EVERY = 100  # art.py's interval; by default a job checkpoints every tenth of its run, at most this
BASE_SEED = 0  # the sweep's base seed: with a job's id it gives the seed of a job that names none (job_seed)

_weights = {}  # weights path -> VGGWeights: a Ray worker loads them once and keeps them for its later jobs


def output_name(job: Job) -> str:
    """content-stem--style-stem.png: readable when the image is copied out of its folder."""
    styles = job.options["style"] if isinstance(job.options["style"], list) else [job.options["style"]]
    return f"{Path(job.options['content']).stem}--{'+'.join(Path(s).stem for s in styles)}.png"


def job_paths(out_dir, job: Job):
    folder = Path(out_dir) / job.id
    return {"folder": folder, "output": folder / output_name(job), "record": folder / RECORD,
            "checkpoints": folder / CHECKPOINTS}


def read_record(path):
    """A job's run.json, or None when there is none (or only a torn one from before atomic writes)."""
    try:
        return json.loads(read_regular(path))
    except (OSError, ValueError):
        return None


def is_completed(out_dir, job: Job) -> bool:
    """The job's image exists and its record says it completed: a rerun skips it."""
    paths = job_paths(out_dir, job)
    record = read_record(paths["record"])
    return paths["output"].is_file() and record is not None and record.get("status") == "completed"


def final_losses(record):
    """The last iteration's losses (without the iteration number and the clock) of a run record."""
    if not record or not record.get("iterations"):
        return None
    last = record["iterations"][-1]
    return {k: v for k, v in last.items() if k not in ("elapsed",)}


def job_config(out_dir, job: Job, tensorboard=False) -> Config:
    """The job's options plus its checkpoints, resuming from them when a previous attempt left a state; with
    `tensorboard`, its events in OUT/tensorboard/<id>."""
    paths = job_paths(out_dir, job)
    options = {k: v for k, v in job.options.items() if k not in ("content", "style")}
    if tensorboard:
        options["tensorboard"] = str(Path(out_dir) / BOARDS / job.id)
    options["checkpoint_every"] = options.get("checkpoint_every") or default_checkpoint_every(options["iterations"])
    options["checkpoint_dir"] = str(paths["checkpoints"])
    options["seed"] = job_seed(job)
    if any((paths["checkpoints"] / name).is_file() for name in (STATE_JSON, PREVIOUS_JSON)):
        options["resume"] = str(paths["checkpoints"])
        saved = (read_record(paths["checkpoints"] / STATE_JSON) or {}).get("config")
        if isinstance(saved, dict) and "seed" in saved and saved["seed"] is None:
            options["seed"] = None  # saved before jobs had derived seeds: resume it as it was
    return Config.from_options(**options)


def job_seed(job: Job) -> int:
    """The job's seed, or one derived from BASE_SEED and the job's id: the first 31 bits of a sha256, the same
    on every machine and in every process (Python's hash() of a string is not)."""
    if job.options.get("seed") is not None:
        return job.options["seed"]
    digest = hashlib.sha256(f"{BASE_SEED}:{job.id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def default_checkpoint_every(iterations):
    """A tenth of the run, at most 100 steps: a worker killed (by Ray's out-of-memory monitor, say) loses little."""
    return max(1, min(MAX_CHECKPOINT_EVERY, int(iterations) // 10))


def estimated_bytes(job: Job) -> int:
    """The run's own peak-memory estimate: its plan's largest level (tiled or not, as the run will decide) at its
    working size (Config.working_size; the image's header gives the content's size)."""
    config = job.config
    try:
        with open_regular(job.options["content"]) as handle, Image.open(handle) as image:
            size_hw = (image.height, image.width)
    except Exception:  # an unreadable image: the run itself reports it, with its one-line error
        size_hw = (config.height or 600, config.width or 800)
    try:
        return max(level.estimate.total for level in make_plan(config, config.working_size(size_hw)).levels)
    except NSTError:  # a job the run will refuse (its size, its memory): what it would need at art.py's size
        return int(memory_estimate(600, 800, config).total)


def cached_weights(path):
    key = str(Path(path).resolve())
    if key not in _weights:
        _weights[key] = load_vgg19(key)
    return _weights[key]


def run_job(job: Job, out_dir, tensorboard=False) -> dict:
    """Run one job to its end here; return its manifest fields (never raises for a job's own failure).
    `tensorboard`: write its events in OUT/tensorboard/<id>, its axis values as the HParams plugin's session.

    SIGINT (what ray.cancel delivers to the worker's main thread) stops the run
    after its current step with the state saved, as Ctrl-C does the main command.
    """
    started = time.perf_counter()
    listen_for_cancel()
    paths = job_paths(out_dir, job)
    paths["folder"].mkdir(parents=True, exist_ok=True)
    result = {"id": job.id, "host": socket.gethostname(), "pid": os.getpid(),
              "threads": int(os.environ.get("TF_NUM_INTRAOP_THREADS") or 0) or None}
    result["seed"] = job_seed(job)
    try:
        config = job_config(out_dir, job, tensorboard)
        result["seed"] = config.seed
        result["resumed_from"] = _saved_steps(paths["checkpoints"]) if config.resume else None
        run_to_files(job.options["content"], job.options["style"], str(paths["output"]), config,
                     log_json=str(paths["record"]), progress=None, vgg=cached_weights(config.weights_path()),
                     hparams=(job.id, job.values) if tensorboard else None)
        status, error = "completed", None
    except Interrupted as stop:
        status, error = "interrupted", f"stopped by {stop.name} after {stop.steps} steps; rerun the sweep to continue"
    except NSTError as problem:
        status, error = "failed", str(problem)
    except Exception as bug:  # noqa: BLE001 -- any other failure of one job must not stop the others
        status, error = "failed", f"{type(bug).__name__}: {bug}".splitlines()[0]
    gc.collect()  # the run's graphs and sessions sit in reference cycles: free them before the worker's next job
    record = read_record(paths["record"])
    result["output"] = str(paths["output"]) if paths["output"].is_file() else None
    return {**result, "status": status, "error": error, "losses": final_losses(record) if status != "failed" else None,
            "steps": (record or {}).get("iterations", [{}])[-1].get("iteration") if record else None,
            "seconds": round(time.perf_counter() - started, 3)}


def listen_for_cancel():
    """Let ray.cancel reach the run: Ray delivers it as SIGINT to the main thread, which a worker started
    from a background shell (SIGINT ignored, as under nohup) would otherwise never see."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _saved_steps(checkpoints):
    """The step the job resumes from: state.json's, or the previous state's when the newest is damaged."""
    try:
        return load_state(checkpoints).steps
    except NSTError:
        return None


def remote_job(ray, threads: int, memory: int, num_gpus=0, max_retries=3):
    """`run_job` as a Ray task that declares its resources; retried (and so resumed) when its worker dies."""
    return ray.remote(run_job).options(
        name="legacy-nst-job", num_cpus=max(1, int(threads)), memory=int(memory), num_gpus=num_gpus,
        max_retries=max_retries, retry_exceptions=False,
        runtime_env={"env_vars": thread_environment(threads)})
