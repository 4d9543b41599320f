"""--tensorboard: the event files a run writes, read back with TensorBoard's own reader (EventAccumulator) and
served by a real `tensorboard` process, compared with the run's --log-json record."""
import json
import re
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

from legacy_nst.config import Config
from legacy_nst.errors import ConfigError, NSTError
from legacy_nst.record import tensorboard as board_module
from legacy_nst.record.files import run_to_files

SIZE = 32
NOT_INSTALLED = ("tensorboard is not installed (an optional extra: pip install '.[tensorboard]'); the --tensorboard "
                 "tests read its event files with it")


@pytest.fixture(scope="module")
def reader():
    """TensorBoard's EventAccumulator; the test is skipped without the package (the refusals below run anyway)."""
    pytest.importorskip("tensorboard", reason=NOT_INSTALLED)
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    return EventAccumulator


def options(approx_weights_path, folder, **more):
    return dict(width=SIZE, height=SIZE, seed=0, weights=str(approx_weights_path), tv_weight=1.0,
                tensorboard=str(folder / "board"), tensorboard_every=2, **more)


def read_board(reader, folder):
    events = reader(str(folder), size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    events.Reload()
    return events


def scalars(events, tag):
    return [(event.step, event.value) for event in events.Scalars(tag)]


@pytest.fixture(scope="module")
def adam_run(reader, tmp_path_factory, vgg, approx_weights_path, content_path, style_path):
    """A 5-step graph-backend Adam run with TV, its log and its events."""
    folder = tmp_path_factory.mktemp("adam")
    config = Config.from_options(**options(approx_weights_path, folder, iterations=5))
    run_to_files(str(content_path), str(style_path), folder / "out.png", config, log_json=folder / "run.json",
                 vgg=vgg)
    return config, json.loads((folder / "run.json").read_text())["iterations"], read_board(reader, folder / "board")


def test_the_total_loss_on_the_board_is_the_logged_one_at_every_iteration(adam_run):
    _, log, events = adam_run
    assert scalars(events, "loss/total") == [(entry["iteration"], entry["total"]) for entry in log]
    assert [step for step, _ in scalars(events, "loss/total")] == list(range(6))


def test_each_group_is_on_the_board_unweighted_as_logged_and_weighted_so_that_they_add_up_to_the_total(adam_run):
    config, log, events = adam_run
    for group, weight in (("content", config.beta), ("style", config.alpha), ("tv", config.tv_weight)):
        assert scalars(events, f"unweighted/{group}") == [(entry["iteration"], entry[group]) for entry in log]
        assert [value for _, value in scalars(events, f"weighted/{group}")] == \
            pytest.approx([weight * entry[group] for entry in log], rel=1e-6)
    added = np.sum([[value for _, value in scalars(events, f"weighted/{group}")]
                    for group in ("content", "style", "tv")], axis=0)
    assert added == pytest.approx([entry["total"] for entry in log], rel=1e-5)


def test_the_optimizer_the_pace_and_the_memory_are_on_the_board(adam_run):
    config, log, events = adam_run
    assert scalars(events, "optimizer/learning_rate") == [(i, config.learning_rate) for i in range(6)]
    assert [step for step, _ in scalars(events, "optimizer/step_rms")] == list(range(1, 6))
    assert all(value > 0 for _, value in scalars(events, "optimizer/step_rms"))
    paces = [log[i]["elapsed"] - log[i - 1]["elapsed"] for i in range(1, 6)]
    assert [value for _, value in scalars(events, "time/seconds_per_step")] == pytest.approx(paces, rel=1e-6)
    assert all(50 < value < 1e6 for _, value in scalars(events, "memory/rss_mb"))  # TensorFlow alone is > 50 MB


def test_the_image_every_k_steps_and_at_the_end_the_inputs_the_options_and_the_graph_are_on_the_board(adam_run):
    config, _, events = adam_run
    assert [(image.step, image.width) for image in events.Images("image")] == [(0, SIZE), (2, SIZE), (4, SIZE),
                                                                                (5, SIZE)]
    assert [image.step for image in events.Images("input/content")] == [0]
    assert max(events.Images("input/style")[0].width, events.Images("input/style")[0].height) == SIZE
    text = events.Tensors("config")[0].tensor_proto.string_val[0].decode()
    assert json.loads(text.strip("`\n")) == json.loads(json.dumps(config.to_json()))
    names = {node.name for node in events.Graph().node}
    assert {"input", "image", "conv1_1/Conv2D", "conv5_4/Conv2D", "avgpool5/AvgPool2D"} <= names
    assert events.Graph().ByteSize() < 100_000  # the kernels' values left out


LAYERS = {"content": ("conv4_2",), "style": ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"),
          "tv": ("image",)}


def test_each_term_is_on_the_board_layer_by_layer_with_each_image_adding_up_to_its_group(adam_run):
    config, log, events = adam_run
    weights = {"content": config.beta, "style": config.alpha, "tv": config.tv_weight}
    for group, layers in LAYERS.items():
        shown = [scalars(events, f"terms_weighted/{group}/{layer}") for layer in layers]
        assert all([step for step, _ in values] == [0, 2, 4] for values in shown), group
        added = np.sum([[value for _, value in values] for values in shown], axis=0)
        assert added == pytest.approx([weights[group] * log[i][group] for i in (0, 2, 4)], rel=1e-5), group
    conv1_1 = [value for _, value in scalars(events, "terms/style/conv1_1")]
    assert [value for _, value in scalars(events, "terms_weighted/style/conv1_1")] == \
        pytest.approx([config.alpha * 0.5 * value for value in conv1_1], rel=1e-6)  # art.py's conv1_1 weight 0.5


def test_the_eager_backend_writes_the_same_scalars_and_terms_without_a_graph(reader, tmp_path, vgg, adam_run,
                                                                            approx_weights_path, content_path,
                                                                            style_path):
    config = Config.from_options(**options(approx_weights_path, tmp_path, iterations=2, backend="eager"))
    result = run_to_files(str(content_path), str(style_path), tmp_path / "out.png", config, vgg=vgg)
    events = read_board(reader, tmp_path / "board")
    assert scalars(events, "loss/total") == [(entry["iteration"], entry["total"]) for entry in result.history]
    assert not events.Tags()["graph"]
    graph = adam_run[2]  # the same start image (seed 0): entry 0's terms as the graph engine gave them
    for group, layers in LAYERS.items():
        for layer in layers:
            tag = f"terms/{group}/{layer}"
            assert scalars(events, tag)[0][1] == pytest.approx(scalars(graph, tag)[0][1], rel=1e-4), tag


def test_a_tiled_run_writes_each_term_as_the_graph_engine_computes_it(reader, tmp_path, vgg, adam_run,
                                                                      approx_weights_path, content_path, style_path):
    config = Config.from_options(**options(approx_weights_path, tmp_path, iterations=2, tile=80))
    result = run_to_files(str(content_path), str(style_path), tmp_path / "out.png", config, vgg=vgg)
    assert result.tiling is not None
    events, graph = read_board(reader, tmp_path / "board"), adam_run[2]  # entry 0: the same start (seed 0)
    for group, layers in LAYERS.items():
        for layer in layers:
            tag = f"terms/{group}/{layer}"
            assert scalars(events, tag)[0][1] == pytest.approx(scalars(graph, tag)[0][1], rel=1e-4), tag


@pytest.mark.slow
def test_a_resumed_run_continues_the_step_axis_without_showing_a_step_twice(reader, tmp_path, vgg,
                                                                           approx_weights_path, content_path,
                                                                           style_path):
    """The first run reaches step 4 (events 0-4); its newest state is lost, as after a kill, so the resumed run
    continues from step 2: the board holds 0-1 of the first run and 2-5 of the resumed one, each step once."""
    first = Config.from_options(**options(approx_weights_path, tmp_path, iterations=4, checkpoint_every=2,
                                          checkpoint_dir=str(tmp_path / "ck")))
    run_to_files(str(content_path), str(style_path), tmp_path / "out.png", first, vgg=vgg)
    newest = sorted((tmp_path / "ck").glob("state-*.npz"))[-1]
    assert newest.name == "state-00004.npz"
    newest.write_bytes(b"damaged")
    resumed = Config.from_options(**options(approx_weights_path, tmp_path, iterations=5, resume=str(tmp_path / "ck")))
    run_to_files(str(content_path), str(style_path), tmp_path / "out.png", resumed, log_json=tmp_path / "run.json",
                 vgg=vgg)
    log = json.loads((tmp_path / "run.json").read_text())
    assert "resuming from the state before it, from step 2" in log["resume_note"]
    events = read_board(reader, tmp_path / "board")
    assert scalars(events, "loss/total") == [(entry["iteration"], entry["total"]) for entry in log["iterations"]]
    assert [step for step, _ in scalars(events, "loss/total")] == list(range(6))


def test_without_the_tensorboard_package_the_option_is_refused_in_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto.event_pb2", None)  # import fails
    board_module.protos.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"^--tensorboard needs the tensorboard package, which is not "
                                              r"installed; pip install '\.\[tensorboard\]'"):
            board_module.check_board(Config.from_options(tensorboard="board"))
    finally:
        board_module.protos.cache_clear()


def test_a_file_given_as_the_board_folder_is_refused(tmp_path):
    (tmp_path / "board").write_text("")
    with pytest.raises(NSTError, match=r"^--tensorboard .*board: is not a folder; give another --tensorboard folder$"):
        board_module.check_board(Config.from_options(tensorboard=str(tmp_path / "board")))


def serve(logdir):
    """`tensorboard --logdir DIR --host 127.0.0.1 --port 0` and the URL it says it serves at."""
    process = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host",
                                "127.0.0.1", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    said, deadline = [], time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        said.append(line)
        found = re.search(r"(http://127\.0\.0\.1:[0-9]+)/", line)
        if found:
            return process, found.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    pytest.fail(f"tensorboard gave no URL: {''.join(said)[-2000:]}")


def fetch(url, timeout=30):
    """JSON from `url`, asked again until TensorBoard has loaded the run (its reload is in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(url, timeout=10) as response:
            data = json.loads(response.read())
        if data or time.monotonic() > deadline:
            return data
        time.sleep(0.2)


@pytest.mark.slow
def test_a_tensorboard_process_serves_the_runs_scalars_over_http(adam_run, tmp_path):
    _, log, events = adam_run
    logdir = events.path
    process, url = serve(logdir)
    try:
        tags = fetch(f"{url}/data/plugin/scalars/tags")
        assert {"loss/total", "weighted/style", "unweighted/content", "time/seconds_per_step"} <= set(tags["."])
        points = fetch(f"{url}/data/plugin/scalars/scalars?run=.&tag=loss/total")
    finally:
        process.kill()
        process.wait(timeout=30)
    assert [(step, value) for _, step, value in points] == [(entry["iteration"], entry["total"]) for entry in log]
