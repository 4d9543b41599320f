"""The `legacy-nst sweep SPEC.toml --out DIR` command line."""
from ..sweep import spec as sweep_spec
from ..sweep.driver import run_sweep
from .parser import PROG, Parser, UsageError


def sweep_parser():
    parser = Parser(prog=f"{PROG} sweep", description="Run every combination of a TOML spec's axes as one "
                    "legacy-nst run each, on Ray (a local instance unless --ray-address); see docs/sweeps.md.")
    parser.add_argument("spec", metavar="SPEC.toml", help="the sweep: [base] options, [axes] lists, zip groups")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder: one subfolder per job, "
                        "manifest.jsonl, summary.md, sheet.png (a rerun skips the completed jobs)")
    parser.add_argument("--jobs", type=int, metavar="N", help="at most N jobs at a time, each with CPUs/N "
                        "threads (default: one job per CPU of the Ray cluster)")
    parser.add_argument("--ray-address", metavar="auto|HOST:PORT", help="join a running Ray cluster "
                        "('ray start --head' on one machine) instead of starting a local instance")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override the spec's "
                        "[base] KEY (any option of the main command), VALUE read as in the spec, e.g. --set "
                        "iterations=5 to shrink a sweep; repeat it for several")
    parser.add_argument("--max-jobs", type=int, default=sweep_spec.MAX_JOBS, metavar="N", help="refuse a spec of "
                        f"more than N jobs, counted before any starts (default: {sweep_spec.MAX_JOBS})")
    parser.add_argument("--tensorboard", action="store_true", help="each job writes its TensorBoard events in "
                        "OUT/tensorboard/<id>, and the sweep its axes there for the HParams tab: tensorboard --logdir "
                        "OUT/tensorboard (needs pip install '.[tensorboard]')")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    return parser


def run_sweep_command(argv):
    args = sweep_parser().parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be >= 1, got {args.jobs}")
    if args.max_jobs < 1:
        raise UsageError(f"--max-jobs must be >= 1, got {args.max_jobs}")
    settings = [sweep_spec.parse_setting(text) for text in args.set]
    spec = sweep_spec.load(args.spec, settings, args.max_jobs)  # every check before anything starts
    return run_sweep(spec, args.out, jobs=args.jobs, ray_address=args.ray_address, quiet=args.quiet,
                     tensorboard=args.tensorboard)
