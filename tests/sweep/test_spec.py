"""Sweep specs: crossing and zipping axes, path resolution, job ids, and one-line refusals (no Ray here)."""
import os
from pathlib import Path

import pytest

from legacy_nst.errors import ConfigError
from legacy_nst.sweep import spec as sweep_spec

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def write(tmp_path, approx_weights_path):
    def write(text, name="spec.toml"):
        path = tmp_path / name
        path.write_text(text.replace("WEIGHTS", str(approx_weights_path)))
        return path
    return write


@pytest.fixture
def images(tmp_path, shared_dir):
    """Links to the shared images in a folder of the test's own, so paths can be relative to the spec."""
    folder = tmp_path / "images"
    folder.mkdir()
    for name in ("tubingen", "starry_night", "the_scream", "shipwreck"):
        (folder / f"{name}.jpg").symlink_to(shared_dir / "images" / f"{name}.jpg")
    return folder


BASE = '[base]\ncontent = "images/tubingen.jpg"\nweights = "WEIGHTS"\nwidth = 32\n'


def test_axes_are_crossed_and_each_job_has_its_values(write, images):
    spec = sweep_spec.load(write(BASE + '[axes]\nstyle = ["images/starry_night.jpg", "images/the_scream.jpg"]\n'
                                        'alpha = [100, 1000, 1e4]\n'))
    assert len(spec.jobs) == 6
    pairs = [(Path(j.options["style"]).name, j.options["alpha"]) for j in spec.jobs]
    assert pairs == [(s, a) for s in ("starry_night.jpg", "the_scream.jpg") for a in (100.0, 1000.0, 1e4)]
    assert spec.jobs[0].values == {"style": "images/starry_night.jpg", "alpha": 100}
    assert len({j.id for j in spec.jobs}) == 6
    assert all(Path(j.options["content"]).is_absolute() for j in spec.jobs)


def test_zipped_axes_vary_together(write, images):
    spec = sweep_spec.load(write('zip = [["style", "alpha"]]\n' + BASE +
                                 '[axes]\nstyle = ["images/starry_night.jpg", "images/the_scream.jpg"]\n'
                                 'alpha = [100, 1000]\nbeta = [1, 2]\n'))
    got = [(Path(j.options["style"]).stem, j.options["alpha"], j.options["beta"]) for j in spec.jobs]
    assert got == [("starry_night", 100, 1), ("starry_night", 100, 2), ("the_scream", 1000, 1), ("the_scream", 1000, 2)]
    assert spec.groups == (("style", "alpha"), ("beta",))


def test_a_folder_or_a_glob_expands_to_its_images_in_name_order(write, images):
    (images / "notes.txt").write_text("not an image")
    by_folder = sweep_spec.load(write(BASE + '[axes]\nstyle = ["images"]\n'))
    by_glob = sweep_spec.load(write(BASE + '[axes]\nstyle = ["images/s*.jpg"]\n'))
    assert [Path(j.options["style"]).stem for j in by_folder.jobs] == ["shipwreck", "starry_night", "the_scream",
                                                                      "tubingen"]
    assert [Path(j.options["style"]).stem for j in by_glob.jobs] == ["shipwreck", "starry_night"]


def test_paths_take_environment_variables_with_defaults_relative_to_the_spec(write, images, monkeypatch, tmp_path):
    monkeypatch.delenv("SWEEP_TEST_IMAGES", raising=False)
    text = BASE.replace("images/tubingen.jpg", "${SWEEP_TEST_IMAGES:-images}/tubingen.jpg") + \
        '[axes]\nstyle = ["${SWEEP_TEST_IMAGES:-images}/shipwreck.jpg"]\n'
    (tmp_path / "sub").mkdir()
    default = sweep_spec.load(write(text))
    assert default.jobs[0].options["content"] == str((images / "tubingen.jpg").resolve())
    monkeypatch.setenv("SWEEP_TEST_IMAGES", str(images))
    assert sweep_spec.load(write(text, "sub/spec.toml")).jobs[0].id == default.jobs[0].id


def test_the_job_id_follows_the_options_that_change_the_result_only(write, images):
    one = sweep_spec.load(write(BASE + 'style = "images/shipwreck.jpg"\n')).jobs[0]
    again = sweep_spec.load(write(BASE.replace("width", "print-every = 7\nwidth") + 'style = "images/shipwreck.jpg"\n'))
    other = sweep_spec.load(write(BASE + 'style = "images/shipwreck.jpg"\nalpha = 101\n')).jobs[0]
    assert len(one.id) == 12 and one.id == again.jobs[0].id != other.id


def test_the_shipped_figure_specs_resolve_to_the_papers_grids(monkeypatch, approx_weights_path, shared_dir):
    monkeypatch.setenv("LEGACY_NST_WEIGHTS", str(approx_weights_path))
    monkeypatch.setenv("LEGACY_NST_SHARED", str(shared_dir))
    figure2 = sweep_spec.load(REPO / "sweeps" / "gatys-figure2.toml")
    assert sorted(Path(j.options["style"]).stem for j in figure2.jobs) == ["seated-nude", "shipwreck",
                                                                           "starry_night", "the_scream"]
    ratios = {Path(j.options["style"]).stem: j.options["beta"] / j.options["alpha"] for j in figure2.jobs}
    assert ratios == pytest.approx({"shipwreck": 1e-3, "starry_night": 1e-3, "the_scream": 1e-3,
                                    "seated-nude": 1e-4})
    figure3 = sweep_spec.load(REPO / "sweeps" / "gatys-figure3.toml")
    assert len(figure3.jobs) == 20
    layer_lists = sorted({j.options["style_layers"] for j in figure3.jobs}, key=len)
    assert layer_lists[0] == "conv1_1:1" and layer_lists[-1] == ",".join(f"conv{b}_1:0.2" for b in range(1, 6))
    assert sorted({j.options["beta"] / j.options["alpha"] for j in figure3.jobs}) == pytest.approx(
        [1e-5, 1e-4, 1e-3, 1e-2])


@pytest.mark.parametrize("text, expected", [
    (BASE + 'widht = 3\n[axes]\nstyle = ["images/shipwreck.jpg"]\n', "[base] widht: unknown option; did you mean width?"),
    (BASE + 'style = "images/shipwreck.jpg"\n[axes]\nalpha = ["lots"]\n',
     "[axes] alpha: expected a number, e.g. 1e3, got 'lots'; fix the value"),
    (BASE + 'style = "images/shipwreck.jpg"\n[axes]\nalpha = []\n', "[axes] alpha: empty axis; give at least one"),
    (BASE + '[axes]\nstyle = ["images/nope.jpg"]\n', "images/nope.jpg: no such file; fix the path"),
    (BASE + '[axes]\nstyle = ["images/*.png"]\n', "matches no image; fix the pattern"),
    (BASE + 'style = "images/shipwreck.jpg"\niterations = 1.5\n', "[base] iterations: expected a whole number"),
    (BASE + 'style = "images/shipwreck.jpg"\n[axes]\noptimizer = ["adam", "newton"]\n',
     "unknown optimizer 'newton'; choose from"),
    ('zip = [["style", "alpha"]]\n' + BASE + '[axes]\nstyle = ["images/shipwreck.jpg"]\nalpha = [1, 2]\n',
     "the axes have different lengths (style 1, alpha 2); give them equally many values"),
    (BASE + 'style = "images/shipwreck.jpg"\nresume = "x"\n', "[base] resume: the sweep sets it for each job"),
    (BASE + 'style = "images/shipwreck.jpg"\nworkers = 2\n', "[base] workers: spreads one run's tiles over Ray"),
    (BASE + 'style = "images/shipwreck.jpg"\ncontent = "images/tubingen.jpg"', "not valid TOML"),
    (BASE.replace('"WEIGHTS"', '"${SWEEP_TEST_UNSET}/w.mat"') + 'style = "images/shipwreck.jpg"\n',
     "environment variable ${SWEEP_TEST_UNSET} is not set"),
])
def test_a_bad_spec_is_refused_in_one_line_naming_the_key_and_the_fix(write, images, text, expected):
    os.environ.pop("SWEEP_TEST_UNSET", None)
    with pytest.raises(ConfigError) as refused:
        sweep_spec.load(write(text))
    message = str(refused.value)
    assert expected in message and "\n" not in message
