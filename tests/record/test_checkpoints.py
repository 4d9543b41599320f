"""Resumable state: N steps straight equal k steps + --resume to N; what a resume refuses; crash safety."""
import json

import numpy as np
import pytest
from PIL import Image

from legacy_nst import Config
from legacy_nst.cli.main import main
from legacy_nst.errors import ConfigError, NSTError
from legacy_nst.record.checkpoints import PREVIOUS_JSON, STATE_JSON, load_state, save_state, temporary_files
from legacy_nst.record.files import run_to_files as run
from legacy_nst.vgg.matfile import load_vgg19
from messages import assert_says

SIZE = dict(width=32, height=32)


@pytest.fixture
def base(approx_weights_path):
    return Config(weights=str(approx_weights_path), seed=0, **SIZE)


def totals(history):
    return np.array([entry["total"] for entry in history])


K, N = 4, 10
OPTIMIZERS = {"adam": 2.0, "momentum": 1e-8}  # Adam: two slots and two step counters; momentum: one slot


@pytest.fixture(scope="module")
def straight(tmp_path_factory, content_path, style_path, approx_weights_path):
    """N steps in one run, per optimizer: the reference a resumed run must match."""
    base = Config(weights=str(approx_weights_path), seed=0, **SIZE)
    out = tmp_path_factory.mktemp("straight")
    return {name: run(content_path, style_path, out / f"{name}.png",
                      base.replace(optimizer=name, learning_rate=lr, iterations=N))
            for name, lr in OPTIMIZERS.items()}


def resumed_run(tmp_path, content_path, style_path, config):
    """K steps, then --resume to N: the resumed part's result and the state holding the whole run."""
    ck = tmp_path / "ck"
    run(content_path, style_path, tmp_path / "first.png", config.replace(iterations=K, checkpoint_every=K,
                                                                           checkpoint_dir=str(ck)))
    assert load_state(ck).steps == K
    resumed = run(content_path, style_path, tmp_path / "resumed.png", config.replace(iterations=N, resume=str(ck)))
    return resumed, load_state(ck)


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_resumed_run_matches_an_uninterrupted_one(tmp_path, content_path, style_path, base, straight, optimizer):
    config = base.replace(optimizer=optimizer, learning_rate=OPTIMIZERS[optimizer])
    resumed, state = resumed_run(tmp_path, content_path, style_path, config)
    straight = straight[optimizer]
    # The resumed run's own history covers steps 4..10; the state/log holds the whole run.
    assert [e["iteration"] for e in resumed.history] == list(range(4, 11))
    assert [e["iteration"] for e in state.history] == list(range(11))
    np.testing.assert_allclose(totals(state.history), totals(straight.history), rtol=1e-4)
    np.testing.assert_allclose(totals(resumed.history), totals(straight.history)[4:], rtol=1e-4)
    assert np.abs(resumed.image.astype(int) - straight.image.astype(int)).max() <= 1


@pytest.mark.slow
def test_resume_without_the_optimizer_state_would_differ(tmp_path, content_path, style_path, base, straight,
                                                         monkeypatch):
    """The 1e-4 check above can fail: restoring the image alone (fresh Adam moments) misses it by far."""
    from legacy_nst.engines.graph import GraphStepper

    original = GraphStepper.restore

    def image_only(self, variables):
        original(self, variables)
        for variable in self._variables[1:]:  # the optimizer's slots back to their initial values
            self.sess.run(variable.initializer)

    monkeypatch.setattr(GraphStepper, "restore", image_only)
    resumed, _ = resumed_run(tmp_path, content_path, style_path, base)
    relative = np.abs(totals(resumed.history)[1:] / totals(straight["adam"].history)[5:] - 1)
    assert relative.max() > 1e-2


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory, content_path, style_path, approx_weights_path):
    ck = tmp_path_factory.mktemp("saved") / "ck"
    base = Config(weights=str(approx_weights_path), seed=0, **SIZE)
    run(content_path, style_path, ck.parent / "o.png", base.replace(iterations=3, checkpoint_every=3,
                                                                      checkpoint_dir=str(ck)))
    return ck


@pytest.mark.slow
def test_adam_state_holds_its_slots_and_step_counters(saved_run):
    state = load_state(saved_run)
    assert state.steps == 3 and sorted(state.variables) == ["beta1_power", "beta2_power", "input", "input/Adam",
                                                            "input/Adam_1"]
    assert state.variables["beta1_power"] == pytest.approx(0.9 ** 4)  # TF1 Adam keeps beta^(t+1)
    assert state.variables["beta2_power"] == pytest.approx(0.999 ** 4)
    assert state.variables["input"].shape == (1, 32, 32, 3)
    written = np.asarray(Image.open(saved_run.parent / "o.png"))
    mean = np.array([123.68, 116.779, 103.939])
    np.testing.assert_array_equal(written, np.clip(np.rint(state.variables["input"][0] + mean), 0, 255))
    assert sorted(p.name for p in saved_run.iterdir()) == ["00000.png", "00003.png", "state-00003.npz", STATE_JSON]


@pytest.mark.slow
def test_cli_resume_needs_only_the_directory(tmp_path, content_path, style_path, approx_weights_path, capsys):
    out, ck = tmp_path / "o.png", tmp_path / "ck"
    assert main(["--content", str(content_path), "--style", str(style_path), "--weights", str(approx_weights_path),
                 "--output", str(out), "--width", "32", "--height", "32", "--iterations", "4", "--optimizer",
                 "rmsprop", "--learning-rate", "1", "--checkpoint-every", "2", "--checkpoint-dir", str(ck),
                 "--log-json", str(tmp_path / "log.json"), "--quiet"]) == 0
    out.unlink()
    assert main(["--resume", str(ck), "--iterations", "6", "--quiet"]) == 0
    assert out.exists(), "the output path comes from the saved run"
    log = json.loads((tmp_path / "log.json").read_text())
    assert log["config"]["optimizer"] == "rmsprop" and log["config"]["iterations"] == 6
    assert [e["iteration"] for e in log["iterations"]] == list(range(7)) and log["status"] == "completed"


@pytest.mark.slow
@pytest.mark.parametrize("change,message", [
    (dict(optimizer="rmsprop"), "--optimizer adam, not rmsprop"),
    (dict(alpha=7.0), "--alpha 100.0, not 7.0"),
    (dict(width=48), "--width 32, not 48"),
    (dict(iterations=2), "more than --iterations 2"),
])
def test_resume_refuses_a_different_run(tmp_path, content_path, style_path, base, saved_run, change, message):
    ck = saved_run
    with pytest.raises(ConfigError, match=message):
        run(content_path, style_path, tmp_path / "p.png", base.replace(iterations=5, resume=str(ck)).replace(**change))
    assert not (tmp_path / "p.png").exists()


@pytest.mark.slow
def test_resume_refuses_a_changed_content_file(tmp_path, content_path, style_path, base):
    content = tmp_path / "c.png"
    Image.open(content_path).convert("RGB").resize((40, 40)).save(content)
    ck = tmp_path / "ck"
    run(content, style_path, tmp_path / "o.png", base.replace(iterations=2, checkpoint_every=2, checkpoint_dir=str(ck)))
    Image.new("RGB", (40, 40), (200, 10, 10)).save(content)
    with pytest.raises(ConfigError, match="content file changed"):
        run(content, style_path, tmp_path / "o.png", base.replace(iterations=4, resume=str(ck)))


def test_missing_or_broken_state_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / STATE_JSON).write_text('{"format": 1, "steps": 3, "state_file": "state-00003.npz"')
    for directory, expected in ((tmp_path / "nowhere", "no such directory"), (tmp_path / "empty", "no saved state"),
                                (broken, f"{broken / STATE_JSON} is damaged (JSONDecodeError")):
        assert main(["--resume", str(directory)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expected in err[0], err


def test_a_crash_while_saving_leaves_the_previous_state(tmp_path, monkeypatch):
    """state.json is the commit point: a kill after the new npz but before the pointer keeps the old state."""
    from legacy_nst.record import checkpoints as resume

    meta = {"config": {}, "iterations": []}
    save_state(tmp_path, 5, {"input": np.full((1, 2, 2, 3), 5.0, np.float32)}, None, meta)
    real_write = resume.atomic_write

    def dies_on_the_pointer(path, data=None, **kw):
        if str(path).endswith(STATE_JSON):
            # What a kill -9 mid-write leaves: a hidden temporary file, the target untouched.
            (tmp_path / f".{STATE_JSON}.0123abcd.tmp").write_text("{half")
            raise KeyboardInterrupt
        return real_write(path, data, **kw)

    monkeypatch.setattr(resume, "atomic_write", dies_on_the_pointer)
    with pytest.raises(KeyboardInterrupt):
        save_state(tmp_path, 10, {"input": np.full((1, 2, 2, 3), 10.0, np.float32)}, None, meta)
    monkeypatch.setattr(resume, "atomic_write", real_write)
    state = load_state(tmp_path)
    assert state.steps == 5 and float(state.variables["input"].max()) == 5.0
    assert temporary_files(tmp_path) == [], "loading clears a killed write's temporary files"
    save_state(tmp_path, 15, {"input": np.zeros((1, 2, 2, 3), np.float32)}, None, meta)
    # the state before the newest is kept (step 5); the npz of the killed save (step 10) is gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state-00005.npz", "state-00015.npz", STATE_JSON, PREVIOUS_JSON]


@pytest.mark.slow
def test_resume_refuses_different_weights(tmp_path, content_path, style_path, base, saved_run, monkeypatch):
    from legacy_nst.record import checkpoints as resume

    saved = load_state(saved_run).meta["inputs"]["weights"]
    assert saved == resume.weights_fingerprint(load_vgg19(base.weights))
    from legacy_nst.record import files as record_files

    monkeypatch.setattr(record_files, "weights_fingerprint", lambda vgg: "0" * 64)
    with pytest.raises(ConfigError, match="the weights file changed"):
        run(content_path, style_path, tmp_path / "p.png", base.replace(iterations=5, resume=str(saved_run)))


@pytest.mark.slow
def test_a_tiled_run_resumes_as_an_uninterrupted_tiled_run(tmp_path, content_path, style_path, base):
    """--tile 80 at 96x96 (four tiles) with --preserve-colors: the tiled stepper's Adam state is saved and
    restored under the graph engine's names, so K steps + --resume to N equal N steps straight."""
    config = base.replace(width=96, height=96, tile="80", optimizer="adam", learning_rate=2.0, preserve_colors=True)
    straight = run(content_path, style_path, tmp_path / "straight.png", config.replace(iterations=N))
    assert straight.tiling["tiles"] == 4
    resumed, state = resumed_run(tmp_path, content_path, style_path, config)
    assert resumed.tiling["tiles"] == 4
    np.testing.assert_allclose(totals(state.history), totals(straight.history), rtol=1e-4)
    assert np.abs(resumed.image.astype(int) - straight.image.astype(int)).max() <= 1


@pytest.fixture(scope="module")
def two_states(tmp_path_factory, content_path, style_path, approx_weights_path):
    """A run of 8 steps saved at steps 4 and 8 (the folder is copied by each test that damages it)."""
    folder = tmp_path_factory.mktemp("two")
    base = Config(weights=str(approx_weights_path), seed=0, **SIZE)
    run(content_path, style_path, folder / "o.png", base.replace(iterations=8, checkpoint_every=4,
                                                                  checkpoint_dir=str(folder / "ck")))
    return folder / "ck"


def damaged_copy(two_states, tmp_path, *names):
    """The saved run's folder with each of `names` truncated to 1000 bytes (as a full disk or a copy cut short)."""
    import shutil

    ck = tmp_path / "ck"
    shutil.copytree(two_states, ck)
    for name in names:
        data = (ck / name).read_bytes()
        (ck / name).write_bytes(data[:1000])
    return ck


@pytest.mark.slow
def test_a_damaged_newest_checkpoint_falls_back_to_the_previous_one(two_states, tmp_path):
    ck = damaged_copy(two_states, tmp_path, "state-00008.npz")
    state = load_state(ck)
    assert state.steps == 4 and [e["iteration"] for e in state.history] == list(range(4))
    assert state.note.startswith(f"{ck / 'state-00008.npz'} is damaged (BadZipFile") and "from step 4" in state.note


@pytest.mark.slow
def test_a_damaged_state_json_falls_back_to_the_previous_one(two_states, tmp_path):
    ck = damaged_copy(two_states, tmp_path)
    (ck / STATE_JSON).write_text('{"format": 1, "steps": 8, "state_fi')
    assert load_state(ck).steps == 4


@pytest.mark.slow
@pytest.mark.parametrize("damaged", [("state-00008.npz", "state-00004.npz"), ("state-00008.npz", PREVIOUS_JSON)])
def test_a_damaged_checkpoint_with_nothing_to_fall_back_on_is_one_line_with_exit_2(two_states, tmp_path, capsys,
                                                                                    damaged):
    ck = damaged_copy(two_states, tmp_path, *damaged)
    assert main(["--resume", str(ck), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert f"{ck / 'state-00008.npz'} is damaged" in err[0] and f"delete {ck}" in err[0], err


@pytest.mark.slow
def test_a_resumed_run_says_it_fell_back_and_goes_on_from_there(two_states, tmp_path, content_path, style_path, base):
    ck = damaged_copy(two_states, tmp_path, "state-00008.npz")
    notes = []

    class Notes:
        cost = None

        def note(self, text):
            notes.append(text)

        def update(self, iteration, losses):
            pass

        def close(self):
            pass

    result = run(content_path, style_path, tmp_path / "o.png", base.replace(iterations=10, resume=str(ck)),
                 log_json=tmp_path / "log.json", progress=Notes())
    assert [e["iteration"] for e in result.history] == list(range(4, 11))
    assert any("is damaged" in n and "from step 4" in n for n in notes), notes
    assert json.loads((tmp_path / "log.json").read_text())["resume_note"].endswith("from step 4")
    assert load_state(ck).steps == 10


def test_a_bad_write_keeps_the_previous_state(tmp_path, monkeypatch):
    """One bad write (the npz reads back different) is refused in one line and leaves the state before it."""
    meta = {"config": {}, "iterations": []}
    save_state(tmp_path, 5, {"input": np.full((1, 2, 2, 3), 5.0, np.float32)}, None, meta)
    real_savez = np.savez

    def torn(handle, **arrays):
        real_savez(handle, **arrays)
        handle.truncate(200)

    monkeypatch.setattr(np, "savez", torn)
    with pytest.raises(NSTError, match="did not read back as written") as error:
        save_state(tmp_path, 10, {"input": np.full((1, 2, 2, 3), 10.0, np.float32)}, None, meta)
    assert "the previous state (step 5) is kept" in str(error.value) and "\n" not in str(error.value)
    monkeypatch.setattr(np, "savez", real_savez)
    state = load_state(tmp_path)
    assert state.steps == 5 and float(state.variables["input"].max()) == 5.0 and state.note is None


@pytest.mark.slow
def test_a_truncated_checkpoint_is_one_line_with_exit_2(saved_run, tmp_path, capsys):
    """Issue 23: state-NNNNN.npz cut to 1000 bytes gave a BadZipFile traceback and exit 1."""
    import shutil

    ck = tmp_path / "ck"
    shutil.copytree(saved_run, ck)
    (ck / "state-00003.npz").write_bytes((ck / "state-00003.npz").read_bytes()[:1000])
    assert main(["--resume", str(ck), "--iterations", "5", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"legacy-nst: error: --resume {ck}: "), err
    assert_says(err[0], f"{ck / 'state-00003.npz'} is damaged (BadZipFile", "no earlier state", f"delete {ck}",
                "--checkpoint-dir")


@pytest.mark.slow
def test_a_state_json_whose_options_are_not_a_run_is_damaged(two_states, tmp_path, capsys):
    """Valid JSON with an option of the wrong type (a changed byte can do that) gave a TypeError traceback."""
    ck = damaged_copy(two_states, tmp_path)
    for name in (STATE_JSON, PREVIOUS_JSON):
        meta = json.loads((ck / name).read_text())
        (ck / name).write_text(json.dumps({**meta, "config": {**meta["config"], "alpha": "100.0"}}))
        if name == STATE_JSON:
            assert load_state(ck).steps == 4, "the previous state is used"
    assert main(["--resume", str(ck), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert_says(err[0], f"{ck / STATE_JSON} is damaged", "options", "--alpha")


class StopAfter:
    """A stop request (Ctrl-C) that arrives once the run has looked at it `reads` times: after that many steps."""

    signum = 2  # SIGINT

    def __init__(self, reads):
        self.reads = reads

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    @property
    def requested(self):
        self.reads -= 1
        return self.reads < 0


def test_a_resumed_run_writes_the_lowest_loss_image_across_the_resume(tmp_path, content_path, style_path, base, vgg,
                                                                       monkeypatch):
    """Stopped after K steps, out.best.png is the best of those; resumed to N, it is the best of all N (the loss
    goes on falling after the resume), not the image from before the stop."""
    from legacy_nst.io.images import from_network
    from legacy_nst.record import files
    from legacy_nst.record.interrupts import Interrupted

    config = base.replace(optimizer="adam", learning_rate=2.0, iterations=N, checkpoint_dir=str(tmp_path / "ck"))
    monkeypatch.setattr(files, "StopRequest", lambda: StopAfter(K))
    with pytest.raises(Interrupted):
        run(content_path, style_path, tmp_path / "out.png", config)
    stopped = np.asarray(Image.open(tmp_path / "out.best.png"))
    assert load_state(tmp_path / "ck").best["iteration"] < K + 1
    monkeypatch.undo()
    run(content_path, style_path, tmp_path / "out.png", config.replace(resume=str(tmp_path / "ck")))
    state = load_state(tmp_path / "ck")
    assert state.best["iteration"] > K and state.best["total"] == min(totals(state.history))
    best = np.asarray(Image.open(tmp_path / "out.best.png"))
    np.testing.assert_array_equal(best, from_network(state.best_image, vgg.mean_pixel))
    assert not np.array_equal(best, stopped)
