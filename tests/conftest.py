"""Shared fixtures: where ../shared lives and the small real image pair.

`LEGACY_NST_SHARED` overrides the location of the shared test data (default:
`../shared` beside the repository). Tests read it in place and never copy it.
"""
import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LEGACY_NST_SHARED", REPO.parent / "shared"))


def _require(path):
    if not path.exists():
        pytest.fail(f"shared test data missing: {path} (set LEGACY_NST_SHARED to the shared/ folder)")
    return path


@pytest.fixture(scope="session")
def shared_dir():
    return _require(SHARED)


@pytest.fixture(scope="session")
def approx_weights_path():
    return _require(SHARED / "weights" / "vgg19-approx.mat")


@pytest.fixture(scope="session")
def vgg(approx_weights_path):
    """The shared weights, loaded once for the whole run (no test modifies them)."""
    from legacy_nst.vgg.matfile import load_vgg19

    return load_vgg19(approx_weights_path)


@pytest.fixture(scope="session")
def content_path():
    return _require(SHARED / "images" / "tubingen.jpg")


@pytest.fixture(scope="session")
def style_path():
    return _require(SHARED / "images" / "starry_night.jpg")


@pytest.fixture(scope="module")
def run(request, vgg, content_path, style_path):
    """run(**options): the shared image pair stylised at the test module's SIZE (height, width), seed 0."""
    from legacy_nst import stylize

    height, width = request.module.SIZE

    def _run(**options):
        return stylize(str(content_path), str(style_path), vgg=vgg, **{"width": width, "height": height, "seed": 0,
                                                                        **options})
    return _run


def losses_only(history):
    """A loss history without the wall-clock 'elapsed', for comparing two runs' numbers."""
    return [{k: v for k, v in entry.items() if k != "elapsed"} for entry in history]
