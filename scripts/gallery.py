#!/usr/bin/env python
"""Render the README's gallery: Tübingen in the four shared styles, as in Figure 2 of Gatys et al.

    python scripts/gallery.py --preset NAME [--out DIR] [--width W | --image-size L] [--iterations N]
                              [--precision bfloat16] ...

--preset names any legacy_nst preset (gatys, jcjohnson, anishathalye, ...);
the size and iterations are the preset's unless given (gatys has neither: the
old 256 px, 200-step gallery is `--preset gatys --width 256 --iterations 200`).

Images come from $LEGACY_NST_SHARED/images (default: ../shared/images); the
weights from --weights, else $LEGACY_NST_WEIGHTS, else ../shared/weights/vgg19-approx.mat.
Writes, into --out (default docs/gallery/PRESET), one PNG per style,
`grid.jpg` (the content photograph, then each result with its painting inset
in the corner) and `gallery.json` (settings, seconds and losses), each written
atomically and refreshed every --save-every steps (each run's status and
iterations_done say how far it got), so a long run that is stopped keeps what
it has done. `--grid-only` lays out the grid again from the PNGs already
in --out, without stylising.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from legacy_nst.io.atomic import atomic_write  # noqa: E402
from legacy_nst.config import WEIGHTS_ENV  # noqa: E402
from legacy_nst.io.images import from_network, load_image, read_image, save_image  # noqa: E402

STYLES = ("shipwreck", "starry_night", "the_scream", "seated-nude")  # Figure 2 B, C, D, E


def parse_args(argv=None):
    shared = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=shared, help="folder holding images/ (and weights/)")
    parser.add_argument("--weights",
                        help=f"VGG-19 .mat (default: ${WEIGHTS_ENV}, else SHARED/weights/vgg19-approx.mat)")
    parser.add_argument("--out", type=Path, help="output folder (default: docs/gallery/PRESET)")
    parser.add_argument("--width", type=int, help="working width (default: the preset's size)")
    parser.add_argument("--image-size", type=int, help="working size by the longest side (default: the preset's)")
    parser.add_argument("--iterations", type=int, help="optimizer steps (default: the preset's)")
    parser.add_argument("--precision", choices=("float32", "bfloat16"), default="float32",
                        help="bfloat16 convolutions (faster; the gallery.json says which)")
    parser.add_argument("--preset", default="jcjohnson", help="any legacy_nst preset (default: jcjohnson)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--styles", nargs="+", default=list(STYLES), help="style image names in SHARED/images")
    parser.add_argument("--save-every", type=int, default=50,
                        help="write the image so far and gallery.json every N steps (a stopped run keeps them)")
    parser.add_argument("--grid-only", action="store_true", help="only rebuild grid.jpg from the PNGs in --out")
    return parser.parse_args(argv)


def with_inset(result, painting, fraction=0.3, border=2):
    """The result with a small copy of the painting in its lower left corner, as in the paper's figure."""
    canvas = Image.fromarray(result)
    width = max(16, int(canvas.width * fraction))
    height = max(16, round(width * painting.shape[0] / painting.shape[1]))
    inset = Image.fromarray(painting).resize((width, height), Image.Resampling.LANCZOS)
    frame = Image.new("RGB", (width + 2 * border, height + 2 * border), "white")
    frame.paste(inset, (border, border))
    canvas.paste(frame, (0, canvas.height - frame.height))
    return np.asarray(canvas)


def save_grid(out, content, images, styles):
    """The photograph at the results' size, then each result with its painting inset."""
    results = [read_image(out / f"tubingen-{name}.png") for name in styles]
    tiles = [with_inset(result, read_image(images / f"{name}.jpg")) for result, name in zip(results, styles)]
    save_image(out / "grid.jpg", np.concatenate([load_image(content, results[0].shape[:2]), *tiles], axis=1))


def kept_runs(path, summary, styles):
    """The finished runs of an earlier gallery.json with the same settings, for styles not rendered again,
    so the gallery can be rendered a style or two at a time."""
    if not path.exists():
        return []
    earlier = json.loads(path.read_text())
    config = json.loads(json.dumps(summary["config"]))  # tuples as lists, as read back
    if any(earlier.get(key) != summary[key] for key in ("content", "preset", "precision")) or any(
            config.get(key) != value for key, value in earlier.get("config", {}).items()):
        return []  # options added since that record are compared only when it names them
    return [run for run in earlier["runs"] if run["style"].rsplit(".", 1)[0] not in styles and run["status"] == "done"]


def main(argv=None):
    args = parse_args(argv)
    args.out = args.out or REPO / "docs" / "gallery" / args.preset
    images = args.shared / "images"
    content = images / "tubingen.jpg"
    if args.grid_only:
        save_grid(args.out, content, images, args.styles)
        return
    import legacy_nst
    from legacy_nst.vgg.matfile import load_vgg19

    weights = args.weights or os.environ.get(WEIGHTS_ENV) or args.shared / "weights" / "vgg19-approx.mat"
    given = {name: value for name, value in (("width", args.width), ("image_size", args.image_size),
                                             ("iterations", args.iterations)) if value is not None}
    config = legacy_nst.Config.from_options(preset=args.preset, seed=args.seed, weights=str(weights),
                                            precision=args.precision, **given)
    vgg = load_vgg19(config.weights_path())
    args.out.mkdir(parents=True, exist_ok=True)

    runs = []
    summary = {"content": content.name, "preset": args.preset, "precision": args.precision,
               "config": {**config.to_json(), "weights": Path(str(weights)).name}, "runs": runs}
    runs.extend(kept_runs(args.out / "gallery.json", summary, args.styles))

    def write_summary():
        shown = sorted((run["style"].rsplit(".", 1)[0] for run in runs if run["iterations_done"] is not None),
                       key=lambda name: STYLES.index(name) if name in STYLES else len(STYLES))
        if shown:
            save_grid(args.out, content, images, shown)
        atomic_write(args.out / "gallery.json", json.dumps(summary, indent=1).encode())

    for name in args.styles:
        style = images / f"{name}.jpg"
        run = {"style": style.name, "status": "running", "iterations_done": None}
        runs.append(run)
        history = []

        def observe(iteration, values, image, name=name, run=run, history=history):
            """Keep the losses; every --save-every steps write the image so far and the summary."""
            history.append({"iteration": iteration, **values})
            if iteration % args.save_every == 0:
                save_image(args.out / f"tubingen-{name}.png", from_network(image, vgg.mean_pixel))
                run.update(iterations_done=iteration, last=history[-1], first=history[0])
                summary["size"] = list(image.shape[1:3])
                write_summary()
                terms = ", ".join(f"{key} {values[key]:.4g}" for key in ("total", "content", "style", "tv")
                                  if key in values)
                print(f"{name} {iteration}: {terms}, {values['elapsed']:.0f} s", flush=True)

        started = time.perf_counter()
        result = legacy_nst.stylize(str(content), str(style), config, vgg=vgg, observe=observe)
        seconds = time.perf_counter() - started
        save_image(args.out / f"tubingen-{name}.png", result.image)
        last = result.history[-1]
        run.update({"status": "done", "iterations_done": last["iteration"], "seconds": round(seconds, 1),
                    "s_per_iter": result.s_per_iter, "precision": result.precision,
                    "total_every_50": [entry["total"] for entry in result.history[::50]],
                    "weighted_last": {"content": config.beta * last["content"], "style": config.alpha * last["style"],
                                      **({"tv": config.tv_weight * last["tv"]} if "tv" in last else {})},
                    "first": result.history[0], "last": last,
                    "lbfgs_restarts": result.restarts,
                    **({"stopped_early": result.stopped_early} if result.stopped_early else {})})
        summary["size"] = list(result.size)
        write_summary()
        print(f"{name}: {seconds:.0f} s, {result.s_per_iter:.2f} s/iteration, loss {result.history[0]['total']:.3g}"
              f" -> {last['total']:.3g} (content {last['content']:.4g}, style {last['style']:.4g})", flush=True)
    print(f"wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
