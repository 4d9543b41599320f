"""`legacy-nst weights download|verify`: get or check the MatConvNet VGG-19 file."""
from ..config import DEFAULT_WEIGHTS
from ..vgg.download import describe_weights, download_weights, format_description
from .parser import PROG, Parser
from .progress import download_bar


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


def run_weights(argv):
    args = weights_parser().parse_args(argv)
    if args.action == "download":
        path = download_weights(args.dest, progress=None if args.quiet else download_bar)
        print(path)
    else:
        print(format_description(describe_weights(args.path)))
    return 0
