"""The s/iter forecast for more workers, from a bench/ray_tiles.py result (docs/any-size.md explains the model).

    python bench/ray_tiles_forecast.py [bench/results/2026-12-05-ray-tiles.json] [--gpu-speed 50]

Model, per iteration (one gradient evaluation: two passes over the tiles):

    s/iter(W, T) = D + wall(W, T, c1) + wall(W, T, c2) + bytes(T) / bandwidth

- c1, c2: seconds per window pixel of pass 1 and pass 2 on one worker thread, fitted from the measured
  pass walls (2 workers, the measured tile): c_p = workers x wall_p / (total window pixels).
- wall(W, T, c): the tiles of core T handed out in order to the least loaded of W workers (as the
  dispatcher does), each taking c x its window's pixels; the pass ends with the busiest worker.
- D: the driver's own share (s/iter minus the two pass walls, measured).
- bytes(T): windows out and gradient windows back (float32, 3 channels), each tile's Gram matrices back
  (2.44 MB for art.py's style layers) and dL/dG out once: all through the driver's link.
- For each W, the tile T that minimises s/iter; a GPU worker is `--gpu-speed` times a CPU thread.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from legacy_nst.engines.tiles import plan_tiles  # noqa: E402

GRAMS = 2.44e6  # bytes of conv1_1..conv5_1 Gram matrices (64² + 128² + 256² + 2 x 512²) x 4
LINKS = {"10 GbE": 1.1e9, "1 GbE": 0.11e9}


def window_pixels(height, width, tile):
    return [(t.window[1] - t.window[0]) * (t.window[3] - t.window[2]) for t in plan_tiles(height, width, tile, 80)]


def wall(pixels, workers, per_pixel):
    loads = [0.0] * workers
    for count in pixels:
        index = loads.index(min(loads))
        loads[index] += per_pixel * count
    return max(loads)


def moved(pixels):
    return sum(pixels) * 3 * 4 * 2 + len(pixels) * GRAMS + GRAMS


def forecast(result, workers, speed=1.0, link=1.1e9, tile=None):
    """(s/iter, tile, tiles) of `tile`, or of the best tile, for `workers` workers."""
    width, height = (int(v) for v in result["size"].split("x"))
    runs = [r for r in result["runs"] if r["workers"]]
    pass_1 = statistics.median(statistics.median(p for p, _ in r["pass_seconds"] if p) for r in runs)
    pass_2 = statistics.median(statistics.median(p for _, p in r["pass_seconds"] if p) for r in runs)
    measured = window_pixels(height, width, int(result["tile"]))
    c1, c2 = (result["workers"] * p / sum(measured) for p in (pass_1, pass_2))
    driver = statistics.median(r["s_per_iter"] for r in runs) - pass_1 - pass_2
    options = []
    for core in [tile] if tile else range(96, max(height, width) + 16, 16):
        pixels = window_pixels(height, width, core)
        seconds = driver + (wall(pixels, workers, c1) + wall(pixels, workers, c2)) / speed + moved(pixels) / link
        options.append((seconds, core, len(pixels)))
    return min(options)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", nargs="?", default=str(REPO / "bench" / "results" / "2026-12-05-ray-tiles.json"))
    parser.add_argument("--gpu-speed", type=float, default=50.0)
    args = parser.parse_args()
    result = json.loads(Path(args.result).read_text())
    print(f"| workers | CPU threads, tile {result['tile']}, 10 GbE | " + " | ".join(f"CPU threads, {name}" for name in LINKS)
          + " | " + " | ".join(f"GPUs (x{args.gpu_speed:g}), {name}" for name in LINKS) + " |")
    print("|---" * (2 + 2 * len(LINKS)) + "|")
    for workers in (2, 4, 16, 64):
        cells = [forecast(result, workers, tile=int(result["tile"]))]
        cells += [forecast(result, workers, speed, link) for speed in (1.0, args.gpu_speed) for link in LINKS.values()]
        print(f"| {workers} | " + " | ".join(f"{s:.1f} s (tile {t}, {n} tiles)" for s, t, n in cells) + " |")


if __name__ == "__main__":
    main()
