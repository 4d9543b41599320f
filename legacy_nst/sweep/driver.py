"""`legacy-nst sweep`: run a spec's jobs on Ray, keep the manifest current, draw the sheet.

The driver starts a local Ray instance (bound to 127.0.0.1) unless
--ray-address joins a cluster, skips the jobs a previous run completed, keeps
at most --jobs jobs in flight, each declaring its threads and its estimated
memory, and writes manifest.jsonl and summary.md after every finished job.
With --tensorboard each job writes its events in OUT/tensorboard/<id>/ and the
driver writes the axes there (the HParams plugin's experiment) before any job.
SIGINT/SIGTERM cancel the running jobs with ray.cancel, which interrupts each
worker's main thread like Ctrl-C: the job saves its state after its current
step and a rerun resumes it; the jobs not started yet are marked so all at
once, in one line. Exit status: 0, 2 when a job failed, 130/143 when stopped.
"""
import re
import sys
from collections import deque
from pathlib import Path

from tqdm import tqdm

from . import manifest
from .jobs import BOARDS, estimated_bytes, final_losses, is_completed, job_paths, read_record, remote_job
from .lock import SweepLock
from .pipeline import NSTError, StopRequest, capacity, check_folder_writable, check_writable, connect, \
    protos, write_hparams_config
from .sheet import MAX_CELLS, SHEET, draw_sheet

_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Ray colours its task names
CANCEL_WAIT_SECONDS = 300  # how long a cancelled job may take to finish its step and save its state
GB = 1e9


class Reporter:
    """A bar over the jobs (on a terminal) and one line per finished job; nothing with --quiet."""

    def __init__(self, total, quiet=False, stream=None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.done = 0
        self.total = total
        self.bar = None if quiet or not self.stream.isatty() else tqdm(total=total, unit="job", file=self.stream)

    def finished(self, item):
        self.done += 1
        if self.quiet:
            return
        values = " ".join(f"{k}={manifest.format_value(k, v)}" for k, v in item["values"].items())
        total = (item.get("losses") or {}).get("total")
        detail = item["error"] if item.get("error") else (f"loss {total:.4g}" if total is not None else "")
        seconds = f", {item['seconds']:.1f} s" if item.get("seconds") is not None and item["status"] != "skipped" else ""
        line = f"[{self.done}/{self.total}] {item['status']} {item['id']} {values}: {detail}{seconds}"
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
            self.bar.update(1)
        else:
            print(line, file=self.stream, flush=True)

    def finished_many(self, count, line):
        """`count` jobs ended the same way at once (the pending ones of a stopped sweep): one line for all."""
        self.done += count
        if self.bar is not None:
            self.bar.update(count)
        self.note(f"[{self.done}/{self.total}] {line}")

    def note(self, text):
        if not self.quiet:
            (self.bar.write if self.bar is not None else print)(text, file=self.stream)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def run_sweep(spec, out_dir, jobs=None, ray_address=None, quiet=False, stream=None, tensorboard=False) -> int:
    """Run `spec` (a loaded spec.Spec) into `out_dir`, holding its lock (one driver per folder); return the
    exit status. `tensorboard`: the jobs' TensorBoard events and the sweep's HParams in OUT/tensorboard."""
    out_dir = Path(out_dir).resolve()
    if not out_dir.parent.is_dir():
        raise NSTError(f"--out {out_dir}: its parent folder does not exist; create it first")
    if out_dir.exists() and not out_dir.is_dir():
        raise NSTError(f"--out {out_dir}: is a file, not a folder; give a folder")
    check_folder_writable(out_dir, f"--out {out_dir}", "give another --out")
    out_dir.mkdir(exist_ok=True)
    for name in (manifest.MANIFEST, manifest.SUMMARY, SHEET):  # before Ray starts: never replace a FIFO or a device
        check_writable(out_dir / name, f"--out {out_dir}: {name}", "move it away or give another --out")
    if tensorboard:
        protos()  # the package is there, before Ray starts
    with SweepLock(out_dir):
        if tensorboard:
            write_hparams_config(out_dir / BOARDS, spec.axes)
        return _run_locked(spec, out_dir, jobs, ray_address, quiet, stream, tensorboard)


def _run_locked(spec, out_dir, jobs, ray_address, quiet, stream, tensorboard=False) -> int:
    """run_sweep's work, once the folder's lock is held."""
    previous = manifest.read(out_dir)
    entries = {}
    reporter = Reporter(len(spec.jobs), quiet, stream)
    for job in spec.jobs:
        if is_completed(out_dir, job):
            record = read_record(job_paths(out_dir, job)["record"])
            before = previous.get(job.id, {})
            entries[job.id] = manifest.entry(job, {
                "status": "skipped", "output": str(job_paths(out_dir, job)["output"]), "losses": final_losses(record),
                "steps": record["iterations"][-1]["iteration"], "seconds": before.get("seconds"),
                "host": before.get("host"), "seed": (record.get("config") or {}).get("seed")})
            reporter.finished(entries[job.id])
    todo = [job for job in spec.jobs if job.id not in entries]
    stopped = None
    try:
        if todo:
            stopped = _run_on_ray(spec, todo, out_dir, jobs, ray_address, entries, reporter, tensorboard)
    finally:
        reporter.close()
        ordered = [entries[job.id] for job in spec.jobs if job.id in entries]
        manifest.write(out_dir, ordered)
    sheet = draw_sheet(spec, ordered, out_dir / SHEET)
    counts = {s: sum(e["status"] == s for e in ordered) for s in manifest.STATUSES}
    if not quiet:
        print(f"legacy-nst sweep: {len(spec.jobs)} jobs: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
              + f"; wrote {out_dir / manifest.MANIFEST}, {out_dir / manifest.SUMMARY}"
              + (f", {sheet}" if sheet else f" (no sheet: more than {MAX_CELLS} jobs)"), file=stream or sys.stderr)
    if stopped is not None:
        return 128 + stopped
    return 2 if counts["failed"] else 0


def _run_on_ray(spec, todo, out_dir, jobs, ray_address, entries, reporter, tensorboard=False):
    """Submit `todo` keeping at most --jobs in flight; on SIGINT/SIGTERM cancel them. Return the signal or None."""
    import ray  # heavy (and only the sweep needs it): imported when there is work to run

    started_here = connect(ray, ray_address)
    try:
        offered = capacity(ray)
        cpus, node_memory = offered.cpus, offered.node_memory
        concurrency = max(1, int(jobs or cpus))
        threads = offered.threads_each(concurrency)
        reporter.note(f"legacy-nst sweep: {len(todo)} jobs to run, {concurrency} at a time, {threads} thread(s) "
                      f"each, on {int(cpus)} CPUs")
        pending, running = deque(todo), {}

        def record(job, result):
            entries[job.id] = manifest.entry(job, result)
            reporter.finished(entries[job.id])
            manifest.write(out_dir, [entries[j.id] for j in spec.jobs if j.id in entries])

        with StopRequest(stream=reporter.stream) as stop:
            while (pending or running) and not stop.requested:
                while pending and len(running) < concurrency:
                    job = pending.popleft()
                    memory = estimated_bytes(job)
                    if memory > node_memory:
                        record(job, {"status": "failed", "output": None, "error": (
                            f"needs about {memory / GB:.1f} GB but the largest Ray node offers {node_memory / GB:.1f} GB;"
                            " lower width/height or add a larger node")})
                        continue
                    task = remote_job(ray, threads, memory, spec.ray["num_gpus"], spec.ray["max_retries"])
                    running[task.remote(job, str(out_dir), tensorboard)] = job
                done, _ = ray.wait(list(running), num_returns=1, timeout=0.5)
                for ref in done:
                    job = running.pop(ref)
                    record(job, _result(ray, ref, job, out_dir))
            if not stop.requested:
                return None
            _cancel(ray, running, pending, entries, reporter, record, out_dir)
            return stop.signum
    finally:
        if started_here:
            ray.shutdown()


def _cancel(ray, running, pending, entries, reporter, record, out_dir):
    """Stop a sweep: cancel the running jobs (each saves its state after its step) and wait for them; mark every
    pending job not started at once, in one line (the manifest is written once, by the caller, for all)."""
    for ref in running:
        ray.cancel(ref)
    if running:
        ray.wait(list(running), num_returns=len(running), timeout=CANCEL_WAIT_SECONDS)
    for ref, job in running.items():
        record(job, _result(ray, ref, job, out_dir))
    not_started = {"status": "interrupted", "error": "not started; rerun the sweep to run it"}
    for job in pending:
        entries[job.id] = manifest.entry(job, not_started)
    if pending:
        reporter.finished_many(len(pending), f"interrupted {len(pending)} jobs not started; rerun the sweep to "
                                             "run them")


def _result(ray, ref, job, out_dir):
    """A finished task's manifest fields; for a cancelled or lost task, what its run record says."""
    try:
        return ray.get(ref, timeout=0)
    except ray.exceptions.TaskCancelledError:
        paths = job_paths(out_dir, job)
        record = read_record(paths["record"]) or {}
        steps = (record.get("iterations") or [{}])[-1].get("iteration")
        return {"status": "interrupted", "output": str(paths["output"]), "losses": final_losses(record),
                "steps": steps, "error": f"stopped after {steps or 0} steps, state saved; rerun the sweep to continue"}
    except (ray.exceptions.RayError, TimeoutError) as error:
        cause = getattr(error, "cause", None) or error  # a RayTaskError wraps what the worker raised
        lines = [line for line in _ANSI.sub("", str(cause)).splitlines() if line.strip()]
        return {"status": "failed", "output": None,
                "error": f"{type(cause).__name__}: {lines[-1].strip() if lines else 'no message'} (from Ray)"}
