"""`legacy-nst compare`: the graph backend beside the eager ones, on the same inputs, in one report.

    legacy-nst compare --content PATH --style PATH [options] --backends graph,eager,function
                       [--report-json PATH] [--report-dir DIR] [--repeat R]

Every backend gets the same images, weights, initial image (a seed is drawn
and recorded when the noise init has none), and options. Each is compared with
the graph backend: the largest relative difference of the total loss at any
iteration, and the largest absolute difference and the PSNR of the final
images (floats on the 0-255 scale, before rounding to uint8). Timings come from
the same process, one backend after the other (round-robin with --repeat).
Nothing is written unless every run succeeds.
"""
import io
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ..config import BACKENDS, fields_with, require_weights
from ..config.roles import CHECKPOINT
from ..engines import check_supported
from ..errors import ConfigError, NSTError
from ..io.atomic import atomic_write, check_directory, check_writable
from ..io.images import from_network, read_image, resize
from .progress import Progress
from ..record.files import check_not_inputs
from ..record.run_record import run_record
from ..run.api import stylize
from ..vgg.matfile import load_vgg19
from .parser import PROG, Parser, add_config_options, config_from_args
from .peers import PEER_FLAGS

REFERENCE = "graph"
# --backends replaces --backend; the backends' runs write no checkpoints (config.roles)
NOT_COMPARE_OPTIONS = ("backend", *fields_with(CHECKPOINT))
SIDE_BY_SIDE, LOSS_CURVES = "side-by-side.png", "loss-curves.png"


def compare_parser():
    parser = Parser(prog=f"{PROG} compare", synonyms=PEER_FLAGS,
                    description="Run the graph backend and other backends on the same inputs and compare "
                                "their losses, final images and speed.")
    io_group = parser.add_argument_group("images and reports")
    io_group.add_argument("--content", required=True, metavar="PATH", help="content image")
    io_group.add_argument("--style", required=True, metavar="PATH", help="style image")
    io_group.add_argument("--backends", default=",".join(("graph", "eager", "function")), metavar="B,B,...",
                          help=f"backends to run, from {', '.join(BACKENDS)}; graph always runs, as the "
                               "reference (default: graph,eager,function)")
    io_group.add_argument("--report-json", metavar="PATH", help="write the per-backend losses and timings and "
                          "the differences from graph as JSON")
    io_group.add_argument("--report-dir", metavar="DIR", help=f"write {SIDE_BY_SIDE} (content, style, each "
                          f"result), {LOSS_CURVES} and result-BACKEND.png here (created if missing)")
    io_group.add_argument("--repeat", type=int, default=1, metavar="R", help="run the backends R times "
                          "round-robin and report the median s/iter (losses from the first round; default: 1)")
    io_group.add_argument("--quiet", action="store_true", help="no progress output (the table still prints)")
    add_config_options(parser, exclude=NOT_COMPARE_OPTIONS)
    return parser


def parse_backends(text):
    """'eager,function' -> ('graph', 'eager', 'function'): graph first, no repeats."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in BACKENDS]
    if unknown:
        raise ConfigError(f"unknown backend {unknown[0]!r} in --backends; choose from {', '.join(BACKENDS)}")
    backends = tuple(dict.fromkeys([REFERENCE, *names]))
    if len(backends) < 2:
        raise ConfigError(f"--backends needs a backend besides {REFERENCE} to compare with, "
                          "e.g. --backends graph,eager,function")
    return backends


def check_report_dir(path):
    """Fail before the runs if DIR could not be made or written into."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise NSTError(f"{path}: --report-dir is a file; give a directory")
    if not path.exists() and not path.parent.is_dir():
        raise NSTError(f"{path}: the parent directory {path.parent} does not exist; create it first")


def report_files(args, backends):
    """[(label, path, fix)] of the files compare writes, for record.files.check_not_inputs."""
    found = []
    if args.report_json:
        found.append((f"--report-json {Path(args.report_json).absolute()}", Path(args.report_json),
                      "give another --report-json"))
    if args.report_dir:
        names = [SIDE_BY_SIDE, LOSS_CURVES] + [f"result-{name}.png" for name in backends]
        found += [(f"the report image {(Path(args.report_dir) / name).absolute()}", Path(args.report_dir) / name,
                   "give another --report-dir") for name in names]
    return found


def run_backends(content_rgb, style_rgb, config, backends, vgg, repeat=1, progress=None):
    """Run each backend `repeat` times round-robin; per backend: history, timings, final images."""
    runs = {name: {"s_per_iter_runs": [], "wall_s_runs": []} for name in backends}
    for round_ in range(repeat):
        for name in backends:
            finals = {}

            def observe(iteration, values, image):
                finals["image"] = image
                if progress is not None:
                    progress(name, round_, iteration, values)

            start = time.perf_counter()
            result = stylize(content_rgb, style_rgb, config.replace(backend=name), vgg=vgg, observe=observe)
            wall = time.perf_counter() - start
            run = runs[name]
            run["s_per_iter_runs"].append(result.s_per_iter)
            run["wall_s_runs"].append(wall)
            if round_ == 0:
                final = np.asarray(finals["image"], np.float64)[0] + np.asarray(vgg.mean_pixel, np.float64)
                run.update(history=result.history, image=from_network(finals["image"], vgg.mean_pixel),
                           final=np.clip(final, 0.0, 255.0), size=result.size)
    return runs


def _median(values):
    values = [v for v in values if v is not None]
    return float(np.median(values)) if values else None


def max_rel_loss_diff(history, reference):
    """max_i |total_i - reference_i| / |reference_i| over the iterations both have."""
    both = min(len(history), len(reference))  # L-BFGS may stop early in one backend only
    got = np.array([entry["total"] for entry in history[:both]], np.float64)
    want = np.array([entry["total"] for entry in reference[:both]], np.float64)
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want), np.finfo(np.float64).tiny)))


def psnr(a, b):
    """Peak signal-to-noise ratio in dB on the 0-255 scale; None when the images are identical."""
    mse = float(np.mean((np.asarray(a, np.float64) - b) ** 2))
    return None if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


def summarize(runs, config, content, style):
    """The report: configuration, per-backend losses and timings, and each backend versus graph."""
    reference = runs[REFERENCE]
    report = {
        **run_record(config, reference["size"], content, style, exclude=NOT_COMPARE_OPTIONS),
        "reference": REFERENCE,
        "backends": {},
        "versus_graph": {},
    }
    graph_speed = _median(reference["s_per_iter_runs"])
    for name, run in runs.items():
        speed = _median(run["s_per_iter_runs"])
        report["backends"][name] = {"s_per_iter": speed, "s_per_iter_runs": run["s_per_iter_runs"],
                                    "wall_s": _median(run["wall_s_runs"]), "iterations": run["history"]}
        if name != REFERENCE:
            report["versus_graph"][name] = {
                "max_rel_loss_diff": max_rel_loss_diff(run["history"], reference["history"]),
                "max_abs_pixel_diff": float(np.abs(run["final"] - reference["final"]).max()),
                "psnr_db": psnr(run["final"], reference["final"]),
                "s_per_iter_ratio": speed / graph_speed if speed and graph_speed else None,
            }
    return report


def _cell(value, spec):
    return "-" if value is None else format(value, spec)


def table(report):
    """The report as a plain-text table."""
    config = report["config"]
    lines = [f"{config['width']}x{config['height']}, {config['iterations']} {config['optimizer']} steps, "
             f"init {config['init']}" + (f" (seed {config['seed']})" if config["init"] in ("noise", "random", "randn") else "")
             + (f", preset {config['preset']}" if config.get("preset") else "")
             + f"; differences versus {report['reference']}",
             f"{'backend':<13}{'s/iter':>9}{'x graph':>9}{'wall s':>8}{'final loss':>13}"
             f"{'max rel loss diff':>19}{'max |pixel diff|':>18}{'PSNR dB':>9}"]
    for name, run in report["backends"].items():
        versus = report["versus_graph"].get(name, {})
        ratio = 1.0 if name == report["reference"] else versus.get("s_per_iter_ratio")
        lines.append(f"{name:<13}{_cell(run['s_per_iter'], '.4f'):>9}{_cell(ratio, '.2f'):>9}"
                     f"{_cell(run['wall_s'], '.1f'):>8}{run['iterations'][-1]['total']:>13.5g}"
                     f"{_cell(versus.get('max_rel_loss_diff'), '.2e'):>19}"
                     f"{_cell(versus.get('max_abs_pixel_diff'), '.4f'):>18}{_cell(versus.get('psnr_db'), '.1f'):>9}")
    return "\n".join(lines)


def _png(figure):
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # lazily: only reports with figures need matplotlib

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def side_by_side_png(report, runs, content_rgb, style_rgb):
    """Content, style and each backend's result in one row, as PNG bytes."""
    from matplotlib.figure import Figure  # lazily, as in _png

    panels = [("content", content_rgb), ("style", style_rgb)]
    for name, run in runs.items():
        speed = report["backends"][name]["s_per_iter"]
        versus = report["versus_graph"].get(name)
        detail = f"{_cell(speed, '.3g')} s/iter" + (
            f"\nmax |diff| {versus['max_abs_pixel_diff']:.3g}" if versus else "\n(reference)")
        panels.append((f"{name}\n{detail}", run["image"]))
    height, width = content_rgb.shape[:2]
    scale = 2.4 / max(height, width)
    figure = Figure(figsize=(len(panels) * max(width * scale, 1.6), height * scale + 0.9))
    for index, (title, image) in enumerate(panels, start=1):
        axes = figure.add_subplot(1, len(panels), index)
        axes.imshow(image, interpolation="nearest")
        axes.set_title(title, fontsize=8)
        axes.axis("off")
    figure.tight_layout()
    return _png(figure)


def loss_curves_png(report):
    """Total loss per iteration for each backend (log scale), and each one's relative difference from graph."""
    from matplotlib.figure import Figure  # lazily, as in _png
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(7, 6))
    losses, differences = figure.add_subplot(2, 1, 1), figure.add_subplot(2, 1, 2)
    styles = ["-", "--", ":", "-."]
    reference = np.array([e["total"] for e in report["backends"][report["reference"]]["iterations"]])
    for index, (name, run) in enumerate(report["backends"].items()):
        steps = [e["iteration"] for e in run["iterations"]]
        totals = np.array([e["total"] for e in run["iterations"]])
        line = dict(linestyle=styles[index % 4], color=f"C{index}", marker="o" if len(steps) <= 30 else None,
                    markersize=3, label=name)
        losses.semilogy(steps, totals, **line)
        if name != report["reference"]:
            relative = np.abs(totals - reference) / np.abs(reference)
            differences.semilogy(steps, np.where(relative > 0, relative, np.nan), **line)
    losses.set_ylabel("total loss")
    losses.set_title("total loss per iteration", fontsize=10)
    losses.legend(fontsize=8)
    differences.set_title(f"relative difference from {report['reference']} (no point where exactly 0)", fontsize=10)
    differences.set_xlabel("iteration")
    differences.set_ylabel(f"|total - {report['reference']}| / {report['reference']}")
    if any(np.isfinite(line.get_ydata()).any() for line in differences.lines):
        differences.legend(fontsize=8)
    else:
        differences.set_yscale("linear")
        differences.set_yticks([])
        differences.text(0.5, 0.5, f"equal to {report['reference']} at every iteration", ha="center",
                         transform=differences.transAxes)
    differences.set_xlim(losses.get_xlim())
    for axes in (losses, differences):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    return _png(figure)


def _progress_printer(iterations, print_every, quiet):
    """Per backend: one line when it starts, then the usual progress lines or bar."""
    current = {}

    def progress(name, round_, iteration, values):
        key = (name, round_)
        if current.get("key") != key:
            if current.get("bar") is not None:
                current["bar"].close()
            if not quiet:
                print(f"{name} (round {round_ + 1})", file=sys.stderr, flush=True)
            current.update(key=key, bar=Progress(iterations, print_every=print_every, quiet=quiet))
        current["bar"].update(iteration, values)
        if iteration == iterations:
            current["bar"].close()

    return progress


def run_compare(argv):
    """The `legacy-nst compare` subcommand; returns the exit status."""
    args = compare_parser().parse_args(argv)
    backends = parse_backends(args.backends)
    if args.repeat < 1:
        raise ConfigError(f"--repeat must be >= 1, got {args.repeat}")
    config = config_from_args(args, exclude=NOT_COMPARE_OPTIONS)
    if config.init in ("noise", "random", "randn") and config.seed is None:
        config = config.replace(seed=int(np.random.SeedSequence().entropy % 2**31))  # the same noise for all
    for name in backends:
        check_supported(config.replace(backend=name))  # refuses what a backend cannot do, before anything runs
    if args.report_json:
        check_directory(args.report_json)
        check_writable(args.report_json, f"--report-json {args.report_json}", "give another --report-json")
    if args.report_dir:
        check_report_dir(args.report_dir)
    weights = require_weights(config).path
    check_not_inputs(report_files(args, backends), [("--content", Path(args.content)), ("--style", Path(args.style)),
                                                    ("--weights", weights)])

    content_rgb, style_rgb = read_image(args.content), read_image(args.style)
    config.working_size(content_rgb.shape[:2])
    vgg = load_vgg19(weights)
    progress = _progress_printer(config.iterations, config.print_every, args.quiet)
    runs = run_backends(content_rgb, style_rgb, config, backends, vgg, args.repeat, progress)
    report = summarize(runs, config, args.content, args.style)
    print(table(report))

    outputs = []
    if args.report_dir:
        size = runs[REFERENCE]["size"]
        directory = Path(args.report_dir)
        outputs += [(directory / SIDE_BY_SIDE, side_by_side_png(report, runs, resize(content_rgb, size),
                                                                  resize(style_rgb, size))),
                    (directory / LOSS_CURVES, loss_curves_png(report))]
        outputs += [(directory / f"result-{name}.png", _png_of(run["image"])) for name, run in runs.items()]
    if args.report_json:
        outputs.append((Path(args.report_json), json.dumps(report, indent=1).encode()))
    if args.report_dir:
        Path(args.report_dir).mkdir(exist_ok=True)
    for path, data in outputs:
        atomic_write(path, data)
        if not args.quiet:
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _png_of(image):
    buffer = io.BytesIO()
    Image.fromarray(image, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()
