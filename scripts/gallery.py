#!/usr/bin/env python
"""Render the README's gallery: Tübingen in the four shared styles, as in Figure 2 of Gatys et al.

    python scripts/gallery.py [--out docs/gallery] [--width 256] [--iterations 200] [--preset gatys] ...

Images come from $LEGACY_NST_SHARED/images (default: ../shared/images); the
weights from --weights, else $LEGACY_NST_WEIGHTS, else ../shared/weights/vgg19-approx.mat.
Writes one PNG per style, `grid.jpg` (the content photograph, then each result
with its painting inset in the corner) and `gallery.json` (settings, seconds
and losses), each written atomically. `--grid-only` lays out the grid again
from the PNGs already in --out, without stylising.
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
from legacy_nst.io.images import load_image, read_image, save_image  # noqa: E402

STYLES = ("shipwreck", "starry_night", "the_scream", "seated-nude")  # Figure 2 B, C, D, E


def parse_args(argv=None):
    shared = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=shared, help="folder holding images/ (and weights/)")
    parser.add_argument("--weights",
                        help=f"VGG-19 .mat (default: ${WEIGHTS_ENV}, else SHARED/weights/vgg19-approx.mat)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "gallery")
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--preset", default="gatys")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--styles", nargs="+", default=list(STYLES), help="style image names in SHARED/images")
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


def main(argv=None):
    args = parse_args(argv)
    images = args.shared / "images"
    content = images / "tubingen.jpg"
    if args.grid_only:
        save_grid(args.out, content, images, args.styles)
        return
    import legacy_nst
    from legacy_nst.vgg.matfile import load_vgg19

    weights = args.weights or os.environ.get(WEIGHTS_ENV) or args.shared / "weights" / "vgg19-approx.mat"
    config = legacy_nst.Config.from_options(preset=args.preset, width=args.width, iterations=args.iterations,
                                            seed=args.seed, weights=str(weights))
    vgg = load_vgg19(config.weights_path())
    args.out.mkdir(parents=True, exist_ok=True)

    runs = []
    for name in args.styles:
        style = images / f"{name}.jpg"
        started = time.perf_counter()
        result = legacy_nst.stylize(str(content), str(style), config, vgg=vgg)
        seconds = time.perf_counter() - started
        save_image(args.out / f"tubingen-{name}.png", result.image)
        runs.append({"style": style.name, "seconds": round(seconds, 1), "s_per_iter": result.s_per_iter,
                     "total_every_50": [entry["total"] for entry in result.history[::50]],
                     "first": result.history[0], "last": result.history[-1]})
        print(f"{name}: {seconds:.0f} s, {result.s_per_iter:.2f} s/iteration, loss {result.history[0]['total']:.3g}"
              f" -> {result.history[-1]['total']:.3g}", flush=True)

    save_grid(args.out, content, images, args.styles)
    summary = {"content": content.name, "preset": args.preset, "config": {**config.to_json(), "weights": Path(
        str(weights)).name}, "size": list(result.size), "runs": runs}
    atomic_write(args.out / "gallery.json", json.dumps(summary, indent=1).encode())
    print(f"wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
