"""Which VGG-19 weights a run uses: one rule for every subcommand, the peers' command lines and the Python API.

    1. --weights PATH (a spec's weights, the peers' -model_file / --network)
    2. $LEGACY_NST_WEIGHTS
    3. weights/imagenet-vgg-verydeep-19.mat (where `legacy-nst weights download` puts it)
    4. the approximate weights of the shared folder, ${LEGACY_NST_SHARED:-../shared}/weights/vgg19-approx.mat
       (../shared: the folder beside the repository), said once per process in one line on stderr

A file named by 1 or 2 that does not exist is an error, never replaced by a later one; one that is there (also
the default file of 3, even as a broken link) but is not a regular file (a symlink loop, a FIFO, a device) is taken here and refused when read, with what it is
(vgg.matfile, io.paths). When nothing is found, one ConfigError names all four places.
"""
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import ConfigError

PROGRAM = "legacy-nst"  # the command's name, in messages that say what to type
DEFAULT_WEIGHTS = Path("weights") / "imagenet-vgg-verydeep-19.mat"
WEIGHTS_ENV = "LEGACY_NST_WEIGHTS"
SHARED_ENV = "LEGACY_NST_SHARED"
DEFAULT_SHARED = Path(__file__).resolve().parents[2].parent / "shared"  # ../shared beside the repository
APPROXIMATE = Path("weights") / "vgg19-approx.mat"  # in the shared folder
DOWNLOAD = f"'{PROGRAM} weights download' (about 510 MB)"
_noted = set()  # the notes already printed by this process


@dataclass(frozen=True)
class Weights:
    """The weights file a run uses, and why: `note` is the one line said when they are the approximate ones."""

    path: Path
    source: str                  # "--weights", "$LEGACY_NST_WEIGHTS", "default" or "approximate"
    note: Optional[str] = None


def shared_folder() -> Path:
    """${LEGACY_NST_SHARED}, else the shared/ folder beside the repository."""
    return Path(os.environ.get(SHARED_ENV) or DEFAULT_SHARED)


def approximate_weights() -> Path:
    return shared_folder() / APPROXIMATE


def approximate_note(path) -> str:
    return (f"using the approximate weights {path} (VGG-19 with a little noise in blocks 4-5: fine to try it out, "
            f"not the real file; {DOWNLOAD} gets that once online)")


def find_weights(given=None) -> Weights:
    """The rule above for `given` (--weights, or None), without a word on stderr; ConfigError when it finds none."""
    if given:
        if not os.path.lexists(given):  # a link loop, a FIFO: named as such when the file is read (io.paths)
            raise ConfigError(f"VGG-19 weights not found at {given} (--weights); fix the path, or run {DOWNLOAD} "
                              f"and drop --weights")
        return Weights(Path(given), "--weights")
    configured = os.environ.get(WEIGHTS_ENV)
    if configured:
        if not os.path.lexists(configured):  # as for --weights: a link loop is named when the file is read
            raise ConfigError(f"${WEIGHTS_ENV} names {configured}, which does not exist (VGG-19 weights not found); "
                              f"fix or unset it, or run {DOWNLOAD}")
        return Weights(Path(configured), f"${WEIGHTS_ENV}")
    approximate = approximate_weights()
    if os.path.lexists(DEFAULT_WEIGHTS):  # a broken link there is the user's file gone, not a cue to approximate
        return Weights(DEFAULT_WEIGHTS, "default")
    if approximate.is_file():
        return Weights(approximate, "approximate", approximate_note(approximate))
    raise ConfigError(f"VGG-19 weights not found: no --weights, ${WEIGHTS_ENV} unset, no {DEFAULT_WEIGHTS}, no "
                      f"approximate {approximate}; run {DOWNLOAD}, or give --weights PATH or ${WEIGHTS_ENV}")


def require_weights(config) -> Weights:
    """find_weights(config.weights), saying its note (the approximate weights) once per process on stderr."""
    found = find_weights(config.weights)
    if found.note:
        say_once(found.note)
    return found


def say_once(note):
    """`legacy-nst: note: NOTE` on stderr, the first time this process says it."""
    if note not in _noted:
        _noted.add(note)
        print(f"{PROGRAM}: note: {note}", file=sys.stderr, flush=True)
