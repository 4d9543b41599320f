"""Config.working_size: the one place the working (height, width) comes from, under --width/--height/--image-size
and presets (moved from io.images.working_size, its cases kept)."""
import pytest

from legacy_nst.config import Config
from legacy_nst.config.sizes import MAX_SIZE
from legacy_nst.errors import ConfigError


@pytest.mark.parametrize("image_hw", [(768, 1024), (5000, 20), (16, 16)])
def test_default_size_is_art_py_800_by_600(image_hw):
    assert Config().working_size(image_hw) == (600, 800)


@pytest.mark.parametrize("image_hw, width, height, expected", [
    ((768, 1024), 512, None, (384, 512)),
    ((768, 1024), None, 300, (300, 400)),
    ((100, 300), 50, None, (17, 50)),      # 16.67 rounds to 17
    ((200, 100), None, 33, (33, 17)),      # 16.5 rounds half up
    ((100, 200), 33, None, (17, 33)),
    ((768, 1024), 320, 240, (240, 320)),   # both given: aspect ratio ignored
    ((768, 1024), 16, 16, (16, 16)),
    ((768, 1024, 3), 512, None, (384, 512)),  # an image shape works too
])
def test_working_size(image_hw, width, height, expected):
    assert Config(width=width, height=height).working_size(image_hw) == expected


@pytest.mark.parametrize("image_hw, longest, expected", [
    ((768, 1024), 512, (384, 512)),   # landscape: the width is the longest side
    ((1528, 1200), 512, (512, 402)),  # portrait: the height
    ((300, 300), 64, (64, 64)),
])
def test_image_size_is_the_longest_side(image_hw, longest, expected):
    assert Config(image_size=longest).working_size(image_hw) == expected


def test_a_presets_size_is_the_working_size():
    assert Config.from_options(preset="jcjohnson").working_size((768, 1024)) == (384, 512)
    assert Config.from_options(preset="artpy").working_size((1528, 1200)) == (600, 800)
    assert Config.from_options(preset="jcjohnson", width=300).working_size((768, 1024)) == (225, 300)


@pytest.mark.parametrize("image_hw, width, height, shown", [
    ((768, 1024), 15, 100, "15x100"),
    ((768, 1024), 100, 8, "100x8"),
    ((100, 1000), 20, None, "20x2"),       # derived height 2 is too small
])
def test_too_small_size(image_hw, width, height, shown):
    with pytest.raises(ConfigError, match="at least 16 pixels") as excinfo:
        Config(width=width, height=height).working_size(image_hw)
    assert f"size {shown} is too small" in str(excinfo.value)


@pytest.mark.parametrize("width, height", [
    (0, None), (-5, None), (None, 0), (20001, None), (None, 10 ** 9),
    (800.5, None), (True, None), ("800", None),
])
def test_impossible_dimensions_are_refused_when_the_config_is_made(width, height):
    with pytest.raises(ConfigError, match="^--(width|height) must be a whole number of pixels from 1 to 20000"):
        Config(width=width, height=height)


def test_derived_dimension_too_large():
    with pytest.raises(ConfigError, match="at most 20000"):
        Config(width=400).working_size((1000, 10))  # height would be 40000
    assert MAX_SIZE == 20000
