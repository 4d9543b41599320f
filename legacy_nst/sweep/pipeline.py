"""The parts of legacy_nst a sweep uses, imported in this one place.

A sweep job is exactly one run of the main command; this module names that
run, the options it takes, its memory estimate and the shared file helpers,
so the sweep package follows the package layout by editing these lines only.
"""
from ..atomic import atomic_write
from ..config import Config
from ..errors import ConfigError, NSTError
from ..images import working_size
from ..interrupts import Interrupted, StopRequest
from ..memory import estimate as memory_estimate
from ..resume import STATE_JSON, RUN_OPTIONS
from ..transfer import run as stylize_to_files
from ..weights import load_vgg19

__all__ = ["Config", "ConfigError", "Interrupted", "NSTError", "RUN_OPTIONS", "STATE_JSON", "StopRequest", "atomic_write",
           "load_vgg19", "memory_estimate", "stylize_to_files", "working_size"]
