"""How much memory a run needs, how much there is, and the largest size that fits.

The estimate is the whole process's peak RSS (what `/usr/bin/time -v` and the kernel's out-of-memory killer see:
Python, TensorFlow's runtime, the loaded weights, the decoded inputs and every array the run makes), a model
fitted to runs measured as a user starts them (bench/memory_peak.py, bench/results/2026-12-07-memory-peak.md):

    untiled:  peak = P + W·weights + F·maps(H, W) + optimizer(H·W) + I·image(H·W)
    tiled:    peak = P + T + W·weights + Fw·maps(window) + optimizer(H·W) + (I + It)·image(H·W) + content targets

P (PROCESS_BYTES) is the process before the first step (interpreter, TensorFlow, its thread pools and oneDNN,
the .mat weights, the decoded inputs); T (TILE_NETWORK_BYTES) a tiled run's second graph, the tile network;
W·weights the graph's constants and the runtime's copies of them; maps(h, w) the float32 outputs of every layer
up to the deepest one in use (the forward pass keeps them for the gradient, the backward pass makes as many
again: F copies of the whole image's, Fw of one window's in a tiled run, which differentiates one window at a
time and frees it); optimizer the optimizer's image-sized state (2·M copies of the image for L-BFGS); image(h·w)
one float32 image, of which a run keeps I (content, style, start, the variable, its gradient, the fetched copy,
the checkpoint snapshot) and a tiled run It more (the summed gradient, temporaries); content
targets the conv4_2 features of the whole image a tiled run keeps. The constants and where they come from are
below. The estimate is checked before the graph is built against the memory the whole process can have (what is
available plus what it already holds), so a size that cannot fit is refused in a second rather than after
minutes of swapping.
"""
import dataclasses
import math
import os
from dataclasses import dataclass
from typing import Optional

from ..engines.tiles import GRID, check_tile, halo_for, window_lengths
from ..errors import ConfigError
from ..optim.optimizers import first_order
from ..losses.terms import content_layers
from ..problem import layers_in_use
from ..vgg19 import CONV_SHAPES, MIN_SIZE, channels, deepest_layer, layer_sequence, positions

GB = 1e9
FLOAT32 = 4
FLOAT64 = 8

# Fitted on the whole process's peak RSS (VmHWM) of runs in fresh processes, float32, the constants chosen to
# make the largest error over every row smallest (bench/memory_peak.py: bench/results/2026-12-07-memory-peak.md,
# untiled 256x256 to 1600x1200 and tiled; with bench/memory_estimate.py's 2026-12-05 rows as baseline + peak, up
# to 6000x4000 tiled): the process before its first step, 1.3 GB (Python, TensorFlow and its thread pools, oneDNN,
# the .mat weights and the decoded inputs; the 2026-12-05 model left out the 0.7 GB held once the weights were
# loaded), the runtime's copies of the graph's constants, the feature maps (2.74 copies of the whole image's; 1.24
# of one window's in a tiled run) and, when tiled, 0.30 GB for the tile network's own graph and session and five
# more image-sized arrays. Largest error: 6% untiled, 3% tiled.
PROCESS_BYTES = 1.295 * GB
TILE_NETWORK_BYTES = 0.30 * GB
WEIGHT_COPIES = 3.0
FEATURE_MAP_COPIES = 2.74
WINDOW_FEATURE_MAP_COPIES = 1.24
# The estimate is within 10% of measured peaks either way, so a run is planned into 90% of the memory the process
# can have: what is free plus what it holds (an explicit --memory-limit is the whole process's, taken as it is).
HEADROOM = 0.9
# Image-sized float32 arrays besides the slots: content, style, start image, the
# variable, its gradient, the fetched copy and the checkpoint snapshot.
IMAGE_COPIES = 8
# --average-iterates: the float64 running sum (two float32 images' bytes) and the average handed on.
AVERAGE_COPIES = 3


@dataclass(frozen=True)
class Estimate:
    """The whole process's peak memory in a run, in bytes, by part (`runtime`: the process before its first
    step, and a tiled run's tile network)."""

    height: int
    width: int
    runtime: int
    weights: int
    feature_maps: int
    optimizer: int
    images: int
    tile: Optional[int] = None  # the core size of a tiled run, None untiled
    halo: Optional[int] = None

    @property
    def total(self) -> int:
        return self.runtime + self.weights + self.feature_maps + self.optimizer + self.images


def feature_map_bytes(height, width, deepest, pooling="avg"):
    """Bytes of the float32 outputs of every layer up to `deepest` (SAME pooling rounds up)."""
    total = 0
    for name in layer_sequence(pooling):
        if not name.startswith("conv"):
            height, width = math.ceil(height / 2), math.ceil(width / 2)
        total += height * width * channels(name) * FLOAT32
        if name == deepest:
            break
    return total


def weight_bytes(deepest, pooling="avg"):
    total = 0
    for name in layer_sequence(pooling):
        if name in CONV_SHAPES:
            total += (math.prod(CONV_SHAPES[name]) + CONV_SHAPES[name][3]) * FLOAT32
        if name == deepest:
            break
    return total


def optimizer_bytes(height, width, config, tiled=False):
    pixels = height * width * 3
    if config.optimizer == "lbfgs" and (tiled or config.lbfgs_implementation == "float32"):
        # optim.lbfgs_float32 (always when tiled): m float32 pairs (s, y) plus x, g, the direction and the
        # trial point's x and g
        return (2 * config.lbfgs_num_correction + 5) * pixels * FLOAT32
    if config.optimizer == "lbfgs":
        # scipy's L-BFGS-B workspace: 2·M float64 correction vectors. Its other image-sized arrays did not raise
        # the measured peak at M = 5 or 20 (the peak is the gradient's feature maps), so they are not counted.
        return 2 * config.lbfgs_num_correction * pixels * FLOAT64
    return first_order(config.optimizer).slots * pixels * FLOAT32


def image_copies(config):
    """Image-sized float32 arrays a run keeps besides the optimizer's own."""
    return IMAGE_COPIES + (AVERAGE_COPIES if config.average_iterates else 0)


def estimate(height, width, config) -> Estimate:
    """The modelled peak memory of a run at `height` x `width` with `config`."""
    deepest = deepest_layer(layers_in_use(config), config.pooling)
    return Estimate(
        height=height, width=width, runtime=int(PROCESS_BYTES),
        weights=int(WEIGHT_COPIES * weight_bytes(deepest, config.pooling)),
        feature_maps=int(FEATURE_MAP_COPIES * feature_map_bytes(height, width, deepest, config.pooling)),
        optimizer=int(optimizer_bytes(height, width, config)),
        images=image_copies(config) * height * width * 3 * FLOAT32)


# Image-sized float32 arrays a tiled run adds (fitted): the summed gradient, the TV term's temporaries and the
# optimizer step's.
TILED_IMAGE_COPIES = 5


def content_feature_bytes(height, width, config):
    """The content targets a tiled run keeps for the whole image (conv4_2: pixels/64 x 512 channels)."""
    return sum(positions((height, width), name) * CONV_SHAPES[name][3] * FLOAT32 for name, _ in content_layers(config))


def tiled_estimate(height, width, config, core) -> Estimate:
    """The modelled peak memory of a tiled run: the largest window's feature maps, one graph's weights, and
    the image-sized arrays (image, gradient, optimizer state, content targets)."""
    deepest = deepest_layer(layers_in_use(config), config.pooling)
    halo = halo_for(layers_in_use(config), config.pooling)
    rows, cols = window_lengths(height, core, halo), window_lengths(width, core, halo)
    return Estimate(
        height=height, width=width, runtime=int(PROCESS_BYTES + TILE_NETWORK_BYTES),
        weights=int(WEIGHT_COPIES * weight_bytes(deepest, config.pooling)),  # one graph serves every window shape
        feature_maps=int(WINDOW_FEATURE_MAP_COPIES * feature_map_bytes(max(rows), max(cols), deepest,
                                                                       config.pooling)),
        optimizer=int(optimizer_bytes(height, width, config, tiled=True)),
        images=(image_copies(config) + TILED_IMAGE_COPIES) * height * width * 3 * FLOAT32
        + content_feature_bytes(height, width, config),
        tile=core, halo=halo)


def peak_estimate(height, width, config, core=None) -> Estimate:
    """The whole process's modelled peak at `height` x `width`: untiled (`core` None) or in tiles of `core`. The
    one function the plan's printed peak, the --memory-limit check and --tile auto's choice all read."""
    return estimate(height, width, config) if core is None else tiled_estimate(height, width, config, core)


def largest_fitting_tile(height, width, config, limit) -> Optional[Estimate]:
    """The tiled estimate with the largest core (a multiple of 16, at least the halo) within `limit`."""
    halo = halo_for(layers_in_use(config), config.pooling)
    smallest = max(GRID, halo)
    for core in range(GRID * math.ceil(max(height, width) / GRID), smallest - 1, -GRID):
        needed = peak_estimate(height, width, config, core)
        if needed.total <= limit:
            return needed
    return None


def _meminfo_available(path="/proc/meminfo"):
    try:
        with open(path) as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _read_int(path):
    try:
        with open(path) as handle:
            text = handle.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cgroup_available(root="/sys/fs/cgroup"):
    """Room left under a container's memory limit (cgroup v2, then v1), or None if unlimited."""
    for limit_file, usage_file, stat_file, inactive_key in (
            ("memory.max", "memory.current", "memory.stat", "inactive_file"),
            ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes", "memory/memory.stat",
             "total_inactive_file")):
        limit = _read_int(os.path.join(root, limit_file))
        usage = _read_int(os.path.join(root, usage_file))
        if limit is None or usage is None or limit >= 1 << 60:
            continue
        inactive = 0  # page cache the kernel can drop counts as available, as in MemAvailable
        try:
            with open(os.path.join(root, stat_file)) as stat:
                for line in stat:
                    key, _, value = line.partition(" ")
                    if key == inactive_key:
                        inactive = int(value)
        except (OSError, ValueError):
            pass
        return max(0, limit - usage + inactive)
    return None


def available_bytes():
    """Memory this process can still take: MemAvailable, or less under a container's limit."""
    candidates = [n for n in (_meminfo_available(), _cgroup_available()) if n is not None]
    return min(candidates) if candidates else None


def resident_bytes(path="/proc/self/status") -> int:
    """What this process holds now (VmRSS; 0 when unknown): part of the peak the estimate models."""
    try:
        with open(path) as status:
            return next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


def memory_limit_bytes(config) -> Optional[int]:
    """--memory-limit in bytes (the whole process's), or HEADROOM of what the whole process can have: what is
    available plus what it already holds; None when the check is off (--memory-limit 0) or nothing is known."""
    if config.memory_limit is not None:
        return None if config.memory_limit == 0 else int(config.memory_limit * GB)
    available = available_bytes()
    return None if available is None else int(HEADROOM * (available + resident_bytes()))


def largest_fitting(height, width, config, limit) -> Optional[tuple]:
    """The largest (height, width) with the same aspect ratio whose untiled estimate is within `limit`."""
    return _largest_scaled(height, width, lambda h, w: peak_estimate(h, w, config).total <= limit)


def largest_fitting_tiled(height, width, config, limit) -> Optional[tuple]:
    """The largest (height, width) with the same aspect ratio that fits with some tile (the smallest core)."""
    core = max(GRID, halo_for(layers_in_use(config), config.pooling))
    return _largest_scaled(height, width, lambda h, w: peak_estimate(h, w, config, core).total <= limit)


def _largest_scaled(height, width, fits) -> Optional[tuple]:
    """The largest (height, width) scaled down with its aspect ratio kept for which `fits(h, w)`, by bisection
    on the scale between the smallest size the network takes and 1; None when even that does not fit."""
    def scaled(scale):
        return max(1, round(height * scale)), max(1, round(width * scale))

    low, high = MIN_SIZE / min(height, width), 1.0
    if not (min(scaled(low)) >= MIN_SIZE and fits(*scaled(low))):
        return None
    for _ in range(40):
        middle = (low + high) / 2
        h, w = scaled(middle)
        low, high = (middle, high) if min(h, w) >= MIN_SIZE and fits(h, w) else (low, middle)
    return max(MIN_SIZE, round(height * low)), max(MIN_SIZE, round(width * low))


def evaluation_estimate(height, width, config) -> Estimate:
    """The estimate of one untiled evaluation without an optimizer (scoring): a run's, less its optimizer state."""
    return dataclasses.replace(estimate(height, width, config), optimizer=0)


def check_evaluation_fits(height, width, config, limit=None) -> Estimate:
    """evaluation_estimate; ConfigError if it cannot fit in `limit` bytes (default: --memory-limit or what is
    available), naming the largest size that does."""
    limit = memory_limit_bytes(config) if limit is None else limit
    needed = evaluation_estimate(height, width, config)
    if limit is None or needed.total <= limit:
        return needed
    fitting = _largest_scaled(height, width, lambda h, w: evaluation_estimate(h, w, config).total <= limit)
    fix = f"score at {fitting[1]}x{fitting[0]} (--width {fitting[1]} --height {fitting[0]})" if fitting else \
        "free some memory"
    raise ConfigError(f"scoring at {width}x{height} needs about {needed.total / GB:.1f} GB of memory but only "
                      f"{limit / GB:.1f} GB is available; {fix} (or skip the estimate with --memory-limit 0)")


def check_fits(height, width, config, limit=None) -> Estimate:
    """The run's estimate, tiled or not as --tile says; ConfigError if it cannot fit in `limit` bytes
    (default: --memory-limit or what is available). --tile auto tiles only when the untiled run does not
    fit, with the largest core that does; a refused untiled run is offered the tiled run that fits."""
    limit = memory_limit_bytes(config) if limit is None else limit
    if config.tile not in ("auto", "off"):
        core = int(config.tile)
        check_tile(core, halo_for(layers_in_use(config), config.pooling))
        needed = peak_estimate(height, width, config, core)
    else:
        needed = peak_estimate(height, width, config)
    if limit is None or needed.total <= limit:
        return needed
    tiled = largest_fitting_tile(height, width, config, limit)
    if config.tile == "auto" and tiled is not None:
        return tiled
    if tiled is None and config.tile != "off":  # what the smallest tiles would still need
        needed = peak_estimate(height, width, config, max(GRID, halo_for(layers_in_use(config), config.pooling)))
    advice = []
    if tiled is not None:
        advice.append(f"the tiled run fits: --tile {tiled.tile} (or auto)")
    even_tiled = tiled is None and config.tile != "off"  # no tile fits: name the largest size some tile fits
    fitting = (largest_fitting_tiled if even_tiled else largest_fitting)(height, width, config, limit)
    if fitting is not None:
        fit_h, fit_w = fitting
        advice.append(f"the largest size that fits{' even tiled' if even_tiled else ''} is {fit_w}x{fit_h}: "
                      f"--width {fit_w} --height {fit_h}")
    if config.optimizer == "lbfgs":
        advice.append(f"lower --lbfgs-num-correction (now {config.lbfgs_num_correction})")
    if not advice:
        advice = ["free some memory"]
    # No --multiscale advice: its last level runs at the full size, so it needs the same peak memory.
    raise ConfigError(f"size {width}x{height} needs about {needed.total / GB:.1f} GB of memory"
                      f"{' even tiled' if tiled is None and config.tile != 'off' else ''} but only "
                      f"{limit / GB:.1f} GB is available; {', or '.join(advice)} "
                      f"(the estimate can be skipped with --memory-limit 0)")

