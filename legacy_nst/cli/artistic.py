"""`legacy-nst artistic-video …`: a command line of Ruder's artistic_video.lua, as it is, run by `legacy-nst video`.

A command line written for `th artistic_video.lua -content_pattern frames/frame_%04d.ppm -style_image s.jpg …`
runs here unchanged apart from the program name, with his defaults (jcjohnson's normalization: his code is a fork
of neural_style.lua). The table below is his options, his defaults, and what each becomes here, as cli.peers does
for jcjohnson's and anishathalye's; the rules that join them follow it (docs/video.md).

- His frames are his content pattern's files from -start_number (-num_images of them; 0: all), at their own size.
- His flows: for each later frame and each -flow_relative_indices k, the file -flow_pattern names (`[%d]` the
  frame's number, `{%d}` the earlier one's) and its -flowWeight_pattern weights are read, checked (their size is
  the frames'), and put in the frames folder under our names (motion.cache reads them there). Where none of the
  flow files exists, the flows are computed (OpenCV's DIS, motion.flow), with a note; where some exist and one is
  missing, that file is named in one line (exit 2), as artistic_video.lua stops on it.
- His output: OUTPUT_FOLDER + OUTPUT_IMAGE's name + '-' + -number_format + its extension (out-0001.png for his
  first frame); the frames folder (ours: frames, flows, manifest) is OUTPUT_FOLDER + that name + '-frames'.
"""
import os
import re
import sys
from dataclasses import dataclass, field, replace

from ..config import Config, require_weights
from ..config.groups.video import VideoOptions, parse_frame_offsets
from ..errors import ConfigError, NSTError
from ..io.video import open_clip
from ..motion.cache import flow_paths
from ..motion.files import read_flo, read_pgm, write_flo, write_pgm
from ..video.run import plan_video, run_video
from .parser import PROG
from .peers import (DEVICE, JCJOHNSON, Ignored, Row, To, comma_list, converted, describe, in_their_words,
                    read_cmdline, whole)
from .progress import Progress

NAME = "artistic-video"
_JC = {row.name: row for row in JCJOHNSON}  # the options his fork of neural_style.lua kept as they were


def _only(value_ok, what):
    """An option of his whose other values legacy_nst has no counterpart for: refused in one line."""
    def check(value):
        if value != value_ok:
            raise ValueError(f"legacy-nst video has {what} only; drop it or give {value_ok}")
        return {}
    return check


def num_iterations(text):
    """'2000,1000': the first frame's steps, then each later frame's; '500': both."""
    words = str(text).split(",")
    try:
        first, later = whole(words[0]), whole(words[1] if len(words) > 1 else words[0])
    except (ValueError, IndexError):
        raise ValueError("give N or FIRST,LATER, e.g. 2000,1000") from None
    return {"iterations": first, "frame_iterations": later}


def ruder_init(text):
    """-init FIRST,LATER: the first frame's random (randn·0.001 around the mean pixel) or image (the content);
    later frames from prevWarped only (the previous stylised frame warped, video.run's warm start)."""
    words = str(text).split(",")
    first, later = words[0], words[1] if len(words) > 1 else words[0]
    starts = {"random": {"init": "randn", "init_std": 0.001}, "image": {"init": "content"}}
    if first not in starts:
        raise ValueError("the first frame starts from random or image; give e.g. random,prevWarped")
    if later != "prevWarped":
        raise ValueError(f"later frames start from prevWarped here, not {later}; give {first},prevWarped")
    return starts[first]


RUDER = (
    # his option                    his default                                read   becomes here
    Row("-style_image",               "example/seated-nude.jpg",                 str,   To("styles", comma_list)),
    _JC["-style_blend_weights"],
    Row("-content_pattern",           "example/marple8_%02d.ppm",                str,   To("content")),
    Row("-num_images",                0,                                         whole, To("num_images")),
    Row("-start_number",              1,                                         whole, To("start_number")),
    Row("-continue_with",             1,                                         whole, To("continue_with")),
    Row("-gpu",                       0,                                         whole, To("gpu")),
    Row("-flow_pattern",              "example/deepflow/backward_[%d]_{%d}.flo", str,   To("flow_pattern")),
    Row("-flowWeight_pattern",        "example/deepflow/reliable_[%d]_{%d}.pgm", str,   To("weights_pattern")),
    Row("-flow_relative_indices",     "1",                                       str,   To("temporal_frames",
                                                                                           parse_frame_offsets)),
    Row("-use_flow_every",            -1,                                        whole, _only(-1,
                                                                                            "-flow_relative_indices")),
    Row("-invert_flowWeights",        0,                                         whole, _only(0, "weights as given")),
    _JC["-content_weight"], _JC["-style_weight"],
    Row("-temporal_weight",           1e3,                                       float, To("temporal_weight")),
    _JC["-tv_weight"],
    Row("-temporal_loss_criterion",   "mse",                                     str,   _only("mse", "mse")),
    Row("-num_iterations",            "2000,1000",                               str,   num_iterations),
    Row("-tol_loss_relative",         1e-4,                                      float, To("tol_loss_relative")),
    Row("-tol_loss_relative_interval", 50,                                       whole, To(
        "tol_loss_relative_interval")),
    _JC["-normalize_gradients"],
    Row("-init",                      "random,prevWarped",                       str,   ruder_init),
    _JC["-optimizer"], _JC["-learning_rate"],
    Row("-print_iter",                100,                                       whole, To("print_every")),
    Row("-save_iter",                 0,                                         whole, Ignored(
        "each frame's losses go to the frames folder's out-NNNNN.json; no intermediate images")),
    Row("-output_image",              "out.png",                                 str,   To("output_image")),
    Row("-output_folder",             "",                                        str,   To("output_folder")),
    Row("-number_format",             "%04d",                                    str,   To("number_format")),
    Row("-save_init",                 0,                                         whole, Ignored(
        "no init images saved")),
    _JC["-style_scale"], _JC["-pooling"], _JC["-proto_file"], _JC["-model_file"], _JC["-backend"],
    _JC["-cudnn_autotune"], _JC["-seed"], _JC["-content_layers"], _JC["-style_layers"],
    Row("-args",                      "",                                        str,   To("args")),
    Row("-combine_flowWeights_method", "closestFirst",                           str,   _only("closestFirst",
                                                                                              "closestFirst")),
)
VIDEO_KEYS = ("frame_iterations", "temporal_frames")
HERE = {  # what his options that are not one of our flags become, for -help
    "-content_pattern": "--content", "-style_image": "--style", "-num_images": "--end-frame START+N-1 (0: all)",
    "-start_number": "--start-frame", "-continue_with": "--resume (N > 1)", "-gpu": "-1 (others noted)",
    "-flow_pattern": "read into the frames folder (computed when none exists)",
    "-flowWeight_pattern": "as -flow_pattern",
    "-flow_relative_indices": "--temporal-frames", "-use_flow_every": "-1 only", "-invert_flowWeights": "0 only",
    "-temporal_loss_criterion": "mse only", "-num_iterations": "--iterations,--frame-iterations",
    "-init": "random: --init randn --init-std 0.001; image: --init content; then prevWarped only",
    "-output_image": "its name and extension",
    "-output_folder": "FOLDER + NAME-%04d.png, the frames folder FOLDER + NAME-frames",
    "-number_format": "the frames' numbers", "-args": "a file of options, one a line",
    "-combine_flowWeights_method": "closestFirst only",
}


@dataclass
class ArtisticRun:
    """His command line, translated: our Config and video options, his files, and the notes to print."""

    config: Config
    video: VideoOptions
    content: str
    styles: list
    output: str                # OUTPUT_FOLDER + name-%04d.png: his frames' names
    flow_pattern: str
    weights_pattern: str
    start_number: int
    num_images: int
    notes: list = field(default_factory=list)


def expand_args_file(argv):
    """-args FILE: the file's lines that start with '-' (an option and its value), then the command line's."""
    if "-args" not in argv[:-1]:
        return argv
    path = argv[argv.index("-args") + 1]
    if not path or not os.path.isfile(path):
        return argv  # artistic_video.lua: no such file, the command line alone
    words = []
    with open(path) as handle:
        for line in handle.read().splitlines():
            if line.startswith("-"):
                words += line.split(" ", 1)
    return words + argv


def translate(argv):
    """The ArtisticRun of his command line; None for -help (printed)."""
    given = read_cmdline(expand_args_file(list(argv)), RUDER, peer=NAME)
    if given is None:
        print("\n".join([f"usage: {PROG} {NAME} [options]: a command line of artistic_video.lua, run by "
                         f"{PROG} video (docs/video.md)"] + [f"  {row.name:<28} [{row.default}]  here: "
                                                                 f"{HERE.get(row.name) or describe(row)}"
                                                                 for row in RUDER]))
        return None
    fields, files, notes = converted(RUDER, given)
    if files.pop("gpu") != -1 and "-gpu" in given:
        notes.append(f"-gpu {given['-gpu']} ignored: {DEVICE}")
    config = in_their_words(RUDER, lambda: Config.from_options(preset="jcjohnson", **fields))
    if config.optimizer != "lbfgs":  # his Adam loop never stops early (artistic_video_core.lua)
        config = config.replace(tol_loss_relative=0.0)
    return _joined(config, files, notes)


def _joined(config, files, notes):
    """His rules across options: the output's names, -continue_with as --resume, the video's options."""
    stem, extension = os.path.splitext(os.path.basename(files["output_image"]))
    folder, number_format = files["output_folder"], files["number_format"]
    output = f"{folder}{stem}-{number_format}{extension}"
    continue_with = files["continue_with"]
    if continue_with < 1:
        raise ConfigError(f"-continue_with {continue_with}: frames are counted from 1; give 1 or more")
    if continue_with > 1:
        notes.append(f"-continue_with {continue_with}: continues the run kept in {folder}{stem}-frames from its "
                     f"first unfinished frame (--resume)")
    video = VideoOptions(frames_dir=f"{folder}{stem}-frames", resume=continue_with > 1,
                         **{key: files[key] for key in VIDEO_KEYS})
    return ArtisticRun(config, video, files["content"], files["styles"], output, files["flow_pattern"],
                       files["weights_pattern"], files["start_number"], files["num_images"], notes)


def his_file(pattern, earlier, frame):
    """getFormatedFlowFileName: `{…}` formats the earlier frame's number, `[…]` this frame's."""
    named = re.sub(r"\{(.*?)\}", lambda m: m.group(1) % earlier, pattern)
    return re.sub(r"\[(.*?)\]", lambda m: m.group(1) % frame, named)


def clip_options(job, clip):
    """His -start_number and -num_images as our --start-frame and --end-frame (the clip counted from its first
    file), the frames at their own size (artistic_video.lua does not resize them)."""
    start = job.start_number - clip.start_number
    if not 0 <= start < clip.frame_count:
        raise NSTError(f"-start_number {job.start_number}: {job.content} has frames "
                       f"{clip.start_number}-{clip.start_number + clip.frame_count - 1}; give one of them")
    end = None if job.num_images == 0 else min(start + job.num_images, clip.frame_count) - 1
    config = job.config.replace(width=clip.width, height=clip.height)
    return config, replace(job.video, start_frame=start, end_frame=end)


def given_flows(job, setup):
    """{(our earlier index, our index): (flow, weights)} of his files, read and checked; {} when none exists."""
    clip, pairs = setup.clip, {}
    for position, index in enumerate(setup.selection):
        for offset in setup.video.temporal_frames:
            if position - offset >= 0:
                earlier = setup.selection[position - offset]
                pairs[(earlier, index)] = (his_file(job.flow_pattern, clip.start_number + earlier,
                                                    clip.start_number + index),
                                           his_file(job.weights_pattern, clip.start_number + earlier,
                                                    clip.start_number + index))
    if not any(os.path.isfile(flow) for flow, _ in pairs.values()):
        return {}
    read = {}
    for pair, (flow, weights) in pairs.items():
        for path, option in ((flow, "-flow_pattern"), (weights, "-flowWeight_pattern")):
            if not os.path.isfile(path):
                raise NSTError(f"{path}: no such file ({option}, frame {clip.start_number + pair[1]}); give it, or "
                               f"none of the flow files to have them computed")
        read[pair] = (read_flo(flow, setup.size), read_pgm(weights, setup.size))
    return read


def install_flows(flows, folder):
    """His flows and weights put in the frames folder under our names (backward_j_i.flo, reliable_j_i.pgm)."""
    os.makedirs(folder, exist_ok=True)
    for (earlier, index), (flow, weights) in flows.items():
        paths = flow_paths(folder, earlier, index)
        for path in (paths.forward, paths.forward_weights):  # a pair is his backward flow and weights alone
            if os.path.isfile(path):
                os.remove(path)
        write_flo(paths.backward, flow)
        write_pgm(paths.backward_weights, weights)


def run_artistic(argv):
    """`legacy-nst artistic-video …`: translate, check everything, put his flows in place, run; the exit status."""
    job = translate(argv)
    if job is None:
        return 0
    for note in job.notes:
        print(f"{PROG} {NAME}: {note}", file=sys.stderr)
    in_their_words(RUDER, lambda: require_weights(job.config))
    config, video = clip_options(job, open_clip(job.content))
    setup = plan_video(job.content, job.styles, job.output, config, replace(video, overwrite=not video.resume))
    flows = given_flows(job, setup)
    if not flows:
        print(f"{PROG} {NAME}: no flow file matches -flow_pattern {job.flow_pattern}; the flows are computed "
              f"(OpenCV's DIS) into {setup.frames.folder}", file=sys.stderr)
    if not video.resume:
        setup.frames.clear()  # his runs start afresh: an earlier run's frames in the folder are replaced
    install_flows(flows, setup.frames.folder)
    progress = Progress(None, print_every=1, unit="frame", forecast=False)
    result = in_their_words(RUDER, lambda: run_video(job.content, job.styles, job.output, config, video,
                                                     progress=progress))
    progress.close()
    print(f"wrote {len(result.frames)} frames as {job.output}", file=sys.stderr)
    return 0
