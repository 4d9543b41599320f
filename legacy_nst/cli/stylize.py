"""`legacy-nst --content C --style S --output O`: run the pipeline and write its files.

The pipeline (run.stylize) writes nothing; this is the one place a stylisation
writes files: the output image, the checkpoints, the --log-json record and the
figures, each atomically.
"""
import json
import sys
import time
from pathlib import Path

import numpy as np

from ..config import Config
from ..errors import NSTError, OptimizationError
from ..io.atomic import atomic_write, check_directory
from ..io.images import check_output_path, save_image, working_size
from ..io.progress import Progress
from ..problem import as_style_list, check_styles
from ..record.checkpoints import (Checkpointer, check_compatible, fingerprint, load_state, prepend_saved_paths,
                                  resumed_config, weights_fingerprint)
from ..record.interrupts import Interrupted, StopRequest
from ..record.plots import Figures, check_plot_path
from ..record.run_record import run_record, versions
from ..engines.runtime import effective_precision
from ..run.memory import memory_limit_bytes
from ..run.multiscale import step_costs
from ..run.stylize import as_rgb_image, render, stylize
from ..vgg.matfile import load_vgg19
from .parser import PROG, Parser, add_config_options, config_from_args, missing_weights_message, style_paths


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
    add_config_options(parser)
    return parser


def run_stylize(argv):
    args = stylize_parser().parse_args(prepend_saved_paths(argv))
    config = resumed_config(args) if getattr(args, "resume", None) else config_from_args(args)
    weights = config.weights_path()
    if not weights.exists():
        raise NSTError(missing_weights_message(weights))
    progress = Progress(config.iterations, print_every=config.print_every, quiet=args.quiet)
    styles = style_paths(args.style)
    run(args.content, styles if len(styles) > 1 else styles[0], args.output, config, log_json=args.log_json,
        progress=progress)
    if not args.quiet:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def checkpoint_dir_for(config, output):
    if config.checkpoint_dir:
        return Path(config.checkpoint_dir)
    if config.resume:
        return Path(config.resume)
    return Path(output).with_name(Path(output).stem + "-checkpoints")


def sibling_path(output, label):
    """out.png -> out.best.png: where the extra images of a run go, beside its output."""
    output = Path(output)
    return output.with_name(f"{output.stem}.{label}{output.suffix}")


def _path_or_none(source):
    return None if isinstance(source, np.ndarray) else str(Path(source).resolve())


def run(content, style, output, config: Config, log_json=None, progress=None, vgg=None, observers=()):
    """The command line's job: stylise, then write the output, checkpoints, JSON log and figures.

    Every --checkpoint-every steps the image (NNNNN.png) and the resumable state
    go to the checkpoint directory, and --plot is refreshed. On SIGINT/SIGTERM
    it writes the current image to OUTPUT, the lowest-loss one to
    OUTPUT.best, the state, the log and the figures, then raises Interrupted.
    If the loss turns NaN/inf, the last image with a finite loss goes to
    OUTPUT.last-good (OUTPUT itself is not written) and the error says so.
    `vgg` reuses weights already loaded (a sweep worker's); `observers` see every step beside the
    checkpointer (optim.loop's protocol; e.g. cli.intermediate.IntermediateImages).
    """
    check_output_path(output)
    if log_json:
        check_directory(log_json)
    for option, path in (("--plot", config.plot), ("--strip", config.strip)):
        if path:
            check_plot_path(path, option)
    saved = load_state(config.resume) if config.resume else None
    vgg = vgg or load_vgg19(config.weights_path())
    content_rgb = as_rgb_image(content, "content")
    styles_rgb = [as_rgb_image(image, "style") for image in as_style_list(style)]
    check_styles(config, styles_rgb,
                 working_size(content_rgb.shape[:2], config.width, config.height, config.image_size))
    checkpoints = checkpoint_dir_for(config, output)
    inputs = {"content": fingerprint(content), "style": [fingerprint(s) for s in as_style_list(style)]}
    if config.checkpoint_every or saved is not None:
        inputs["weights"] = weights_fingerprint(vgg)
    if saved is not None:
        check_compatible(saved, config, inputs)
    stop = StopRequest()
    styles = [_path_or_none(s) for s in as_style_list(style)]
    meta = {"config": config.to_json(), "content": _path_or_none(content),
            "style": styles[0] if len(styles) == 1 else styles,
            "output": _path_or_none(output), "log_json": _path_or_none(log_json) if log_json else None,
            "inputs": inputs,
            "versions": versions()}
    figures = Figures(config, checkpoints)

    def on_checkpoint(steps):
        if config.plot:
            figures.losses(state.history)

    state = Checkpointer(checkpoints, config.checkpoint_every, meta, stop=stop, saved=saved,
                         on_checkpoint=on_checkpoint)

    def as_rgb(image):
        return render(config, image, vgg.mean_pixel, content_rgb)

    def observe(iteration, values, image):
        if progress is not None:
            progress.update(iteration, values)
        if config.checkpoint_every and iteration % config.checkpoint_every == 0:
            checkpoints.mkdir(parents=True, exist_ok=True)
            save_image(checkpoints / f"{iteration:05d}.png", as_rgb(image))

    def on_estimate(estimate):
        if progress is not None:
            available = memory_limit_bytes(config)
            room = f" of {available / 1e9:.1f} GB available" if available else ""
            tiled = f", tiled (core {estimate.tile}, halo {estimate.halo})" if estimate.tile else ""
            progress.note(f"{estimate.width}x{estimate.height} {config.optimizer}{tiled}: peak memory about "
                          f"{estimate.total / 1e9:.1f} GB{room}")
            if config.multiscale or config.float32_finish:  # the ETA weighs each level's steps by their work
                progress.cost = step_costs(config, (estimate.height, estimate.width),
                                           effective_precision(config.precision))

    last_note = [time.perf_counter()]

    def on_tile(label, done, total):
        """Progress within a long tiled evaluation: a note at most every 30 s."""
        if progress is not None and time.perf_counter() - last_note[0] > 30:
            last_note[0] = time.perf_counter()
            progress.note(f"{label}: tile {done} of {total}")

    def write_log(status, s_per_iter, size, tiling=None, stopped_early=None):
        if not log_json:
            return
        log = {**run_record(config, size, content, [str(s) for s in as_style_list(style)], output=str(output),
                            precision=effective_precision(config.precision)),
               "s_per_iter": s_per_iter, "status": status, "best": state.best, "iterations": state.history}
        if tiling:  # --tile: core and halo sizes, tiles per evaluation (two passes each), window shapes
            log["tiling"] = tiling
        if stopped_early:  # L-BFGS converged (or its line search failed) before --iterations
            log["stopped_early"] = stopped_early
        atomic_write(log_json, json.dumps(log, indent=1).encode())

    try:
        with stop:
            result = stylize(content_rgb, styles_rgb, config, vgg=vgg, observe=observe, observers=[state, *observers],
                             saved=saved, on_estimate=on_estimate, on_tile=on_tile)
    except Interrupted as interrupted:
        steps, image = state.current
        size = image.shape[1:3]
        save_image(output, as_rgb(image))
        written = [f"{output} (after {steps} steps)"]
        if state.best_image is not None:
            best = sibling_path(output, "best")
            save_image(best, as_rgb(state.best_image))
            written.append(f"{best} (lowest loss, iteration {state.best['iteration']})")
        write_log(f"interrupted by {interrupted.name} after {steps} steps", None, size)
        written += [str(p) for p in (log_json, figures.all(state.history, image, steps, vgg.mean_pixel)) if p]
        resume_hint = f"; continue with: {PROG} --resume {checkpoints}" if config.backend == "graph" else ""
        interrupted.report = (f"stopped by {interrupted.name} after {steps} of {config.iterations} steps; wrote "
                              f"{', '.join(written)}{resume_hint}")
        raise
    except OptimizationError as error:
        if state.last is None:
            raise
        iteration, image = state.last
        last_good = sibling_path(output, "last-good")
        save_image(last_good, as_rgb(image))
        raise OptimizationError(f"{error}; the last image with a finite loss (iteration {iteration}) is in "
                                f"{last_good}") from None
    finally:
        if progress is not None:
            progress.close()
    if result.stopped_early and progress is not None:
        progress.note(result.stopped_early)
    save_image(output, result.image)
    write_log("completed", result.s_per_iter, result.size, result.tiling, result.stopped_early)
    figures.all(state.history, result.image, state.history[-1]["iteration"])
    return result
