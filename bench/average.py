"""What --average-iterates does to a run: the averaged image's losses beside the last iterate's, and its noise.

    python bench/average.py [--width 256] [--decays 0.9,0.99] [--out bench/results/DATE-average]

For each recipe (art.py's Adam, jcjohnson's L-BFGS, the fast schedule) it runs once without averaging and once per
decay, alternating, at the same seed. The iterates are the same in every run (averaging only changes what is
written), so the table compares the last iterate's losses with each average's ('average_losses'), and a pixel-noise
figure of each written image: the mean absolute difference between the image and its 3x3 median filter, in 0-255
levels (isolated bright or dark pixels raise it). It writes a markdown table, the JSON and a strip of 2x crops.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.ndimage import median_filter

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))

RECIPES = {
    "artpy adam 300": dict(preset="artpy", iterations=300, checkpoint_every=0),
    "jcjohnson lbfgs 200": dict(preset="jcjohnson", iterations=200),
    "fast schedule (jcjohnson objective)": dict(preset="jcjohnson", schedule="fast"),
}


def pixel_noise(image):
    """Mean |image - median3x3(image)| over the channels, 0-255 levels."""
    image = image.astype(np.float64)
    return float(np.mean(np.abs(image - median_filter(image, size=(3, 3, 1)))))


def run(recipe, decay, width, vgg):
    import legacy_nst

    started = time.perf_counter()
    result = legacy_nst.stylize(str(SHARED / "images" / "tubingen.jpg"), str(SHARED / "images" / "starry_night.jpg"),
                                vgg=vgg, seed=0, width=width, image_size=None, average_iterates=decay,
                                **RECIPES[recipe])
    last = {k: v for k, v in result.history[-1].items() if k in ("total", "content", "style", "tv")}
    return {"recipe": recipe, "decay": decay, "seconds": round(time.perf_counter() - started, 1),
            "iterate": last, "average": result.average_losses, "noise": pixel_noise(result.image),
            "image": result.image}


def crop_strip(rows, path):
    """2x crops of the same 96x96 region (the houses by the river) of every image, side by side."""
    crops = []
    for row in rows:
        image = row["image"]
        y, x = int(image.shape[0] * 0.55), int(image.shape[1] * 0.35)
        crop = Image.fromarray(image[y:y + 96, x:x + 96]).resize((192, 192), Image.Resampling.NEAREST)
        crops.append(np.asarray(crop))
    Image.fromarray(np.concatenate(crops, axis=1)).save(path)


def table(rows):
    lines = ["| recipe | decay | total (last iterate) | total (written image) | ratio | pixel noise | s |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        written = row["average"]["total"] if row["average"] else row["iterate"]["total"]
        lines.append(f"| {row['recipe']} | {row['decay'] or 'off'} | {row['iterate']['total']:.4g} | {written:.4g} | "
                     f"{written / row['iterate']['total']:.3f} | {row['noise']:.2f} | {row['seconds']} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--decays", default="0.9,0.99")
    parser.add_argument("--recipes", default=",".join(RECIPES))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / f"{time.strftime('%Y-%m-%d')}-average")
    args = parser.parse_args()
    from legacy_nst.vgg.matfile import load_vgg19

    vgg = load_vgg19(os.environ.get("LEGACY_NST_WEIGHTS") or SHARED / "weights" / "vgg19-approx.mat")
    decays = [None] + [float(d) for d in args.decays.split(",")]
    rows = []
    for recipe in args.recipes.split(","):
        for decay in decays:
            rows.append(run(recipe, decay, args.width, vgg))
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    header = (f"# --average-iterates, {time.strftime('%Y-%m-%d')}\n\n`python bench/average.py --width {args.width} "
              f"--decays {args.decays}`; CPU: {cpu}; load at the end {os.getloadavg()[0]:.1f}.\n\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{args.out}.md").write_text(header + table(rows) + "\n")
    Path(f"{args.out}.json").write_text(json.dumps([{k: v for k, v in r.items() if k != "image"} for r in rows],
                                                   indent=1))
    crop_strip(rows, f"{args.out}-crops.png")
    print(f"wrote {args.out}.md, .json, -crops.png")


if __name__ == "__main__":
    main()
