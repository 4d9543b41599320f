"""How much memory a run needs, how much there is, and the largest size that fits.

The estimate is a model fitted to measured peak RSS (bench/memory_estimate.py):
a fixed cost of the TensorFlow runtime and the graph's weight constants, a
multiple of the feature maps of every layer up to the deepest one in use (the
forward pass keeps them for the gradient, the backward pass makes as many
again), and the optimizer's own state, which for L-BFGS is 2·M float64 copies
of the image. It is checked before the graph is built, so a size that cannot
fit is refused in a second rather than after minutes of swapping.
"""
import math
import os
from dataclasses import dataclass
from typing import Optional

from ..errors import ConfigError
from ..problem import layers_in_use
from ..vgg.spec import CONV_SHAPES, MIN_SIZE, channels, deepest_layer, layer_sequence

GB = 1e9
FLOAT32 = 4
FLOAT64 = 8

# Fitted on peak RSS above the process's RSS once the weights are loaded
# (bench/memory_estimate.py; figures in the README): the runtime's thread pools,
# oneDNN and Grappler's copies of the constants, and the feature maps.
RUNTIME_BYTES = 1.1 * GB
WEIGHT_COPIES = 3.0
FEATURE_MAP_COPIES = 2.5
# Slot variables (image-sized float32 arrays) of the tf.compat.v1 optimizers.
OPTIMIZER_SLOTS = {"adam": 2, "sgd": 0, "momentum": 1, "rmsprop": 2, "adagrad": 1}
# Image-sized float32 arrays besides the slots: content, style, start image, the
# variable, its gradient, the fetched copy and the checkpoint snapshot.
IMAGE_COPIES = 8


@dataclass(frozen=True)
class Estimate:
    """Peak memory a run needs above what the process already holds, in bytes, by part."""

    height: int
    width: int
    runtime: int
    weights: int
    feature_maps: int
    optimizer: int
    images: int

    @property
    def total(self) -> int:
        return self.runtime + self.weights + self.feature_maps + self.optimizer + self.images

    def describe(self) -> str:
        return (f"{self.width}x{self.height}: about {self.total / GB:.1f} GB (feature maps {self.feature_maps / GB:.2f}, "
                f"optimizer {self.optimizer / GB:.2f}, weights and runtime {(self.runtime + self.weights) / GB:.2f})")


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


def optimizer_bytes(height, width, config):
    pixels = height * width * 3
    if config.optimizer == "lbfgs":
        # scipy's L-BFGS-B workspace: 2·M correction vectors plus about a dozen
        # image-sized float64 arrays (x, gradient, search direction, bounds...).
        return (2 * config.lbfgs_num_correction + 12) * pixels * FLOAT64
    return OPTIMIZER_SLOTS.get(config.optimizer, 2) * pixels * FLOAT32


def estimate(height, width, config) -> Estimate:
    """The modelled peak memory of a run at `height` x `width` with `config`."""
    deepest = deepest_layer(layers_in_use(config), config.pooling)
    return Estimate(
        height=height, width=width, runtime=int(RUNTIME_BYTES),
        weights=int(WEIGHT_COPIES * weight_bytes(deepest, config.pooling)),
        feature_maps=int(FEATURE_MAP_COPIES * feature_map_bytes(height, width, deepest, config.pooling)),
        optimizer=int(optimizer_bytes(height, width, config)),
        images=IMAGE_COPIES * height * width * 3 * FLOAT32)


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


def memory_limit_bytes(config) -> Optional[int]:
    """--memory-limit in bytes; None when the check is off (--memory-limit 0) or nothing is known."""
    if config.memory_limit is not None:
        return None if config.memory_limit == 0 else int(config.memory_limit * GB)
    return available_bytes()


def largest_fitting(height, width, config, limit) -> Optional[tuple]:
    """The largest (height, width) with the same aspect ratio whose estimate is within `limit`."""
    def fits(scale):
        h, w = max(1, round(height * scale)), max(1, round(width * scale))
        return min(h, w) >= MIN_SIZE and estimate(h, w, config).total <= limit

    low, high = 0.0, 1.0
    if not fits(MIN_SIZE / min(height, width)):
        return None
    low = MIN_SIZE / min(height, width)
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return max(MIN_SIZE, round(height * low)), max(MIN_SIZE, round(width * low))


def check_fits(height, width, config, limit=None) -> Estimate:
    """Raise ConfigError if the run cannot fit in `limit` bytes (default: --memory-limit or what is available)."""
    needed = estimate(height, width, config)
    limit = memory_limit_bytes(config) if limit is None else limit
    if limit is None or needed.total <= limit:
        return needed
    fitting = largest_fitting(height, width, config, limit)
    if fitting is None:
        advice = ["free some memory"]
    else:
        fit_h, fit_w = fitting
        advice = [f"the largest size that fits is {fit_w}x{fit_h}: --width {fit_w} --height {fit_h}"]
        if config.optimizer == "lbfgs":
            advice.append(f"lower --lbfgs-num-correction (now {config.lbfgs_num_correction})")
    # No --multiscale advice: its last level runs at the full size, so it needs the same peak memory.
    raise ConfigError(f"size {width}x{height} needs about {needed.total / GB:.1f} GB of memory but only "
                      f"{limit / GB:.1f} GB is available; {', or '.join(advice)} "
                      f"(the estimate can be skipped with --memory-limit 0)")


