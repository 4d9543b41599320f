"""The run record: what produced a result (options, inputs, versions, weights), shared by every report.

The command line's --log-json, `compare`'s report, sweeps' run.json and
bench results all start from `run_record`, so they agree on what they say.
"""
import platform

import numpy as np
import PIL
import scipy
import tensorflow as tf

from .. import __version__
from ..io.checksums import sha256_file


def versions():
    """Versions of everything that can change the numbers."""
    return {"legacy_nst": __version__, "python": platform.python_version(), "tensorflow": tf.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "pillow": PIL.__version__}


def run_record(config, size, content, style, exclude=(), **config_extra):
    """{'config', 'versions', 'weights_sha256'} of a run at `size` (height, width) on these inputs.

    'config' holds every option but `exclude`, the working size, the weights
    path and the image paths (several styles as a list), then `config_extra`.
    """
    height, width = size
    styles = [str(s) for s in (style if isinstance(style, (list, tuple)) else [style])]
    options = {k: v for k, v in config.to_json().items() if k not in exclude}
    return {
        "config": {**options, "width": width, "height": height, "weights": str(config.weights_path()),
                   "content": str(content), "style": styles[0] if len(styles) == 1 else styles, **config_extra},
        "versions": versions(),
        "weights_sha256": sha256_file(config.weights_path()),
    }
