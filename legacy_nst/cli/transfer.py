"""`legacy-nst --content C --style S --output O`, the style-transfer command: parse the command line, run,
and say what was written.

The run and its files are record.files' (the same one sweep jobs run); this
module parses the options, with --resume DIR the saved run's, and shows the
progress on the console.
"""
import argparse
import sys

from .. import __version__
from ..config import FIELD_NAMES, Config, require_weights
from ..record.checkpoints import load_state
from ..record.files import run_to_files
from .parser import PROG, Parser, add_config_options, config_from_args, style_paths
from .peers import PEER_FLAGS
from .progress import Progress


SCALE_FLAGS = ("--style-fine", "--style-coarse")  # scale control: the two paintings stand for --style


def transfer_parser(style_required=True):
    """The command's parser; --style is required unless scale control's paintings are given instead."""
    parser = Parser(prog=PROG, synonyms=PEER_FLAGS,
                    description="Gatys et al.'s neural style transfer as logO's art.py, in TensorFlow graph mode "
                                "(tf.compat.v1).",
                    epilog=f"Subcommands: '{PROG} weights download|verify' (see '{PROG} weights --help'), "
                           f"'{PROG} compare' (graph vs eager backends; see '{PROG} compare --help'), "
                           f"'{PROG} sweep SPEC.toml --out DIR' (many runs on Ray; see '{PROG} sweep --help'), "
                           f"'{PROG} score CONTENT STYLE IMAGE...' (any images' losses; see '{PROG} score --help').")
    io = parser.add_argument_group("images")
    io.add_argument("--content", required=True, metavar="PATH", help="content image")
    io.add_argument("--style", required=style_required, action="append", metavar="PATH",
                    help="style image; repeat it (or give A,B) to blend several styles, see --style-blend-weights; "
                         "or --style-fine A --style-coarse B instead (scale control)")
    io.add_argument("--output", required=True, metavar="PATH", help="where the result goes (png, jpg, ...)")
    io.add_argument("--log-json", metavar="PATH", help="write the config, versions, timing and every "
                    "iteration's losses as JSON")
    io.add_argument("--quiet", action="store_true", help="no progress output")
    io.add_argument("--version", action="version", version=f"{PROG} {__version__}", help="print the version")
    add_config_options(parser)
    return parser


def prepend_saved_paths(argv):
    """With --resume DIR, put the saved run's --content/--style/--output/--log-json first; later flags win."""
    finder = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    finder.add_argument("--resume")
    known, _ = finder.parse_known_args(argv)
    if not known.resume:
        return argv
    meta = load_state(known.resume).meta
    saved = []
    for flag, key in (("--content", "content"), ("--style", "style"), ("--output", "output"),
                      ("--log-json", "log_json")):
        if meta.get(key):
            saved += [flag, meta[key]]
    return saved + list(argv)


def resumed_config(args) -> Config:
    """The saved run's options, overridden by those given on this command line (argparse leaves others out)."""
    given = {k: v for k, v in vars(args).items() if k in FIELD_NAMES}
    saved = load_state(given["resume"]).meta["config"]
    return Config.from_options(**{**{k: v for k, v in saved.items() if k in FIELD_NAMES}, **given})


def run_transfer(argv):
    scale = any(str(word).split("=", 1)[0] in SCALE_FLAGS for word in argv)
    args = transfer_parser(style_required=not scale).parse_args(prepend_saved_paths(argv))
    config = resumed_config(args) if getattr(args, "resume", None) else config_from_args(args)
    require_weights(config)  # before the run: refused in one line, or the approximate weights' note said
    progress = Progress(config.iterations, print_every=config.print_every, quiet=args.quiet)
    styles = style_paths(args.style or [])
    run_to_files(args.content, (styles if len(styles) != 1 else styles[0]) or None, args.output, config,
                 log_json=args.log_json, progress=progress)
    if not args.quiet:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0
