"""Sweep specs: crossing and zipping axes, path resolution, job ids, and one-line refusals (no Ray here)."""
import os
import time
from pathlib import Path

import pytest

import special_files
from legacy_nst.errors import ConfigError
from legacy_nst.sweep import spec as sweep_spec
from messages import assert_says

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
    (BASE + 'widht = 3\n[axes]\nstyle = ["images/shipwreck.jpg"]\n', ("[base] widht", "unknown", "did you mean width")),
    (BASE + 'style = "images/shipwreck.jpg"\n[axes]\nalpha = ["lots"]\n', ("[axes] alpha", "'lots'", "number", "1e3")),
    (BASE + 'style = "images/shipwreck.jpg"\n[axes]\nalpha = []\n', ("[axes] alpha", "empty", "at least one")),
    (BASE + '[axes]\nstyle = ["images/nope.jpg"]\n', ("[axes] style", "images/nope.jpg", "no such file", "the path")),
    (BASE + '[axes]\nstyle = ["images/*.png"]\n', ("[axes] style", "'images/*.png'", "no image", "fix the pattern")),
    (BASE + 'style = "images/shipwreck.jpg"\niterations = 1.5\n', ("[base] iterations", "1.5", "whole number")),
    (BASE + 'style = "images/shipwreck.jpg"\n[axes]\noptimizer = ["adam", "newton"]\n',
     ("optimizer", "'newton'", "choose from", "adam")),
    ('zip = [["style", "alpha"]]\n' + BASE + '[axes]\nstyle = ["images/shipwreck.jpg"]\nalpha = [1, 2]\n',
     ("different lengths", "style 1, alpha 2", "equally many")),
    (BASE + 'style = "images/shipwreck.jpg"\nresume = "x"\n', ("[base] resume", "each job", "remove it")),
    (BASE + 'style = "images/shipwreck.jpg"\nworkers = 2\n', ("[base] workers", "Ray", "remove it")),
    (BASE + 'style = "images/shipwreck.jpg"\ncontent = "images/tubingen.jpg"', ("not valid TOML", "fix the syntax")),
    (BASE.replace('"WEIGHTS"', '"${SWEEP_TEST_UNSET}/w.mat"') + 'style = "images/shipwreck.jpg"\n',
     ("[base] weights", "${SWEEP_TEST_UNSET}", "not set", "${SWEEP_TEST_UNSET:-DEFAULT}")),
])
def test_a_bad_spec_is_refused_in_one_line_naming_the_key_and_the_fix(write, images, text, expected):
    os.environ.pop("SWEEP_TEST_UNSET", None)
    with pytest.raises(ConfigError) as refused:
        sweep_spec.load(write(text))
    assert_says(refused.value, *expected)


def test_settings_override_the_base_read_as_toml_values(write, images, monkeypatch, tmp_path):
    path = write(BASE + 'style = "images/shipwreck.jpg"\niterations = 500\npreset = "gatys"\n'
                 '[axes]\nalpha = [100, 1000]\n')
    monkeypatch.chdir(images)  # a path given on the command line is relative to where the command runs
    settings = [sweep_spec.parse_setting(text) for text in ("iterations=5", "print-every=2", "clip_pixels=true",
                                                            "style=starry_night.jpg", "preset=artpy",
                                                            "style_layers=conv1_1:1")]
    assert settings[:3] == [("iterations", 5), ("print-every", 2), ("clip_pixels", True)]
    spec = sweep_spec.load(path, settings)
    assert [job.options["alpha"] for job in spec.jobs] == [100, 1000]
    options = spec.jobs[0].options
    assert (options["iterations"], options["print_every"], options["clip_pixels"]) == (5, 2, True)
    assert options["style"] == str((images / "starry_night.jpg").resolve()) and options["kernel_layout"] == "artpy"
    assert options["style_layers"] == "conv1_1:1"
    assert sweep_spec.load(path).jobs[0].options["iterations"] == 500


@pytest.mark.parametrize("text, expected", [
    ("iterations", ("--set iterations", "KEY=VALUE", "--set iterations=5")),
    ("widht=3", ("--set widht", "unknown", "did you mean width")),
    ("iterations=1.5", ("--set iterations", "1.5", "whole number")),
    ("alpha=3", ("--set alpha", "axis", "edit the axis in")),
])
def test_a_bad_setting_is_refused_in_one_line(write, images, text, expected):
    path = write(BASE + 'style = "images/shipwreck.jpg"\n[axes]\nalpha = [100, 1000]\n')
    with pytest.raises(ConfigError) as refused:
        sweep_spec.load(path, [sweep_spec.parse_setting(text)])
    assert_says(refused.value, *expected)


BESIDE_THE_REPOSITORY = REPO.parent / "shared"


def test_legacy_nst_shared_defaults_to_shared_beside_the_repository(monkeypatch):
    monkeypatch.delenv("LEGACY_NST_SHARED", raising=False)
    assert sweep_spec.expand_variables("${LEGACY_NST_SHARED}/images/a.jpg", "w") == \
        str(BESIDE_THE_REPOSITORY / "images" / "a.jpg")
    monkeypatch.setenv("LEGACY_NST_SHARED", "/data/shared")
    assert sweep_spec.expand_variables("${LEGACY_NST_SHARED}/images/a.jpg", "w") == "/data/shared/images/a.jpg"


@pytest.mark.skipif(not BESIDE_THE_REPOSITORY.is_dir(), reason="the shared data is not beside the repository here")
def test_a_shipped_spec_copied_elsewhere_finds_the_shared_images(monkeypatch, approx_weights_path, tmp_path):
    monkeypatch.delenv("LEGACY_NST_SHARED", raising=False)
    monkeypatch.setenv("LEGACY_NST_WEIGHTS", str(approx_weights_path))
    for name in ("gatys-figure2.toml", "gatys-figure3.toml"):
        copy = tmp_path / "elsewhere" / name
        copy.parent.mkdir(exist_ok=True)
        copy.write_text((REPO / "sweeps" / name).read_text())
        assert [j.id for j in sweep_spec.load(copy).jobs] == [j.id for j in sweep_spec.load(REPO / "sweeps" / name).jobs]
    copy = tmp_path / "figure3-small.toml"
    copy.write_text((REPO / "docs" / "figure3" / "spec.toml").read_text())
    assert Path(sweep_spec.load(copy).jobs[0].options["weights"]) == BESIDE_THE_REPOSITORY / "weights" / "vgg19-approx.mat"


def test_every_init_name_is_a_name_not_a_path(write, images):
    spec = sweep_spec.load(write(BASE + 'style = "images/shipwreck.jpg"\n[axes]\n'
                                 'init = ["noise", "content", "style", "random", "randn", "images/the_scream.jpg"]\n'))
    assert [j.options["init"] for j in spec.jobs][:5] == ["noise", "content", "style", "random", "randn"]
    assert spec.jobs[5].options["init"] == str((images / "the_scream.jpg").resolve())


# -- issue 31: a grid counted before it is made, special files refused --------------------------------------------

def test_a_million_job_grid_is_refused_within_a_second_giving_the_count(write, images):
    """Issue 31: seed, alpha and beta axes of 100 each printed nothing for two minutes while taking 2.9 GB."""
    values = "[" + ", ".join(map(str, range(1, 101))) + "]"
    path = write(BASE + f'style = "images/starry_night.jpg"\n[axes]\nseed = {values}\nalpha = {values}\n'
                        f'beta = {values}\n')
    started = time.perf_counter()
    with pytest.raises(ConfigError) as refused:
        sweep_spec.load(path)
    assert time.perf_counter() - started < 1.0
    assert_says(refused.value, str(path), "1000000 jobs", "100 seed x 100 alpha x 100 beta", "--max-jobs 10000",
                "shrink the axes", "raise --max-jobs")


def test_a_grid_at_the_limit_is_made_and_one_above_it_is_not(write, images):
    path = write(BASE + 'style = "images/starry_night.jpg"\n[axes]\nseed = [1, 2, 3]\nalpha = [1, 2]\n')
    assert len(sweep_spec.load(path, max_jobs=6).jobs) == 6
    with pytest.raises(ConfigError) as refused:
        sweep_spec.load(path, max_jobs=5)
    assert_says(refused.value, "6 jobs", "3 seed x 2 alpha", "--max-jobs 5")


@pytest.mark.parametrize("kind", ["fifo", "device", "socket", "loop"])
@pytest.mark.parametrize("where", ["spec", "content", "style axis", "weights", "init"])
def test_a_special_file_in_a_spec_is_one_line_and_never_opened(write, images, tmp_path, kind, where):
    """Issue 31: a FIFO as a spec blocked in open(); as a content image it passed the spec and blocked the driver
    (the job's memory estimate opens the image)."""
    special = special_files.make(tmp_path / ("s.toml" if where == "spec" else "special.jpg"), kind)
    text = {"content": BASE.replace("images/tubingen.jpg", str(special)) + 'style = "images/the_scream.jpg"\n',
            "style axis": BASE + f'[axes]\nstyle = ["images/the_scream.jpg", "{special}"]\n',
            "weights": BASE.replace("WEIGHTS", str(special)) + 'style = "images/the_scream.jpg"\n',
            "init": BASE + f'style = "images/the_scream.jpg"\ninit = "{special}"\n'}.get(where)
    path = special if where == "spec" else write(text)
    with special_files.unblocked([special] if kind == "fifo" else []) as watch:
        with pytest.raises(ConfigError) as refused:
            sweep_spec.load(path)
    assert not watch.blocked
    assert_says(refused.value, f"{special}: is a ")
    assert special_files.describe(special) == kind
