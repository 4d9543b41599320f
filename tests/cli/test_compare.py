"""`legacy-nst compare` end to end at a tiny size: the report against the per-backend logs, the PNGs, bad input."""
import contextlib
import io
import json
import math

import numpy as np
import pytest
from PIL import Image

from legacy_nst.cli.main import main

STEPS = 3


@pytest.fixture(scope="module")
def small(content_path, style_path, approx_weights_path):
    return ["--content", str(content_path), "--style", str(style_path), "--weights", str(approx_weights_path),
            "--width", "40", "--height", "32", "--iterations", str(STEPS), "--init", "content"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory, small):
    """Logs of the main command with --backend graph / eager, then one compare run over graph, eager, function."""
    tmp = tmp_path_factory.mktemp("compare")
    for backend in ("graph", "eager"):
        assert main([*small, "--backend", backend, "--output", str(tmp / f"{backend}.png"),
                     "--log-json", str(tmp / f"{backend}.json"), "--quiet"]) == 0
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status = main(["compare", *small, "--backends", "eager,function", "--report-json", str(tmp / "report.json"),
                       "--report-dir", str(tmp / "report"), "--quiet"])
    assert status == 0
    logs = {b: json.loads((tmp / f"{b}.json").read_text()) for b in ("graph", "eager")}
    return tmp, json.loads((tmp / "report.json").read_text()), logs, stdout.getvalue()


def totals(entries):
    return np.array([entry["total"] for entry in entries])


@pytest.mark.slow
def test_log_json_has_the_same_format_for_every_backend(compared):
    _, _, logs, _ = compared
    assert set(logs["graph"]) == set(logs["eager"])
    assert set(logs["graph"]["config"]) == set(logs["eager"]["config"])
    assert [set(e) for e in logs["graph"]["iterations"]] == [set(e) for e in logs["eager"]["iterations"]]
    assert logs["graph"]["config"]["backend"] == "graph" and logs["eager"]["config"]["backend"] == "eager"


@pytest.mark.slow
def test_report_matches_the_per_backend_logs(compared):
    _, report, logs, _ = compared
    assert set(report) == {"config", "versions", "weights_sha256", "reference", "backends", "versus_graph"}
    assert list(report["backends"]) == ["graph", "eager", "function"] and report["reference"] == "graph"
    assert report["weights_sha256"] == logs["graph"]["weights_sha256"]
    assert (report["config"]["width"], report["config"]["height"]) == (40, 32)
    for name, log in logs.items():
        entries = report["backends"][name]["iterations"]
        assert [e["iteration"] for e in entries] == list(range(STEPS + 1))
        np.testing.assert_allclose(totals(entries), totals(log["iterations"]), rtol=1e-6)
    for name, run in report["backends"].items():
        assert run["s_per_iter"] > 0 and run["wall_s"] > 0 and len(run["s_per_iter_runs"]) == 1


@pytest.mark.slow
def test_differences_are_recomputed_from_the_reported_losses(compared):
    _, report, _, _ = compared
    graph = totals(report["backends"]["graph"]["iterations"])
    assert graph[-1] < graph[0]
    for name in ("eager", "function"):
        versus = report["versus_graph"][name]
        other = totals(report["backends"][name]["iterations"])
        assert versus["max_rel_loss_diff"] == pytest.approx(np.max(np.abs(other - graph) / graph), rel=1e-9, abs=1e-15)
        assert versus["max_rel_loss_diff"] <= 1e-4
        assert 0 <= versus["max_abs_pixel_diff"] <= 0.5
        if versus["max_abs_pixel_diff"] > 0:  # MSE <= max^2, so PSNR >= 20 log10(255 / max)
            assert versus["psnr_db"] >= 20 * math.log10(255 / versus["max_abs_pixel_diff"]) - 1e-9
        else:
            assert versus["psnr_db"] is None
        speed = report["backends"][name]["s_per_iter"] / report["backends"]["graph"]["s_per_iter"]
        assert versus["s_per_iter_ratio"] == pytest.approx(speed)


def png(path):
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.verify()
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


@pytest.mark.slow
def test_report_dir_holds_valid_images(compared):
    tmp, report, _, _ = compared
    directory = tmp / "report"
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        ["side-by-side.png", "loss-curves.png", "result-graph.png", "result-eager.png", "result-function.png"])
    side = png(directory / "side-by-side.png")
    assert side.shape[1] > side.shape[0] > 50 and side.std() > 10  # a row of five pictures, not blank
    curves = png(directory / "loss-curves.png")
    assert min(curves.shape[:2]) > 200 and curves.std() > 5
    graph = png(directory / "result-graph.png")
    np.testing.assert_array_equal(graph, png(tmp / "graph.png"))  # the main command's output, pixel for pixel
    for name in ("eager", "function"):
        other = png(directory / f"result-{name}.png").astype(int)
        assert np.abs(other - graph).max() <= math.ceil(report["versus_graph"][name]["max_abs_pixel_diff"]) + 1


@pytest.mark.slow
def test_stdout_table_shows_every_backend(compared):
    _, report, _, stdout = compared
    lines = stdout.strip().splitlines()
    assert "max rel loss diff" in lines[1] and "s/iter" in lines[1]
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert list(rows) == ["graph", "eager", "function"]
    assert rows["graph"][2] == "1.00"
    assert rows["eager"][5] == f"{report['versus_graph']['eager']['max_rel_loss_diff']:.2e}"
    assert float(rows["function"][1]) == pytest.approx(report["backends"]["function"]["s_per_iter"], abs=1e-4)


BAD = {
    "unknown backend": (["--backends", "eager,torch"], "unknown backend 'torch'"),
    "nothing to compare": (["--backends", "graph"], "besides graph"),
    "optimizer without keras twin": (["--optimizer", "rmsprop"], "rmsprop"),
    "missing content": (["--content", "{tmp}/nope.jpg"], "nope.jpg"),
    "report dir parent missing": (["--report-dir", "{tmp}/a/b"], "does not exist"),
    "report dir is a file": (["--report-dir", "{tmp}/file.txt"], "is a file"),
    "report json dir missing": (["--report-json", "{tmp}/x/r.json"], "does not exist"),
    "repeat zero": (["--repeat", "0"], "--repeat"),
    "diverging": (["--optimizer", "sgd", "--learning-rate", "1e30"], "non-finite"),
}


@pytest.mark.parametrize("case", [pytest.param(case, marks=pytest.mark.slow) if case == "diverging" else case
                                  for case in sorted(BAD)])  # diverging runs the optimisation
def test_bad_input_is_one_line_exit_2_no_report(case, tmp_path, small, capsys):
    (tmp_path / "file.txt").write_text("not a directory")
    extra, expected = BAD[case]
    extra = [a.format(tmp=tmp_path) for a in extra]
    status = main(["compare", *small, "--report-json", str(tmp_path / "report.json"),
                   "--report-dir", str(tmp_path / "report"), "--quiet", *extra])
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("legacy-nst: error: ") and expected in lines[0], captured.err
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["file.txt"]


@pytest.mark.parametrize("extra,clash", [
    (["--report-json", "content.png"], "--report-json {d}/content.png is the --content file"),
    (["--report-dir", "."], "the report image {d}/result-graph.png is the --style file"),
])
def test_a_report_never_replaces_an_input(tmp_path, content_path, style_path, approx_weights_path, monkeypatch,
                                          capsys, extra, clash):
    """A run never replaces one of its inputs (issue 23): compare's reports neither."""
    Image.open(content_path).convert("RGB").resize((32, 32)).save(tmp_path / "content.png")
    Image.open(style_path).convert("RGB").resize((32, 32)).save(tmp_path / "result-graph.png")
    monkeypatch.chdir(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    status = main(["compare", "--content", "content.png", "--style", "result-graph.png", "--weights",
                   str(approx_weights_path), "--width", "32", "--height", "32", "--iterations", "1",
                   "--backends", "graph,eager", "--quiet", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and clash.format(d=tmp_path) in err[0], err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
