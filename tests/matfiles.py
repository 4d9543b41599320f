"""Write synthetic MatConvNet VGG-19 .mat files (real shapes, random values) for tests and benchmarks.

The loader validates the real VGG-19 shapes, so conv layers always have them; a
full conv part is ~80 MB. Generate the values once (`random_conv_params`) and pass
them to every `write_vgg19_mat` call: writing an uncompressed file is then cheap.
Fully connected layers are not validated by the loader, so they are small unless
`fc_full_size=True` (the ~490 MB of the real download, for memory benchmarks).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.io

# The same plan as legacy_nst.vgg.matfile, written out independently so tests can compare.
README_MEAN_PIXEL = (123.68, 116.779, 103.939)
VGG19_BLOCKS = ((1, 2, 3, 64), (2, 2, 64, 128), (3, 4, 128, 256), (4, 4, 256, 512), (5, 4, 512, 512))
FC_FULL_SHAPES = {"fc6": (7, 7, 512, 4096), "fc7": (1, 1, 4096, 4096), "fc8": (1, 1, 4096, 1000)}
FC_SMALL_SHAPES = {"fc6": (7, 7, 512, 8), "fc7": (1, 1, 8, 8), "fc8": (1, 1, 8, 10)}


@dataclass(frozen=True)
class ConvParams:
    """Kernels [3,3,in,out] and biases (out,) of conv1_1…conv5_4, float32, in network order."""

    kernels: dict[str, np.ndarray]
    biases: dict[str, np.ndarray]


def vgg19_conv_shapes() -> dict[str, tuple[int, int, int, int]]:
    shapes = {}
    for block, count, in_channels, out_channels in VGG19_BLOCKS:
        for index in range(1, count + 1):
            shapes[f"conv{block}_{index}"] = (3, 3, in_channels if index == 1 else out_channels, out_channels)
    return shapes


def random_conv_params(seed: int = 0) -> ConvParams:
    """Small random float32 values with the real VGG-19 conv shapes (~80 MB)."""
    rng = np.random.default_rng(seed)
    kernels, biases = {}, {}
    for name, shape in vgg19_conv_shapes().items():
        kernels[name] = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.01)
        biases[name] = rng.standard_normal(shape[3], dtype=np.float32)
    return ConvParams(kernels, biases)


def write_vgg19_mat(
    path,
    params: ConvParams,
    *,
    layout: str = "new",
    with_fc: bool = False,
    fc_full_size: bool = False,
    drop: tuple[str, ...] = (),
    kernel_shapes: dict[str, tuple[int, ...]] | None = None,
    bias_shapes: dict[str, tuple[int, ...]] | None = None,
    weight_fields: str = "weights",
    mean_pixel=README_MEAN_PIXEL,
    average_image: np.ndarray | None = None,
    omit_mean: bool = False,
    do_compression: bool = False,
) -> None:
    """Write a VGG-19 .mat file in MatConvNet's "new" or "old" layout.

    Malformations for loader tests: `drop` leaves out named layers;
    `kernel_shapes`/`bias_shapes` replace a layer's array by zeros of another
    shape; `weight_fields="filters"` uses the very old filters/biases field pair;
    `average_image` replaces the stored mean image; `omit_mean` leaves it out.
    In the old layout each layer struct starts with `weights` and has `name`
    second-to-last, the average image is 224×224×3 and averages to `mean_pixel`.
    """
    if layout not in ("new", "old"):
        raise ValueError(f"layout must be 'new' or 'old', not {layout!r}")
    kernel_shapes, bias_shapes = kernel_shapes or {}, bias_shapes or {}
    entries = []
    for block, count, _in, _out in VGG19_BLOCKS:
        for index in range(1, count + 1):
            name = f"conv{block}_{index}"
            kernel = params.kernels[name]
            bias = params.biases[name].reshape(-1, 1) if layout == "new" else params.biases[name].reshape(1, -1)
            if name in kernel_shapes:
                kernel = np.zeros(kernel_shapes[name], np.float32)
            if name in bias_shapes:
                bias = np.zeros(bias_shapes[name], np.float32)
            entries.append(_conv_entry(name, kernel, bias, layout, weight_fields))
            entries.append(_relu_entry(f"relu{block}_{index}", layout))
        entries.append(_pool_entry(f"pool{block}", layout))
    if with_fc:
        shapes = FC_FULL_SHAPES if fc_full_size else FC_SMALL_SHAPES
        rng = np.random.default_rng(6)
        for number, (name, shape) in enumerate(shapes.items(), start=6):
            kernel = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.001)
            entries.append(_conv_entry(name, kernel, np.zeros((shape[3], 1), np.float32), layout, weight_fields))
            entries.append(_relu_entry(f"relu{number}", layout) if name != "fc8" else _softmax_entry(layout))
    entries = [entry for entry in entries if entry["name"] not in drop]

    layers = np.empty((1, len(entries)), dtype=object)
    for index, entry in enumerate(entries):
        layers[0, index] = entry
    if average_image is None:
        average_image = _average_image(mean_pixel, layout)
    normalization = {"imageSize": np.array([[224, 224, 3]], float), "border": np.array([[32, 32]], float),
                     "averageImage": average_image, "interpolation": "bilinear", "keepAspect": True}
    if omit_mean:
        del normalization["averageImage"]
    classes = {"name": _cell(["n01440764", "n01443537"]), "description": _cell(["tench", "goldfish"])}
    if layout == "new":
        contents = {"layers": layers,
                    "meta": {"inputs": {"name": "input", "size": np.array([[224, 224, 3, 10]], float)},
                             "classes": classes, "normalization": normalization}}
    else:
        contents = {"layers": layers, "classes": classes, "normalization": normalization}
    scipy.io.savemat(path, contents, do_compression=do_compression)


def _cell(values) -> np.ndarray:
    cell = np.empty((1, len(values)), dtype=object)
    cell[0, :] = values
    return cell


def _weights(kernel, bias, weight_fields: str) -> dict:
    if weight_fields == "weights":
        return {"weights": _cell([kernel, bias])}
    if weight_fields == "filters":
        return {"filters": kernel, "biases": bias}
    raise ValueError(f"weight_fields must be 'weights' or 'filters', not {weight_fields!r}")


def _conv_entry(name, kernel, bias, layout, weight_fields) -> dict:
    pad, stride = np.array([[1, 1, 1, 1]], float), np.array([[1, 1]], float)
    if layout == "new":
        return {"name": name, "type": "conv", **_weights(kernel, bias, weight_fields),
                "size": np.array([kernel.shape], float), "pad": pad, "stride": stride,
                "precious": False, "dilate": 1.0, "opts": np.empty((1, 0), object)}
    return {**_weights(kernel, bias, weight_fields), "pad": pad, "type": "conv", "name": name, "stride": stride}


def _relu_entry(name, layout) -> dict:
    if layout == "new":
        return {"name": name, "type": "relu", "weights": np.empty((1, 0), object), "leak": 0.0, "precious": False}
    return {"weights": np.empty((1, 0), object), "type": "relu", "name": name, "leak": 0.0}


def _pool_entry(name, layout) -> dict:
    pool, stride, pad = np.array([[2, 2]], float), np.array([[2, 2]], float), np.zeros((1, 4))
    if layout == "new":
        return {"name": name, "type": "pool", "weights": np.empty((1, 0), object), "method": "max",
                "pool": pool, "stride": stride, "pad": pad, "precious": False, "opts": np.empty((1, 0), object)}
    return {"weights": np.empty((1, 0), object), "method": "max", "pool": pool, "pad": pad, "type": "pool",
            "name": name, "stride": stride}


def _softmax_entry(layout) -> dict:
    if layout == "new":
        return {"name": "prob", "type": "softmax", "weights": np.empty((1, 0), object), "precious": False}
    return {"weights": np.empty((1, 0), object), "type": "softmax", "name": "prob", "stride": 1.0}


def _average_image(mean_pixel, layout) -> np.ndarray:
    """1×1×3 (new layout) or a 224×224×3 image whose per-channel mean is `mean_pixel` (old layout)."""
    mean = np.asarray(mean_pixel, np.float64)
    if layout == "new":
        return mean.reshape(1, 1, 3).astype(np.float32)
    rows, columns = np.indices((224, 224))
    checkerboard = np.where((rows + columns) % 2 == 0, 1.0, -1.0)  # averages to exactly zero
    image = mean + 20.0 * checkerboard[:, :, None] * np.array([1.0, -0.5, 0.25])
    return image.astype(np.float32)
