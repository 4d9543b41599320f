#!/usr/bin/env python
"""Lay out docs/any-size's picture: the print as a JPEG, and its 512 px preview beside a 100% crop of it.

    python scripts/print_figure.py PRINT.png PREVIEW.png [--out docs/any-size] [--crop X,Y] [--quality 90]

Writes OUT/print.jpg (the whole print, kept under 4 MB by lowering the JPEG
quality if needed) and OUT/preview-and-crop.jpg: the preview (the same recipe
run at 512 px) on the left, and on the right a crop of the print at 100%, as
many pixels as the preview has, from (X, Y) (default: the centre), with the
crop's place outlined on the preview.
"""
import argparse
import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from legacy_nst.io.atomic import atomic_write  # noqa: E402

MAX_BYTES = 4 * 1024 * 1024


def jpeg_bytes(image, quality):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("print_png", type=Path)
    parser.add_argument("preview_png", type=Path)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "any-size")
    parser.add_argument("--crop", help="X,Y of the crop's top left corner in the print (default: centred)")
    parser.add_argument("--quality", type=int, default=90)
    args = parser.parse_args(argv)
    full = Image.open(args.print_png).convert("RGB")
    preview = Image.open(args.preview_png).convert("RGB")
    width, height = preview.size
    if args.crop:
        x, y = (int(v) for v in args.crop.split(","))
    else:
        x, y = (full.width - width) // 2, (full.height - height) // 2
    crop = full.crop((x, y, x + width, y + height))
    scale = width / full.width
    outlined = preview.copy()
    ImageDraw.Draw(outlined).rectangle([x * scale, y * scale, (x + width) * scale, (y + height) * scale],
                                       outline="white", width=2)
    pair = Image.new("RGB", (2 * width + 8, height), "white")
    pair.paste(outlined, (0, 0))
    pair.paste(crop, (width + 8, 0))
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out / "preview-and-crop.jpg", jpeg_bytes(pair, 92))
    quality = args.quality
    data = jpeg_bytes(full, quality)
    while len(data) > MAX_BYTES and quality > 50:
        quality -= 5
        data = jpeg_bytes(full, quality)
    atomic_write(args.out / "print.jpg", data)
    print(f"{args.out / 'print.jpg'}: {full.width}x{full.height}, quality {quality}, {len(data) / 2**20:.2f} MiB; "
          f"{args.out / 'preview-and-crop.jpg'}: crop at {x},{y}")


if __name__ == "__main__":
    main()
