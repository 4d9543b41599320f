"""Session settings compared step by step in one process: inter-op threads x grappler constant folding.

Separate processes per row (run.py) are paired only per round, minutes apart; on a
busy machine that blurs differences of a few percent. Here every variant has its
own session on the same graph recipe, and their steps alternate (A, B, C, D, D, C,
B, A, ...), so load changes hit all of them alike. Also reports each variant's
set-up time (graph, targets, optimizer, first step), where constant folding costs.

    python bench/session_ablation.py [--size 256] [--steps 20]
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    from tensorflow.core.protobuf import rewriter_config_pb2

    from legacy_nst.config import Config
    from legacy_nst.io.images import read_image
    from legacy_nst.engines import graph as graph_engine
    from legacy_nst.engines.graph import GraphEngine
    from legacy_nst.problem import build_problem
    from legacy_nst.vgg.matfile import load_vgg19

    tf1 = tf.compat.v1
    vgg = load_vgg19(SHARED / "weights" / "vgg19-approx.mat")
    config, size = Config(), (args.size, args.size)
    images = [read_image(SHARED / "images" / name) for name in ("tubingen.jpg", "starry_night.jpg")]
    problem = build_problem(config.replace(init="content"), images[0], images[1:], vgg.mean_pixel, size)

    def session(inter, folding):
        proto = tf1.ConfigProto(intra_op_parallelism_threads=len(os.sched_getaffinity(0)), inter_op_parallelism_threads=inter)
        if not folding:
            proto.graph_options.rewrite_options.constant_folding = rewriter_config_pb2.RewriterConfig.OFF
        began = time.perf_counter()
        graph_engine.session_config = lambda: proto  # the engine's session with these settings
        stepper = GraphEngine(problem, vgg, config).stepper(config)
        stepper.step()
        return stepper, time.perf_counter() - began

    variants = {}
    for inter in (1, 0):
        for folding in (False, True):
            name = f"inter-op {'1' if inter else 'TF default'}, constant folding {'on' if folding else 'off'}"
            stepper, setup = session(inter, folding)
            variants[name] = {"stepper": stepper, "setup_s": setup, "steps": [], "totals": []}
            print(f"{name}: set-up {setup:.2f} s", flush=True)
    names = list(variants)
    load_start = os.getloadavg()
    for step in range(args.steps):
        for name in (names if step % 2 == 0 else names[::-1]):
            v = variants[name]
            began = time.perf_counter()
            losses, _ = v["stepper"].step()
            v["steps"].append(time.perf_counter() - began)
            v["totals"].append(losses["total"])
    reference = np.array(variants[names[0]]["steps"])
    result = {"size": size, "steps": args.steps, "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
              "variants": {}}
    print(f"\n| session ({args.size}x{args.size}, {args.steps} alternating Adam steps) | set-up s | s/step median "
          f"| min | × first row (median of per-step ratios) | final loss |\n|---|---|---|---|---|---|")
    for name in names:
        v = variants[name]
        steps = np.array(v["steps"])
        paired = float(np.median(steps / reference))
        result["variants"][name] = {"setup_s": v["setup_s"], "median_s": float(np.median(steps)),
                                    "min_s": float(steps.min()), "paired_ratio": paired, "final_total": v["totals"][-1]}
        print(f"| {name} | {v['setup_s']:.2f} | {np.median(steps):.3f} | {steps.min():.3f} | {paired:.3f} "
              f"| {v['totals'][-1]:.7g} |")
    print(f"\nload average {load_start[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
