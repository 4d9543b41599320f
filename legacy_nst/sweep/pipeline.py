"""The parts of legacy_nst a sweep uses, imported in this one place.

A sweep job is exactly one run of the main command; this module names that
run, the options it takes, its memory estimate and the shared file helpers,
so the sweep package follows the package layout by editing these lines only.
"""
from ..config import INITS, Config, fields_with, fields_without, require_weights
from ..config.roles import PATH, PER_JOB, RESULT, WORKERS
from ..config.weights import DEFAULT_SHARED, SHARED_ENV
from ..cluster import capacity, connect, thread_environment
from ..errors import ConfigError, NSTError
from ..io.atomic import atomic_write, check_folder_writable, check_writable
from ..io.lock import FolderLock
from ..io.paths import PHRASES, NotRegularFile, open_regular, path_kind, read_regular
from ..record.checkpoints import PREVIOUS_JSON, RUN_OPTIONS, STATE_JSON, load_state
from ..record.files import run_to_files
from ..record.interrupts import Interrupted, StopRequest
from ..record.tensorboard import protos, write_hparams_config
from ..run.memory import estimate as memory_estimate
from ..run.plan import make_plan
from ..vgg.matfile import load_vgg19

__all__ = ["DEFAULT_SHARED", "INITS", "PATH", "PER_JOB", "PHRASES", "PREVIOUS_JSON", "RESULT", "SHARED_ENV", "WORKERS",
           "Config", "ConfigError", "FolderLock", "Interrupted", "NSTError", "NotRegularFile", "RUN_OPTIONS",
           "STATE_JSON", "StopRequest", "atomic_write", "capacity", "check_folder_writable", "check_writable",
           "connect", "fields_with", "fields_without", "load_state", "load_vgg19", "make_plan", "memory_estimate",
           "open_regular", "path_kind", "protos", "read_regular", "require_weights", "run_to_files",
           "thread_environment", "write_hparams_config"]
