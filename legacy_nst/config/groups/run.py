"""The --help group "run": checkpoints, resuming, progress, figures and TensorBoard.

Config (config.options) is made of these groups' fields, in GROUP_NAMES' order.
"""
import functools
from dataclasses import dataclass
from typing import Optional


from ..checks import COUNT
from ..roles import CHECKPOINT, PATH, PER_JOB, option

_run = functools.partial(option, group="run")


@dataclass(frozen=True)
class RunOptions:
    """Checkpoints, resuming, progress, figures and TensorBoard."""

    checkpoint_every: int = _run(
        0, "write the image and the resumable state every K iterations (art.py: 100; 0: never)", metavar="K",
        aliases=("--save-every",), roles=(CHECKPOINT,), number=COUNT)
    checkpoint_dir: Optional[str] = _run(
        None, "where checkpoints go (default: OUTPUT's name + '-checkpoints')", metavar="DIR",
        roles=(CHECKPOINT, PER_JOB, PATH))
    print_every: int = _run(
        100, "log a progress line every K iterations when not on a terminal (0: never)", metavar="K", number=COUNT)
    resume: Optional[str] = _run(
        None, "continue the run saved in DIR (a --checkpoint-dir; a Ctrl-C'd run saves there too); "
        "--content/--style/--output and the options default to the saved run's, --iterations may be raised",
        metavar="DIR", roles=(PER_JOB, PATH))
    overwrite: bool = _run(
        False, "start afresh in a checkpoint folder that holds a saved state, replacing it (without it, such a folder "
        "is refused: --resume continues the saved run)")
    plot: Optional[str] = _run(
        None,
        "write the loss curves (total, content, style; log scale) at the end, on interrupt and at each checkpoint "
        "(.png, .svg, .pdf)", metavar="PATH", roles=(PER_JOB, PATH))
    strip: Optional[str] = _run(
        None, "write a grid of the checkpoint images (needs --checkpoint-every) at the end and on interrupt",
        metavar="PATH", roles=(PER_JOB, PATH))
    tensorboard: Optional[str] = _run(
        None, "write TensorBoard event files into DIR as the run goes: every loss (weighted and unweighted), the "
        "learning rate and step size, seconds per step, memory, the image, the options, the graph backend's network "
        "(needs `pip install '.[tensorboard]'`; view with `tensorboard --logdir DIR`)", metavar="DIR",
        roles=(PER_JOB, PATH))
    tensorboard_every: int = _run(
        100, "with --tensorboard: write the current image every K iterations (0: the first and last only)",
        metavar="K", number=COUNT)
