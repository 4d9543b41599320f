"""legacy_nst.vgg.matfile: both MatConvNet layouts, the shared approximate file, every malformed case, memory."""
import math
import os
import tracemalloc

import numpy as np
import pytest
import scipy.io

from legacy_nst.errors import WeightsError
from legacy_nst.vgg.matfile import VGGWeights, load_vgg19
from legacy_nst.vgg19 import CONV_LAYERS, CONV_SHAPES
from messages import assert_says
import special_files
from matfiles import README_MEAN_PIXEL, random_conv_params, write_vgg19_mat

# Independent expectations: the VGG-19 layer list and channel plan, and the README's figures.
EXPECTED_LAYERS = (
    "conv1_1", "conv1_2",
    "conv2_1", "conv2_2",
    "conv3_1", "conv3_2", "conv3_3", "conv3_4",
    "conv4_1", "conv4_2", "conv4_3", "conv4_4",
    "conv5_1", "conv5_2", "conv5_3", "conv5_4",
)
README_CONV_PARAMETERS = 20_024_384


@pytest.fixture(scope="session")
def conv_params():
    return random_conv_params(seed=1)


@pytest.fixture(scope="session")  # each file has VGG-19's 20 million conv weights: its tests are marked slow
def vgg19_file(tmp_path_factory, conv_params):
    """Write (once per session) a synthetic VGG-19 file with the given `write_vgg19_mat` options."""
    directory = tmp_path_factory.mktemp("vgg19")
    written = {}

    def write(**options):
        key = repr(sorted(options.items()))  # options may hold arrays, which do not hash
        if key not in written:
            path = directory / f"vgg19-{len(written)}.mat"
            write_vgg19_mat(path, conv_params, **options)
            written[key] = path
        return written[key]

    return write


@pytest.fixture(scope="session")
def approx_weights(approx_weights_path):
    return load_vgg19(approx_weights_path)


def assert_weights_error(path, *fragments):
    """Loading `path` raises WeightsError with a one-line message naming the path and each fragment."""
    with pytest.raises(WeightsError) as info:
        load_vgg19(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def assert_matches_written(weights, conv_params):
    assert tuple(weights.kernels) == EXPECTED_LAYERS
    assert tuple(weights.biases) == EXPECTED_LAYERS
    for name in EXPECTED_LAYERS:
        kernel, bias = weights.kernels[name], weights.biases[name]
        assert kernel.dtype == np.float32 and kernel.flags.c_contiguous
        assert bias.dtype == np.float32 and bias.shape == (kernel.shape[3],)
        np.testing.assert_array_equal(kernel, conv_params.kernels[name])
        np.testing.assert_array_equal(bias, conv_params.biases[name])
    assert weights.mean_pixel.dtype == np.float32 and weights.mean_pixel.shape == (3,)
    np.testing.assert_allclose(weights.mean_pixel, README_MEAN_PIXEL, atol=1e-3)


def test_layer_plan_is_vgg19():
    assert CONV_LAYERS == EXPECTED_LAYERS
    assert CONV_SHAPES["conv1_1"] == (3, 3, 3, 64)
    assert CONV_SHAPES["conv1_2"] == (3, 3, 64, 64)
    assert CONV_SHAPES["conv2_1"] == (3, 3, 64, 128)
    assert CONV_SHAPES["conv3_1"] == (3, 3, 128, 256)
    assert CONV_SHAPES["conv3_4"] == (3, 3, 256, 256)
    assert CONV_SHAPES["conv4_1"] == (3, 3, 256, 512)
    assert CONV_SHAPES["conv5_4"] == (3, 3, 512, 512)
    total = sum(math.prod(shape) + shape[3] for shape in CONV_SHAPES.values())
    assert total == README_CONV_PARAMETERS


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["new", "old"])
@pytest.mark.parametrize("with_fc", [False, True])
def test_synthetic_file_loads_exact_values(vgg19_file, conv_params, layout, with_fc):
    path = vgg19_file(layout=layout, with_fc=with_fc)
    weights = load_vgg19(path)
    assert isinstance(weights, VGGWeights)
    assert weights.layout == layout
    assert weights.path == str(path)
    assert_matches_written(weights, conv_params)


@pytest.mark.slow
def test_old_layout_file_is_laid_out_as_art_py_expects(vgg19_file):
    """The old-layout fixture puts fields where art.py indexes them, unlike the new layout."""
    mat = scipy.io.loadmat(vgg19_file(layout="old", with_fc=False))
    assert {"layers", "classes", "normalization"} <= set(mat) and "meta" not in mat
    layers = mat["layers"]
    assert layers[0][0][0][0][0].shape == (1, 2)  # art.py: layers[0][i][0][0][0] is the weights cell
    for index in range(layers.shape[1]):
        names = layers[0][index].dtype.names
        assert names[0] == "weights" and names[-2] == "name"
    assert mat["normalization"][0, 0]["averageImage"].shape == (224, 224, 3)


@pytest.mark.slow
def test_very_old_filters_and_biases_fields(vgg19_file, conv_params):
    weights = load_vgg19(vgg19_file(layout="old", weight_fields="filters"))
    assert_matches_written(weights, conv_params)


@pytest.mark.slow
def test_compressed_file_loads(vgg19_file, conv_params):
    weights = load_vgg19(vgg19_file(layout="new", with_fc=True, do_compression=True))
    assert_matches_written(weights, conv_params)


def test_approx_file_has_vgg19_conv_layers(approx_weights, approx_weights_path):
    assert approx_weights.layout == "new"
    assert approx_weights.path == str(approx_weights_path)
    assert tuple(approx_weights.kernels) == EXPECTED_LAYERS
    for name, kernel in approx_weights.kernels.items():
        assert kernel.dtype == np.float32 and kernel.shape == CONV_SHAPES[name]
        assert approx_weights.biases[name].dtype == np.float32
        assert approx_weights.biases[name].shape == (CONV_SHAPES[name][3],)
    total = sum(k.size + approx_weights.biases[n].size for n, k in approx_weights.kernels.items())
    assert total == README_CONV_PARAMETERS
    np.testing.assert_allclose(approx_weights.mean_pixel, README_MEAN_PIXEL, atol=1e-4)


def test_approx_kernels_are_not_transposed(approx_weights, approx_weights_path):
    layers = scipy.io.loadmat(approx_weights_path, variable_names=["layers"])["layers"]
    conv3_1 = layers[0, 10][0, 0]  # conv1_1 relu conv1_2 relu pool1 conv2_1 relu conv2_2 relu pool2 conv3_1
    assert conv3_1["name"][0] == "conv3_1"
    raw_kernel, raw_bias = conv3_1["weights"][0, 0], conv3_1["weights"][0, 1]
    assert raw_kernel[2, 0, 5, 7] != raw_kernel[0, 2, 5, 7]  # so a width/height swap would show
    assert approx_weights.kernels["conv3_1"][2, 0, 5, 7] == raw_kernel[2, 0, 5, 7]
    np.testing.assert_array_equal(approx_weights.kernels["conv3_1"], raw_kernel)
    np.testing.assert_array_equal(approx_weights.biases["conv3_1"], raw_bias.ravel())


def test_missing_file(tmp_path):
    assert_weights_error(tmp_path / "imagenet-vgg-verydeep-19.mat", "not found", "download")


def test_directory(tmp_path):
    assert_weights_error(tmp_path, "is a directory")


@pytest.mark.parametrize("kind, said", [("fifo", "is a FIFO (named pipe), not a regular file"),
                                        ("device", "is a character device, not a regular file"),
                                        ("loop", "is a symbolic link loop")])
def test_a_special_file_is_refused_without_blocking(tmp_path, kind, said):
    """Issue 31: a FIFO as --weights hung forever in open()."""
    path = special_files.make(tmp_path / "imagenet-vgg-verydeep-19.mat", kind)
    with special_files.unblocked([path] if kind == "fifo" else []) as watch:
        assert_weights_error(path, said)
    assert not watch.blocked


@pytest.mark.parametrize("content, fragments", [
    (b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n",
     ("not a MATLAB .mat file", "'<!DOCTYPE html>'", "error page", "download")),
    (b"", ("empty", "0 bytes")),
    (bytes(np.random.default_rng(7).integers(128, 256, 4096, dtype=np.uint8)),
     ("not a MATLAB .mat file", "starts with bytes")),
    (b"PK\x03\x04" + bytes(100), ("zip", "extract")),
    (b"MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00 .".ljust(512) + b"\x89HDF\r\n\x1a\n",
     ("v7.3",)),
], ids=["html-error-page", "empty", "random-bytes", "zip", "v7.3"])
def test_not_a_matlab_v5_file(tmp_path, content, fragments):
    path = tmp_path / "imagenet-vgg-verydeep-19.mat"
    path.write_bytes(content)
    assert_weights_error(path, *fragments)


@pytest.mark.slow
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "compressed"])
@pytest.mark.parametrize("cut", [lambda size: 100, lambda size: size // 2, lambda size: size - 1],
                         ids=["in-header", "half", "last-byte-missing"])
def test_truncated_file(vgg19_file, tmp_path, compressed, cut):
    whole = vgg19_file(layout="new", with_fc=True, do_compression=compressed).read_bytes()
    size = cut(len(whole))
    path = tmp_path / "cut.mat"
    path.write_bytes(whole[:size])
    assert_weights_error(path, "truncated or corrupt", f"size {size:,} bytes", "expected about", "download")


def test_matlab_file_without_layers(tmp_path):
    path = tmp_path / "other.mat"
    scipy.io.savemat(path, {"net": {"params": np.zeros(3)}, "classes": np.zeros(2)})
    assert_weights_error(path, "no 'layers' variable", "net")


def test_layers_not_a_cell(tmp_path):
    path = tmp_path / "numeric-layers.mat"
    scipy.io.savemat(path, {"layers": np.zeros((1, 3))})
    assert_weights_error(path, "'layers' is not a cell array")


@pytest.mark.slow
def test_missing_conv_layers_are_named(vgg19_file):
    message = assert_weights_error(vgg19_file(drop=("conv3_2", "conv5_1")), "conv3_2", "conv5_1", "found 14 of 16")
    assert "conv3_1" not in message and "conv5_2" not in message


@pytest.mark.slow
def test_vgg16_file_is_recognised(vgg19_file):
    assert_weights_error(vgg19_file(drop=("conv3_4", "conv4_4", "conv5_4")), "conv3_4, conv4_4, conv5_4", "VGG-16")


@pytest.mark.slow
def test_wrong_kernel_shape(vgg19_file):
    path = vgg19_file(layout="old", kernel_shapes={"conv3_2": (3, 3, 128, 256)})
    assert_weights_error(path, "conv3_2 kernel", "(3, 3, 128, 256)", "expected (3, 3, 256, 256)")


@pytest.mark.slow
def test_wrong_bias_shape(vgg19_file):
    path = vgg19_file(bias_shapes={"conv4_1": (1, 511)})
    assert_weights_error(path, "conv4_1 bias", "(1, 511)", "(512,)")


@pytest.mark.slow
@pytest.mark.parametrize("layout, where", [
    ("new", "meta.normalization.averageImage"), ("old", "normalization.averageImage")])
def test_missing_mean_pixel(vgg19_file, layout, where):
    assert_weights_error(vgg19_file(layout=layout, omit_mean=True), "no mean pixel", where)


@pytest.mark.slow
def test_mean_pixel_wrong_shape(vgg19_file):
    path = vgg19_file(average_image=np.zeros((2, 2), np.float32))
    assert_weights_error(path, "mean pixel", "shape (2, 2)", "1×1×3")


@pytest.mark.slow
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "compressed"])
def test_peak_memory_at_most_twice_file_size(vgg19_file, compressed):
    path = vgg19_file(layout="new", with_fc=True, do_compression=compressed)
    tracemalloc.start()
    try:
        load_vgg19(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 2 * os.path.getsize(path)


@pytest.mark.slow
def test_a_file_that_crashes_scipys_reader_is_one_line(tmp_path, approx_weights_path):
    """Found by bench/fuzz.py: the 'complex' flag set on a real array's header (one changed byte) made scipy 1.17's
    MAT reader dereference a null pointer, killing the process (SIGSEGV, exit 139). The reader now runs in a child
    process; its crash is the run's one-line error."""
    import subprocess
    import sys
    from pathlib import Path

    data = bytearray(Path(approx_weights_path).read_bytes())
    tag = b"\x06\x00\x00\x00\x08\x00\x00\x00"  # an array's flags: miUINT32, 8 bytes, then class and flag bytes
    flags = next(i + 8 for i in range(128, len(data)) if data[i:i + 8] == tag and data[i + 8] in (6, 7))
    assert data[flags + 1] == 0  # the first numeric (double or single) array: real
    data[flags + 1] = 0x08  # complex
    damaged = tmp_path / "damaged.mat"
    damaged.write_bytes(bytes(data))
    done = subprocess.run([sys.executable, "-m", "legacy_nst.cli", "weights", "verify", str(damaged)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, (done.returncode, lines)
    assert lines[0].startswith(f"legacy-nst: error: {damaged}: "), lines
    assert_says(lines[0], "SIGSEGV", "corrupt", "download",
                "https://www.vlfeat.org/matconvnet/models/imagenet-vgg-verydeep-19.mat")
