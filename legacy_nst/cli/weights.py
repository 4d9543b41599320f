"""`legacy-nst weights download|locate|verify`: get, find or check the MatConvNet VGG-19 file."""
import os
import sys

from ..config import DEFAULT_WEIGHTS
from ..config.weights import APPROXIMATE
from ..vgg.download import VGG19_URL, describe_weights, download_weights, format_description, locate_weights
from .parser import PROG, Parser
from .progress import download_bar

URL_ENV = "LEGACY_NST_WEIGHTS_URL"  # a mirror of the official file (the sha256 is still checked)


def weights_parser():
    parser = Parser(prog=f"{PROG} weights", description="Get, find or check the MatConvNet VGG-19 weights.")
    sub = parser.add_subparsers(dest="action", required=True, metavar="download|locate|verify")
    download = sub.add_parser("download", help="fetch imagenet-vgg-verydeep-19.mat (resumable, sha256-checked)")
    download.add_argument("--dest", default=str(DEFAULT_WEIGHTS.parent), help="directory (default: weights/)")
    download.add_argument("--quiet", action="store_true")
    locate = sub.add_parser("locate", help=f"print the weights a run without --weights uses: ${{LEGACY_NST_WEIGHTS}}, "
                            f"else {DEFAULT_WEIGHTS}, else the approximate {APPROXIMATE} of "
                            "${LEGACY_NST_SHARED:-../shared}, said so in one line")
    locate.add_argument("--download", action="store_true", help=f"fetch {DEFAULT_WEIGHTS} when it is missing")
    locate.add_argument("--fallback", metavar="PATH", help="with --download: the weights to use, said so in one "
                        "line, when the network cannot be reached (default: the approximate weights above)")
    locate.add_argument("--quiet", action="store_true")
    verify = sub.add_parser("verify", help="check a .mat file: size, sha256, layout, layer shapes")
    verify.add_argument("path")
    for p in (download, locate, verify):
        p.error = parser.error
    return parser


def run_weights(argv):
    args = weights_parser().parse_args(argv)
    url = os.environ.get(URL_ENV) or VGG19_URL
    progress = None if getattr(args, "quiet", False) else download_bar
    if args.action == "download":
        print(download_weights(args.dest, url=url, progress=progress))
    elif args.action == "locate":
        found = locate_weights(args.download, args.fallback, url=url, progress=progress)
        if found.note:
            print(f"{PROG}: note: {found.note}", file=sys.stderr)
        print(found.path)
    else:
        print(format_description(describe_weights(args.path)))
    return 0
