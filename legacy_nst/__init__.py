"""legacy_nst: Gatys et al.'s neural style transfer as logO's art.py, in TF1 graph mode.

    import legacy_nst
    result = legacy_nst.stylize("content.jpg", "style.jpg", iterations=500, width=400)
    result.image     # uint8 RGB array
    result.history   # [{'iteration': 0, 'total': ..., 'content': ..., 'style': ...}, ...]
"""
__version__ = "0.1.0"

from . import native_logs  # noqa: E402

native_logs.install()  # before any submodule imports TensorFlow: its start-up lines stay off stderr

from .config import Config  # noqa: E402
from .errors import NSTError  # noqa: E402
from .native_logs import quiet_tensorflow_import  # noqa: E402


def stylize(content, style=None, config=None, **options):
    """Run the algorithm; see legacy_nst.run.api.stylize. TensorFlow's C++ start-up lines stay off stderr."""
    with quiet_tensorflow_import():
        from .run.api import stylize as _stylize  # lazily: `import legacy_nst` should not import TensorFlow

    return _stylize(content, style, config, **options)


__all__ = ["Config", "NSTError", "stylize", "__version__"]
