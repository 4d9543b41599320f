"""`legacy-nst score CONTENT STYLE IMAGE...`: the losses of any images under a run's objective, table and JSON.

    legacy-nst score CONTENT STYLE IMAGE... [--preset NAME] [--normalization NAME] [--size L | --width W
                     --height H] [--content-layers ...] [--style-layers ...] [--pooling ...] [--json PATH]
    legacy-nst score --clip CONTENT_CLIP STYLE STYLISED_CLIP... [--flows-dir DIR] [the same options]

With --clip, CONTENT and each IMAGE are clips (video files or image patterns, io.video.open_clip): each frame is
scored as a still is, and each consecutive pair's temporal error is measured under the content clip's optical
flows (video.score).

The objective options are the main command's (same names, same preset
values), so a run's objective options score its output as it was scored while
it ran (docs/score.md). The library part is run.score.
"""
import argparse
import json
from pathlib import Path

from ..config import FIELD_NAMES, LOSS_NORMALIZATIONS, fields_with, require_weights
from ..config.roles import SCORING
from ..io.atomic import atomic_write, check_directory, check_writable
from ..record.run_record import run_record
from ..run.score import score
from ..video.score import score_clip
from .parser import PROG, Parser, UsageError, add_config_options, config_from_args, style_paths
from .peers import PEER_FLAGS

OWN_FLAGS = ("image_size", "loss_normalization")  # scoring options given as --size and --normalization, below
# The Config options that shape the objective or the scoring size (config.roles), as the main command's flags.
SCORE_OPTIONS = tuple(name for name in fields_with(SCORING) if name not in OWN_FLAGS)
NOT_SCORE_OPTIONS = tuple(name for name in FIELD_NAMES if name not in SCORE_OPTIONS)


def score_parser():
    parser = Parser(prog=f"{PROG} score", synonyms=PEER_FLAGS,
                    description="Score images (ours, another tool's, the painting itself) with the loaded weights at "
                                "a common size: each content and style layer's loss and the weighted totals a run "
                                "logs. See docs/score.md.")
    images = parser.add_argument_group("images and report")
    images.add_argument("content", metavar="CONTENT", help="the content image the objective compares with")
    images.add_argument("style", metavar="STYLE", help="the style image (A,B blends several, "
                        "see --style-blend-weights)")
    images.add_argument("images", nargs="+", metavar="IMAGE", help="the images to score; each is resized "
                        "(bicubic, as the content is) to the scoring size when it is not at it")
    images.add_argument("--size", "--image-size", dest="image_size", type=int, default=argparse.SUPPRESS,
                        metavar="L", help="score at the longest side L, the other following the content's aspect "
                        "ratio (default: the content's working size as a run computes it: --width/--height, the "
                        "preset's size, else 800x600)")
    images.add_argument("--normalization", "--loss-normalization", dest="loss_normalization",
                        choices=LOSS_NORMALIZATIONS, default=argparse.SUPPRESS, metavar="NAME",
                        help=f"the loss formulas: {', '.join(LOSS_NORMALIZATIONS)} (see {PROG} --help; "
                        "default: the preset's, else artpy)")
    images.add_argument("--json", metavar="PATH", help="also write the scores, the options and the versions as JSON")
    images.add_argument("--clip", action="store_true", help="CONTENT and each IMAGE are clips (a video file or a "
                        "pattern like frames/%%04d.png; each IMAGE of CONTENT's frame count, at the scoring size): "
                        "each frame's losses, and each consecutive pair's temporal error under CONTENT's optical "
                        "flows (docs/video.md)")
    images.add_argument("--flows-dir", metavar="DIR", help="with --clip: read the content clip's flows from DIR, "
                        "or compute and keep them there (a video run's --frames-dir holds them; default: computed, "
                        "not kept)")
    add_config_options(parser, exclude=NOT_SCORE_OPTIONS)
    return parser


def _cell(value):
    return f"{value:.4g}"


def columns(scores):
    """[(header, value(image))]: the run's losses, then each content and style layer's unweighted term (a guided
    term's header numbers its style: s2:conv1_1)."""
    groups = [name for name in ("total", "content", "style", "tv") if name in scores.images[0].losses]
    found = [(name, lambda image, name=name: image.losses[name]) for name in groups]
    for index, term in enumerate(scores.images[0].terms):
        if term.group != "tv":
            region = "" if term.region is None else term.region + 1  # s1:conv1_1, s2:conv1_1 under --style-mask
            found.append((f"{term.group[0]}{region}:{term.layer}", lambda image, index=index: image.terms[index].value))
    return found


def table(scores):
    """The scores as a plain-text table, with a heading that says how they were taken."""
    height, width = scores.size
    weights = scores.group_weights
    total = f"{weights['content']:g}·content + {weights['style']:g}·style" + (
        f" + {weights['tv']:g}·tv" if "tv" in scores.images[0].losses else "")
    found = columns(scores)
    names = [image.name + (" *" if image.resized(scores.size) else "") for image in scores.images]
    first = max(len("image"), *map(len, names))
    lines = [f"scored at {width}x{height}, normalization {scores.normalization}, float32; total = {total}; "
             "content, style, tv: each group's layer-weighted sum; c:LAYER, s:LAYER: each term unweighted",
             f"{'image':<{first}}" + "".join(f"{header:>12}" for header, _ in found)]
    for name, image in zip(names, scores.images):
        lines.append(f"{name:<{first}}" + "".join(f"{_cell(value(image)):>12}" for _, value in found))
    resized = [f"{image.name} from {image.read_size[1]}x{image.read_size[0]}" for image in scores.images
               if image.resized(scores.size)]
    if resized:
        lines.append(f"* resized to {width}x{height} (bicubic): " + "; ".join(resized))
    return "\n".join(lines)


def run_score(argv):
    """The `legacy-nst score` subcommand; returns the exit status."""
    args = score_parser().parse_intermixed_args(argv)  # IMAGE... may come after options too
    if args.flows_dir and not args.clip:
        raise UsageError("--flows-dir is for clips; add --clip or drop --flows-dir")
    config = config_from_args(args)
    if args.json:
        check_directory(args.json)
        check_writable(args.json, f"--json {args.json}", "give another --json")
    require_weights(config)  # before the images are read: refused in one line, or the approximate weights' note
    styles = style_paths([args.style])
    style = styles if len(styles) > 1 else styles[0]
    if args.clip:
        scores = score_clip(args.content, style, args.images, config, flows_dir=args.flows_dir)
        print(clip_table(scores))
    else:
        scores = score(args.content, style, args.images, config)
        print(table(scores))
    if args.json:
        report = {**run_record(config, scores.size, args.content, style, exclude=NOT_SCORE_OPTIONS),
                  "precision": "float32", **scores.to_json()}
        atomic_write(Path(args.json), json.dumps(report, indent=1).encode())
    return 0


def clip_table(scores):
    """Each frame's losses (the still table, a row 'CLIP #k' a frame), then each pair's temporal error and the
    means."""
    lines = [table(scores.frame_scores()), "",
             "temporal error of each pair k-1 -> k (RGB in 0-1, over the pixels the content's flow finds reliable)"]
    first = max(len("clip"), *(len(clip.name) for clip in scores.clips))
    pairs = range(1, len(scores.clips[0].frames))
    lines.append(f"{'clip':<{first}}" + "".join(f"{k - 1}->{k}".rjust(12) for k in pairs) + f"{'mean':>12}")
    for clip in scores.clips:
        lines.append(f"{clip.name:<{first}}" + "".join(f"{_cell(e):>12}" for e in clip.temporal_errors)
                     + f"{_cell(clip.mean_temporal_error):>12}")
    lines.append("")
    for clip in scores.clips:
        means = ", ".join(f"{name} {_cell(value)}" for name, value in clip.mean_losses().items())
        lines.append(f"{clip.name}: mean temporal error {_cell(clip.mean_temporal_error)} over "
                     f"{len(clip.temporal_errors)} pairs; mean losses a frame: {means}")
    return "\n".join(lines)
