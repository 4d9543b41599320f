"""--precision bfloat16: bf16 convolutions, float32 image/Gram/losses, and the float32 fallback."""
import numpy as np
import pytest
import tensorflow as tf

from legacy_nst import Config, stylize
from legacy_nst.engines import session as runtime
from legacy_nst.errors import ConfigError
from legacy_nst.vgg.graph import build_graph

SMALL = dict(width=64, height=48, iterations=10, init="content")
needs_bf16 = pytest.mark.skipif(runtime.bfloat16_unsupported_reason() is not None,
                                reason=f"no native bfloat16 here: {runtime.bfloat16_unsupported_reason()}")


@pytest.fixture(scope="module")
def float32_run(vgg, content_path, style_path):
    return stylize(str(content_path), str(style_path), vgg=vgg, **SMALL)


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0**2 / mse)


@pytest.mark.slow
@needs_bf16
def test_bfloat16_stays_close_to_float32(vgg, content_path, style_path, float32_run):
    bf16 = stylize(str(content_path), str(style_path), vgg=vgg, precision="bfloat16", **SMALL)
    assert bf16.precision == "bfloat16"
    want = np.array([e["total"] for e in float32_run.history])
    got = np.array([e["total"] for e in bf16.history])
    np.testing.assert_allclose(got, want, rtol=0.03)  # bf16 keeps 8 bits of mantissa: ~0.4% per value
    assert not np.array_equal(got, want), "bfloat16 must actually change the arithmetic"
    assert psnr(bf16.image, float32_run.image) > 30


def test_bfloat16_graph_convolves_in_bf16_and_hands_out_float32(vgg):
    with tf.Graph().as_default() as graph:
        net = build_graph(vgg, 32, 32, deepest="conv2_1", precision="bfloat16")
        convs = [op for op in graph.get_operations() if op.type == "Conv2D"]
    assert len(convs) == 3 and all(op.get_attr("T") == tf.bfloat16 for op in convs)
    assert net["input"].dtype.base_dtype == tf.float32
    for name in ("image", "conv1_1", "conv1_2", "avgpool1", "conv2_1"):
        assert net[name].dtype == tf.float32, name


@pytest.mark.slow
def test_no_native_bf16_falls_back_to_float32_and_says_so(vgg, content_path, style_path, float32_run, monkeypatch,
                                                          capsys):
    monkeypatch.setattr(runtime, "cpu_flags", lambda: {"avx2", "avx512f"})
    result = stylize(str(content_path), str(style_path), vgg=vgg, precision="bfloat16", **SMALL)
    err = capsys.readouterr().err
    assert "avx512_bf16 or amx_bf16" in err and "running float32" in err and err.count("\n") == 1
    assert result.precision == "float32"
    assert [e["total"] for e in result.history] == [e["total"] for e in float32_run.history]


def test_unsupported_reasons(monkeypatch):
    monkeypatch.setattr(runtime, "cpu_flags", lambda: {"avx512f", "amx_bf16"})
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    assert runtime.bfloat16_unsupported_reason() is None
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert "oneDNN" in runtime.bfloat16_unsupported_reason()
    assert runtime.runnable_precision("float32") == ("float32", None)
    precision, note = runtime.runnable_precision("bfloat16")
    assert precision == "float32" and "oneDNN" in note and "running float32 instead" in note


def test_precision_is_validated():
    with pytest.raises(ConfigError, match="precision"):
        Config(precision="float16")
    assert Config().precision == "float32"
