"""Options: the Config dataclass (every option, default and help text), its parsers and the named presets."""
from .options import (BACKENDS, DEFAULT_WEIGHTS, FIELD_NAMES, FIELDS, GROUPS, INITS, LOSS_NORMALIZATIONS,
                      OPTIMIZERS, PRECISIONS, PROGRAM, WEIGHTS_ENV, Config)
from .parse import LayerWeights, format_layer_weights, parse_layer_weights
from .presets import PRESETS

__all__ = ["BACKENDS", "DEFAULT_WEIGHTS", "FIELD_NAMES", "FIELDS", "GROUPS", "INITS", "LOSS_NORMALIZATIONS",
           "OPTIMIZERS", "PRECISIONS", "PROGRAM", "WEIGHTS_ENV", "Config", "LayerWeights", "format_layer_weights",
           "parse_layer_weights", "PRESETS"]
