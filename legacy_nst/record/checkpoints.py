"""Resumable run state: saved every --checkpoint-every steps and on interrupt, loaded by --resume DIR.

A state is the image variable and every variable of the tf.compat.v1 optimizer
(Adam's m and v slots and its beta1/beta2 powers, momentum's accumulator...),
so a resumed Adam run takes the very steps an uninterrupted one would. L-BFGS
keeps its curvature pairs inside scipy, out of reach: it resumes from the image
with an empty history.

On disk, in the checkpoint directory:
  state-00400.npz      the arrays (variables by name, the best image so far)
  state.json           config, paths, input checksums, versions, step count, loss
                       history and best loss: the run's log, and the pointer to the npz
  state.previous.json  the state before it (its npz is kept), for when the newest is damaged
  run.lock             the pid of the run using the folder while it runs (io.lock): one run at a time
Each is written atomically, the npz first and read back before it replaces
anything; only then does state.json become state.previous.json and is
state.json switched to the new npz; the npz files neither names now, if the
two named them before or their step is not past the new one, are deleted
last: a user's state-99999.npz beside them stays. Before a run,
`check_folder` refuses a folder it could not write, one holding a saved
state without --resume (or --overwrite), and, in a folder of no saved run,
the images (NNNNN.png) and states (state-NNNNN.npz) the run would replace.
A kill -9 at any moment leaves the previous state or the new one, never a mix;
a write that reads back wrong is refused and leaves the states before it; a
state damaged later (a disk error, a copy cut short) is passed over for the
previous one, with a note, or refused in one line when none is intact.
"""
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import numpy as np

from ..config import FIELD_NAMES, PROGRAM, Config, fields_with, fields_without
from ..config.roles import RESULT, RESUME_MAY_CHANGE
from ..errors import ConfigError, NSTError
from ..io.atomic import atomic_write, check_folder_writable
from ..io.lock import FolderLock
from ..io.paths import PHRASES, NotRegularFile, open_regular, path_kind, read_regular

STATE_JSON = "state.json"
PREVIOUS_JSON = "state.previous.json"  # the state before state.json's, kept until a newer one is verified
FORMAT = 1
# Options a resumed run may change (config.roles): those that decide how long it runs and what it writes, not its
# numbers (tile, workers: the same numbers to rounding), and --iterations and --weights (whose checksum is compared).
RUN_OPTIONS = frozenset(fields_without(RESULT) + fields_with(RESUME_MAY_CHANGE))
_TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")  # atomic_write's leftovers after a kill -9
STATE_NPZ = re.compile(r"^state-[0-9]{5,}\.npz$")
CHECKPOINT_IMAGE = re.compile(r"^([0-9]{5,})\.png$")  # record.files.CheckpointImages' names
RUN_LOCK = "run.lock"


@dataclass
class SavedState:
    """A state read back from a checkpoint directory."""

    directory: Path
    steps: int
    variables: dict
    best_image: Optional[np.ndarray]
    meta: dict
    note: Optional[str] = None  # set when the newest state was damaged and this is the one before it

    @property
    def history(self) -> List[dict]:
        return self.meta["iterations"]

    @property
    def best(self) -> Optional[dict]:
        return self.meta.get("best")


class Damaged(Exception):
    """A state file that cannot be used: `problem` says how ('is missing', 'is damaged (...)')."""

    def __init__(self, path, problem):
        super().__init__(f"{path} {problem}")
        self.path, self.problem = Path(path), problem


def save_state(directory, steps, variables, best_image, meta):
    """Write state-<steps>.npz and read it back; then keep state.json's state as the previous one, point
    state.json at the new npz, and delete the npz files neither names (see the module's docstring).

    A write that fails or reads back wrong is a one-line NSTError, and the states before it stay.
    """
    directory = Path(directory)
    named_before = {_pointer(directory / STATE_JSON), _pointer(directory / PREVIOUS_JSON)}
    name = f"state-{steps:05d}.npz"
    names = list(variables)
    arrays = {f"v{i}": np.asarray(variables[n]) for i, n in enumerate(names)}
    if best_image is not None:
        arrays["best_image"] = np.asarray(best_image)
    arrays["names"] = np.array(names)
    meta = {**meta, "format": FORMAT, "steps": steps, "state_file": name, "saved_at": time.time()}
    try:
        directory.mkdir(parents=True, exist_ok=True)
        atomic_write(directory / name, write=lambda handle: np.savez(handle, **arrays),
                     verify=lambda written: _verify(written, arrays, directory / name))
        _keep_previous(directory, name)
        atomic_write(directory / STATE_JSON, json.dumps(meta, indent=1).encode())
    except (OSError, Damaged) as exc:
        problem = exc.problem if isinstance(exc, Damaged) else f"cannot be written ({exc.strerror or exc})"
        raise NSTError(f"{directory / name}: the checkpoint {problem}; {_kept(directory)}; check the disk (free "
                       f"space, errors), then continue with {PROGRAM} --resume {directory}") from None
    named = {_pointer(directory / STATE_JSON), _pointer(directory / PREVIOUS_JSON)}
    for old in directory.glob("state-*.npz"):  # this run's older states (a killed save's too); never a later step
        if (old.name not in named and STATE_NPZ.match(old.name) and path_kind(old) == "file"
                and (old.name in named_before or int(old.name[6:-4]) <= steps)):
            old.unlink(missing_ok=True)


def _verify(written, arrays, path):
    """Read the new npz back; Damaged unless it holds exactly `arrays`."""
    try:
        read = _read_arrays(written, path)
    except Damaged as damaged:
        raise Damaged(path, f"did not read back as written{damaged.problem.partition('damaged')[2]}") from None
    if not (sorted(read) == sorted(arrays) and all(np.array_equal(read[k], v) for k, v in arrays.items())):
        raise Damaged(path, "did not read back as written (different arrays)")


def _keep_previous(directory, name):
    """state.json becomes state.previous.json, unless it is not intact or names `name` (saved again in place)."""
    try:
        current = _read_state(directory, STATE_JSON)
    except Damaged:
        return
    if current.meta["state_file"] != name:
        atomic_write(directory / PREVIOUS_JSON, read_regular(directory / STATE_JSON))


def _kept(directory):
    """What survives a failed save, for its message."""
    for pointer in (STATE_JSON, PREVIOUS_JSON):
        try:
            return f"the previous state (step {_read_state(directory, pointer).steps}) is kept"
        except Damaged:
            continue
    return "no earlier state was saved"


def _pointer(path):
    """The npz a state.json names (state-NNNNN.npz, never another name), or None."""
    try:
        name = json.loads(read_regular(path)).get("state_file")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    return name if isinstance(name, str) and STATE_NPZ.match(name) else None


def _one_line(exc):
    text = (str(exc).strip().splitlines() or [""])[0][:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _read_arrays(source, path) -> dict:
    """Every array of an npz; Damaged (naming `path`) when it cannot be read whole."""
    try:
        with open_regular(source) as handle, np.load(handle, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except FileNotFoundError:
        raise Damaged(path, "is missing") from None
    except NotRegularFile as exc:
        raise Damaged(path, exc.strerror) from None
    except Exception as exc:  # noqa: BLE001 -- zipfile, zlib and numpy's format reader raise many types on bad data
        raise Damaged(path, f"is damaged ({_one_line(exc)})") from None


def _check_meta(meta) -> dict:
    """state.json's fields that a resume relies on, with their types; ValueError naming the first that is wrong."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"state format {meta.get('format') if isinstance(meta, dict) else meta!r}, expected {FORMAT}")
    for key, kind in (("steps", int), ("state_file", str), ("config", dict), ("iterations", list)):
        if not isinstance(meta.get(key), kind) or isinstance(meta.get(key), bool):
            raise ValueError(f"{key} is {meta.get(key)!r}")
    if meta["steps"] < 0 or not STATE_NPZ.match(meta["state_file"]):
        raise ValueError(f"steps {meta['steps']}, state_file {meta['state_file']!r}")
    for entry in meta["iterations"]:
        if not (isinstance(entry, dict) and type(entry.get("iteration")) is int
                and isinstance(entry.get("total"), (int, float))):
            raise ValueError(f"iteration entry {entry!r}")
    best = meta.get("best")
    if not isinstance(meta.get("inputs", {}), dict) or not (best is None or (
            isinstance(best, dict) and isinstance(best.get("iteration"), int)
            and isinstance(best.get("total"), (int, float)))):
        raise ValueError("inputs or best")
    return meta


def _read_state(directory, pointer) -> SavedState:
    """The state `pointer` (state.json or state.previous.json) names, read whole; Damaged if it cannot be."""
    path = directory / pointer
    try:
        meta = _check_meta(json.loads(read_regular(path)))
    except FileNotFoundError:
        raise Damaged(path, "is missing") from None
    except NotRegularFile as exc:
        raise Damaged(path, exc.strerror) from None
    except (OSError, ValueError, RecursionError) as exc:
        raise Damaged(path, f"is damaged ({_one_line(exc)})") from None
    try:
        Config.from_options(**{k: v for k, v in meta["config"].items() if k in FIELD_NAMES})
    except (NSTError, TypeError, ValueError) as exc:  # valid JSON, but not the options of a run
        raise Damaged(path, f"is damaged (its options do not make a run: {_one_line(exc)})") from None
    arrays = _read_arrays(directory / meta["state_file"], directory / meta["state_file"])
    try:
        names = [str(n) for n in arrays["names"]]
        variables = {n: arrays[f"v{i}"] for i, n in enumerate(names)}
    except (KeyError, TypeError) as exc:
        raise Damaged(directory / meta["state_file"], f"is damaged ({_one_line(exc)})") from None
    return SavedState(directory, meta["steps"], variables, arrays.get("best_image"), meta)


def load_state(directory) -> SavedState:
    """Read the state in `directory`, or the one before it when that is damaged (with a `note` saying so);
    a one-line ConfigError says what is wrong and what to do."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"--resume {directory}: no such directory; give the checkpoint directory of the run "
                          "to continue (OUTPUT-checkpoints by default)")
    if not (directory / STATE_JSON).exists() and not (directory / PREVIOUS_JSON).exists():
        raise ConfigError(f"--resume {directory}: no saved state ({STATE_JSON}) there; a run saves one every "
                          "--checkpoint-every K steps and when stopped with Ctrl-C")
    try:
        state = _read_state(directory, STATE_JSON)
    except Damaged as newest:
        try:
            state = _read_state(directory, PREVIOUS_JSON)
        except Damaged:
            raise ConfigError(f"--resume {directory}: {newest} and no earlier state there is intact; delete "
                              f"{directory} (or give another --checkpoint-dir) and start the run afresh") from None
        state.note = f"{newest}; resuming from the state before it, from step {state.steps}"
    try:
        run_lock(directory).check_free()
    except NSTError:
        return state  # a run is using the folder: its temporary files are being written
    for leftover in directory.iterdir():
        if _TEMPORARY.match(leftover.name):
            leftover.unlink(missing_ok=True)
    return state


def weights_fingerprint(vgg):
    """sha256 of the conv kernels and biases as loaded: the same network whatever the file's layout or path."""
    digest = hashlib.sha256()
    for name in sorted(vgg.kernels):
        digest.update(np.ascontiguousarray(vgg.kernels[name]).tobytes())
        digest.update(np.ascontiguousarray(vgg.biases[name]).tobytes())
    return digest.hexdigest()


def _comparable(value):
    return json.loads(json.dumps(value))


def check_compatible(saved: SavedState, config: Config, inputs: dict):
    """Refuse to resume with different numbers: an option or an input file that changed."""
    before = saved.meta["config"]
    now = config.to_json()
    for name in sorted(set(before) & set(now) - RUN_OPTIONS):
        if _comparable(now[name]) != _comparable(before[name]):
            flag = "--" + name.replace("_", "-")
            raise ConfigError(f"--resume {saved.directory}: the saved run used {flag} {before[name]}, not "
                              f"{now[name]}; drop {flag} to continue it, or start afresh without --resume")
    for what, digest in inputs.items():
        if digest is not None and saved.meta.get("inputs", {}).get(what) not in (None, digest):
            raise ConfigError(f"--resume {saved.directory}: the {what} file changed since the run was saved; "
                              f"use the original {what} file, or start afresh without --resume")
    if config.iterations < saved.steps:
        raise ConfigError(f"--resume {saved.directory}: the saved run has done {saved.steps} steps, more than "
                          f"--iterations {config.iterations}; give --iterations {saved.steps} or more")


@dataclass
class RunHistory:
    """What a run has done so far, across a --resume: every entry's losses, the lowest-loss entry and its
    image, and the newest image whose loss was finite (OUTPUT.last-good when the loss diverges)."""

    entries: List[dict] = field(default_factory=list)  # {"iteration": i, **losses}, the whole run's
    best: Optional[dict] = None
    best_image: Optional[np.ndarray] = None
    last: Optional[tuple] = None  # (iteration, image)

    @classmethod
    def continuing(cls, saved: Optional[SavedState]) -> "RunHistory":
        """The history a run starts with: empty, or the saved run's."""
        if saved is None:
            return cls()
        return cls([dict(entry) for entry in saved.history], dict(saved.best) if saved.best else None,
                   saved.best_image)

    def add(self, iteration, losses, image):
        while self.entries and self.entries[-1]["iteration"] >= iteration:
            self.entries.pop()  # L-BFGS re-evaluates the saved image on resume
        self.entries.append({"iteration": iteration, **losses})
        self.last = (iteration, image)
        if self.best is None or losses["total"] < self.best["total"]:
            self.best = {"iteration": iteration, "total": losses["total"]}
            self.best_image = np.array(image, copy=True)

    def save(self, directory, steps, variables, meta, status):
        """The state after `steps` steps (save_state), with this log and `status` in its state.json."""
        save_state(directory, steps, variables, self.best_image,
                   {**meta, "status": status, "best": self.best, "iterations": self.entries})


def run_lock(directory) -> FolderLock:
    """The lock of a run's checkpoint folder (made if missing, and removed again if the run left it empty):
    `with run_lock(d):`; a second run there is refused in one line naming the first one's pid."""
    return FolderLock(directory, RUN_LOCK, "--checkpoint-dir", "run", "run", make=True)


def check_folder(directory, config, keep="give another --checkpoint-dir"):
    """Before a run that keeps its state in `directory`: refuse a folder that could not be written, one another
    run is using (naming its pid), one that holds a saved state this run would replace (no --resume of it, no
    --overwrite), and, in a folder of no saved run, the images and states the run would replace: they are not a
    run's but the user's."""
    directory = Path(directory)
    label = f"--checkpoint-dir {directory}"
    check_folder_writable(directory, label, keep)
    if path_kind(directory) != "directory":
        return
    for name in (STATE_JSON, PREVIOUS_JSON, RUN_LOCK):
        kind = path_kind(directory / name)
        if kind not in ("file", "missing"):
            raise NSTError(f"{label}: {name} {PHRASES[kind]}; will not replace it; {keep}")
    run_lock(directory).check_free()  # a run there now: say so (with its pid) before anything else
    saved = [name for name in (STATE_JSON, PREVIOUS_JSON) if (directory / name).exists()]
    resuming = config.resume is not None and _same_folder(config.resume, directory)
    if saved and not resuming and not config.overwrite:
        steps = _saved_steps(directory / saved[0])
        raise NSTError(f"{label}: holds a saved run{steps}; resume with {PROGRAM} --resume {directory}, or choose "
                       "another folder, or --overwrite to start afresh there")
    if not saved:
        _check_foreign_files(directory, config, label, keep)


def _check_foreign_files(directory, config, label, keep):
    """In a folder of no saved run, refuse the NNNNN.png and state-NNNNN.npz files the run would write or delete
    (a step it may reach), and any of those names that is not a regular file."""
    every = config.checkpoint_every
    for path in directory.iterdir():
        image, state = CHECKPOINT_IMAGE.match(path.name), STATE_NPZ.match(path.name)
        if not (image or state):
            continue
        kind = path_kind(path)
        if kind != "file":
            raise NSTError(f"{label}: {path.name} {PHRASES[kind]}; will not replace it; {keep}")
        step = int(image.group(1)) if image else int(path.name[6:-4])
        if step <= config.iterations and (state or (every and step % every == 0)):
            raise NSTError(f"{label}: {path.name} is there and no saved run wrote it; the run would replace it "
                           f"with its own; move it away, or {keep}")


def _same_folder(a, b) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _saved_steps(path) -> str:
    """' (step N)' of a state.json, or '' when it cannot be read."""
    try:
        return f" (step {int(json.loads(read_regular(path))['steps'])})"
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        return ""


def temporary_files(directory) -> list:
    """atomic_write leftovers in `directory` (a kill -9 mid-write leaves one)."""
    return [p for p in Path(directory).iterdir() if _TEMPORARY.match(p.name)] if os.path.isdir(directory) else []
