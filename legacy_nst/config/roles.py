"""What each option is for, tagged on its Config field: every list of options is derived from these tags.

A field is made by `option(...)`: its default, its help text, its --help group,
its roles, and what the command line and the checks need (choices, metavar,
`parse=` for text the parser turns into a value, `number=` for a numeric option's
range). The lists that used to be written out by hand in seven modules follow
from the roles (config.options.fields_with):

    the --help groups            group=                (cli.parser)
    what --resume may change     not RESULT, or RESUME_MAY_CHANGE   (record.checkpoints.RUN_OPTIONS)
    a sweep job's id             RESULT                (sweep.spec.NOT_IN_ID: the others)
    what a spec may not set      PER_JOB, WORKERS      (sweep.spec)
    paths a spec resolves        PATH, not PER_JOB     (sweep.spec.PATH_OPTIONS)
    what a preset's size is      SIZE                  (config.options.with_preset)
    what `score` takes           SCORING               (cli.score)
    what `compare` leaves out    CHECKPOINT            (cli.compare)
"""
from dataclasses import field

RESULT = "result"
RESUME_MAY_CHANGE = "resume-may-change"
PER_JOB = "per-job"
WORKERS = "workers"
PATH = "path"
SCORING = "scoring"
SIZE = "size"
CHECKPOINT = "checkpoint"
ROLES = {
    RESULT: "changes the result (to more than rounding): a resumed run keeps it, a sweep job's id holds it",
    RESUME_MAY_CHANGE: "changes the result, yet --resume may change it: --iterations may be raised, the same "
                       "weights read from elsewhere (their checksum is still compared)",
    PER_JOB: "names a file of one run: a sweep sets it in each job's own folder, so a spec may not",
    WORKERS: "spreads one run's tiles over Ray workers: a sweep job, one Ray task already, may not",
    PATH: "names a file or folder",
    SCORING: "shapes the objective or the scoring size: `legacy-nst score` takes it",
    SIZE: "sets the working size: giving any of them replaces a preset's size",
    CHECKPOINT: "where and how often the resumable checkpoints are written (`compare` writes none)",
}
GROUP_NAMES = ("images", "algorithm", "control", "optimizer", "engine", "run")  # the --help sections, in this order
# The groups of a subcommand's own options (a dataclass of their own, never in Config): `legacy-nst video`'s.
SUBCOMMAND_GROUPS = ("video",)


def option(default, help, *, group, roles=(), choices=None, metavar=None, **extra):
    """A Config field: `default`, its --help text and `group`, its `roles`, and the command line's extras."""
    if group not in GROUP_NAMES + SUBCOMMAND_GROUPS or not set(roles) <= set(ROLES):
        raise ValueError(f"unknown group {group!r} or role in {roles!r}")  # a mistake in options.py itself
    return field(default=default, metadata=dict(help=help, group=group, roles=frozenset(roles), choices=choices,
                                                metavar=metavar, **extra))


def names_with(fields, role) -> tuple:
    """The names of `fields` (dataclasses.Field, in order) tagged `role`."""
    return tuple(f.name for f in fields if role in f.metadata["roles"])


def names_without(fields, role) -> tuple:
    return tuple(f.name for f in fields if role not in f.metadata["roles"])


def groups(fields) -> dict:
    """{group: (field names, in order)}, the groups in GROUP_NAMES' order."""
    return {group: tuple(f.name for f in fields if f.metadata["group"] == group) for group in GROUP_NAMES}
