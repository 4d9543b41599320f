"""One bench row in a fresh process: run it, then print one JSON line (timings, losses, peak memory).

A fresh process per row keeps rows from sharing thread pools, caches or
memory peaks: VmHWM is this row's own peak resident memory. run.py starts it as
`python bench/worker.py '<row spec as JSON>'`.

Row kinds:
  stylize  legacy_nst.stylize with `options`; `session: "tf-defaults"` swaps in
           TensorFlow's default ConfigProto (the ablation of our session set-up)
  artpy    the art.py-style baseline (bench/artpy_graph.py)
  machine  peak GFLOP/s estimates and fixed per-step costs (no network run)
"""
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


class TargetReached(Exception):
    """Raised from the observer to end a time-to-target run early."""


def peak_rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))


def step_times(entries, optimizer):
    """Per-step seconds from the entries' elapsed, the first step (warm-up) left out.

    Adam: entry i is logged right after step i+1's run, and the last entry after a
    loss-only run, so that difference is dropped. L-BFGS: entry i follows iteration i.
    """
    elapsed = [entry["elapsed"] for entry in entries]
    if optimizer == "lbfgs":
        return list(np.diff(elapsed[1:]))[1:]
    return list(np.diff(elapsed))[1:-1] if len(elapsed) > 3 else []


def run_stylize(spec, images):
    """legacy_nst.stylize with spec["options"]. The target counts only entries at full size (scale 1)
    computed in float32 (a bfloat16 loss is approximate; with --float32-finish the finish's first entry is
    the float32 loss of the bfloat16 image)."""
    import tensorflow as tf

    from legacy_nst.engines import graph as graph_engine
    from legacy_nst.run.api import stylize
    from legacy_nst.vgg.matfile import load_vgg19

    if spec.get("session") == "tf-defaults":
        graph_engine.session_config = lambda precision="float32", training=False: tf.compat.v1.ConfigProto()
    vgg = load_vgg19(spec["weights"])
    target = spec.get("target")
    entries = []

    def observe(iteration, values, image):
        exact = values.get("precision", "float32") == "float32"
        entries.append({"iteration": iteration, **values, "wall": time.perf_counter() - began, "exact": exact,
                        "cpu": time.process_time() - cpu_began})
        if (target is not None and exact and values.get("scale", 1.0) == 1.0 and values["total"] <= target):
            if spec.get("save_image_at_target"):  # network space; the image at the target, for the eye
                np.save(spec["save_image_at_target"], image)
            raise TargetReached

    began, cpu_began = time.perf_counter(), time.process_time()
    out = {}
    try:
        result = stylize(images["content"], images["style"], vgg=vgg, observe=observe,
                         weights=spec["weights"], **spec["options"])
        out["precision"] = result.precision
        if spec.get("save_image"):
            np.save(spec["save_image"], result.image)
    except TargetReached:
        pass
    out["wall_s"] = time.perf_counter() - began
    out["entries"] = entries
    out["step_times"] = step_times([e for e in entries if e.get("scale", 1.0) == 1.0],
                                   spec["options"].get("optimizer", "adam"))
    return out


def run_artpy(spec, images):
    """The art.py-style baseline. options: height, width, iterations, init (content|noise), seed,
    noise_ratio (0.6), kernel_layout (tf|artpy), loss_every (1: every step; 100: art.py's own loop)."""
    from artpy_graph import run
    from legacy_nst.io.images import resize, to_network
    from legacy_nst.vgg.matfile import load_vgg19

    options = spec["options"]
    vgg = load_vgg19(spec["weights"])
    height, width = options["height"], options["width"]
    content = to_network(resize(images["content"], (height, width)), vgg.mean_pixel)
    style = to_network(resize(images["style"], (height, width)), vgg.mean_pixel)
    start = content
    if options.get("init", "content") == "noise":  # art.py's generate_noise_image after np.random.seed(seed)
        noise = np.random.RandomState(options.get("seed")).uniform(-20, 20, content.shape).astype(np.float32)
        ratio = options.get("noise_ratio", 0.6)
        start = (noise * ratio + content * (1.0 - ratio)).astype(np.float32)
    entries, steps, cpu = [], [], []
    began, cpu_began = time.perf_counter(), time.process_time()
    image = run(vgg, content, style, start, options["iterations"],
                lambda i, total, elapsed: entries.append({"iteration": i, "total": total, "elapsed": elapsed,
                                                          "wall": time.perf_counter() - began,
                                                          "cpu": time.process_time() - cpu_began}),
                loss_every=options.get("loss_every", 1), kernel_layout=options.get("kernel_layout", "tf"),
                on_step=lambda i, elapsed: (steps.append(elapsed), cpu.append(time.process_time())))
    wall = time.perf_counter() - began
    if spec.get("save_image"):
        np.save(spec["save_image"], image)
    # Step i's time: from the end of step i-1 (or of the loss fetch after it) to the end of step i's
    # train run, plus the loss fetch when the loop fetches after every step. Step 1 (warm-up) left out.
    ends = {e["iteration"]: e["elapsed"] for e in entries}
    times = []
    for i in range(2, len(steps) + 1):
        previous = ends.get(i - 1, steps[i - 2])
        fetch = ends[i] - steps[i - 1] if options.get("loss_every", 1) == 1 and i in ends else 0.0
        times.append(steps[i - 1] - previous + fetch)
    # CPU seconds per step (this process, all its threads), loss fetches included: robust to a loaded machine.
    cpu_steps = list(np.diff(cpu))
    return {"wall_s": wall, "entries": entries, "step_times": times, "cpu_step_times": cpu_steps,
            "precision": "float32"}


def run_machine(spec, images):
    """Peak-rate estimates and fixed costs, each the best of a few repetitions."""
    import scipy.optimize
    import tensorflow as tf

    out = {}
    a = np.random.RandomState(0).standard_normal((2048, 2048)).astype(np.float32)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(6))
    out["numpy_f32_matmul_gflops"] = 2 * 2048**3 / best / 1e9
    for name, dtype in (("tf_f32_matmul_gflops", tf.float32), ("tf_bf16_matmul_gflops", tf.bfloat16)):
        with tf.Graph().as_default(), tf.compat.v1.Session() as sess:
            v = tf.compat.v1.Variable(a)  # a variable, so grappler cannot fold the product away
            x = tf.cast(v, dtype)
            y = tf.reduce_sum(tf.cast(tf.matmul(x, x), tf.float32))
            sess.run(v.initializer)
            sess.run(y)
            best = min(_timed(lambda: sess.run(y)) for _ in range(6))
        out[name] = 2 * 2048**3 / best / 1e9
    # The largest saving that skipping the per-step image fetch could bring: fetching the image alone.
    for height, width in spec["sizes"]:
        with tf.Graph().as_default(), tf.compat.v1.Session() as sess:
            v = tf.compat.v1.Variable(np.zeros((1, height, width, 3), np.float32))
            image = tf.identity(v)
            sess.run(v.initializer)
            sess.run(image)
            out[f"image_fetch_s_{height}x{width}"] = float(np.median([_timed(lambda: sess.run(image))
                                                                      for _ in range(20)]))
        # scipy L-BFGS-B's own bookkeeping per iteration (history 100, float64) on a cheap quadratic.
        n = height * width * 3
        scale = np.random.RandomState(1).uniform(1, 100, n)
        inside = [0.0]

        def quadratic(x):
            began = time.perf_counter()
            g = scale * x
            value = 0.5 * float(g @ x)
            inside[0] += time.perf_counter() - began
            return value, g

        iterations = spec["lbfgs_iterations"]
        began = time.perf_counter()
        result = scipy.optimize.minimize(quadratic, np.ones(n), jac=True, method="L-BFGS-B",
                                         options=dict(maxiter=iterations, maxcor=100, ftol=0, gtol=0))
        out[f"lbfgs_bookkeeping_s_{height}x{width}"] = (time.perf_counter() - began - inside[0]) / result.nit
    out["lbfgs_bookkeeping_iterations"] = spec["lbfgs_iterations"]
    return out


def _timed(call):
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def main():
    spec = json.loads(sys.argv[1])
    images = {}
    if spec["kind"] != "machine":
        from legacy_nst.io.images import read_image

        images = {"content": read_image(spec["content"]), "style": read_image(spec["style"])}
    kinds = {"stylize": run_stylize, "artpy": run_artpy, "machine": run_machine}
    out = kinds[spec["kind"]](spec, images)
    out["vmhwm_bytes"] = peak_rss()
    out["loadavg_end"] = os.getloadavg()
    print(json.dumps(out, default=float))


if __name__ == "__main__":
    main()
