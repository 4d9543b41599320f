"""--float32-finish, --lbfgs-implementation float32 and the size/precision every log entry records."""
import numpy as np
import pytest

from legacy_nst import Config, stylize
from legacy_nst.engines.session import bfloat16_unsupported_reason
from legacy_nst.errors import ConfigError
from legacy_nst.io.images import read_image, resize, to_network
from problems import graph_engine

SMALL = dict(width=64, height=48, init="content")
needs_bf16 = pytest.mark.skipif(bfloat16_unsupported_reason() is not None,
                                reason=f"bfloat16 does not run natively here: {bfloat16_unsupported_reason()}")


@pytest.mark.slow
@needs_bf16
def test_the_finish_continues_the_bfloat16_image_in_float32(vgg, content_path, style_path):
    options = dict(SMALL, optimizer="lbfgs", lbfgs_implementation="float32", precision="bfloat16")
    result = stylize(str(content_path), str(style_path), vgg=vgg, iterations=5, float32_finish=2, **options)
    history = result.history
    assert [e["iteration"] for e in history] == list(range(6))
    assert [e["precision"] for e in history] == ["bfloat16"] * 3 + ["float32"] * 3
    bf16 = stylize(str(content_path), str(style_path), vgg=vgg, iterations=3, **options)
    assert [e["total"] for e in bf16.history[:3]] == [e["total"] for e in history[:3]]
    # Entry 3, the finish's first: the float32 loss of the bfloat16 part's image, by an independent engine.
    content = to_network(resize(read_image(content_path), (48, 64)), vgg.mean_pixel)
    style = to_network(resize(read_image(style_path), (48, 64)), vgg.mean_pixel)
    with graph_engine(vgg, content, style) as engine:
        losses, _ = engine.compute_loss_and_grads(bf16.network_image)
    assert history[3]["total"] == pytest.approx(losses["total"], rel=1e-6)
    assert history[3]["total"] != pytest.approx(bf16.history[3]["total"], rel=1e-7)  # not the bfloat16 loss
    assert history[5]["total"] < history[3]["total"]


@pytest.mark.slow
def test_a_bfloat16_run_that_falls_back_to_float32_is_not_split_for_its_finish(vgg, content_path, style_path,
                                                                                 monkeypatch):
    options = dict(SMALL, optimizer="lbfgs", lbfgs_implementation="float32", iterations=5)
    plain = stylize(str(content_path), str(style_path), vgg=vgg, **options)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")  # bfloat16 unsupported: the run falls back to float32
    fallen = stylize(str(content_path), str(style_path), vgg=vgg, precision="bfloat16", float32_finish=2, **options)
    assert fallen.levels == []  # one level: no second engine, no L-BFGS restart
    assert [e["total"] for e in fallen.history] == [e["total"] for e in plain.history]


@pytest.mark.slow
def test_every_entry_records_the_size_and_precision_it_was_computed_at(vgg, content_path, style_path):
    result = stylize(str(content_path), str(style_path), vgg=vgg, iterations=4, multiscale="0.5",
                     multiscale_iterations=2, **SMALL)
    assert [(e["height"], e["width"]) for e in result.history] == [(24, 32)] * 2 + [(48, 64)] * 3
    assert {e["precision"] for e in result.history} == {"float32"}


@pytest.mark.slow
def test_the_float32_lbfgs_follows_scipys_on_the_network(vgg, content_path, style_path):
    runs = {impl: stylize(str(content_path), str(style_path), vgg=vgg, iterations=4, optimizer="lbfgs",
                          lbfgs_implementation=impl, **SMALL) for impl in ("scipy", "float32")}
    theirs, ours = ([e["total"] for e in runs[impl].history] for impl in ("scipy", "float32"))
    np.testing.assert_allclose(ours, theirs, rtol=1e-3)
    assert ours[-1] < 0.5 * ours[0]


@pytest.mark.parametrize("options,match", [
    (dict(float32_finish=3), "finishes a --precision bfloat16 run"),
    (dict(precision="bfloat16", float32_finish=30, iterations=20), "exceeds the 20 full-size steps"),
    (dict(precision="bfloat16", float32_finish=11, iterations=20, multiscale="0.5"), "exceeds the 10 full-size"),
    (dict(optimizer="lbfgs", lbfgs_implementation="float32", clip_pixels=True), "only scipy's L-BFGS-B keeps"),
    (dict(lbfgs_implementation="float64"), "unknown L-BFGS implementation"),
])
def test_bad_finish_and_implementation_options_are_config_errors(options, match):
    with pytest.raises(ConfigError, match=match):
        Config(**options)
