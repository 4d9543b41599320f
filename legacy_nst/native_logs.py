"""TensorFlow's C++ start-up lines, kept off the Python API's stderr as the command line keeps them off its own.

`import tensorflow` writes "oneDNN custom operations are on" twice to file
descriptor 2, before absl's logging honours TF_CPP_MIN_LOG_LEVEL. While legacy_nst
imports TensorFlow, fd 2 goes to a temporary file; then those INFO lines are
dropped and everything else written meanwhile goes on to the real stderr.
TF_CPP_MIN_LOG_LEVEL defaults to 2 (a value of the user's own is kept) for the
lines that come later (CPU features, MLIR). LEGACY_NST_NATIVE_LOGS=1, or
TF_CPP_MIN_LOG_LEVEL=0, keeps them all.

Whichever legacy_nst module imports TensorFlow first (legacy_nst.run.score, the engines, the losses), the
import is held the same way: `import legacy_nst` (which every submodule's import runs first) puts
`QuietTensorflowFinder` on sys.meta_path, which wraps the one first `import tensorflow` of the process in
`without_start_up_lines` and then takes itself off.
"""
import contextlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile

# absl's INFO lines (I0000 00:00:1796459567.765038   14645 port.cc:153] ...), the older TensorFlow
# form (2024-01-11 05:40:05.061907: I tensorflow/...] ...) and absl's notice that it is not initialised yet.
START_UP_LINE = re.compile(rb"^(I\d{4} \d+:\d+:\d+\.\d+ +\d+ \S+:\d+\] "
                           rb"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: I \S+:\d+\] "
                           rb"|WARNING: All log messages before absl::InitializeLog\(\) is called)")


def wanted():
    """True when the user asked to see TensorFlow's native logs."""
    return os.environ.get("LEGACY_NST_NATIVE_LOGS") == "1" or os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0"


def quiet_tensorflow_import():
    """Around legacy_nst's first import of TensorFlow: its start-up lines dropped, the rest of fd 2 kept."""
    return contextlib.nullcontext() if "tensorflow" in sys.modules else without_start_up_lines()


@contextlib.contextmanager
def without_start_up_lines():
    """While it lasts, fd 2 is held back; at its end, written on without TensorFlow's start-up lines."""
    if wanted():
        yield
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryFile() as captured:
        real = _redirect(captured.fileno())
        try:
            yield
        finally:
            if real is not None:
                _restore(real, captured)


def _redirect(target):
    """Point fd 2 at `target`; the real stderr's duplicate, or None where fd 2 cannot be moved."""
    try:
        sys.stderr.flush()
        real = os.dup(2)
        os.dup2(target, 2)
        return real
    except (OSError, ValueError, AttributeError):
        return None  # no usable fd 2 (an embedded interpreter): leave stderr as it is


def _restore(real, captured):
    """fd 2 back to the real stderr, then what was written meanwhile, without TensorFlow's start-up lines."""
    try:
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    os.dup2(real, 2)
    os.close(real)
    captured.seek(0)
    kept = b"".join(line for line in captured.read().splitlines(keepends=True) if not START_UP_LINE.match(line))
    if kept:
        os.write(2, kept)


class QuietTensorflowFinder(importlib.abc.MetaPathFinder):
    """The process's first `import tensorflow`, found by the other finders and run without its start-up lines."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        uninstall()  # one import: later ones find TensorFlow in sys.modules
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    """A loader running another's exec_module without TensorFlow's start-up lines; the module keeps the other."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = self.loader
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self.loader
        with without_start_up_lines():
            self.loader.exec_module(module)


def install():
    """QuietTensorflowFinder first on sys.meta_path, unless TensorFlow is imported already (or it is there)."""
    if "tensorflow" not in sys.modules and not any(isinstance(f, QuietTensorflowFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, QuietTensorflowFinder())


def uninstall():
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, QuietTensorflowFinder)]
