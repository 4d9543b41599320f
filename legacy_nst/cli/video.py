"""`legacy-nst video --content IN --style S --output OUT [options]`: a clip stylised with temporal consistency
(video.run), with every option of the main command (but its checkpoint ones: a video run keeps its finished
frames instead) and the video's own (config.groups.video)."""
import copy
import sys
from types import MappingProxyType

from ..config import FIELDS, Config, require_weights
from ..config.groups.video import VIDEO_FIELDS, VideoOptions
from ..video.run import run_video
from ..video.workers import requested_workers, run_segments
from .parser import PROG, Parser, add_config_options, add_field_options, config_from_args, style_paths
from .peers import PEER_FLAGS
from .progress import Progress

# The main command's options a video run has no use for: its frames folder is its checkpoint (--frames-dir,
# --resume and --overwrite are the video's own), and the loss figures are a still run's.
LEFT_OUT = ("checkpoint_every", "checkpoint_dir", "resume", "overwrite", "plot", "strip")
# The main command's Ray options, which here spread the clip's segments, not a level's tiles (video.workers).
SEGMENT_HELP = {
    "workers": "cut the frames into N segments, each a video run of its own on a Ray worker (a local instance bound "
               "to 127.0.0.1, or --ray-address's cluster), the seams cross-faded over --overlap frames; each "
               "segment resumes on its own (0: no workers, one process)",
    "ray_address": "run the segments of --workers on the Ray cluster at ADDR (the HOST:PORT 'ray start --head' "
                   "prints, or auto); the clip, styles, weights and --frames-dir must be at the same paths on every "
                   "node"}


def _segment_fields():
    """Config's --workers and --ray-address with the video's help."""
    fields = []
    for name, text in SEGMENT_HELP.items():
        field = copy.copy(FIELDS[name])
        field.metadata = MappingProxyType({**FIELDS[name].metadata, "help": text})
        fields.append(field)
    return fields


def video_parser():
    parser = Parser(prog=f"{PROG} video", synonyms=PEER_FLAGS,
                    description="Stylise a clip frame by frame with temporal consistency (Ruder, Dosovitskiy and "
                                "Brox 2016): each frame starts from the previous stylised frame warped by the "
                                "optical flow and is held to it by the temporal term (--temporal-weight). See "
                                "docs/video.md.")
    io = parser.add_argument_group("clips")
    io.add_argument("--content", required=True, metavar="CLIP",
                    help="the clip: a video FFmpeg reads, or an image sequence like frames/%%04d.png")
    io.add_argument("--style", required=True, action="append", metavar="PATH",
                    help="style image; repeat it (or give A,B) to blend several styles, see --style-blend-weights")
    io.add_argument("--output", required=True, metavar="PATH",
                    help="the stylised clip: .mp4, .mov, .mkv (H.264, the audio carried over) or out/%%04d.png")
    io.add_argument("--log-json", metavar="PATH", help="write each frame's losses and time and the temporal errors "
                    "as JSON")
    io.add_argument("--quiet", action="store_true", help="no progress output")
    add_config_options(parser, exclude=LEFT_OUT + tuple(SEGMENT_HELP))
    add_field_options(parser, "video options", VIDEO_FIELDS.values(), VideoOptions())
    add_field_options(parser, "segments on Ray", _segment_fields(), Config())
    return parser


def run_video_command(argv):
    args = video_parser().parse_args(argv)
    config = config_from_args(args, exclude=LEFT_OUT)
    video = VideoOptions(**{name: value for name, value in vars(args).items() if name in VIDEO_FIELDS})
    require_weights(config)
    progress = Progress(None, print_every=1, quiet=args.quiet, unit="frame", forecast=False)
    styles = style_paths(args.style)
    style = styles if len(styles) != 1 else styles[0]
    seams = ""
    if requested_workers(config, video):  # --workers: the clip in segments on Ray (video.workers)
        segmented = run_segments(args.content, style, args.output, config, video, log_json=args.log_json,
                                 progress=progress)
        result, plan = segmented.video, segmented.plan
        seams = (f"; {len(plan.segments)} segments, overlap {plan.overlap}: the seams' pairs {segmented.seam_error:.4g}"
                 f", the others' {segmented.interior_error:.4g}")
    else:
        result = run_video(args.content, style, args.output, config, video, log_json=args.log_json,
                           progress=progress)
    progress.close()
    if not args.quiet:
        errors = result.temporal_errors
        mean = f"; temporal error {sum(errors) / len(errors):.4g} (mean of {len(errors)} pairs)" if errors else ""
        print(f"wrote {args.output} ({len(result.frames)} frames, kept in {result.frames_dir}){mean}{seams}",
              file=sys.stderr)
    return 0
