"""Options: the Config dataclass (every option, default, help text and roles), its checks, presets and weights."""
from .options import (BACKENDS, DEFAULT_WEIGHTS, FIELD_NAMES, FIELDS, GROUPS, INITS, LOSS_NORMALIZATIONS,
                      OPTIMIZERS, PRECISIONS, PROGRAM, WEIGHTS_ENV, Config, fields_with, fields_without, with_preset)
from .parse import LayerWeights, format_layer_weights, parse_layer_weights
from .presets import PRESETS
from . import weights
from .weights import Weights, find_weights, require_weights

__all__ = ["BACKENDS", "DEFAULT_WEIGHTS", "FIELD_NAMES", "FIELDS", "GROUPS", "INITS", "LOSS_NORMALIZATIONS",
           "OPTIMIZERS", "PRECISIONS", "PROGRAM", "WEIGHTS_ENV", "Config", "LayerWeights", "Weights",
           "fields_with", "fields_without", "find_weights", "format_layer_weights", "parse_layer_weights", "PRESETS",
           "require_weights", "with_preset"]
