"""Session settings compared in one process: which of grappler's graph rewrites pay for themselves.

Every new session-run signature (the content target, the style targets, the first
loss-and-gradient evaluation) runs grappler over the graph, whose VGG-19 constants
are ~80 MB; a --multiscale run or a --float32-finish pays that again per level.
This bench builds the engine once per variant and precision and reports:

- set-up: graph and targets (GraphEngine's constructor: two target runs);
- first: the first compute_loss_and_grads (grappler's pass over the gradient graph);
- steady: later evaluations (L-BFGS's compute_loss_and_grads), alternated between
  the variants (A, B, C, C, B, A, ...) so load changes hit all alike, as median
  and as the median of per-step ratios to TensorFlow's default session;
- Adam: the same for art.py's train step (GraphStepper.step, one session run).

Set-ups are measured twice, in alternated order, and the minimum kept.

    python bench/session_ablation.py [--size 300x400] [--steps 12] [--out bench/results/DATE-session-NAME]
"""
import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))


def variants(tf1, rewriter, runtime):
    """name -> session_config(precision): TensorFlow's default, grappler off, single rewrites, and ours
    (engines.session's; "the others" are the rewrites it turns off, runtime.REWRITES_OFF)."""
    off = rewriter.RewriterConfig.OFF

    def proto(**options):
        config = tf1.ConfigProto()
        for name, value in options.items():
            setattr(config.graph_options.rewrite_options, name, value)
        return lambda precision: config

    others = {name: off for name in runtime.REWRITES_OFF}
    no_memory = rewriter.RewriterConfig.NO_MEM_OPT
    return {
        "TF default": proto(),
        "grappler off": proto(disable_meta_optimizer=True),
        "remapper only": proto(memory_optimization=no_memory, dependency_optimization=off, **others),
        "dependency optimizer only": proto(memory_optimization=no_memory, remapping=off, **others),
        "remapper and dependency optimizer": proto(memory_optimization=no_memory, **others),
        "ours for L-BFGS (session_config(precision))": lambda precision: runtime.session_config(precision),
        "ours for Adam (session_config(precision, training=True))":
            lambda precision: runtime.session_config(precision, training=True),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="300x400", help="HEIGHTxWIDTH")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--precisions", nargs="*", default=["float32", "bfloat16"])
    parser.add_argument("--out", type=Path, help="also write the figures here, as .md and .json")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    from tensorflow.core.protobuf import rewriter_config_pb2

    from legacy_nst.config import Config
    from legacy_nst.engines import graph as graph_engine
    from legacy_nst.engines import session as runtime
    from legacy_nst.engines.graph import GraphEngine
    from legacy_nst.io.images import read_image
    from legacy_nst.problem import build_problem
    from legacy_nst.vgg.matfile import load_vgg19

    tf1 = tf.compat.v1
    height, width = (int(v) for v in args.size.split("x"))
    vgg = load_vgg19(SHARED / "weights" / "vgg19-approx.mat")
    config = Config().replace(preset="fast", init="noise", seed=0)
    images = [read_image(SHARED / "images" / name) for name in ("tubingen.jpg", "starry_night.jpg")]
    problem = build_problem(config, images[0], images[1:], vgg.mean_pixel, (height, width))
    table = variants(tf1, rewriter_config_pb2, runtime)
    result = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "size": [height, width],
              "steps": args.steps, "loadavg_start": os.getloadavg(), "rows": []}

    def engine(name, precision):
        make = table[name]
        graph_engine.session_config = lambda precision, training=False: make(precision)
        began = time.perf_counter()
        built = GraphEngine(problem, vgg, config, precision)
        setup = time.perf_counter() - began
        began = time.perf_counter()
        built.compute_loss_and_grads(problem.start)
        return built, setup, time.perf_counter() - began

    for precision in args.precisions:
        names, rows = list(table), {}
        for order in (names, names[::-1]):
            for name in order:
                built, setup, first = engine(name, precision)
                row = rows.setdefault(name, {"setup": [], "first": []})
                row["setup"].append(setup)
                row["first"].append(first)
                if "engine" in row:
                    built.close()
                else:
                    row["engine"] = built
        for name in names:
            rows[name]["steps"], rows[name]["totals"], rows[name]["adam"] = [], [], []
            rows[name]["stepper"] = rows[name]["engine"].stepper(config.replace(optimizer="adam"))
            rows[name]["stepper"].step()  # its first run (grappler, warm-up) is not a step
        for step in range(args.steps):
            for name in (names if step % 2 == 0 else names[::-1]):
                began = time.perf_counter()
                losses, _ = rows[name]["engine"].compute_loss_and_grads(problem.start)
                rows[name]["steps"].append(time.perf_counter() - began)
                rows[name]["totals"].append(losses["total"])
            for name in (names[::-1] if step % 2 == 0 else names):
                began = time.perf_counter()
                rows[name]["stepper"].step()
                rows[name]["adam"].append(time.perf_counter() - began)
        reference, adam_reference = np.array(rows[names[0]]["steps"]), np.array(rows[names[0]]["adam"])
        for name in names:
            row = rows[name]
            steps, adam = np.array(row["steps"]), np.array(row["adam"])
            result["rows"].append({
                "variant": name, "precision": precision, "setup_s": min(row["setup"]), "first_s": min(row["first"]),
                "steady_median_s": float(np.median(steps)), "steady_min_s": float(steps.min()),
                "paired_ratio": float(np.median(steps / reference)), "adam_median_s": float(np.median(adam)),
                "adam_paired_ratio": float(np.median(adam / adam_reference)), "total": row["totals"][-1],
                "setups": row["setup"], "firsts": row["first"]})
            row["engine"].close()
    result["loadavg_end"] = os.getloadavg()
    text = render(result)
    print(text)
    if args.out:
        args.out.with_suffix(".json").write_text(json.dumps(result, indent=1))
        args.out.with_suffix(".md").write_text(text)


def render(result):
    """The figures as Markdown: one table per precision."""
    height, width = result["size"]
    lines = [f"# Session settings: grappler's rewrites ({result['date']}, bench/session_ablation.py)", "",
             f"{width}x{height}, art.py's objective (--preset fast), shared approximate weights. Load average "
             f"(1, 5, 15 min) {', '.join(f'{v:.1f}' for v in result['loadavg_start'])} at the start, "
             f"{', '.join(f'{v:.1f}' for v in result['loadavg_end'])} at the end.", ""]
    for precision in dict.fromkeys(row["precision"] for row in result["rows"]):
        lines += [f"| session, {precision} | set-up s (graph, targets; min of 2) | first evaluation s (min of 2) "
                  f"| evaluation s, median of {result['steps']} | × TF default (median of paired ratios) "
                  "| Adam step s, median | × TF default | loss |", "|---|---|---|---|---|---|---|---|"]
        lines += [f"| {r['variant']} | {r['setup_s']:.2f} | {r['first_s']:.2f} | {r['steady_median_s']:.3f} "
                  f"| {r['paired_ratio']:.3f} | {r['adam_median_s']:.3f} | {r['adam_paired_ratio']:.3f} "
                  f"| {r['total']:.7g} |" for r in result["rows"] if r["precision"] == precision]
        lines.append("")
    return "\n".join(lines)

if __name__ == "__main__":
    main()
