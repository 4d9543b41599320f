"""The performance bench: seconds per step, GFLOP/s, peak memory and time to a target loss, in one run.

    python bench/run.py            # the full run (50 min on 2 busy cores on 2026-11-22)
    python bench/run.py --quick    # a smoke run of every row with few iterations (a few minutes)

Every row runs in its own process (bench/worker.py), so its peak resident
memory (VmHWM) is its own. The machine is shared and noisy, so rows are
measured alternately: the speed rows run in rounds, each round every row once
in a rotated order, and each ratio is the median over rounds of the row's
median step time over the baseline's in the same round. The baseline is art.py's
own loop (bench/artpy_graph.py): the whole VGG, one sess.run(train_step) per
step, the loss fetched in a second session run every 100 steps, as art.py
printed it. The every-step-loss loop (the loss fetched after every step, as a
loss log needs) is a second, labelled row.

Time to target: the target is the loss the baseline (art.py's settings: Adam
2.0 from the content image) reaches after 100 iterations at 256x256; each row's
time is the `elapsed` of its first log entry at or below it (1e-4 relative
slack for float round-off), and also its wall time from the call, set-up (graph
building, targets) included: --multiscale's `elapsed` includes the set-up of
its later levels, so only the second column compares it fairly with a
single-level run. At 600x800 the target is the loss graph Adam reaches
after 20 full-size steps (3 with --quick), for --multiscale against full size
from the start.

Writes bench/results/DATE[-quick].json and .md (Markdown tables) and prints the tables.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))
SMALL, LARGE = (256, 256), (600, 800)
SLACK = 1e-4
BASELINE = "art.py's own loop (baseline)"

# VGG-19 conv layers as (name, input channels, output channels, downsampling before it).
CONVS = [("conv1_1", 3, 64, 1), ("conv1_2", 64, 64, 1), ("conv2_1", 64, 128, 2), ("conv2_2", 128, 128, 2),
         ("conv3_1", 128, 256, 4), ("conv3_2", 256, 256, 4), ("conv3_3", 256, 256, 4), ("conv3_4", 256, 256, 4),
         ("conv4_1", 256, 512, 8), ("conv4_2", 512, 512, 8), ("conv4_3", 512, 512, 8), ("conv4_4", 512, 512, 8),
         ("conv5_1", 512, 512, 16)]
STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")


def step_flops(height, width):
    """FLOPs of one step through conv5_1: convolutions forward and their input gradients, Gram matrices."""
    total = 0.0
    for name, c_in, c_out, down in CONVS:
        h, w = -(-height // down), -(-width // down)
        conv = 2.0 * h * w * 9 * c_in * c_out
        total += 2 * conv  # forward + gradient with respect to the input
        if name in STYLE_LAYERS:
            total += 3 * 2.0 * h * w * c_out * c_out  # Gram forward, and its gradient (two products)
    return total


def backends():
    """The backends other than the default graph one."""
    from legacy_nst.config import FIELDS

    field = FIELDS["backend"]
    return [choice for choice in field.metadata["choices"] if choice != field.default]


class Bench:
    def __init__(self, args):
        self.args = args
        self.log = open(args.out / f"{args.stem}.worker-stderr.log", "w") if args.keep_logs else None

    def run(self, label, spec, timeout=7200):
        spec = {"weights": str(self.args.weights), "content": str(self.args.content), "style": str(self.args.style),
                **spec}
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
               "TF_CPP_MIN_LOG_LEVEL": "2", **spec.pop("env", {})}
        began = time.perf_counter()
        done = subprocess.run([sys.executable, str(REPO / "bench" / "worker.py"), json.dumps(spec)], env=env,
                              capture_output=True, text=True, timeout=timeout)
        if self.log:
            self.log.write(f"== {label}\n{done.stderr}\n")
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-3:]
            print(f"  {label}: FAILED ({' | '.join(tail)})", flush=True)
            return {"error": " | ".join(tail)}
        out = json.loads(done.stdout.strip().splitlines()[-1])
        out["process_s"] = time.perf_counter() - began
        return out


def speed_rows(size, large):
    """(label, spec) for the seconds-per-step table at `size`."""
    height, width = size
    base = dict(height=height, width=width, init="content")
    rows = [(BASELINE, dict(kind="artpy", options=dict(base, loss_every=100))),
            ("art.py-style loop, loss fetched every step", dict(kind="artpy", options=dict(base, loss_every=1))),
            ("graph adam float32", dict(kind="stylize", options=dict(base))),
            ("graph adam bfloat16", dict(kind="stylize", options=dict(base, precision="bfloat16"))),
            ("graph lbfgs float32", dict(kind="stylize", options=dict(base, optimizer="lbfgs")))]
    if not large:
        rows += [("graph lbfgs bfloat16", dict(kind="stylize", options=dict(base, optimizer="lbfgs",
                                                                             precision="bfloat16"))),
                 ("ablation: adam, TF default session", dict(kind="stylize", options=dict(base),
                                                            session="tf-defaults")),
                 ("ablation: adam, XLA auto-clustering", dict(kind="stylize", options=dict(base),
                                                             env={"TF_XLA_FLAGS": "--tf_xla_auto_jit=2 "
                                                                  "--tf_xla_cpu_global_jit"}))]
        for backend in backends():
            for optimizer in ("adam", "lbfgs"):
                rows.append((f"{backend} {optimizer} float32",
                             dict(kind="stylize", options=dict(base, optimizer=optimizer, backend=backend))))
    return rows


def measure_speed(bench, size, rounds, iterations, large=False):
    rows = speed_rows(size, large)
    results = {label: [] for label, _ in rows}
    for round_index in range(rounds):
        shift = round_index % len(rows)
        for label, spec in rows[shift:] + rows[:shift]:
            spec = json.loads(json.dumps(spec))
            spec["options"]["iterations"] = iterations
            out = bench.run(f"{label} {size}", spec)
            out["round"] = round_index
            out.pop("entries", None)
            results[label].append(out)
            median = np.median(out["step_times"]) if out.get("step_times") else float("nan")
            print(f"  [{size[0]}x{size[1]} round {round_index + 1}/{rounds}] {label}: {median:.3f} s/step "
                  f"(load {os.getloadavg()[0]:.1f})", flush=True)
    return summarize_speed(results, size)


def summarize_speed(results, size):
    flops = step_flops(*size)
    baseline = results[BASELINE]
    table = []
    for label, runs in results.items():
        good = [r for r in runs if r.get("step_times")]
        if not good:
            table.append({"row": label, "size": f"{size[1]}x{size[0]}", "error": runs[0].get("error", "no steps")})
            continue
        medians = [float(np.median(r["step_times"])) for r in good]
        ratios = [float(np.median(r["step_times"]) / np.median(b["step_times"]))
                  for r in good for b in baseline if b.get("round") == r["round"] and b.get("step_times")]
        s = float(np.median(medians))
        table.append({"row": label, "size": f"{size[1]}x{size[0]}", "s_per_step": s,
                      "s_per_step_min": float(min(min(r["step_times"]) for r in good)),
                      "round_medians": medians, "ratio_to_baseline": float(np.median(ratios)) if ratios else None,
                      "round_ratios": ratios, "gflops": flops / s / 1e9,
                      "peak_rss_mib": max(r["vmhwm_bytes"] for r in good) / 2**20,
                      "precision": good[0].get("precision")})
    return table


def first_reaching(entries, target):
    for entry in entries:
        if entry.get("scale", 1.0) == 1.0 and entry["total"] <= target * (1 + SLACK):
            return entry
    return None


def measure_targets_small(bench, args):
    height, width = SMALL
    base = dict(height=height, width=width, init="content")
    steps = args.target_steps
    image_dir = args.out / "tmp"
    image_dir.mkdir(exist_ok=True)
    spec_base = dict(kind="artpy", options=dict(base, iterations=steps, loss_every=100))
    runs = {"baseline": [bench.run("baseline (target)", spec_base)]}
    entries = runs["baseline"][0]["entries"]
    target = entries[-1]["total"]
    art_time = entries[-1]["elapsed"]
    print(f"  target at {width}x{height}: {target:.6g} (art.py-style, {steps} Adam steps, {art_time:.1f} s)",
          flush=True)
    rows = [("graph adam float32", dict(kind="stylize", options=dict(base, iterations=steps),
                                        save_image=str(image_dir / "adam-f32.npy"))),
            ("graph adam bfloat16", dict(kind="stylize", options=dict(base, iterations=steps, precision="bfloat16"),
                                         save_image=str(image_dir / "adam-bf16.npy"))),
            ("graph lbfgs float32", dict(kind="stylize", target=target,
                                         options=dict(base, optimizer="lbfgs", iterations=args.lbfgs_max))),
            ("graph lbfgs bfloat16", dict(kind="stylize", target=target,
                                          options=dict(base, optimizer="lbfgs", precision="bfloat16",
                                                       iterations=args.lbfgs_max))),
            ("graph lbfgs float32, scipy's first step", dict(kind="stylize", target=target, options=dict(
                base, optimizer="lbfgs", lbfgs_initial_step=0, iterations=args.lbfgs_max))),
            ("graph lbfgs float32, history 10", dict(kind="stylize", target=target, options=dict(
                base, optimizer="lbfgs", lbfgs_num_correction=10, iterations=args.lbfgs_max))),
            ("multiscale 0.5 lbfgs float32", dict(kind="stylize", target=target, options=dict(
                base, optimizer="lbfgs", multiscale="0.5", multiscale_iterations=args.coarse_steps,
                iterations=args.coarse_steps + args.lbfgs_max))),
            ("multiscale 0.5 lbfgs bfloat16", dict(kind="stylize", target=target, options=dict(
                base, optimizer="lbfgs", multiscale="0.5", multiscale_iterations=args.coarse_steps,
                iterations=args.coarse_steps + args.lbfgs_max, precision="bfloat16")))]
    for label, spec in rows:
        runs[label] = [bench.run(label, spec)]
        report_target(label, runs[label][0], target)
    if args.rounds > 1:  # the baseline again, after the others: its time is the mean of before and after
        runs["baseline"].append(bench.run("baseline (again)", spec_base))
        print(f"  baseline again: {runs['baseline'][1]['entries'][-1]['elapsed']:.1f} s", flush=True)
    art_times = [r["entries"][-1]["elapsed"] for r in runs["baseline"] if r.get("entries")]
    art_time = float(np.mean(art_times))
    art_walls = [r["entries"][-1]["wall"] for r in runs["baseline"] if r.get("entries")]
    table = [{"row": f"art.py's own loop, {steps} Adam steps", "size": f"{width}x{height}",
              "time_s": art_time, "times_s": art_times, "wall_s": float(np.mean(art_walls)),
              "iterations": steps, "ratio": 1.0, "wall_ratio": 1.0, "final_loss": target,
              "peak_rss_mib": max(r["vmhwm_bytes"] for r in runs["baseline"]) / 2**20}]
    for label, _ in rows:
        table.append(target_row(label, runs[label][0], target, art_time, f"{width}x{height}",
                                float(np.mean(art_walls))))
    quality = {}
    f32, bf16 = image_dir / "adam-f32.npy", image_dir / "adam-bf16.npy"
    if f32.exists() and bf16.exists():
        quality["psnr_bf16_vs_f32_db"] = psnr(np.load(f32), np.load(bf16))
        final = {label: runs[label][0]["entries"][-1]["total"] for label in ("graph adam float32",
                                                                              "graph adam bfloat16")}
        quality["final_loss_f32"], quality["final_loss_bf16"] = final["graph adam float32"], final["graph adam bfloat16"]
        quality["final_loss_ratio_bf16_to_f32"] = final["graph adam bfloat16"] / final["graph adam float32"]
        for path in (f32, bf16):
            path.unlink()
    ours = {e["iteration"]: e["total"] for e in runs["graph adam float32"][0].get("entries", [])}
    theirs = {e["iteration"]: e["total"] for e in runs["baseline"][0]["entries"]}  # art.py's: every 100 steps
    shared = sorted(set(ours) & set(theirs))
    if len(shared) > 1:
        rel = np.array([abs(ours[i] - theirs[i]) / theirs[i] for i in shared])
        quality["adam_f32_vs_baseline_max_rel_loss_diff"] = float(rel.max())
        quality["adam_f32_vs_baseline_compared_at_steps"] = shared
    image_dir.rmdir()
    return {"target": target, "steps": steps, "table": table, "quality": quality}


def measure_targets_large(bench, args):
    height, width = LARGE
    base = dict(height=height, width=width, init="content")
    steps = args.large_target_steps
    reference = bench.run("adam float32 (large target)", dict(kind="stylize", options=dict(base, iterations=steps)))
    entries = reference["entries"]
    target, adam_time = entries[-1]["total"], entries[-1]["elapsed"]
    print(f"  target at {width}x{height}: {target:.6g} (graph Adam, {steps} steps, {adam_time:.1f} s)", flush=True)
    rows = [("graph lbfgs float32, full size", dict(kind="stylize", target=target, options=dict(
                base, optimizer="lbfgs", iterations=args.large_lbfgs_max))),
            ("graph lbfgs float32, full size, scipy's first step", dict(kind="stylize", target=target, options=dict(
                base, optimizer="lbfgs", lbfgs_initial_step=0, iterations=args.large_lbfgs_max))),
            ("multiscale 0.25,0.5 lbfgs float32", dict(kind="stylize", target=target, options=dict(
                base, optimizer="lbfgs", multiscale="0.25,0.5", multiscale_iterations=args.large_coarse_steps,
                iterations=2 * args.large_coarse_steps + args.large_lbfgs_max))),
            ("multiscale 0.25,0.5 lbfgs bfloat16", dict(kind="stylize", target=target, options=dict(
                base, optimizer="lbfgs", multiscale="0.25,0.5", multiscale_iterations=args.large_coarse_steps,
                iterations=2 * args.large_coarse_steps + args.large_lbfgs_max, precision="bfloat16")))]
    table = [{"row": f"graph adam float32, {steps} steps", "size": f"{width}x{height}", "time_s": adam_time,
              "wall_s": entries[-1]["wall"], "wall_ratio": 1.0, "iterations": steps, "ratio": 1.0, "final_loss": target,
              "peak_rss_mib": reference["vmhwm_bytes"] / 2**20}]
    for label, spec in rows:
        out = bench.run(label, spec)
        report_target(label, out, target)
        table.append(target_row(label, out, target, adam_time, f"{width}x{height}", entries[-1]["wall"]))
    return {"target": target, "steps": steps, "table": table}


def report_target(label, out, target):
    hit = first_reaching(out.get("entries", []), target)
    print(f"  {label}: " + (f"target at iteration {hit['iteration']}, {hit['elapsed']:.1f} s" if hit else
                            f"target not reached ({out.get('error', 'ran out of iterations')})"), flush=True)


def target_row(label, out, target, reference_time, size, reference_wall):
    hit = first_reaching(out.get("entries", []), target)
    row = {"row": label, "size": size, "peak_rss_mib": out.get("vmhwm_bytes", 0) / 2**20}
    if "error" in out:
        row["error"] = out["error"]
    if hit:
        row.update(time_s=hit["elapsed"], iterations=hit["iteration"], ratio=hit["elapsed"] / reference_time,
                   wall_s=hit["wall"], wall_ratio=hit["wall"] / reference_wall)
    elif out.get("entries"):
        last = out["entries"][-1]
        row.update(time_s=None, iterations=None, ratio=None, note=f"not reached in {last['iteration']} iterations "
                   f"({last['elapsed']:.1f} s; loss {last['total']:.4g})")
    if out.get("entries"):
        row["final_loss"] = out["entries"][-1]["total"]
    return row


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def machine(bench, args):
    return bench.run("machine", dict(kind="machine", sizes=[list(SMALL), list(LARGE)],
                                     lbfgs_iterations=args.lbfgs_bookkeeping_iterations))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as info:
            return next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few iterations everywhere, one round (a smoke run)")
    parser.add_argument("--rounds", type=int, help="speed rounds at 256x256 (default 3; quick 1)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--weights", type=Path, default=SHARED / "weights" / "vgg19-approx.mat")
    parser.add_argument("--content", type=Path, default=SHARED / "images" / "tubingen.jpg")
    parser.add_argument("--style", type=Path, default=SHARED / "images" / "starry_night.jpg")
    parser.add_argument("--skip", nargs="*", default=[], choices=("speed", "speed-large", "target", "target-large"),
                        help="parts to leave out")
    parser.add_argument("--tag", default="", help="appended to the results' file name (DATE-TAG.md)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the workers' stderr in OUT/STEM.worker-stderr.log")
    args = parser.parse_args(argv)
    quick = args.quick
    args.rounds = args.rounds or (1 if quick else 3)
    args.speed_steps = 5 if quick else 10
    args.large_rounds = 1 if quick else 2
    args.large_speed_steps = 4 if quick else 5
    args.target_steps = 8 if quick else 100
    args.lbfgs_max = 20 if quick else 150
    args.coarse_steps = 3 if quick else 20
    args.large_target_steps = 3 if quick else 20
    args.large_lbfgs_max = 6 if quick else 30
    args.large_coarse_steps = 2 if quick else 10
    args.lbfgs_bookkeeping_iterations = 10 if quick else 100
    args.stem = datetime.date.today().isoformat() + ("-quick" if quick else "") + (f"-{args.tag}" if args.tag else "")
    return args


def main(argv=None):
    if argv is None and sys.argv[1:2] == ["--render"]:  # rebuild the Markdown from a results JSON
        path = Path(sys.argv[2])
        path.with_suffix(".md").write_text(render(json.loads(path.read_text())))
        return
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    bench = Bench(args)
    from legacy_nst.engines.session import bfloat16_unsupported_reason, cpu_flags
    from legacy_nst.record.run_record import versions

    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "quick": args.quick,
              "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), **versions(),
                          "bf16_flags": sorted(cpu_flags() & {"avx512_bf16", "amx_bf16", "amx_tile"}),
                          "bf16_unsupported_reason": bfloat16_unsupported_reason()},
              "loadavg_start": os.getloadavg(), "settings": {k: (str(v) if isinstance(v, Path) else v)
                                                             for k, v in vars(args).items()}}
    began = time.perf_counter()

    def save():  # after every part, so a run stopped early keeps what it measured
        report["loadavg_end"] = os.getloadavg()
        report["bench_minutes"] = (time.perf_counter() - began) / 60
        (args.out / f"{args.stem}.json").write_text(json.dumps(report, indent=1, default=float))
        markdown = render(report)
        (args.out / f"{args.stem}.md").write_text(markdown)
        return markdown

    print("machine peaks ...", flush=True)
    report["peaks_start"] = machine(bench, args)
    parts = [("speed", f"seconds per step at 256x256 ({args.rounds} rounds)", "speed_small",
              lambda: measure_speed(bench, SMALL, args.rounds, args.speed_steps)),
             ("target", "time to target at 256x256", "target_small", lambda: measure_targets_small(bench, args)),
             ("speed-large", f"seconds per step at 800x600 ({args.large_rounds} rounds)", "speed_large",
              lambda: measure_speed(bench, LARGE, args.large_rounds, args.large_speed_steps, large=True)),
             ("target-large", "time to target at 800x600", "target_large", lambda: measure_targets_large(bench, args))]
    for name, title, key, measure in parts:
        if name not in args.skip:
            print(f"{title} ...", flush=True)
            report[key] = measure()
            save()
    report["peaks_end"] = machine(bench, args)
    print(save())
    print(f"wrote {args.out / (args.stem + '.md')} and .json")


def _fmt(value, spec=".3f", missing="–"):
    return missing if value is None else format(value, spec)


def render(report):
    peaks = [p for p in (report.get("peaks_start"), report.get("peaks_end")) if p and "error" not in p]
    f32_peak = max(p["numpy_f32_matmul_gflops"] for p in peaks) if peaks else None
    bf16_peak = max(p["tf_bf16_matmul_gflops"] for p in peaks) if peaks else None
    m = report["machine"]
    lines = [f"# Bench results {report['date']}{' (quick smoke run)' if report['quick'] else ''}"
             f"{'' if report.get('peaks_end') else ' (partial: stopped before the end)'}", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, TensorFlow {m['tensorflow']}, numpy {m['numpy']}; "
             f"bf16 CPU flags: {', '.join(m['bf16_flags']) or 'none'}. Load average (1, 5, 15 min) at the start "
             f"{_loads(report['loadavg_start'])}, at the end {_loads(report['loadavg_end'])} "
             f"(2 cores; other developers' test runs shared them). Bench time {report['bench_minutes']:.0f} min.", ""]
    if peaks:
        lines += ["Peak estimates (best of 6, 2048² matmul, start / end of the run): numpy float32 "
                  + " / ".join(f"{p['numpy_f32_matmul_gflops']:.0f}" for p in peaks) + " GFLOP/s; TensorFlow float32 "
                  + " / ".join(f"{p['tf_f32_matmul_gflops']:.0f}" for p in peaks) + "; TensorFlow bfloat16 "
                  + " / ".join(f"{p['tf_bf16_matmul_gflops']:.0f}" for p in peaks) + " GFLOP/s.", ""]
    for key, title in (("speed_small", "Seconds per step, 256×256"), ("speed_large", "Seconds per step, 800×600")):
        if key not in report:
            continue
        lines += [f"## {title}", "",
                  "| row | s/step median | min | × baseline: median of rounds (each round) | × baseline: minima "
                  "| GFLOP/s | % of peak | peak RSS MiB |",
                  "|---|---|---|---|---|---|---|---|"]
        base_min = next((row["s_per_step_min"] for row in report[key] if row["row"] == BASELINE
                         and "error" not in row), None)
        for row in report[key]:
            if "error" in row:
                lines.append(f"| {row['row']} | failed: {row['error'][:80]} | | | | | | |")
                continue
            peak = bf16_peak if row.get("precision") == "bfloat16" else f32_peak
            percent = f"{100 * row['gflops'] / peak:.0f}%" if peak else "–"
            lines.append(f"| {row['row']} | {row['s_per_step']:.3f} | {row['s_per_step_min']:.3f} | "
                         f"{_fmt(row['ratio_to_baseline'], '.2f')} ({', '.join(f'{r:.2f}' for r in row['round_ratios'])}) | "
                         f"{_fmt(row['s_per_step_min'] / base_min if base_min else None, '.2f')} | "
                         f"{row['gflops']:.0f} | {percent} | {row['peak_rss_mib']:.0f} |")
        lines += ["", "GFLOP/s: the FLOPs one step needs (convolutions through conv5_1 forward and their input "
                  "gradients, Gram matrices; the baseline runs an extra forward pass on top) over s/step; % of "
                  "the numpy float32 peak, of the TensorFlow bfloat16 matmul peak for bfloat16 rows.", ""]
    for key, title in (("target_small", "Time to the target loss, 256×256"),
                       ("target_large", "Time to the target loss, 800×600")):
        if key not in report:
            continue
        part = report[key]
        lines += [f"## {title}", "", f"Target loss {part['target']:.6g}.", "",
                  "| row | seconds to target | × reference | with set-up: seconds | × reference | iterations "
                  "| final loss | peak RSS MiB |",
                  "|---|---|---|---|---|---|---|---|"]
        for row in part["table"]:
            note = f" ({row['note']})" if row.get("note") else (f" (failed: {row['error'][:60]})" if row.get("error")
                                                                  else "")
            lines.append(f"| {row['row']}{note} | {_fmt(row.get('time_s'), '.1f')} | {_fmt(row.get('ratio'), '.2f')} | "
                         f"{_fmt(row.get('wall_s'), '.1f')} | {_fmt(row.get('wall_ratio'), '.2f')} | "
                         f"{_fmt(row.get('iterations'), 'd')} | {_fmt(row.get('final_loss'), '.4g')} | "
                         f"{row['peak_rss_mib']:.0f} |")
        quality = part.get("quality", {})
        if quality:
            lines += ["", "Quality after the same Adam steps: " + ", ".join(
                f"{k} = {v:.4g}" for k, v in quality.items() if isinstance(v, float))]
        lines.append("")
    if peaks:
        lines += ["## Fixed costs", ""]
        for size in [key[len("image_fetch_s_"):] for key in peaks[0] if key.startswith("image_fetch_s_")]:
            fetch = [p[f"image_fetch_s_{size}"] * 1e3 for p in peaks]
            lbfgs = [p[f"lbfgs_bookkeeping_s_{size}"] for p in peaks]
            lines.append(f"- {size}: fetching the image alone {' / '.join(f'{f:.2f}' for f in fetch)} ms per step; "
                         f"scipy L-BFGS-B's own work (history 100, float64), averaged over "
                         f"{peaks[0]['lbfgs_bookkeeping_iterations']} iterations: "
                         f"{' / '.join(f'{s:.3f}' for s in lbfgs)} s per iteration")
        lines.append("")
    lines += verdicts(report)
    return "\n".join(lines) + "\n"


def _loads(loads):
    return ", ".join(f"{x:.1f}" for x in loads)


def verdicts(report):
    lines = ["## Done-when checks", ""]
    speed = {row["row"]: row for row in report.get("speed_small", []) if "error" not in row}
    if speed:
        adam, bf16 = speed.get("graph adam float32"), speed.get("graph adam bfloat16")
        base_min = speed.get(BASELINE, {}).get("s_per_step_min")
        if adam:
            lines.append(f"- float32 graph/Adam at 256×256: {adam['ratio_to_baseline']:.2f}× the baseline's s/step "
                         f"(median of rounds; ratio of minima {adam['s_per_step_min'] / base_min:.2f}) (target ≤ 0.90): "
                         f"{'met' if adam['ratio_to_baseline'] <= 0.9 else 'NOT met'}")
        quality = report.get("target_small", {}).get("quality", {})
        if bf16 and not quality:
            lines.append(f"- bfloat16 graph/Adam at 256×256: {bf16['ratio_to_baseline']:.2f}× the baseline's s/step "
                         f"(median of rounds; ratio of minima {bf16['s_per_step_min'] / base_min:.2f}) (target ≤ 0.45): "
                         f"{'met' if bf16['ratio_to_baseline'] <= 0.45 else 'NOT met'}; PSNR not measured in this run")
        elif bf16:
            psnr_value = quality.get("psnr_bf16_vs_f32_db")
            ok = bf16["ratio_to_baseline"] <= 0.45 and (psnr_value or 0) >= 30
            lines.append(f"- bfloat16 graph/Adam at 256×256: {bf16['ratio_to_baseline']:.2f}× the baseline's s/step "
                         f"(median of rounds; ratio of minima {bf16['s_per_step_min'] / base_min:.2f}) (target ≤ 0.45), PSNR vs float32 after {report.get('target_small', {}).get('steps')} "
                         f"steps {_fmt(psnr_value, '.1f')} dB (target ≥ 30): {'met' if ok else 'NOT met'}")
    target = report.get("target_small")
    if target:
        candidates = [row for row in target["table"] if row.get("ratio") is not None and "float32" in row["row"]
                      and ("lbfgs" in row["row"])]
        if candidates:
            best = min(candidates, key=lambda row: row["ratio"])
            lines.append(f"- float32 time to target at 256×256, best of L-BFGS/multiscale: {best['row']}, "
                         f"{best['time_s']:.1f} s = {best['ratio']:.2f}× the baseline's {target['steps']} steps "
                         f"(target ≤ 0.50): {'met' if best['ratio'] <= 0.5 else 'NOT met'}")
        else:
            lines.append("- float32 time to target at 256×256: no L-BFGS or multiscale row reached the target")
        drift = target.get("quality", {}).get("adam_f32_vs_baseline_max_rel_loss_diff")
        if drift is not None:
            lines.append(f"- float32 graph/Adam against the baseline, at steps {target['quality'].get('adam_f32_vs_baseline_compared_at_steps')}: max relative "
                         f"loss difference {drift:.2g} (target ≤ 1e-5): {'met' if drift <= 1e-5 else 'NOT met'}")
    large = report.get("target_large")
    if large:
        rows = {row["row"]: row for row in large["table"]}
        full = rows.get("graph lbfgs float32, full size", {}).get("wall_s")
        multi = [row for name, row in rows.items()
                 if name.startswith("multiscale") and "float32" in name and row.get("wall_s") is not None]
        if full is not None and multi:  # float32 against float32: bfloat16 would win by precision, not by levels
            best = min(multi, key=lambda row: row["wall_s"])
            lines.append(f"- 800×600, float32, set-up included: {best['row']} reaches the target in "
                         f"{best['wall_s']:.1f} s, full-size L-BFGS in {full:.1f} s: multiscale "
                         f"{'sooner' if best['wall_s'] < full else 'NOT sooner'}")
    return lines + [""]


if __name__ == "__main__":
    main()
