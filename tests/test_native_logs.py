"""The Python API is as quiet as the command line: TensorFlow's C++ start-up lines stay off the user's stderr,
and everything else written to it stays."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from legacy_nst.native_logs import without_start_up_lines

REPO = Path(__file__).resolve().parents[1]
SCRIPT = """
import importlib, pkgutil, sys
print("mine before", file=sys.stderr, flush=True)
import legacy_nst
names = [m.name for m in pkgutil.walk_packages(legacy_nst.__path__, "legacy_nst.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
print(len(names), "tensorflow" in sys.modules)
result = legacy_nst.stylize({content!r}, {style!r}, width=32, iterations=2, weights={weights!r})
print("mine after", result.image.shape, file=sys.stderr)
"""


@pytest.mark.slow
def test_importing_every_module_and_stylizing_print_no_tensorflow_start_up_lines(content_path, style_path,
                                                                                  approx_weights_path):
    """issue 30: `from legacy_nst.run.score import score` printed TensorFlow's C++ start-up lines; whichever module
    imports TensorFlow first, its import is held (native_logs.QuietTensorflowFinder), and stylize stays quiet."""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "LEGACY_NST_NATIVE_LOGS")}
    script = SCRIPT.format(content=str(content_path), style=str(style_path), weights=str(approx_weights_path))
    done = subprocess.run([sys.executable, "-c", script], env={**env, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    count, imported_tensorflow = done.stdout.split()
    assert int(count) > 90 and imported_tensorflow == "True"  # every module, TensorFlow among what they import
    assert done.stderr.splitlines() == ["mine before", "mine after (24, 32, 3)"], done.stderr


ONEDNN = (b"I0000 00:00:1796459567.765038   14645 port.cc:153] oneDNN custom operations are on. You may see "
          b"slightly different numerical results due to floating-point round-off errors.\n")
BANNER = b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"


def test_only_the_start_up_lines_are_held_back_unless_asked_for(capfd, monkeypatch):
    monkeypatch.delenv("LEGACY_NST_NATIVE_LOGS", raising=False)
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    with without_start_up_lines():
        os.write(2, BANNER + ONEDNN + b"mine\n" + b"E0000 00:00:1796459567.1 1 cuda.cc:1] an error stays\n")
        print("python's own", file=sys.stderr)
    assert sorted(capfd.readouterr().err.splitlines()) == [
        "E0000 00:00:1796459567.1 1 cuda.cc:1] an error stays", "mine", "python's own"]
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
    for name, value in (("LEGACY_NST_NATIVE_LOGS", "1"), ("TF_CPP_MIN_LOG_LEVEL", "0")):
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            with without_start_up_lines():
                os.write(2, ONEDNN)
        assert capfd.readouterr().err == ONEDNN.decode()

