"""The engines by registry: each --backend name maps to one engine class, whose class data say what it serves,
refuses and resumes; the option's choices are the registry's keys."""
import pytest

from legacy_nst import Config
from legacy_nst.config.options import BACKENDS, LOSS_NORMALIZATIONS
from legacy_nst.engines import backends, check_supported, engine_class, engine_for, resumable
from legacy_nst.engines.graph import GraphEngine
from legacy_nst.engines.tiled import TiledEngine
from legacy_nst.engines.ray_tiled import RayTiledEngine
from legacy_nst.errors import ConfigError
from legacy_nst.losses.normalizations import NORMALIZATIONS


def test_the_backend_choices_are_the_registrys_keys():
    assert tuple(backends()) == BACKENDS


def test_the_normalization_choices_are_the_tables_keys():
    assert tuple(NORMALIZATIONS) == LOSS_NORMALIZATIONS


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_backend_is_served_by_the_class_that_names_it(backend):
    assert backend in engine_class(backend).backends


def test_an_unknown_backend_names_every_registered_one():
    with pytest.raises(ConfigError) as error:
        engine_class("pytorch")
    assert "pytorch" in str(error.value) and all(name in str(error.value) for name in BACKENDS)


def test_a_tiled_level_runs_on_the_tiled_engine_and_on_ray_with_workers():
    config = Config()
    assert engine_for(config) is GraphEngine
    assert engine_for(config, tile=256) is TiledEngine
    assert engine_for(config, tile=256, workers=object()) is RayTiledEngine


@pytest.mark.parametrize("backend,expected", [("graph", True), ("eager", False), ("function", False)])
def test_resumability_is_the_engines_class_data(backend, expected):
    assert resumable(Config(backend=backend)) is expected


def test_check_supported_refuses_in_one_line_with_the_engines_refusal():
    with pytest.raises(ConfigError) as error:
        check_supported(Config(backend="eager", normalize_gradients=True))
    assert "--normalize-gradients" in str(error.value) and "--backend graph" in str(error.value)
    assert "\n" not in str(error.value)
