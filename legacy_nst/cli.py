"""The `legacy-nst` command line.

    legacy-nst --content PATH --style PATH --output PATH [options]   stylise
    legacy-nst weights download [--dest DIR]                         fetch the real VGG-19 file
    legacy-nst weights verify PATH                                   check a .mat file
    legacy-nst compare --content PATH --style PATH [options]         graph vs eager backends, one report
    legacy-nst sweep SPEC.toml --out DIR [--jobs N]                  many runs from a TOML spec, on Ray

The options are the fields of `legacy_nst.config.Config`. Problems with the
input are reported in one line on stderr with exit status 2, never a traceback.
"""
import argparse
import dataclasses
import os
import sys
import typing

from .config import DEFAULT_WEIGHTS, WEIGHTS_ENV, Config
from .errors import NSTError
from .interrupts import Interrupted

PROG = "legacy-nst"


class UsageError(Exception):
    """argparse found the arguments malformed."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, raised rather than printed with the usage."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


def _field_type(f):
    if "parse" in f.metadata:
        return f.metadata["parse"]
    kind = f.type
    if typing.get_origin(kind) is typing.Union:
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    return kind


def add_config_options(parser, exclude=()):
    """One flag per Config field: --learning-rate for learning_rate, help from the field."""
    defaults = Config()
    for f in dataclasses.fields(Config):
        if f.name in exclude:
            continue
        default = getattr(defaults, f.name)
        shown = ",".join(f"{n}:{w:g}" for n, w in default) if isinstance(default, tuple) else default
        help_text = f.metadata["help"] + ("" if default is None or "default:" in f.metadata["help"]
                                          else f" (default: {shown})")
        flags = ["--" + f.name.replace("_", "-"), *f.metadata.get("aliases", ())]
        if _field_type(f) is bool:
            parser.add_argument(*flags, dest=f.name, action="store_true", default=argparse.SUPPRESS, help=help_text)
            continue
        parser.add_argument(*flags, dest=f.name, type=_field_type(f),
                            choices=f.metadata.get("choices"), metavar=f.metadata.get("metavar"),
                            default=argparse.SUPPRESS, help=help_text,
                            **{key: f.metadata[key] for key in ("nargs", "const") if key in f.metadata})


def config_from_args(args, exclude=()):
    """The Config of the flags given, over the --preset's values if one is named (see Config.from_options)."""
    known = {f.name for f in dataclasses.fields(Config)} - set(exclude)
    return Config.from_options(**{k: v for k, v in vars(args).items() if k in known})


def style_paths(values):
    """--style A --style B, or --style A,B (split on commas unless the whole value is an existing file)."""
    paths = []
    for value in values:
        paths += [value] if os.path.exists(value) else [part for part in value.split(",") if part]
    return paths


def stylize_parser():
    parser = Parser(prog=PROG, description="Gatys et al.'s neural style transfer as logO's art.py, "
                    "in TensorFlow graph mode (tf.compat.v1).",
                    epilog=f"Subcommands: '{PROG} weights download|verify' (see '{PROG} weights --help'), "
                           f"'{PROG} compare' (graph vs eager backends; see '{PROG} compare --help'), "
                           f"'{PROG} sweep SPEC.toml --out DIR' (many runs on Ray; see '{PROG} sweep --help').")
    io = parser.add_argument_group("images")
    io.add_argument("--content", required=True, metavar="PATH", help="content image")
    io.add_argument("--style", required=True, action="append", metavar="PATH",
                    help="style image; repeat it (or give A,B) to blend several styles, see --style-blend-weights")
    io.add_argument("--output", required=True, metavar="PATH", help="where the result goes (png, jpg, ...)")
    io.add_argument("--log-json", metavar="PATH", help="write the config, versions, timing and every "
                    "iteration's losses as JSON")
    io.add_argument("--quiet", action="store_true", help="no progress output")
    algorithm = parser.add_argument_group("algorithm (defaults: art.py's)")
    add_config_options(algorithm)
    return parser


def weights_parser():
    parser = Parser(prog=f"{PROG} weights", description="Get or check the MatConvNet VGG-19 weights.")
    sub = parser.add_subparsers(dest="action", required=True, metavar="download|verify")
    download = sub.add_parser("download", help="fetch imagenet-vgg-verydeep-19.mat (resumable, sha256-checked)")
    download.add_argument("--dest", default=str(DEFAULT_WEIGHTS.parent), help="directory (default: weights/)")
    download.add_argument("--quiet", action="store_true")
    verify = sub.add_parser("verify", help="check a .mat file: size, sha256, layout, layer shapes")
    verify.add_argument("path")
    for p in (download, verify):
        p.error = parser.error
    return parser


def missing_weights_message(path):
    return (f"VGG-19 weights not found at {path}; run '{PROG} weights download' (about 510 MB) or pass "
            f"--weights PATH / set ${WEIGHTS_ENV}")


def run_weights(argv):
    from .download import describe_weights, download_weights, format_description

    args = weights_parser().parse_args(argv)
    if args.action == "download":
        path = download_weights(args.dest, progress=not args.quiet)
        print(path)
    else:
        print(format_description(describe_weights(args.path)))
    return 0


def run_stylize(argv):
    from .resume import prepend_saved_paths, resumed_config

    args = stylize_parser().parse_args(prepend_saved_paths(argv))
    config = resumed_config(args) if getattr(args, "resume", None) else config_from_args(args)
    weights = config.weights_path()
    if not weights.exists():
        raise NSTError(missing_weights_message(weights))
    from .progress import Progress
    from .transfer import run

    progress = Progress(config.iterations, print_every=config.print_every, quiet=args.quiet)
    styles = style_paths(args.style)
    run(args.content, styles if len(styles) > 1 else styles[0], args.output, config, log_json=args.log_json,
        progress=progress)
    if not args.quiet:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def silence_native_stderr():
    """Send what C++ libraries write to fd 2 (TensorFlow's start-up banners) to /dev/null.

    Python's sys.stderr keeps writing to the real stream, so our messages,
    progress bars and tracebacks still show. LEGACY_NST_NATIVE_LOGS=1 keeps
    TensorFlow's own logging for debugging.
    """
    if os.environ.get("LEGACY_NST_NATIVE_LOGS") == "1":
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        sys.stderr.flush()
        real = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        sys.stderr = os.fdopen(real, "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace")
    except (OSError, ValueError, AttributeError):
        pass  # no usable fd 2 (embedded interpreter): leave stderr as it is


def main(argv=None):
    """Entry point of the `legacy-nst` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["weights"]:
            return run_weights(argv[1:])
        if argv[:1] == ["compare"]:
            from .compare import run_compare

            return run_compare(argv[1:])
        if argv[:1] == ["sweep"]:
            from .sweep.command import run_sweep_command  # Ray and the sweep load only for this subcommand

            return run_sweep_command(argv[1:], Parser, PROG, UsageError)
        return run_stylize(argv)
    except (UsageError, NSTError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        print(f"{PROG}: {stop.report or stop}", file=sys.stderr)
        return stop.exit_status
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def console_main():
    """The console script: quiet native logs, then main()."""
    silence_native_stderr()
    return main()


if __name__ == "__main__":
    sys.exit(console_main())
