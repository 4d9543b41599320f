"""`legacy-nst --content C --style S --output O`: parse the command line, run, and say what was written.

The run and its files are record.files' (the same one sweep jobs run); this
module parses the options and shows the progress on the console.
"""
import sys

from .. import __version__
from ..config import require_weights
from ..record.checkpoints import prepend_saved_paths, resumed_config
from ..record.files import stylize_to_files
from .parser import PROG, Parser, add_config_options, config_from_args, style_paths
from .peers import PEER_FLAGS
from .progress import Progress


def stylize_parser():
    parser = Parser(prog=PROG, synonyms=PEER_FLAGS,
                    description="Gatys et al.'s neural style transfer as logO's art.py, in TensorFlow graph mode "
                                "(tf.compat.v1).",
                    epilog=f"Subcommands: '{PROG} weights download|verify' (see '{PROG} weights --help'), "
                           f"'{PROG} compare' (graph vs eager backends; see '{PROG} compare --help'), "
                           f"'{PROG} sweep SPEC.toml --out DIR' (many runs on Ray; see '{PROG} sweep --help'), "
                           f"'{PROG} score CONTENT STYLE IMAGE...' (any images' losses; see '{PROG} score --help').")
    io = parser.add_argument_group("images")
    io.add_argument("--content", required=True, metavar="PATH", help="content image")
    io.add_argument("--style", required=True, action="append", metavar="PATH",
                    help="style image; repeat it (or give A,B) to blend several styles, see --style-blend-weights")
    io.add_argument("--output", required=True, metavar="PATH", help="where the result goes (png, jpg, ...)")
    io.add_argument("--log-json", metavar="PATH", help="write the config, versions, timing and every "
                    "iteration's losses as JSON")
    io.add_argument("--quiet", action="store_true", help="no progress output")
    io.add_argument("--version", action="version", version=f"{PROG} {__version__}", help="print the version")
    add_config_options(parser)
    return parser


def run_stylize(argv):
    args = stylize_parser().parse_args(prepend_saved_paths(argv))
    config = resumed_config(args) if getattr(args, "resume", None) else config_from_args(args)
    require_weights(config)  # before the run: refused in one line, or the approximate weights' note said
    progress = Progress(config.iterations, print_every=config.print_every, quiet=args.quiet)
    styles = style_paths(args.style)
    stylize_to_files(args.content, styles if len(styles) != 1 else styles[0], args.output, config,
                     log_json=args.log_json, progress=progress)
    if not args.quiet:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0
