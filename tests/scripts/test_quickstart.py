"""scripts/quickstart.sh in a fresh checkout (no weights/) with the network unreachable (a closed port on 127.0.0.1).

The script runs in a temporary copy whose scripts/install.sh is a stub and whose .venv/bin/legacy-nst runs
this checkout's package with the test's Python, so nothing is installed and nothing leaves the machine.
"""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the quickstart script in a fresh checkout, in its own processes

REPO = Path(__file__).resolve().parents[2]
TINY = ["--width", "64", "--iterations", "3", "--multiscale-iterations", "1", "--float32-finish", "1"]


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/imagenet-vgg-verydeep-19.mat"


@pytest.fixture
def checkout(tmp_path):
    """A copy of the checkout's quickstart, without weights/ and with a stub install."""
    root = tmp_path / "legacy_nst_checkout"
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "quickstart.sh").write_text((REPO / "scripts" / "quickstart.sh").read_text())
    (root / "scripts" / "install.sh").write_text("echo 'installed (stub)'\n")
    command = root / ".venv" / "bin" / "legacy-nst"
    command.parent.mkdir(parents=True)
    command.write_text(f"#!/bin/sh\nexec {sys.executable} -m legacy_nst.cli \"$@\"\n")
    command.chmod(0o755)
    (root / ".venv" / "bin" / "python").symlink_to(sys.executable)
    return root


def quickstart(root, shared_dir, *args, **env):
    environment = {k: v for k, v in os.environ.items() if k != "LEGACY_NST_WEIGHTS"}
    environment.update(PYTHONPATH=str(REPO), LEGACY_NST_SHARED=str(shared_dir),
                       LEGACY_NST_WEIGHTS_URL=closed_port_url(), **env)
    return subprocess.run(["bash", str(root / "scripts" / "quickstart.sh"), *args], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=300)


def test_offline_the_quickstart_uses_the_approximate_weights_and_says_so(checkout, shared_dir):
    done = quickstart(checkout, shared_dir, *TINY)
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if "approximate weights" in line]
    assert len(notes) == 1 and str(shared_dir / "weights" / "vgg19-approx.mat") in notes[0], done.stderr
    assert "cannot download the VGG-19 weights" in notes[0]
    output = checkout / "out" / "tubingen-starry_night-width-64-iterations-3-multiscale-iterations-1-float32-finish-1.png"
    assert output.is_file()  # named after the options that change it
    record = json.loads(output.with_suffix(".json").read_text())
    assert Path(record["config"]["weights"]) == shared_dir / "weights" / "vgg19-approx.mat"
    lines = done.stdout.splitlines()
    assert [line for line in lines if "install" in line] == [lines[0]] and "installed (stub)" in lines[0]
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.split("Model name:")[1].splitlines()[0]
    assert lines[-1].startswith(f"quickstart: out/{output.name} in ") and f" s on {cpu.strip()} (" in lines[-1]
    again = quickstart(checkout, shared_dir, *TINY)  # installed now: no install; the output is kept
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.strip() == (f"quickstart: error: out/{output.name} already exists, will not replace it; "
                                    "add --overwrite or name another output")


@pytest.mark.parametrize("how", ["--weights", "LEGACY_NST_WEIGHTS"])
def test_given_missing_weights_are_one_line_error_without_a_download(checkout, shared_dir, how):
    missing = str(checkout / "nowhere.mat")
    args, env = ((["--weights", missing], {}) if how == "--weights" else ([], {"LEGACY_NST_WEIGHTS": missing}))
    done = quickstart(checkout, shared_dir, *args, **env)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("legacy-nst: error: ") and missing in last and "weights download" in last
    assert "approximate" not in done.stderr and not (checkout / "weights").exists()
