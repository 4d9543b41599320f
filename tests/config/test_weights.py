"""One weights rule (issue 30): --weights, then $LEGACY_NST_WEIGHTS, then weights/imagenet-vgg-verydeep-19.mat, then
the shared folder's approximate weights with a note said once per process; nothing found names all four places."""
from pathlib import Path

import pytest

from legacy_nst.config import Config, require_weights, weights
from legacy_nst.errors import ConfigError, NSTError
from legacy_nst.vgg.matfile import load_vgg19


@pytest.fixture
def places(tmp_path, monkeypatch):
    """All four places hold a file; the test removes them one by one. The working folder is tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(weights, "_noted", set())
    files = {"given": tmp_path / "given.mat", "env": tmp_path / "env.mat",
             "default": tmp_path / "weights" / "imagenet-vgg-verydeep-19.mat",
             "approximate": tmp_path / "shared" / "weights" / "vgg19-approx.mat"}
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"stand-in")
    monkeypatch.setenv("LEGACY_NST_WEIGHTS", str(files["env"]))
    monkeypatch.setenv("LEGACY_NST_SHARED", str(tmp_path / "shared"))
    return files


def found(given=None):
    result = require_weights(Config(weights=given))
    return result.path, result.source


def test_each_place_wins_over_the_later_ones(places, monkeypatch, capsys):
    assert found(str(places["given"])) == (places["given"], "--weights")
    assert found() == (places["env"], "$LEGACY_NST_WEIGHTS")
    monkeypatch.delenv("LEGACY_NST_WEIGHTS")
    assert found() == (Path("weights") / "imagenet-vgg-verydeep-19.mat", "default")
    assert capsys.readouterr().err == "", "the real weights are used without a word"
    places["default"].unlink()
    assert found() == (places["approximate"], "approximate")
    assert Config().weights_path() == places["approximate"]


def test_the_approximate_weights_are_said_once_per_process(places, monkeypatch, capsys):
    monkeypatch.delenv("LEGACY_NST_WEIGHTS")
    places["default"].unlink()
    for _ in range(3):
        assert require_weights(Config()).note
        Config().weights_path()
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"legacy-nst: note: using the approximate weights {places['approximate']} (VGG-19 with a little "
                     "noise in blocks 4-5: fine to try it out, not the real file; 'legacy-nst weights download' "
                     "(about 510 MB) gets that once online)"]


def test_a_broken_link_at_the_default_place_is_refused_not_replaced_by_the_approximate_weights(places, monkeypatch):
    monkeypatch.delenv("LEGACY_NST_WEIGHTS")
    places["default"].unlink()
    places["default"].symlink_to(places["default"].parent / "moved-away.mat")
    assert found() == (Path("weights") / "imagenet-vgg-verydeep-19.mat", "default")
    with pytest.raises(NSTError) as refused:
        load_vgg19(Path("weights") / "imagenet-vgg-verydeep-19.mat")
    assert "imagenet-vgg-verydeep-19.mat" in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize("missing", ["given", "env"])
def test_weights_given_but_missing_are_refused_never_replaced(places, missing):
    places[missing].unlink()
    with pytest.raises(ConfigError) as refused:
        found(str(places["given"]) if missing == "given" else None)
    message = str(refused.value)
    assert str(places[missing]) in message and "weights download" in message and "\n" not in message
    assert "approximate" not in message


def test_nothing_found_is_one_error_naming_all_four_places(places, monkeypatch):
    monkeypatch.delenv("LEGACY_NST_WEIGHTS")
    places["default"].unlink()
    places["approximate"].unlink()
    with pytest.raises(ConfigError) as refused:
        Config().weights_path()
    message = str(refused.value)
    places_named = ("--weights", "$LEGACY_NST_WEIGHTS", "weights/imagenet-vgg-verydeep-19.mat",
                    str(places["approximate"]), "legacy-nst weights download")
    assert all(place in message for place in places_named), message
    assert "\n" not in message


def test_the_shared_folder_defaults_to_the_one_beside_the_repository(monkeypatch):
    monkeypatch.delenv("LEGACY_NST_SHARED", raising=False)
    repository = Path(__file__).resolve().parents[2]
    assert weights.approximate_weights() == repository.parent / "shared" / "weights" / "vgg19-approx.mat"
