"""Two prints side by side at 100%: crops from the same places, and two pixel-level noise figures of each.

    python bench/print_crops.py OLD NEW [--places X,Y ...] [--size 384x288] [--out docs/any-size/crops-old-new.png]

Both prints are compared as they are stored (the old one exists only as docs/any-size's JPEG, so give the new one
as a JPEG written at the same quality too). For each place, a row: the old crop, the new crop (100%), and each
crop's centre at 2x (nearest neighbour), where isolated pixels and 2-px dot patterns show. The figures, in 0-255
levels over the whole print:
- pixel noise: mean |image - median3x3(image)| (bench/average.py's; isolated bright or dark pixels raise it);
- checkerboard: mean |x[i,j] - x[i+1,j] - x[i,j+1] + x[i+1,j+1]| / 4, the image's energy at the highest
  frequency, where 2-px dot patterns (the stride-2 layers' mark on a gradient) sit.
"""
import argparse
import io
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from average import pixel_noise

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from legacy_nst.io.atomic import atomic_write  # noqa: E402

GAP = 8


def checkerboard(image) -> float:
    """Mean absolute 2x2 alternating component, in 0-255 levels."""
    x = image.astype(np.float64)
    return float(np.mean(np.abs(x[:-1, :-1] - x[1:, :-1] - x[:-1, 1:] + x[1:, 1:])) / 4)


def row(old, new, place, size):
    """old crop | new crop | old centre 2x | new centre 2x, for the crop at `place` (x, y) of `size` (w, h)."""
    (x, y), (w, h) = place, size
    crops = [image.crop((x, y, x + w, y + h)) for image in (old, new)]
    zooms = [crop.crop((w // 4, h // 4, w * 3 // 4, h * 3 // 4)).resize((w, h), Image.NEAREST) for crop in crops]
    strip = Image.new("RGB", (4 * w + 3 * GAP, h), "white")
    for index, part in enumerate(crops + zooms):
        strip.paste(part, (index * (w + GAP), 0))
    return strip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--places", nargs="+", default=["1280,960", "1900,300"])
    parser.add_argument("--size", default="384x288")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "any-size" / "crops-old-new.png")
    args = parser.parse_args(argv)
    old, new = (Image.open(path).convert("RGB") for path in (args.old, args.new))
    if old.size != new.size:
        raise SystemExit(f"the prints differ in size ({old.size} and {new.size}); compare prints of one size")
    size = tuple(int(v) for v in args.size.split("x"))
    places = [tuple(int(v) for v in place.split(",")) for place in args.places]
    rows = [row(old, new, place, size) for place in places]
    figure = Image.new("RGB", (rows[0].width, len(rows) * (size[1] + GAP) - GAP), "white")
    for index, strip in enumerate(rows):
        figure.paste(strip, (0, index * (size[1] + GAP)))
    buffer = io.BytesIO()
    figure.save(buffer, "PNG", optimize=True)
    atomic_write(args.out, buffer.getvalue())
    figures = {name: {"pixel_noise": round(pixel_noise(np.asarray(image)), 3),
                      "checkerboard": round(checkerboard(np.asarray(image)), 3)}
               for name, image in (("old", old), ("new", new))}
    print(json.dumps({"old_file": str(args.old), "new_file": str(args.new), "places": places, "size": size, **figures}))


if __name__ == "__main__":
    main()
