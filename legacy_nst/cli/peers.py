"""`legacy-nst jcjohnson …` and `legacy-nst anishathalye …`: the peers' command lines, as they are.

A command line written for jcjohnson's neural_style.lua (`th neural_style.lua
-style_image a.jpg …`) or anishathalye's neural_style.py (`python neural_style.py
--content c.jpg …`) runs here unchanged apart from the program name, with the
peer's defaults. Each peer is a table below: their option, their default, how
their text is read, and what it becomes here (a Config field, a file, or a note
that it means nothing here). The rules that join two options follow each table.
docs/peers.md gives the same tables with the source lines they come from.
"""
import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

from ..config import FIELD_NAMES, Config, require_weights
from ..errors import ConfigError
from ..io.images import as_rgb_image, check_output_path
from ..record.files import run_to_files  # the one run a peer's command line becomes
from .parser import PROG, Parser, UsageError, closest_option, normalised_option
from .progress import Progress

FLAG = "flag"          # an option without a value: present is true
REQUIRED = "required"  # no default: the peer refuses to run without it


def whole(text):
    """A whole number, also written 1e3 or 100.0 (Lua's tonumber reads those)."""
    number = float(text)
    if number != int(number):
        raise ValueError(f"{text} is not a whole number")
    return int(number)


@dataclass(frozen=True)
class Several:
    """Several values after one option (argparse nargs='+'), each read by `read`."""

    read: Callable


@dataclass(frozen=True)
class To:
    """Their value becomes `key` here (a Config field, or a file or setting the run takes), after `convert`."""

    key: str
    convert: Callable = staticmethod(lambda value: value)

    def __call__(self, value):
        return {self.key: self.convert(value)}


@dataclass(frozen=True)
class Ignored:
    """An option with no meaning here: a note on stderr when it is given, nothing else."""

    reason: str

    def __call__(self, value):
        return {}


@dataclass(frozen=True)
class Row:
    """One option of a peer: its name as they spell it, their default, how it is read, what it becomes."""

    name: str
    default: object
    read: object  # a function of the text, FLAG, or Several(function)
    to: Callable  # value -> {key here: value}


def relu_layers(text):
    """'relu1_1,relu2_1' -> 'conv1_1:1,conv2_1:1': our convX_Y is conv + bias + ReLU, their reluX_Y."""
    names = [name for name in text.split(",") if name]
    wrong = [name for name in names if not re.fullmatch(r"relu\d_\d", name)]
    if wrong or not names:
        raise ValueError(f"layer {wrong[0] if wrong else text!r} is not available here; give ReLU outputs such as "
                         "relu4_2 (legacy_nst's layers are the ReLU outputs)")
    return ",".join(f"conv{name[4:]}:1" for name in names)


def one_of(*choices):
    def choose(value):
        if value not in choices:
            raise ValueError(f"unknown value; choose {' or '.join(choices)}")
        return value
    return choose


def zero_or_one(value):
    if value not in (0, 1, True, False):
        raise ValueError("give 1 (on) or 0 (off)")
    return bool(value)


def mat_weights(path):
    """Their network file: a MatConvNet .mat is our --weights; None (not given) is our usual lookup."""
    if path is not None and not path.lower().endswith(".mat"):
        raise ValueError("legacy_nst reads MatConvNet's imagenet-vgg-verydeep-19.mat, not a Caffe model; give that "
                         f".mat here ('{PROG} weights download' fetches it)")
    return path


def comma_list(text):
    return [part for part in text.split(",") if part]


def nil_or_numbers(text):
    return None if text == "nil" else tuple(float(part) for part in text.split(",") if part)


def jcjohnson_init(value):
    """-init random: torch.randn(...):mul(0.001) around the mean pixel; -init image: the content (or -init_image)."""
    if value == "random":
        return {"init": "randn", "init_std": 0.001}
    if value == "image":
        return {"init": "content"}
    raise ValueError("unknown value; choose random or image")


DEVICE = "legacy_nst runs on TensorFlow's CPU device; it has no GPU, backend or cuDNN setting"
LAYOUT = "the .mat weights file holds the network's layout"
PROTO = "models/VGG_ILSVRC_19_layers_deploy.prototxt"
STYLE_RELUS = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"
JCJOHNSON = (
    # their option               their default                      read    becomes here
    Row("-style_image",          "examples/inputs/seated-nude.jpg", str,    To("styles", comma_list)),
    Row("-style_blend_weights",  "nil",                             str,    To("style_blend_weights", nil_or_numbers)),
    Row("-content_image",        "examples/inputs/tubingen.jpg",    str,    To("content")),
    Row("-image_size",           512,                               whole,  To("image_size")),
    Row("-gpu",                  "0",                               str,    Ignored(DEVICE)),
    Row("-multigpu_strategy",    "",                                str,    Ignored(DEVICE)),
    Row("-content_weight",       5.0,                               float,  To("beta")),
    Row("-style_weight",         100.0,                             float,  To("alpha")),
    Row("-tv_weight",            1e-3,                              float,  To("tv_weight")),
    Row("-num_iterations",       1000,                              whole,  To("iterations")),
    Row("-normalize_gradients",  False,                             FLAG,   To("normalize_gradients", zero_or_one)),
    Row("-init",                 "random",                          str,    jcjohnson_init),
    Row("-init_image",           "",                                str,    To("init_image")),
    Row("-optimizer",            "lbfgs",                           str,    To("optimizer", one_of("lbfgs", "adam"))),
    Row("-learning_rate",        10.0,                              float,  To("learning_rate")),
    Row("-lbfgs_num_correction", 0,                                 whole,  To("lbfgs_num_correction", lambda m: m or 100)),
    Row("-print_iter",           50,                                whole,  To("print_every")),
    Row("-save_iter",            100,                               whole,  To("save_iter")),
    Row("-output_image",         "out.png",                         str,    To("output")),
    Row("-style_scale",          1.0,                               float,  To("style_scale", lambda s: (s,))),
    Row("-original_colors",      0,                                 whole,  To("preserve_colors", zero_or_one)),
    Row("-pooling",              "max",                             str,    To("pooling", one_of("max", "avg"))),
    Row("-proto_file",           PROTO,                             str,    Ignored(LAYOUT)),
    # -model_file: theirs models/VGG_ILSVRC_19_layers.caffemodel, a Caffe file; absent here: our usual weights
    Row("-model_file",           None,                              str,    To("weights", mat_weights)),
    Row("-backend",              "nn",                              str,    Ignored(DEVICE)),
    Row("-cudnn_autotune",       False,                             FLAG,   Ignored(DEVICE)),
    Row("-seed",                 -1,                                whole,  To("seed", lambda s: s if s >= 0 else None)),
    Row("-content_layers",       "relu4_2",                         str,    To("content_layers", relu_layers)),
    Row("-style_layers",         STYLE_RELUS,                       str,    To("style_layers", relu_layers)),
)
ANISHATHALYE = (
    # their option                their default  read             becomes here
    Row("--content",                REQUIRED,      str,             To("content")),
    Row("--styles",                 REQUIRED,      Several(str),    To("styles")),
    Row("--output",                 REQUIRED,      str,             To("output")),
    Row("--iterations",             1000,          int,             To("iterations")),
    Row("--print-iterations",       None,          int,             To("print_every", lambda k: k or 0)),
    Row("--checkpoint-output",      None,          str,             To("checkpoint_output")),
    Row("--checkpoint-iterations",  None,          int,             To("checkpoint_iterations")),
    Row("--progress-write",         False,         FLAG,            To("progress_write")),
    Row("--progress-plot",          False,         FLAG,            To("progress_plot")),
    Row("--width",                  None,          int,             To("width")),
    Row("--style-scales",           None,          Several(float),  To("style_scale", lambda s: tuple(s or (1.0,)))),
    # --network: theirs imagenet-vgg-verydeep-19.mat in the working directory; absent here: our usual weights
    Row("--network",                None,          str,             To("weights", mat_weights)),
    Row("--content-weight-blend",   1.0,           float,           To("content_weight_blend")),
    Row("--content-weight",         5.0,           float,           To("beta")),
    Row("--style-weight",           500.0,         float,           To("alpha")),
    Row("--style-layer-weight-exp", 1.0,           float,           To("style_layer_weight_exp")),
    Row("--style-blend-weights",    None,          Several(float),  To("style_blend_weights", lambda w: w and tuple(w))),
    Row("--tv-weight",              100.0,         float,           To("tv_weight")),
    Row("--learning-rate",          10.0,          float,           To("learning_rate")),
    Row("--beta1",                  0.9,           float,           To("adam_beta1")),
    Row("--beta2",                  0.999,         float,           To("beta2")),
    Row("--eps",                    1e-8,          float,           To("adam_epsilon")),
    Row("--initial",                None,          str,             To("initial")),
    Row("--initial-noiseblend",     None,          float,           To("initial_noiseblend")),
    Row("--preserve-colors",        False,         FLAG,            To("preserve_colors")),
    Row("--pooling",                "max",         str,             To("pooling")),
    Row("--overwrite",              False,         FLAG,            To("overwrite")),
)


@dataclass
class PeerRun:
    """A peer's command line, translated: the Config, the files, and the notes to print."""

    config: Config
    content: str
    styles: list
    output: str
    log_json: Optional[str] = None
    intermediate: Optional[Callable] = None  # iteration -> the path of its image, or None
    native_size: bool = False                # anishathalye without --width: the content's own size
    notes: list = field(default_factory=list)


def join_jcjohnson(fields, files):
    """neural_style.lua's rules across options: -init image takes -init_image; -save_iter names out_N.png."""
    init_image = files.pop("init_image")
    if fields["init"] == "content" and init_image:
        fields["init"] = init_image
    output, every, last = files["output"], files.pop("save_iter"), fields["iterations"]
    stem, extension = os.path.splitext(output)
    if every > 0:  # build_filename: out.png -> out_100.png; the last iteration is -output_image itself
        files["intermediate"] = lambda t: f"{stem}_{t}{extension}" if 0 < t < last and t % every == 0 else None
    return []


def join_anishathalye(fields, files):
    """neural_style.py's rules across options: the checkpoint pair, --initial with its noise, the sizes, files."""
    fields["init"], fields["init_noiseblend"] = initial_image(files.pop("initial"), files.pop("initial_noiseblend"))
    if files.pop("beta2") != 0.999:
        raise ConfigError("--beta2: legacy_nst's Adam has beta2 0.999 (tf.compat.v1's) and no option for another; "
                          "drop --beta2")
    files["native_size"] = fields["width"] is None
    output, overwrite = files["output"], fields["overwrite"]  # Config's own --overwrite: replace a saved state too
    if os.path.isfile(output) and not overwrite:
        raise ConfigError(f"{output} already exists, will not replace it; add --overwrite")
    files["intermediate"] = checkpoint_paths(files.pop("checkpoint_output"), files.pop("checkpoint_iterations"),
                                             fields["iterations"])
    folder = os.path.dirname(output) or "."
    notes = []
    if files.pop("progress_plot"):
        fields["plot"] = os.path.join(folder, "progress.png")
    if files.pop("progress_write"):
        files["log_json"] = os.path.join(folder, "progress.json")
        notes.append(f"--progress-write writes {files['log_json']} (every iteration's losses, as JSON), "
                     "not progress.txt")
    return notes


def initial_image(initial, noiseblend):
    """--initial and --initial-noiseblend b as (--init, --init-noiseblend): neural_style.py starts from
    initial·(1−b) + randn·0.256·b, the initial image being the content without --initial (b < 1), and the noise
    alone without it (b >= 1)."""
    if noiseblend is None:  # neural_style.py: 0 with --initial, else 1
        noiseblend = 0.0 if initial else 1.0
    if noiseblend == 1.0 or (initial is None and noiseblend > 1.0):  # without --initial, b >= 1 is the noise
        return "randn", 0.0
    if not 0.0 <= noiseblend <= 1.0:
        raise ConfigError(f"--initial-noiseblend {noiseblend:g} is not between 0 and 1; give a blend in [0, 1]")
    return initial or "content", noiseblend


def checkpoint_paths(template, every, last):
    """iteration -> template formatted with it ({} or %), at multiples of `every` and the last, as fmt_imsave."""
    if (template is None) != (every is None):
        raise ConfigError("use either both of --checkpoint-output and --checkpoint-iterations or neither")
    if template is None:
        return None
    if not re.match(r"^.*(\{.*\}|%.*).*$", template):
        raise ConfigError(f"--checkpoint-output {template}: no placeholder for the iteration; write e.g. foo_{{}}.jpg "
                          "or foo_%d.jpg")

    def name(iteration):
        return template.format(iteration) if re.match(r"^.*\{.*\}.*$", template) else template % iteration

    try:
        check_output_path(name(0))
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise ConfigError(f"--checkpoint-output {template}: {error}; write e.g. foo_{{}}.jpg or foo_%d.jpg") from None
    return lambda t: name(t) if t > 0 and ((every > 0 and t % every == 0) or t == last) else None


PEERS = {"jcjohnson": (JCJOHNSON, join_jcjohnson), "anishathalye": (ANISHATHALYE, join_anishathalye)}


def our_flags(*tables) -> dict:
    """{a peer's option, normalised (cli.parser.normalised_option): our flag}, for the options that are one of
    ours here: what the main command suggests for -num_iterations or --style-weight."""
    found = {}
    for rows in tables:
        for row in rows:
            key = {"styles": "style"}.get(getattr(row.to, "key", None), getattr(row.to, "key", None))
            if isinstance(row.to, To) and key in (*FIELD_NAMES, "content", "style", "output"):
                found.setdefault(normalised_option(row.name), "--" + key.replace("_", "-"))
    return found


PEER_FLAGS = our_flags(JCJOHNSON, ANISHATHALYE)


def read_cmdline(argv, rows, peer="jcjohnson"):
    """torch.CmdLine's parse (jcjohnson): {option: value}, or None for -h/-help/--help.

    Names are matched exactly (no abbreviations); a boolean option is switched on by its name
    alone (or, as -normalize_gradients in the copy that made it a number, by a following 0 or 1);
    any other option takes the next word as it is, so `-seed -1` works.
    """
    by_name = {row.name: row for row in rows}
    given, i = {}, 0
    while i < len(argv):
        word, i = argv[i], i + 1
        if word in ("-h", "-help", "--help"):
            return None
        row = by_name.get(word)
        if row is None:
            raise UsageError(f"unknown option {word}{closest_option([word], list(by_name))} "
                             f"(see {PROG} {peer} -help)")
        if row.read == FLAG:
            given[word] = True
            if i < len(argv) and re.fullmatch(r"\d+(\.\d*)?", argv[i]):
                given[word], i = float(argv[i]), i + 1
            continue
        if i == len(argv):
            raise UsageError(f"missing argument for option {word} (see {PROG} {peer} -help)")
        try:
            given[word] = row.read(argv[i])
        except ValueError:
            raise UsageError(f"invalid value {argv[i]!r} for option {word}; give a "
                             f"{'whole number' if row.read is whole else 'number'}") from None
        i += 1
    return given


HERE = {  # what the options that are not one Config field become here, for the help
    "content": "the content image", "styles": "the style image(s)", "output": "where the result goes",
    "init": "random: --init randn --init-std 0.001; image: --init content, or -init_image",
    "init_image": "--init PATH with -init image", "save_iter": "OUTPUT_N.png every N iterations (0: none)",
    "checkpoint_output": "the intermediate images' name, {} or %d standing for the iteration",
    "checkpoint_iterations": "an intermediate image every N iterations and at the last",
    "progress_write": "--log-json DIR/progress.json", "progress_plot": "--plot DIR/progress.png",
    "beta2": "0.999 only (tf.compat.v1's Adam)", "initial": "--init PATH",
    "initial_noiseblend": "--init-noiseblend (the --initial image, or the content, blended with --init randn's noise; "
                          "default: 0 with --initial, else 1)",
    "overwrite": "replace an existing --output", "width": "--width (default: the content's own size)",
    "style_scale": "--style-scale (default 1.0 for each style)",
}


def describe(row):
    """What the option becomes here, for the help."""
    if isinstance(row.to, Ignored):
        return f"ignored: {row.to.reason}"
    key = getattr(row.to, "key", row.name.lstrip("-"))
    return HERE.get(key) or "--" + key.replace("_", "-")


def peer_parser(peer, rows):
    """anishathalye's argparse parser, from its table (abbreviations allowed, as its own parser allows them)."""
    parser = Parser(prog=f"{PROG} {peer}", allow_abbrev=True,
                    description=f"A command line of {peer}'s neural_style.py, run by legacy_nst (docs/peers.md).")
    for row in rows:
        metavar = row.name.lstrip("-").upper().replace("-", "_")
        if row.read == FLAG:
            kind = dict(action="store_true")
        elif isinstance(row.read, Several):
            kind = dict(type=row.read.read, nargs="+", metavar=metavar)
        else:
            kind = dict(type=row.read, metavar=metavar)
        shown = "" if row.default in (REQUIRED, None) else f"their default {row.default}; "
        parser.add_argument(row.name, dest=row.name, default=argparse.SUPPRESS, required=row.default == REQUIRED,
                            help=f"{shown}here: {describe(row)}".replace("%", "%%"), **kind)
    return parser


def jcjohnson_help(rows):
    lines = [f"usage: {PROG} jcjohnson [options]: a command line of neural_style.lua, run by legacy_nst "
             "(docs/peers.md)"]
    lines += [f"  {row.name:<22} [{'' if row.default is None else row.default}]  here: {describe(row)}" for row in rows]
    return "\n".join(lines)


def converted(rows, given) -> Tuple[dict, dict, list]:
    """(our Config fields, the files and other values, the notes) of a peer's options `given` ({name: value}),
    each row's default where not given; a row's ValueError becomes one ConfigError naming the peer's option."""
    fields, files, notes = {}, {}, []
    for row in rows:
        value = given.get(row.name, row.default)
        if isinstance(row.to, Ignored) and row.name in given:
            notes.append(f"{row.name}{'' if value is True else f' {value}'} ignored: {row.to.reason}")
        try:
            ours = row.to(value)
        except ValueError as error:
            raise ConfigError(f"{row.name} {value}: {error}") from None
        for key, item in ours.items():
            (fields if key in FIELD_NAMES else files)[key] = item
    return fields, files, notes


def translate(peer, argv) -> Optional[PeerRun]:
    """The PeerRun of a peer's command line; None for its help, which is printed."""
    rows, join = PEERS[peer]
    given = read_cmdline(argv, rows) if peer == "jcjohnson" else vars(peer_parser(peer, rows).parse_args(argv))
    if given is None:
        print(jcjohnson_help(rows))
        return None
    fields, files, notes = converted(rows, given)
    notes += join(fields, files)
    config = in_their_words(rows, lambda: Config.from_options(preset=peer, **fields))
    return PeerRun(config=config, notes=notes, **files)


def in_their_words(rows, make):
    """make(), with each of our option names in a ConfigError followed by the peer's."""
    try:
        return make()
    except ConfigError as error:
        message = str(error)
        for row in rows:
            ours = "--" + getattr(row.to, "key", "").replace("_", "-")
            if isinstance(row.to, To) and row.to.key in FIELD_NAMES and ours != row.name:
                message = re.sub(re.escape(ours) + r"(?![\w-])", f"{row.name} ({ours} here)", message)
        raise ConfigError(message) from None


def run_peer(peer, argv):
    """`legacy-nst PEER …`: translate the command line, say what is ignored, run it; the exit status."""
    job = translate(peer, argv)
    if job is None:
        return 0
    for note in job.notes:
        print(f"{PROG} {peer}: {note}", file=sys.stderr)
    rows, config = PEERS[peer][0], job.config
    in_their_words(rows, lambda: require_weights(config))  # refused in their words, or the approximate note
    content = as_rgb_image(job.content, "content")
    if job.native_size:
        config = config.replace(width=content.shape[1], height=content.shape[0])
    progress = Progress(config.iterations, print_every=config.print_every)
    in_their_words(rows, lambda: run_to_files(job.content, job.styles, job.output, config, log_json=job.log_json,
                                              progress=progress, intermediate=job.intermediate))
    print(f"wrote {job.output}", file=sys.stderr)
    return 0
