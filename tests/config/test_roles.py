"""Every list of options is derived from the roles tagged on Config's fields, and holds what the hand-written
lists held before (issue 27): the values below are those lists, copied as they were."""
import dataclasses

import pytest

from legacy_nst.cli import compare, score
from legacy_nst.config import FIELDS, GROUPS, Config, fields_with
from legacy_nst.config.parse import parse_counts, parse_flag, parse_layer_weights, parse_numbers, parse_paths, \
    parse_scales, parse_tile
from legacy_nst.config.groups.scale import parse_layer_names
from legacy_nst.config.roles import ROLES, SIZE, option
from legacy_nst.record import checkpoints
from legacy_nst.sweep import spec

OLD_GROUPS = {
    'images': ('width', 'height', 'image_size', 'init', 'noise_ratio', 'init_std', 'init_noiseblend', 'seed', 'style_blend_weights',
               'style_scale', 'preserve_colors', 'bit_depth', 'keep_alpha'),
    'algorithm': ('preset', 'schedule', 'alpha', 'beta', 'content_layers', 'style_layers', 'content_weight_blend',
                  'style_layer_weight_exp', 'loss_normalization', 'tv_weight', 'normalize_gradients', 'pooling',
                  'kernel_layout'),
    'optimizer': ('optimizer', 'iterations', 'learning_rate', 'adam_beta1', 'adam_epsilon', 'lbfgs_num_correction',
                  'lbfgs_initial_step', 'lbfgs_implementation', 'lbfgs_restart', 'clip_pixels', 'multiscale',
                  'multiscale_iterations', 'average_iterates'),
    'engine': ('backend', 'precision', 'float32_finish', 'weights', 'memory_limit', 'tile', 'workers', 'ray_address'),
    'run': ('checkpoint_every', 'checkpoint_dir', 'print_every', 'resume', 'plot', 'strip'),
}
OLD_RUN_OPTIONS = frozenset({"iterations", "checkpoint_every", "checkpoint_dir", "print_every", "weights", "resume",
                             "memory_limit", "plot", "strip", "tile", "workers", "ray_address", "bit_depth",
                             "keep_alpha"})
OLD_PATH_OPTIONS = ("init", "weights")
OLD_PER_JOB_OPTIONS = ("checkpoint_dir", "resume", "plot", "strip")
OLD_SINGLE_RUN_OPTIONS = ("workers", "ray_address")
OLD_NOT_IN_ID = frozenset(OLD_RUN_OPTIONS - {"iterations", "weights"})
OLD_NOT_COMPARE_OPTIONS = ("backend", "checkpoint_every", "checkpoint_dir")
OLD_SIZE_OPTIONS = {"width", "height", "image_size"}  # config/presets.py
OLD_PARSED = (("content_layers", parse_layer_weights), ("style_layers", parse_layer_weights),  # Config._parse
              ("multiscale", parse_scales), ("tile", parse_tile), ("clip_pixels", parse_flag),
              ("lbfgs_restart", parse_flag), ("style_blend_weights", parse_numbers),
              ("style_scale", parse_numbers), ("multiscale_iterations", parse_counts))
OLD_PARSED_UNLESS_NONE = ("style_blend_weights", "style_scale", "multiscale_iterations")
OLD_SCORE_OPTIONS = ("width", "height", "style_blend_weights", "style_scale", "preset", "alpha", "beta",
                     "content_layers", "style_layers", "content_weight_blend", "style_layer_weight_exp", "tv_weight",
                     "pooling", "kernel_layout", "weights", "memory_limit")


ADDED_SINCE = {"temporal_weight", "overwrite",  # options added after the lists were derived (video: issue 29;
               # --overwrite, issue 31: how a run starts, not its result, so a resumed run may change it and a job's
               # id leaves it out)
               "style_mask", "style_region_mask", "guidance", "color_control",  # control, issue 28: its own group
               # --tensorboard DIR, issue 30: a folder of one run's files, so a sweep sets it per job, and like
               # --tensorboard-every not the result
               "tensorboard", "tensorboard_every",
               "style_fine", "style_coarse", "fine_layers",  # scale control (issue 28, section 6), in "control" too
               # Ruder's relative-tolerance stop (issue 29): Config options, since both loops and stills take it
               "tol_loss_relative", "tol_loss_relative_interval"}
ADDED_GROUPS = {"control": ("style_mask", "style_region_mask", "guidance", "color_control",  # after "algorithm"
                            "style_fine", "style_coarse", "fine_layers")}
ADDED_PATHS = ("style_mask", "style_region_mask", "style_fine", "style_coarse")  # paths a spec resolves
ADDED_PARSED_UNLESS_NONE = ("style_mask", "style_region_mask")  # given once per --style
ADDED_SCORING = ("style_mask", "style_region_mask", "guidance", "color_control")  # `score` scores as the run ran


def test_the_help_groups_are_the_old_ones_in_the_same_order():
    assert list(GROUPS) == ["images", "algorithm", "control", "optimizer", "engine", "run"]
    assert [group for group in GROUPS if group not in ADDED_GROUPS] == list(OLD_GROUPS)
    assert {name: GROUPS[name] for name in ADDED_GROUPS} == ADDED_GROUPS
    assert {name: tuple(n for n in names if n not in ADDED_SINCE) for name, names in GROUPS.items()
            if name not in ADDED_GROUPS} == OLD_GROUPS


def test_what_a_resumed_run_may_change_is_the_old_list():
    assert set(checkpoints.RUN_OPTIONS) - ADDED_SINCE == OLD_RUN_OPTIONS
    assert "overwrite" in checkpoints.RUN_OPTIONS and "temporal_weight" not in checkpoints.RUN_OPTIONS


def test_the_sweeps_lists_are_the_old_ones():
    assert tuple(spec.PATH_OPTIONS) == OLD_PATH_OPTIONS[:1] + ADDED_PATHS + OLD_PATH_OPTIONS[1:]  # Config's order
    assert tuple(n for n in spec.PER_JOB_OPTIONS if n not in ADDED_SINCE) == OLD_PER_JOB_OPTIONS
    assert "tensorboard" in spec.PER_JOB_OPTIONS and "tensorboard" not in spec.PATH_OPTIONS
    assert tuple(spec.SINGLE_RUN_OPTIONS) == OLD_SINGLE_RUN_OPTIONS
    assert set(spec.NOT_IN_ID) - ADDED_SINCE == OLD_NOT_IN_ID
    assert "overwrite" in spec.NOT_IN_ID and "temporal_weight" not in spec.NOT_IN_ID
    assert {"tensorboard", "tensorboard_every"} <= set(spec.NOT_IN_ID) & set(checkpoints.RUN_OPTIONS)


def test_compare_and_score_take_the_old_options():
    assert tuple(compare.NOT_COMPARE_OPTIONS) == OLD_NOT_COMPARE_OPTIONS
    assert tuple(name for name in score.SCORE_OPTIONS if name not in ADDED_SCORING) == OLD_SCORE_OPTIONS
    assert set(score.SCORE_OPTIONS) >= set(ADDED_SCORING)


def test_a_presets_size_is_the_size_role():
    assert set(fields_with(SIZE)) == OLD_SIZE_OPTIONS
    assert Config.from_options(preset="jcjohnson", height=300).image_size is None  # any of them replaces it


def test_the_fields_parsed_from_text_are_the_ones_with_a_parse_entry():
    assert {name: f.metadata["parse"] for name, f in FIELDS.items() if "parse" in f.metadata} == \
        {**dict(OLD_PARSED), "style_mask": parse_paths, "style_region_mask": parse_paths,
         "fine_layers": parse_layer_names}
    assert {name for name, f in FIELDS.items() if "parse" in f.metadata and f.default is None} == \
        set(OLD_PARSED_UNLESS_NONE) | set(ADDED_PARSED_UNLESS_NONE)  # left None when not given


def test_every_field_has_a_help_group_and_known_roles_and_no_unused_flag_entry():
    for f in dataclasses.fields(Config):
        assert f.metadata["group"] in GROUPS and f.metadata["roles"] <= set(ROLES), f.name
        assert "flag" not in f.metadata, f.name
    with pytest.raises(ValueError):
        option(0, "help", group="images", roles=("nonsense",))
