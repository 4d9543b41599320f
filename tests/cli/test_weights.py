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
def test_without_weights_or_fallback_one_line_names_every_way_to_get_them(offline, capsys, monkeypatch, args):
    monkeypatch.setenv("LEGACY_NST_SHARED", str(offline / "no-shared"))  # no approximate weights either
    status, out, err = locate(capsys, *args)
    assert status == 2 and out == "" and len(err.splitlines()) == 1
    assert all(word in err for word in ("--weights", "LEGACY_NST_WEIGHTS", "legacy-nst weights download"))


def test_a_missing_configured_file_is_refused_not_replaced(offline, capsys, monkeypatch, approx_weights_path):
    monkeypatch.setenv("LEGACY_NST_WEIGHTS", str(offline / "nowhere.mat"))
    status, out, err = locate(capsys, "--download", "--fallback", approx_weights_path)
    assert status == 2 and out == "" and "LEGACY_NST_WEIGHTS names" in err and "nowhere.mat" in err
    assert not (offline / "weights").exists()


@pytest.mark.parametrize("args", [(), ("--download",)])
def test_without_weights_the_shared_approximate_ones_are_located_with_one_line(offline, capsys, monkeypatch,
                                                                                 shared_dir, args):
    """The weights rule's last place (config.weights), found offline with or without --download."""
    monkeypatch.setenv("LEGACY_NST_SHARED", str(shared_dir))
    status, out, err = locate(capsys, *args)
    approximate = str(shared_dir / "weights" / "vgg19-approx.mat")
    assert (status, out) == (0, approximate)
    assert len(err.splitlines()) == 1 and err.startswith("legacy-nst: note: ")
    assert f"using the approximate weights {approximate}" in err
    assert ("cannot download the VGG-19 weights" in err) == bool(args)


def commands(content, style, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(f'[base]\ncontent = "{content}"\nstyle = "{style}"\nwidth = 32\nheight = 32\niterations = 1\n')
    return {
        "main": ["--content", content, "--style", style, "--output", tmp_path / "o.png", "--width", "32",
                 "--iterations", "1", "--quiet"],
        "score": ["score", content, style, content, "--size", "32"],
        "compare": ["compare", "--content", content, "--style", style, "--width", "32", "--height", "32",
                    "--iterations", "1", "--backends", "graph,eager", "--quiet"],
        "jcjohnson": ["jcjohnson", "-content_image", content, "-style_image", style, "-output_image",
                      tmp_path / "o.png", "-image_size", "32", "-num_iterations", "1", "-print_iter", "0",
                      "-save_iter", "0"],
        "anishathalye": ["anishathalye", "--content", content, "--styles", style, "--output", tmp_path / "o.png",
                         "--width", "32", "--iterations", "1"],
        "sweep": ["sweep", spec, "--out", tmp_path / "out"],
    }


@pytest.mark.parametrize("command", ["main", "score", "compare", "jcjohnson", "anishathalye", "sweep"])
def test_every_command_without_weights_names_the_four_places(offline, capsys, monkeypatch, content_path, style_path,
                                                              command):
    monkeypatch.setenv("LEGACY_NST_SHARED", str(offline / "no-shared"))
    argv = commands(str(content_path), str(style_path), offline)[command]
    status = main([str(word) for word in argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and err[0].startswith("legacy-nst: error: "), err
    places = ("LEGACY_NST_WEIGHTS", "weights/imagenet-vgg-verydeep-19.mat", "no-shared/weights/vgg19-approx.mat",
              "legacy-nst weights download")
    assert all(place in err[0] for place in places), err[0]
    assert [p.name for p in offline.iterdir()] == ["spec.toml"], "nothing written"


@pytest.mark.parametrize("command", ["main", "score", "compare", "jcjohnson", "anishathalye"])
def test_every_command_without_weights_runs_on_the_approximate_ones_saying_so_once(
        offline, capsys, monkeypatch, content_path, style_path, shared_dir, command):
    from legacy_nst.config import weights

    monkeypatch.setattr(weights, "_noted", set())
    monkeypatch.setenv("LEGACY_NST_SHARED", str(shared_dir))
    argv = commands(str(content_path), str(style_path), offline)[command]
    status = main([str(word) for word in argv])
    err = capsys.readouterr().err
    assert status == 0, err
    notes = [line for line in err.splitlines() if "approximate weights" in line]
    assert notes == [f"legacy-nst: note: {weights.approximate_note(shared_dir / 'weights' / 'vgg19-approx.mat')}"]


def test_a_sweep_spec_without_weights_resolves_the_approximate_ones_saying_so_once(
        offline, capsys, monkeypatch, content_path, style_path, shared_dir):
    from legacy_nst.config import weights
    from legacy_nst.sweep import spec

    monkeypatch.setattr(weights, "_noted", set())
    monkeypatch.setenv("LEGACY_NST_SHARED", str(shared_dir))
    path = offline / "spec.toml"
    path.write_text(f'[base]\ncontent = "{content_path}"\nstyle = "{style_path}"\n[axes]\nalpha = [1, 2, 3]\n')
    jobs = spec.load(path).jobs
    assert {job.options["weights"] for job in jobs} == {str(shared_dir / "weights" / "vgg19-approx.mat")}
    assert len([line for line in capsys.readouterr().err.splitlines() if "approximate weights" in line]) == 1


def test_the_python_api_says_it_once_too(offline, capsys, monkeypatch, content_path, style_path, shared_dir):
    import legacy_nst
    from legacy_nst.config import weights

    monkeypatch.setattr(weights, "_noted", set())
    monkeypatch.setenv("LEGACY_NST_SHARED", str(shared_dir))
    for _ in range(2):
        legacy_nst.stylize(str(content_path), str(style_path), width=32, height=32, iterations=1)
    assert len([line for line in capsys.readouterr().err.splitlines() if "approximate weights" in line]) == 1
