"""The `legacy-nst` command line.

    legacy-nst --content PATH --style PATH --output PATH [options]   stylise
    legacy-nst weights download [--dest DIR]                         fetch the real VGG-19 file
    legacy-nst weights locate [--download] [--fallback PATH]         the weights file a run uses
    legacy-nst weights verify PATH                                   check a .mat file
    legacy-nst compare --content PATH --style PATH [options]         graph vs eager backends, one report
    legacy-nst sweep SPEC.toml --out DIR [--jobs N]                  many runs from a TOML spec, on Ray
    legacy-nst score CONTENT STYLE IMAGE... [options]                any images' losses under a run's objective
    legacy-nst video --content CLIP --style PATH --output CLIP       a clip, temporally consistent (Ruder et al.)
    legacy-nst artistic-video -content_pattern P -style_image S ...  artistic_video.lua's command line (Ruder)
    legacy-nst jcjohnson -style_image A -content_image C ...         neural_style.lua's command line, unchanged
    legacy-nst anishathalye --content C --styles A --output O ...    neural_style.py's command line, unchanged
    legacy-nst --version                                             the package's version

The options are the fields of `legacy_nst.config.Config` (cli.parser). Each
subcommand has its module: cli.transfer, cli.weights, cli.compare, cli.sweep, cli.score, cli.video,
cli.artistic.
Problems with the input are reported in one line on stderr with exit status 2, never a traceback.
"""
import difflib
import sys

from .. import __version__
from ..errors import NSTError
from ..record.interrupts import Interrupted
from .artistic import run_artistic
from .compare import run_compare
from .parser import PROG, UsageError
from .peers import PEERS, run_peer
from .score import run_score
from .sweep import run_sweep_command
from .transfer import run_transfer
from .video import run_video_command
from .weights import run_weights


SUBCOMMANDS = {"weights": run_weights, "compare": run_compare, "sweep": run_sweep_command, "score": run_score,
               "video": run_video_command, "artistic-video": run_artistic}


def main(argv=None):
    """Entry point of the `legacy-nst` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["--version"]:
            print(f"{PROG} {__version__}")
            return 0
        if argv[:1] and argv[0] in SUBCOMMANDS:
            return SUBCOMMANDS[argv[0]](argv[1:])
        if argv[:1] and argv[0] in PEERS:
            return run_peer(argv[0], argv[1:])
        if argv[:1] and not argv[0].startswith("-"):
            raise UsageError(unknown_command(argv[0]))
        return run_transfer(argv)
    except (UsageError, NSTError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        print(f"{PROG}: {stop.report or stop}", file=sys.stderr)
        return stop.exit_status
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def unknown_command(word):
    """The main command takes options only: a first word that is none of the subcommands is a misspelt one."""
    names = [*SUBCOMMANDS, *PEERS]
    close = difflib.get_close_matches(word, names, n=1)
    hint = f"did you mean {close[0]}?" if close else f"the subcommands are {', '.join(names)}"
    return f"unknown command {word!r}; {hint} (or stylise: {PROG} --content C --style S --output O; see --help)"
