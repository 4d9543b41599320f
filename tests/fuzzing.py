"""The fuzz harness shared by tests/test_fuzz.py (a few hundred cases in CI) and bench/fuzz.py (a longer run).

A case is one command line run in this process (`legacy_nst.cli.main.main`) in
a fresh copy of a small workspace (the inputs, a saved run, a sweep spec and
its folder), with the optimisation itself replaced by a stop (`ReachedWork`)
unless the case asks for a real run. Each case must end with exit status 0, 2
(at most three lines of stderr) or at the stop, and never with a traceback, an
input changed, a temporary file left behind or, short of a completed run, any
file written. `check_case` returns what it found wrong (empty: nothing).
"""
import collections
import contextlib
import functools
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import strategies as st
from PIL import Image

from legacy_nst.config import FIELDS, GROUPS, Config
from legacy_nst.vgg19 import CONV_LAYERS

INPUTS = ("content.png", "style.jpg", "init.tif", "style2.webp", "content.bmp", "weights.mat", "spec.toml")
PATHS = ("content.png", "style.jpg", "init.tif", "style2.webp", "content.bmp", "weights.mat", "out.png", "out.jpg",
         "out.tif", "out.webp", "out.bmp", "out.gif", "out", "sub/out.png", "dir", "ck", "missing.png", "", " ",
         "out.PNG", "log.json", "plot.svg", "plot.pdf", "strip.png", "-", "content.png,style.jpg", "../x.png",
         "dir/", "ck/00001.png", "ck/state.json", "out-sweep", "spec.toml")
JUNK = ("", "-1", "0", "nan", "inf", "-inf", "1e999", "abc", "1,2", "conv1_1", "auto", "off", "--quiet", "é",
        "0x10", " 3", "3 ", "1e-30", "-0", "true", "None")
COUNTS = collections.Counter()  # cases by (property, how they ended: 0, 2, 'work')
ENDINGS = collections.defaultdict(collections.Counter)  # property -> error lines (their start), for tuning
TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{8}\.(tmp|stale)$")


class ReachedWork(Exception):
    """The case got past every check to the optimisation (or the sweep's jobs): it would run."""


# -- the workspace --------------------------------------------------------------------------------------------

def make_template(folder, shared, weights):
    """The inputs every case starts from, small: images in five formats, the weights (a link), a spec."""
    folder = Path(folder)
    content = Image.open(Path(shared) / "images" / "tubingen.jpg").convert("RGB").resize((40, 30))
    style = Image.open(Path(shared) / "images" / "starry_night.jpg").convert("RGB").resize((32, 32))
    content.save(folder / "content.png")
    content.save(folder / "content.bmp")
    content.save(folder / "init.tif")
    style.save(folder / "style.jpg", quality=90)
    style.save(folder / "style2.webp")
    (folder / "weights.mat").symlink_to(weights)
    (folder / "dir").mkdir()
    (folder / "imgs").mkdir()
    style.save(folder / "imgs" / "a.png")
    content.save(folder / "imgs" / "b.jpg")
    (folder / "spec.toml").write_text(SPEC)
    return folder


SPEC = ('[base]\ncontent = "content.png"\nweights = "weights.mat"\nwidth = 16\niterations = 1\n'
        '[axes]\nstyle = ["style.jpg", "style2.webp"]\nalpha = [10, 100]\n')


@contextlib.contextmanager
def workspace(template):
    """A fresh copy of `template` as the working directory."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-"))
    here = os.getcwd()
    try:
        shutil.copytree(template, root / "w", symlinks=True)
        os.chdir(root / "w")
        yield root / "w"
    finally:
        os.chdir(here)
        shutil.rmtree(root, ignore_errors=True)


def snapshot(folder):
    """{relative path: sha256, or 'link -> target'} of every file under `folder`."""
    found = {}
    for path in Path(folder).rglob("*"):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = f"link -> {os.readlink(path)}"
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


# -- running a case -------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _weights(path):
    from legacy_nst.vgg.matfile import load_vgg19

    return load_vgg19(path)


def _cached_load(real_path):
    """load_vgg19, kept in memory for the shared weights (every case reads them), read afresh otherwise."""
    from legacy_nst.vgg.matfile import load_vgg19

    def load(path):
        return _weights(real_path) if os.path.realpath(path) == real_path else load_vgg19(path)
    return load


def _stop(*args, **kwargs):
    raise ReachedWork()


@contextlib.contextmanager
def stubs(weights, real_runs=False):
    """The optimisation (unless `real_runs`), the sweep's Ray, and every download replaced; weights cached."""
    from legacy_nst.record import checkpoints

    load = _cached_load(os.path.realpath(weights))
    fingerprints = {}

    def fingerprint(vgg):
        if id(vgg) not in fingerprints:
            fingerprints[id(vgg)] = checkpoints.weights_fingerprint(vgg)
        return fingerprints[id(vgg)]

    patches = [mock.patch("legacy_nst.run.prepare.load_vgg19", load),
               mock.patch("legacy_nst.cli.compare.load_vgg19", load),
               mock.patch("legacy_nst.record.files.weights_fingerprint", fingerprint),
               mock.patch("legacy_nst.sweep.driver._run_on_ray", _stop),
               mock.patch("legacy_nst.sweep.driver.connect", _stop),
               mock.patch("legacy_nst.cli.weights.download_weights", _stop),
               mock.patch("legacy_nst.cli.compare.run_backends", _stop)]
    if not real_runs:
        patches.append(mock.patch("legacy_nst.run.levels.solve", _stop))
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        yield


def run_main(argv):
    """(status, stderr) of main(argv) here; status 'work' at the stop, the code of a SystemExit (--help)."""
    from legacy_nst.cli.main import main

    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            status = main(list(argv))
        except ReachedWork:
            status = "work"
        except SystemExit as exit_:
            status = exit_.code
    return status, err.getvalue()


def check_case(argv, folder, protected=INPUTS, may_write=()):
    """Run `argv` in `folder`; the problems found (a list of strings, empty when the case is fine).

    `may_write`: patterns (fnmatch) of files a completed or refused case may write or change.
    """
    import fnmatch

    before = snapshot(folder)
    status, err = run_main(argv)
    after = snapshot(folder)
    lines = err.splitlines()
    problems = []
    if status not in (0, 2, "work"):
        problems.append(f"exit status {status!r}")
    if "Traceback" in err:
        problems.append("a traceback on stderr")
    if status == 2 and not 1 <= len(lines) <= 3:
        problems.append(f"{len(lines)} lines of stderr with exit status 2: {lines[:5]}")
    for name in protected:
        if name in before and before.get(name) != after.get(name):
            problems.append(f"input {name} changed")
    problems += [f"temporary file {n} left" for n in after if TEMPORARY.match(Path(n).name)]
    written = sorted(n for n in after if before.get(n) != after[n])
    unexpected = [n for n in written if not any(fnmatch.fnmatch(n, p) for p in may_write)]
    if unexpected:
        problems.append(f"wrote {unexpected} (exit status {status!r})")
    if status == 0:
        problems += _incomplete(folder, written)
    return problems, status, lines


def _incomplete(folder, written):
    """Images and JSON files among `written` that do not read back whole."""
    problems = []
    for name in written:
        path = Path(folder) / name
        try:
            if path.suffix.lower() in (".png", ".jpg", ".tif", ".webp", ".bmp"):
                with Image.open(path) as image:
                    image.load()
            elif path.suffix == ".json":
                json.loads(path.read_text())
        except Exception as exc:  # noqa: BLE001 -- any failure to read back is the finding
            problems.append(f"output {name} does not read back ({type(exc).__name__}: {exc})")
    return problems


# -- strategies: command lines --------------------------------------------------------------------------------

def chance(draw, percent):
    """True about `percent` times in a hundred (hypothesis favours the ends of a range: 0 and 99 count little)."""
    return draw(st.integers(0, 99)) < percent


junk = st.sampled_from(JUNK) | st.text(max_size=6)
paths = st.sampled_from(PATHS)
small_ints = st.integers(-3, 48).map(str)
numbers = st.sampled_from(("0", "1", "0.5", "2", "-1", "1e3", "1e-3", "100", "nan", "inf", "1e308"))


def layer_list():
    one = st.tuples(st.sampled_from(CONV_LAYERS + ("conv9_9", "relu1_1", "pool1", "")),
                    st.sampled_from(("", ":1", ":0", ":-1", ":nan", ":x", ":0.5")))
    return st.lists(one, max_size=4).map(lambda items: ",".join(a + b for a, b in items))


def number_list(largest=2.0):
    values = st.floats(-1, largest, allow_nan=False).map(lambda x: f"{x:.3g}") | st.sampled_from(("nan", "0", "x"))
    return st.lists(values, min_size=1, max_size=3).map(",".join)


SPECIAL = {
    "width": st.integers(-2, 48).map(str) | st.sampled_from(("20001", "100000", "0")),
    "height": st.integers(-2, 48).map(str) | st.sampled_from(("20001", "0")),
    "image_size": st.integers(-2, 48).map(str) | st.sampled_from(("20001",)),
    "iterations": st.integers(-2, 3).map(str) | st.sampled_from(("1000000", "1.5")),
    "style_scale": number_list(), "style_blend_weights": number_list(5), "multiscale": number_list(1.0),
    "content_layers": layer_list(), "style_layers": layer_list(),
    "tile": st.sampled_from(("auto", "off", "16", "16x8", "0", "-4", "8", "x", "100000")),
    "init": st.sampled_from(("noise", "content", "style", "random", "randn")) | paths,
    "weights": paths, "checkpoint_dir": paths, "resume": paths, "plot": paths, "strip": paths,
    "memory_limit": st.sampled_from(("0", "0.001", "64", "-1", "nan")),
    "lbfgs_num_correction": st.integers(-1, 200).map(str),
}


def option_value(name, with_junk=True):
    """A value for --NAME: plausible ones of its type or its choices, or (`with_junk`) junk."""
    field = FIELDS[name]
    choices = field.metadata.get("choices")
    text = str(field.type)
    if name in SPECIAL:
        plausible = SPECIAL[name]
    elif choices:
        plausible = st.sampled_from(tuple(map(str, choices)))
    elif "int" in text:
        plausible = small_ints
    elif "float" in text:
        plausible = numbers
    else:
        return junk if with_junk else st.sampled_from(("1", "0.5"))
    return (plausible | junk) if with_junk else plausible


CONFIG_NAMES = tuple(name for names in GROUPS.values() for name in names)
UNKNOWN = ("--widht", "--content-weight", "--styles", "--out", "-w", "--", "x.png", "--check", "--content=")


@st.composite
def options(draw, names=CONFIG_NAMES, most=4, with_junk=True):
    """Random Config options as flags, each with a value unless it is a switch; junk values and unknown flags
    too, unless not `with_junk`."""
    argv = []
    for name in draw(st.lists(st.sampled_from(names), max_size=most)):
        flag = "--" + name.replace("_", "-")
        if str(FIELDS[name].type) == "<class 'bool'>":
            argv.append(flag)
        else:
            argv += [flag, draw(option_value(name, with_junk))]
    if with_junk and chance(draw, 10):
        argv.append(draw(st.sampled_from(UNKNOWN)))
    return argv


@st.composite
def plausible_argv(draw):
    """legacy-nst with its files and 1-4 options of plausible values: what gets past parsing to the checks."""
    return (["--content", "content.png", "--style", "style.jpg", "--output", "out.png", "--weights", "weights.mat",
             "--quiet"] + draw(options(most=4, with_junk=False).filter(bool)))


def files(draw, required, maybe):
    """The file flags: each of `required` with its usual value most of the time, `maybe` now and then."""
    argv = []
    for flag, usual in required:
        if chance(draw, 90):
            argv += [flag, usual if chance(draw, 75) else draw(paths)]
    for flag in maybe:
        if chance(draw, 20):
            argv += [flag, draw(paths)]
    return argv


@st.composite
def main_argv(draw):
    """legacy-nst [options]: the images, the output, random options, usually --quiet."""
    argv = files(draw, (("--content", "content.png"), ("--style", "style.jpg"), ("--output", "out.png"),
                        ("--weights", "weights.mat")), ("--log-json", "--style"))
    argv += draw(options())
    if chance(draw, 80):
        argv.append("--quiet")
    order = draw(st.permutations(range(0, len(argv), 1))) if chance(draw, 10) else None
    return [argv[i] for i in order] if order else argv


@st.composite
def compare_argv(draw):
    """legacy-nst compare [options]: junk values half the time, plausible ones otherwise (so that some get to work)."""
    from legacy_nst.cli.compare import NOT_COMPARE_OPTIONS

    argv = ["compare"] + files(draw, (("--content", "content.png"), ("--style", "style.jpg"),
                                      ("--weights", "weights.mat")), ("--report-json", "--report-dir"))
    if draw(st.booleans()):
        argv += ["--backends", draw(st.sampled_from(("graph", "graph,eager", "eager", "graph,function-xla", "",
                                                     "graph,nope", "eager,eager")) | junk)]
    if chance(draw, 25):
        argv += ["--repeat", draw(small_ints | junk)]
    names = tuple(n for n in CONFIG_NAMES if n not in NOT_COMPARE_OPTIONS)
    return argv + draw(options(names, with_junk=draw(st.booleans()))) + (["--quiet"] if draw(st.booleans()) else [])


@st.composite
def sweep_argv(draw):
    """legacy-nst sweep SPEC --out DIR [--jobs N] [--ray-address A] [--quiet]."""
    argv = ["sweep"]
    if chance(draw, 90):
        argv.append("spec.toml" if chance(draw, 70) else draw(paths))
    if chance(draw, 90):
        argv += ["--out", draw(st.sampled_from(("out-sweep", "new-out")) | paths)]
    if chance(draw, 25):
        argv += ["--jobs", draw(small_ints | junk)]
    if chance(draw, 25):
        argv += ["--ray-address", draw(st.sampled_from(("auto", "127.0.0.1:1", "", "localhost:x", "[::1]:1")) | junk)]
    if chance(draw, 10):
        argv.append(draw(st.sampled_from(UNKNOWN)))
    return argv + (["--quiet"] if draw(st.booleans()) else [])


# -- strategies: sweep specs ------------------------------------------------------------------------------------

SPEC_PATHS = ("content.png", "style.jpg", "style2.webp", "imgs", "imgs/*.png", "imgs/*.gif", "nope.png",
              "${HOME}/nope.png", "${LEGACY_NST_UNSET_FUZZ}", "${LEGACY_NST_UNSET_FUZZ:-style.jpg}", "~/nope.png",
              "", "dir", "weights.mat", "/", "spec.toml")
SPEC_KEYS = tuple(CONFIG_NAMES) + ("content", "style", "widht", "stlye", "zip", "style-layers", "init", "weights",
                                   "num_gpus", "max_retries")
toml_scalars = (st.integers(-2, 64) | st.sampled_from((2 ** 63 - 1, -2 ** 63, 0))
                | st.floats(allow_nan=True, allow_infinity=True) | st.booleans() | st.sampled_from(SPEC_PATHS)
                | st.text(max_size=8) | st.sampled_from(("conv1_1:1,conv2_1", "auto", "adam", "lbfgs", "noise")))
toml_values = st.recursive(toml_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from(("a", "b", "width")), inner, max_size=2), max_leaves=6)


PLAUSIBLE_AXES = {"style": ["style.jpg", "imgs"], "alpha": [1, 1e3], "optimizer": ["adam", "lbfgs"],
                  "style_layers": ["conv1_1:1", "conv1_1:1,conv2_1:1"], "init": ["content", "noise"],
                  "seed": [0, 1], "tv-weight": [0, 1.5], "content": ["content.png", "imgs/*.png"]}


@st.composite
def spec_tables(draw):
    """A spec as TOML tables: [base], [axes], zip, [ray], sometimes an unknown table."""
    spec = {}
    base = {"content": "content.png", "style": "style.jpg", "weights": "weights.mat", "width": 16, "iterations": 1}
    if chance(draw, 50):
        base.update(draw(st.dictionaries(st.sampled_from(SPEC_KEYS), toml_values, max_size=2)))
    if chance(draw, 20):
        base.pop(draw(st.sampled_from(sorted(base))))
    spec["base"] = base
    plausible = st.lists(st.sampled_from(tuple(PLAUSIBLE_AXES)), max_size=3, unique=True).map(
        lambda names: {name: PLAUSIBLE_AXES[name] for name in names})
    anything = st.dictionaries(st.sampled_from(SPEC_KEYS), st.lists(toml_scalars, max_size=3) | toml_values,
                               max_size=3)
    spec["axes"] = draw(plausible if chance(draw, 60) else anything)
    for name in set(spec["axes"]) & set(base) if chance(draw, 80) else ():
        base.pop(name)  # an axis in [base] too is refused: mostly keep one of the two
    if chance(draw, 20):
        spec["zip"] = draw(st.lists(st.lists(st.sampled_from(tuple(spec["axes"]) + ("alpha", "x")), max_size=3),
                                    max_size=2) | toml_values)
    if chance(draw, 20):
        spec["ray"] = draw(st.dictionaries(st.sampled_from(("num_gpus", "max_retries", "cpus")), toml_scalars,
                                           max_size=2))
    if chance(draw, 5):
        spec[draw(st.sampled_from(("sweep", "Base", "axes2")))] = {"a": 1}
    return spec


def to_toml(spec) -> str:
    """A small TOML writer for spec_tables' values (top-level keys first, then the tables)."""
    tables = {k: v for k, v in spec.items() if isinstance(v, dict)}
    lines = [f"{_key(k)} = {_value(v)}" for k, v in spec.items() if k not in tables]
    for name, table in tables.items():
        lines.append(f"[{_key(name)}]")
        lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _key(key):
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"


# -- strategies: damaged files ------------------------------------------------------------------------------------

@st.composite
def damage(draw, size, line_ends=()):
    """('truncate', offset) or ('flip', offset, byte): the first few KB (headers) as often as anywhere else. A text
    file is also cut at one of its `line_ends`, as a write stopped between two lines leaves it."""
    if line_ends and draw(st.booleans()):
        return ("truncate", draw(st.sampled_from(line_ends)))
    offset = draw(st.integers(0, min(size, 4096) - 1) | st.integers(0, size - 1))
    if draw(st.booleans()):
        return ("truncate", offset)
    return ("flip", offset, draw(st.integers(0, 255)))


def damaged(data: bytes, how) -> bytes:
    if how[0] == "truncate":
        return data[:how[1]]
    offset, byte = how[1], how[2]
    return data[:offset] + bytes([byte if byte != data[offset] else byte ^ 0xFF]) + data[offset + 1:]


def write_damaged(path, how, original=None):
    """Damage `path` in place (from `original` bytes when given, e.g. a large file read once)."""
    path = Path(path)
    data = original if original is not None else path.read_bytes()
    if path.is_symlink():
        path.unlink()
    path.write_bytes(damaged(data, how))


def saved_run(folder, weights):
    """ck/: a real 16-px run of 2 Adam steps saved at each step (two states), its paths made relative to the
    workspace so that `--resume ck` in a copy reads and writes the copy; result.png its output."""
    from legacy_nst.record.checkpoints import PREVIOUS_JSON, STATE_JSON
    from legacy_nst.record.files import run_to_files

    folder = Path(folder)
    config = Config(weights=str(folder / "weights.mat"), width=16, height=16, iterations=2, checkpoint_every=1,
                    seed=0, checkpoint_dir=str(folder / "ck"))
    run_to_files(str(folder / "content.png"), str(folder / "style.jpg"), str(folder / "result.png"), config,
                 vgg=_weights(os.path.realpath(weights)))
    for name in (STATE_JSON, PREVIOUS_JSON):
        meta = json.loads((folder / "ck" / name).read_text())
        meta.update(content="content.png", style="style.jpg", output="result.png")
        meta["config"].update(weights="weights.mat", checkpoint_dir="ck")
        (folder / "ck" / name).write_text(json.dumps(meta, indent=1))
    return folder


def sweep_record(folder):
    """out-sweep/manifest.jsonl for the template's spec, as a driver would have left it."""
    from legacy_nst.sweep import manifest, spec as sweep_spec

    here = os.getcwd()
    os.chdir(folder)
    try:
        spec = sweep_spec.load("spec.toml")
    finally:
        os.chdir(here)
    out = Path(folder) / "out-sweep"
    out.mkdir()
    entries = [manifest.entry(job, {"status": "failed", "error": "x", "seconds": 1.5, "host": "h", "seed": 3})
               for job in spec.jobs]
    manifest.write(out, entries)


REAL_OPTIONS = (("--optimizer", ("adam", "lbfgs", "sgd", "momentum")), ("--init", ("content", "style", "randn",
                                                                                  "init.tif")),
                ("--preserve-colors", ()), ("--tv-weight", ("0", "1")), ("--plot", ("plot.png", "plot.svg")),
                ("--checkpoint-every", ("1",)), ("--log-json", ("log.json",)), ("--bit-depth", ("16",)),
                ("--keep-alpha", ()), ("--seed", ("0", "7")), ("--learning-rate", ("1e30",)),
                ("--height", ("16", "24")), ("--strip", ("strip.png",)))


@st.composite
def real_argv(draw):
    """A command line that runs: 16-32 px, 0 or 1 iteration, a few options that write files."""
    argv = ["--content", draw(st.sampled_from(("content.png", "content.bmp"))),
            "--style", draw(st.sampled_from(("style.jpg", "style.jpg,style2.webp"))),
            "--output", draw(st.sampled_from(("out.png", "out.jpg", "out.tif", "out.webp"))),
            "--weights", "weights.mat", "--width", str(draw(st.integers(16, 32))),
            "--iterations", str(draw(st.integers(0, 1))), "--quiet"]
    for flag, values in draw(st.lists(st.sampled_from(REAL_OPTIONS), max_size=3, unique=True)):
        argv += [flag, draw(st.sampled_from(values))] if values else [flag]
        if flag == "--strip":
            argv += ["--checkpoint-every", "1"]
    return argv


# -- special files at every path a command reads or writes (issue 31) ----------------------------------------------

MAIN = ["--content", "content.png", "--style", "style.jpg", "--output", "out.png", "--weights", "weights.mat",
        "--width", "32", "--quiet"]
SWEEP = ["sweep", "spec.toml", "--out", "out-sweep", "--quiet"]
COMPARE = ["compare", "--content", "content.png", "--style", "style.jpg", "--weights", "weights.mat", "--width", "32",
           "--quiet"]
SCORE = ["score", "content.png", "style.jpg", "content.bmp", "--weights", "weights.mat", "--size", "32"]
RESUME = ["--resume", "ck", "--quiet"]
# role -> (the path made a special file, the command line); each must end in one line and exit 2
SPECIAL_PATHS = {
    "--content": ("content.png", MAIN), "--style": ("style.jpg", MAIN),
    "second --style": ("style2.webp", [*MAIN, "--style", "style2.webp"]),
    "--init": ("init.tif", [*MAIN, "--init", "init.tif"]), "--weights": ("weights.mat", MAIN),
    "--style-mask": ("content.bmp", [*MAIN, "--style-mask", "content.bmp"]),  # the content's luma: a mask
    "--output": ("out.png", MAIN), "OUTPUT.best": ("out.best.png", MAIN),
    "OUTPUT.last-good": ("out.last-good.png", MAIN),
    "--log-json": ("log.json", [*MAIN, "--log-json", "log.json"]),
    "--plot": ("plot.svg", [*MAIN, "--plot", "plot.svg"]),
    "--strip": ("strip.png", [*MAIN, "--strip", "strip.png", "--checkpoint-every", "1"]),
    "--checkpoint-dir": ("ck2", [*MAIN, "--checkpoint-dir", "ck2", "--checkpoint-every", "1"]),
    "--tensorboard": ("tb", [*MAIN, "--tensorboard", "tb"]),
    "checkpoint image": ("dir/00000.png", [*MAIN, "--checkpoint-dir", "dir", "--checkpoint-every", "1"]),
    "checkpoint state": ("dir/state-00001.npz", [*MAIN, "--checkpoint-dir", "dir", "--checkpoint-every", "1"]),
    "checkpoint lock": ("dir/run.lock", [*MAIN, "--checkpoint-dir", "dir", "--checkpoint-every", "1"]),
    "--resume state.json": ("ck/state.json", RESUME),
    "--resume state.previous.json": ("ck/state.previous.json", RESUME),
    "--resume run.lock": ("ck/run.lock", RESUME),
    "sweep SPEC": ("spec.toml", SWEEP), "sweep content": ("content.png", SWEEP),
    "sweep weights": ("weights.mat", SWEEP), "sweep manifest.jsonl": ("out-sweep/manifest.jsonl", SWEEP),
    "sweep summary.md": ("out-sweep/summary.md", SWEEP), "sweep sheet.png": ("out-sweep/sheet.png", SWEEP),
    "compare --content": ("content.png", COMPARE), "compare --weights": ("weights.mat", COMPARE),
    "compare --report-json": ("report.json", [*COMPARE, "--report-json", "report.json"]),
    "score IMAGE": ("content.bmp", SCORE), "score --json": ("score.json", [*SCORE, "--json", "score.json"]),
    "weights verify": ("weights.mat", ["weights", "verify", "weights.mat"]),
}
# (role, kind) pairs that are not special for that role (a folder is what --checkpoint-dir names)
NOT_SPECIAL = {("--checkpoint-dir", "directory"), ("--tensorboard", "directory")}


def make_special(folder, name, kind):
    """Replace `name` in the workspace `folder` by a special file of `kind` (special_files.KINDS)."""
    import special_files

    path = Path(folder) / name
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    return special_files.make(path, kind)
