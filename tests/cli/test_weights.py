"""`legacy-nst weights locate`: the weights a run without --weights uses, and the offline fallback.

The download URL is a closed port on 127.0.0.1 ($LEGACY_NST_WEIGHTS_URL): nothing leaves the machine.
"""
import socket

import pytest

from legacy_nst.cli.main import main


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """A folder without weights/, no $LEGACY_NST_WEIGHTS, and a download URL nothing answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEGACY_NST_WEIGHTS", raising=False)
    monkeypatch.setenv("LEGACY_NST_WEIGHTS_URL", f"http://127.0.0.1:{port}/imagenet-vgg-verydeep-19.mat")
    return tmp_path


def locate(capsys, *args):
    status = main(["weights", "locate", "--quiet", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out.strip(), err.strip()


def test_the_configured_or_default_file_is_printed(offline, capsys, monkeypatch, approx_weights_path):
    monkeypatch.setenv("LEGACY_NST_WEIGHTS", str(approx_weights_path))
    assert locate(capsys) == (0, str(approx_weights_path), "")
    monkeypatch.delenv("LEGACY_NST_WEIGHTS")
    (offline / "weights").mkdir()
    (offline / "weights" / "imagenet-vgg-verydeep-19.mat").write_bytes(b"stand-in")
    assert locate(capsys, "--download") == (0, "weights/imagenet-vgg-verydeep-19.mat", "")


def test_offline_the_fallback_is_used_with_one_line_naming_it_approximate(offline, capsys, approx_weights_path):
    status, out, err = locate(capsys, "--download", "--fallback", approx_weights_path)
    assert (status, out) == (0, str(approx_weights_path))
    assert len(err.splitlines()) == 1 and f"using the approximate weights {approx_weights_path}" in err


@pytest.mark.parametrize("args", [(), ("--download",), ("--download", "--fallback", "nowhere/vgg19-approx.mat")])
def test_without_weights_or_fallback_one_line_names_every_way_to_get_them(offline, capsys, args):
    status, out, err = locate(capsys, *args)
    assert status == 2 and out == "" and len(err.splitlines()) == 1
    assert all(word in err for word in ("--weights", "LEGACY_NST_WEIGHTS", "legacy-nst weights download"))


def test_a_missing_configured_file_is_refused_not_replaced(offline, capsys, monkeypatch, approx_weights_path):
    monkeypatch.setenv("LEGACY_NST_WEIGHTS", str(offline / "nowhere.mat"))
    status, out, err = locate(capsys, "--download", "--fallback", approx_weights_path)
    assert status == 2 and out == "" and "LEGACY_NST_WEIGHTS names" in err and "nowhere.mat" in err
    assert not (offline / "weights").exists()
