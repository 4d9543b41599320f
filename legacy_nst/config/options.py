"""Config: every option, its default, its help text and its roles; the fields live in config.groups, one module per
--help group, and are composed here.

The defaults are art.py's (logO's TensorFlow port of Gatys et al.). The command
line builds its flags from these fields (in this order, in these groups), the
Python API takes them as keyword arguments, and bench and sweeps reuse them, so
a default is changed there or nowhere. Each field's roles (config.roles) say what
it is for; every list of options elsewhere is derived from them (`fields_with`).
Which options an engine cannot honour is each engine's own business
(legacy_nst.engines); this module knows only values.
"""
import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

from ..errors import ConfigError
from . import checks
from .groups.algorithm import LOSS_NORMALIZATIONS, AlgorithmOptions
from .groups.control import COLOR_CONTROLS, GUIDANCE_MODES, ControlOptions
from .groups.engine import BACKENDS, PRECISIONS, EngineOptions
from .groups.images import INITS, ImageOptions
from .groups.optimizer import LBFGS_IMPLEMENTATIONS, OPTIMIZERS, OptimizerOptions
from .groups.run import RunOptions
from .groups.scale import ScaleOptions, check_scale
from .parse import format_layer_weights
from .presets import PRESETS, SCHEDULES, shrunk, without_conflicts
from .roles import SIZE, groups, names_with, names_without
from .sizes import DEFAULT_HEIGHT, DEFAULT_WIDTH, checked_size, round_ratio
from .weights import DEFAULT_WEIGHTS, PROGRAM, WEIGHTS_ENV, require_weights

__all__ = ["BACKENDS", "DEFAULT_WEIGHTS", "INITS", "LBFGS_IMPLEMENTATIONS", "LOSS_NORMALIZATIONS", "OPTIMIZERS",
           "PRECISIONS", "PROGRAM", "WEIGHTS_ENV", "Config", "fields_with", "fields_without", "with_preset"]


@dataclass(frozen=True)
class Config(RunOptions, EngineOptions, OptimizerOptions, ScaleOptions, ControlOptions, AlgorithmOptions, ImageOptions):
    """Everything a run needs besides the images themselves: the fields of config.groups' six --help groups
    (dataclass fields follow the bases from the last: images, algorithm, control, optimizer, engine, run; control
    holds ControlOptions' fields, then ScaleOptions', the paper's order: space, colour, scale)."""

    def __post_init__(self):
        self._parse()
        checks.check_numbers(self, FIELDS.values())
        checks.check_numbers_in_lists(self)
        checks.check_images(self, INITS)
        checks.check_algorithm(self, PRESETS, SCHEDULES, LOSS_NORMALIZATIONS, FIELDS["content_layers"].default)
        checks.check_control(self, GUIDANCE_MODES, COLOR_CONTROLS)
        check_scale(self)
        checks.check_optimizer(self, OPTIMIZERS, LBFGS_IMPLEMENTATIONS)
        checks.check_engine(self, BACKENDS, PRECISIONS)
        checks.check_run(self)

    def _set(self, name, value):
        object.__setattr__(self, name, value)  # a frozen dataclass normalises its own values once

    def _parse(self):
        """Each field with a `parse` turns its text into its value (None stays None where it is the default)."""
        for name, f in FIELDS.items():
            if "parse" in f.metadata and not (getattr(self, name) is None and f.default is None):
                self._set(name, parsed(name, f.metadata["parse"], getattr(self, name)))
        try:
            step = float(self.lbfgs_initial_step)
        except (TypeError, ValueError):
            step = float("nan")
        if not 0 <= step < float("inf"):
            raise ConfigError(f"--lbfgs-initial-step must be a number >= 0 (pixel levels), got "
                              f"{self.lbfgs_initial_step}")
        self._set("lbfgs_initial_step", step)

    def replace(self, **changes) -> "Config":
        """A copy with `changes`; with preset=NAME, the preset's values first, then the other changes.

        --image-size and --width/--height are two ways to give the size: changing one way clears the other
        (a new width keeps the height).
        """
        checks.check_names(changes, FIELD_NAMES)
        changes = with_preset(changes)
        if "image_size" in changes:
            changes = {"width": None, "height": None, **changes}
        elif {"width", "height"} & set(changes):
            changes = {"image_size": None, **changes}
        return dataclasses.replace(self, **changes)

    def level_steps(self) -> Tuple[Tuple[int, ...], int]:
        """(steps at each --multiscale level below full size, coarsest first; steps at full size): how
        --iterations is shared among the levels (run.plan's levels; a --float32-finish is taken out of the
        full-size steps)."""
        levels = len(self.multiscale)
        counts = self.multiscale_iterations or (self.iterations // (levels + 1),)
        coarse = tuple(counts) * levels if len(counts) == 1 else tuple(counts[:levels])
        return coarse, self.iterations - sum(coarse)

    def working_size(self, image_hw) -> Tuple[int, int]:
        """The (height, width) to style at, from the content's (height, width) (or an image's shape).

        No size option: art.py's fixed 800x600, whatever the image. --width or --height alone: the other side
        follows the image's aspect ratio (rounded half up). Both: exactly those. --image-size (jcjohnson's
        -image_size, and presets') stands for whichever of them is the image's longer side.
        """
        image_h, image_w = (int(n) for n in image_hw[:2])
        width, height = self.width, self.height
        if self.image_size is not None:
            width, height = (self.image_size, None) if image_w >= image_h else (None, self.image_size)
        if width is None and height is None:
            return checked_size((DEFAULT_HEIGHT, DEFAULT_WIDTH), "default working size")
        if width is not None and height is not None:
            return checked_size((height, width), "requested working size")
        if width is not None:
            return checked_size((max(1, round_ratio(width * image_h, image_w)), width),
                                f"width {width} with the {image_w}x{image_h} image's aspect ratio")
        return checked_size((height, max(1, round_ratio(height * image_w, image_h))),
                            f"height {height} with the {image_w}x{image_h} image's aspect ratio")

    def weights_path(self) -> Path:
        """The weights file this run uses, by config.weights' one rule (--weights, $LEGACY_NST_WEIGHTS, the
        default file, the approximate weights with a note once per process); ConfigError when none is found."""
        return require_weights(self).path

    def to_json(self) -> dict:
        out = dataclasses.asdict(self)
        out["content_layers"] = format_layer_weights(self.content_layers)
        out["style_layers"] = format_layer_weights(self.style_layers)
        return out

    @classmethod
    def from_options(cls, **options) -> "Config":
        """Build from keyword options, a misspelt one answered with 'did you mean' instead of a TypeError.

        With preset=NAME the preset's values are the defaults the other options override.
        """
        checks.check_names(options, FIELD_NAMES)
        return cls(**with_preset(options))


def _checked_init(init):
    """Config(...) itself: an unknown keyword is a ConfigError with 'did you mean', as from_options gives."""
    @functools.wraps(init)
    def __init__(self, *args, **options):
        checks.check_names(options, FIELD_NAMES)
        init(self, *args, **options)
    return __init__


Config.__init__ = _checked_init(Config.__init__)


def with_preset(options: dict) -> dict:
    """`options` over the values of the schedule (options['schedule']) and the preset (options['preset']) they
    name, if any: explicit options first, then the schedule's, then the preset's.

    The size options (role SIZE: width, height, image size) count as one setting: giving any replaces the
    preset's size, so --width alone keeps the content's aspect ratio as usual. A recipe's --float32-finish
    belongs to its bfloat16 precision: `--preset fast --precision float32` runs the same recipe in float32
    throughout. A recipe shrinks to a smaller --iterations (presets.shrunk: its levels' steps in its proportions).
    """
    name, schedule = options.get("preset"), options.get("schedule")
    if name is None and schedule is None:
        return dict(options)
    if name is not None and name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    if schedule is not None and schedule not in SCHEDULES:
        raise ConfigError(f"unknown schedule {schedule!r}; choose from {', '.join(SCHEDULES)}")
    preset = {**PRESETS.get(name, {}), **SCHEDULES.get(schedule, {})}
    if set(fields_with(SIZE)) & set(options):
        for size in fields_with(SIZE):
            preset.pop(size, None)
    if options.get("precision", preset.get("precision")) != "bfloat16" and "float32_finish" not in options:
        preset.pop("float32_finish", None)
    named = " ".join(f"--{key} {options[key]}" for key in ("preset", "schedule") if options.get(key) is not None)
    return without_conflicts({**shrunk(preset, options, named), **options}, options)


def parsed(name, parse, value):
    """parse(value), its ConfigError naming the option (--style-layers: empty layer list...) if it does not."""
    try:
        return parse(value)
    except ConfigError as error:
        flag = checks.flag(name)
        raise ConfigError(str(error) if str(error).startswith(flag) else f"{flag}: {error}") from None


FIELDS = {f.name: f for f in dataclasses.fields(Config)}
FIELD_NAMES = tuple(FIELDS)  # the one list of option names: the CLI, --resume and sweeps take theirs from here
GROUPS = groups(FIELDS.values())  # {--help group: field names}, from each field's group


def fields_with(role) -> Tuple[str, ...]:
    """The names of the fields tagged `role` (config.roles), in Config's order."""
    return names_with(FIELDS.values(), role)


def fields_without(role) -> Tuple[str, ...]:
    return names_without(FIELDS.values(), role)
