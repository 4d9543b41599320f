"""Time to a finished image: how soon each recipe reaches the loss art.py's own loop ends at.

    python bench/finish.py baseline --steps 1000           # art.py's loop, once: the target loss and its time
    python bench/finish.py recipes --baseline FILE.json    # the recipes, alternated with short art.py runs
    python bench/finish.py render FILE.json                 # the Markdown table again

The objective is art.py's exactly: --kernel-layout artpy, its layers, weights,
alpha, beta and normalization, from its noise start (--init noise --seed 0,
the same draws as art.py after np.random.seed(0)). The target is the loss
art.py's loop (bench/artpy_graph.py: one sess.run(train_step) per step, the
loss fetched every 100 steps) reaches after --steps Adam steps.

A recipe reaches the target at its first log entry computed at full size in
float32 (a bfloat16 loss is approximate; the float32 finish's entry 0 is the
float32 loss of the bfloat16 image) whose loss is at or below the target.
Ratios are against the art.py loop's time for its --steps steps, measured two
ways: the one long baseline run, and (side by side, on a shared machine whose
load drifts) --steps times the median s/step of short art.py runs made just
before and after each round of recipes.
"""
import argparse
import datetime
import json
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import SHARED, Bench, cpu_model  # noqa: E402  (bench/run.py: the worker launcher)

SLACK = 1e-6  # float32 round-off in the logged losses


def artpy_options(height, width, iterations, loss_every, init="noise"):
    return dict(height=height, width=width, iterations=iterations, init=init, seed=0, noise_ratio=0.6,
                kernel_layout="artpy", loss_every=loss_every)


def recipes(height, width, most, init="noise"):
    """(label, worker spec) for every recipe measured; `most` caps every run's full-size iterations."""
    # memory_limit 0: the other jobs on this shared machine hold memory that the estimate counts against us
    size = dict(height=height, width=width, init=init, seed=0, kernel_layout="artpy", memory_limit=0)
    base = dict(size, optimizer="lbfgs", iterations=most)

    def row(label, **options):
        return label, dict(kind="stylize", options=dict(base, **options))

    f32 = dict(lbfgs_implementation="float32")
    half = dict(multiscale="0.5", multiscale_iterations=60)
    bf16_then = dict(f32, lbfgs_num_correction=10, precision="bfloat16", float32_finish=most)
    return [
        row("scipy L-BFGS-B, history 100 (today's default)"),
        row("scipy L-BFGS-B, history 10", lbfgs_num_correction=10),
        row("scipy L-BFGS-B, history 3", lbfgs_num_correction=3),
        row("float32 L-BFGS, history 100", **f32),
        row("float32 L-BFGS, history 10", **f32, lbfgs_num_correction=10),
        row("float32 L-BFGS, history 3", **f32, lbfgs_num_correction=3),
        row("float32 L-BFGS, history 10, scipy's first step", **f32, lbfgs_num_correction=10, lbfgs_initial_step=0),
        row("float32 L-BFGS, history 10, first step 30 levels", **f32, lbfgs_num_correction=10, lbfgs_initial_step=30),
        row("float32 L-BFGS, history 10, coarse 0.5 (60 its) first", **f32, lbfgs_num_correction=10, **half,
            iterations=most + 60),
        row("float32 L-BFGS, history 30", **f32, lbfgs_num_correction=30),
        ("--preset fast --precision float32 (float32 L-BFGS, history 30, coarse 0.5 (80 its) first)",
         dict(kind="stylize", options=dict(size, preset="fast", precision="float32", iterations=80 + most))),
        ("--preset fast --precision float32 --lbfgs-num-correction 10 (history 10, coarse 0.5 (80 its) first)",
         dict(kind="stylize", options=dict(size, preset="fast", precision="float32", lbfgs_num_correction=10,
                                           iterations=80 + most))),
        ("--preset fast as it was until 2026-11-30 13:30 (history 10, 60 its at half size, 180 in all)",
         dict(kind="stylize", options=dict(size, preset="fast", lbfgs_num_correction=10, multiscale_iterations=60,
                                           iterations=180))),
        row("bfloat16 L-BFGS 100 its, float32 finish (float32 L-BFGS, history 10)", **bf16_then,
            iterations=100 + most),
        row("bfloat16 coarse 0.5 (60 its) + 60 full, float32 finish (history 10)", **bf16_then, **half,
            iterations=120 + most),
        ("--preset fast", dict(kind="stylize", options=dict(size, preset="fast"))),
    ]


def run_baseline(args, bench):
    spec = dict(kind="artpy", options=artpy_options(args.height, args.width, args.steps, 100, args.init),
                save_image=str(args.out / f"{args.stem}-artpy.npy"))
    load = os.getloadavg()
    out = bench.run("art.py's loop", spec, timeout=6 * 3600)
    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "cpu": cpu_model(),
              "loadavg_start": load, "loadavg_end": os.getloadavg(), "size": [args.height, args.width],
              "init": args.init,
              "steps": args.steps, "baseline": out}
    path = args.out / f"{args.stem}.json"
    path.write_text(json.dumps(report, indent=1, default=float))
    print(f"art.py loop {args.steps} steps at {args.width}x{args.height}: loss {out['entries'][-1]['total']:.6g} "
          f"in {out['entries'][-1]['elapsed']:.1f} s; wrote {path}")


def short_artpy(bench, height, width, init, steps=6):
    """(median wall s/step, median CPU s/step) of a short run of art.py's loop."""
    out = bench.run("art.py's loop (short)", dict(kind="artpy", options=artpy_options(height, width, steps, 100,
                                                                                      init)))
    if not out.get("step_times"):
        return None
    return [float(np.median(out["step_times"])), float(np.median(out["cpu_step_times"][1:]))]


def run_recipes(args, bench):
    baseline = json.loads(Path(args.baseline).read_text())
    height, width = baseline["size"]
    target = baseline["baseline"]["entries"][-1]["total"]
    init = baseline.get("init", "noise")
    rows = select(recipes(height, width, args.most, init), args.only)
    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "cpu": cpu_model(),
              "loadavg_start": os.getloadavg(), "baseline_file": str(args.baseline), "target": target,
              "size": [height, width], "steps": baseline["steps"], "init": init,
              "artpy_time_s": baseline["baseline"]["entries"][-1]["elapsed"], "rounds": []}
    path = args.out / f"{args.stem}.json"
    for index in range(args.rounds):
        order = rows if index % 2 == 0 else rows[::-1]
        round_ = {"artpy_s_per_step": [short_artpy(bench, height, width, init)], "rows": {}}
        for label, spec in order:
            spec = dict(spec, target=target * (1 - args.beyond),
                        save_image_at_target=str(args.out / f"{args.stem}-{index + 1}-{_slug(label)}.npy"))
            load = os.getloadavg()[0]
            out = bench.run(label, spec)
            out["load_before"] = load
            round_["rows"][label] = out
            hit = first_reaching(out.get("entries", []), target)
            print(f"  [{index + 1}] {label}: " + (f"{hit['elapsed']:.1f} s ({hit['iteration']} its)" if hit else
                                                   f"not reached ({out.get('error', '')})") +
                  f" load {load:.1f}", flush=True)
        round_["artpy_s_per_step"].append(short_artpy(bench, height, width, init))
        report["rounds"].append(round_)
        report["loadavg_end"] = os.getloadavg()
        path.write_text(json.dumps(report, indent=1, default=float))
        path.with_suffix(".md").write_text(render(report))
    print(render(report))


def select(rows, only):
    """The rows named in `only` (a label, or a part of labels), in that order; all rows without it."""
    if not only:
        return rows
    chosen = []
    for name in only:
        exact = [row for row in rows if row[0] == name]
        chosen += [row for row in (exact or [row for row in rows if name in row[0]]) if row not in chosen]
    return chosen


def first_reaching(entries, target):
    for entry in entries:
        if entry.get("exact", True) and entry.get("scale", 1.0) == 1.0 and entry["total"] <= target * (1 + SLACK):
            return entry
    return None


def render(report):
    target, steps, artpy_time = report["target"], report["steps"], report["artpy_time_s"]
    height, width = report["size"]
    lines = [f"# Time to art.py's {steps}-step loss at {width}×{height} from the {report.get('init', 'noise')} start "
             f"({report['date']})", "",
             f"Machine: {report['cpu']}, 2 cores shared with four other agents' work (tests, benches); load "
             f"average (1, 5, 15 min) {_loads(report['loadavg_start'])} at the start, "
             f"{_loads(report.get('loadavg_end', report['loadavg_start']))} at the end.", "",
             f"Target: {target:.6g}, art.py's own loop after {steps} Adam steps (one long run: {artpy_time:.1f} s). "
             "Ratios: to that run's time, and to side-by-side art.py time = "
             f"{steps} × the median s/step of short art.py runs before and after each round.", ""]
    labels = list(report["rounds"][0]["rows"]) if report["rounds"] else []
    lines += ["| recipe | round | s to target | with set-up | iterations | × art.py (long run) | × art.py "
              "(side by side) | CPU s to target | × art.py CPU (side by side) | CPU s after entry 0 | × art.py CPU "
              "| load |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for label in labels:
        for index, round_ in enumerate(report["rounds"]):
            out = round_["rows"].get(label)
            if out is None:
                continue
            pairs = [p for p in round_["artpy_s_per_step"] if p]
            side = steps * float(np.median([p[0] for p in pairs])) if pairs else None
            side_cpu = steps * float(np.median([p[1] for p in pairs])) if pairs else None
            hit = first_reaching(out.get("entries", []), target)
            if hit is None:
                note = out.get("error") or (f"not reached; last loss {out['entries'][-1]['total']:.4g}"
                                            if out.get("entries") else "no entries")
                lines.append(f"| {label} | {index + 1} | {note[-90:]} | | | | | | | | | {out.get('load_before', 0):.1f} |")
                continue
            lines.append(f"| {label} | {index + 1} | {hit['elapsed']:.1f} | {hit['wall']:.1f} | {hit['iteration']} | "
                         f"{hit['elapsed'] / artpy_time:.3f} | {_ratio(hit['elapsed'], side)} | {hit['cpu']:.1f} | "
                         f"{_ratio(hit['cpu'], side_cpu)} | {hit['cpu'] - out['entries'][0]['cpu']:.1f} | "
                         f"{_ratio(hit['cpu'] - out['entries'][0]['cpu'], side_cpu)} | {out.get('load_before', 0):.1f} |")
    lines += ["", "s to target: the `elapsed` of the first float32 full-size entry at or below the target (from the "
              "end of the set-up: graph, targets); with set-up: from the worker's start of the run (weights loaded). "
              "CPU s: the worker's CPU time (all threads) from the start of the run, set-up included, against "
              f"{steps} × art.py's median CPU s/step: on a machine this loaded, CPU time depends far less on the "
              "other jobs than wall time does. CPU s after entry 0: the same without the set-up and the first evaluation "
              "(graph, targets, grappler's first run), as art.py's s/step leaves its set-up out.",
              "Side-by-side art.py (wall, CPU) s/step, before and after each round: " + "; ".join(
                  ", ".join(f"({p[0]:.3f}, {p[1]:.3f})" for p in r["artpy_s_per_step"] if p)
                  for r in report["rounds"]), ""]
    return "\n".join(lines) + "\n"


def _slug(label):
    return "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-")[:48]


def _ratio(value, reference):
    return f"{value / reference:.3f}" if reference else "–"


def _loads(loads):
    return ", ".join(f"{x:.1f}" for x in loads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=("baseline", "recipes", "render"))
    parser.add_argument("file", nargs="?", help="render: the results JSON")
    parser.add_argument("--size", default="400x300", help="WIDTHxHEIGHT (baseline)")
    parser.add_argument("--steps", type=int, default=1000, help="art.py Adam steps (baseline)")
    parser.add_argument("--init", default="noise", choices=("noise", "content"), help="the start (baseline)")
    parser.add_argument("--baseline", help="recipes: the baseline JSON")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--most", type=int, default=300, help="iterations cap per recipe")
    parser.add_argument("--beyond", type=float, default=0.0, help="run on until target*(1-B), for later targets")
    parser.add_argument("--only", nargs="*", help="recipes whose label contains one of these")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--tag", default="finish")
    parser.add_argument("--weights", type=Path, default=SHARED / "weights" / "vgg19-approx.mat")
    parser.add_argument("--content", type=Path, default=SHARED / "images" / "tubingen.jpg")
    parser.add_argument("--style", type=Path, default=SHARED / "images" / "starry_night.jpg")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    if args.part == "render":
        path = Path(args.file)
        path.with_suffix(".md").write_text(render(json.loads(path.read_text())))
        return
    args.width, args.height = (int(v) for v in args.size.split("x"))
    args.stem = f"{datetime.date.today().isoformat()}-{args.tag}-{args.part}"
    args.out.mkdir(parents=True, exist_ok=True)
    bench = Bench(args)
    (run_baseline if args.part == "baseline" else run_recipes)(args, bench)


if __name__ == "__main__":
    main()
