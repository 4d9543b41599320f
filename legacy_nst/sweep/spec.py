"""A sweep spec (TOML): the base options, the axes crossed or zipped, and the jobs they make.

    zip = [["style", "alpha"]]     # optional, at the top: these axes vary together, value by value
    [base]                         # any option of the main command, by its long name (_ or -)
    content = "tubingen.jpg"
    width = 512
    [axes]                         # lists of values; every combination runs
    style = ["starry_night.jpg", "the_scream.jpg"]
    alpha = [100, 1000]
    [ray]                          # optional, per job: num_gpus (default 0), max_retries (default 3)

Paths (content, style, init, weights) may use ${VAR} or ${VAR:-default} and ~;
relative ones are relative to the spec file's folder. ${LEGACY_NST_SHARED}, the
shared images and weights, is the shared/ folder beside the repository unless
set, so a spec naming its files through it works wherever it is copied. `legacy-nst sweep --set
KEY=VALUE` (parse_setting) overrides [base], a value read as in TOML (a bare word
as a string) and a relative path as relative to the working folder. A `content` or `style`
value that names a folder or a glob expands to its images, in name order.
Everything is checked before anything runs; a problem is one ConfigError line
naming the key and the fix.
"""
import dataclasses
import difflib
import glob
import hashlib
import itertools
import json
import math
import os
import re
import sys
import typing
from dataclasses import dataclass
from pathlib import Path

from .pipeline import (DEFAULT_SHARED, INITS, PATH, PER_JOB, PHRASES, RESULT, SHARED_ENV, WORKERS, Config,
                       ConfigError, NotRegularFile, NSTError, fields_with, fields_without, open_regular, path_kind,
                       require_weights)

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, published separately for older Pythons
    import tomli as tomllib

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
INIT_KEYWORDS = INITS  # --init's names; any other value is an image path
# The option lists, from the roles of Config's fields (config.roles):
PER_JOB_OPTIONS = fields_with(PER_JOB)  # set by the sweep for each job, in its own folder, so a spec may not
SINGLE_RUN_OPTIONS = fields_with(WORKERS)  # one run's tiles on Ray workers: a sweep's jobs are Ray tasks already
# The paths a spec may give, relative to its folder (init also takes keywords):
PATH_OPTIONS = tuple(name for name in fields_with(PATH) if name not in PER_JOB_OPTIONS)
MASK_OPTIONS = ("style_mask", "style_region_mask")  # one path per style (config.groups.control)
NOT_IN_ID = frozenset(fields_without(RESULT))  # how a job runs or reports, not its result: left out of the job id
RAY_OPTIONS = {"num_gpus": (int, float), "max_retries": (int,)}
MAX_JOBS = 10_000  # a larger grid is refused (legacy-nst sweep --max-jobs raises it), before any job is made
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# Variables with a default of their own when unset: the shared data, ../shared from the repository's root.
DEFAULT_VARIABLES = {SHARED_ENV: str(DEFAULT_SHARED)}


@dataclass(frozen=True)
class Job:
    """One run: its id, its resolved options (Config fields plus content and style) and its axis values."""

    id: str
    options: dict
    values: dict  # axis name -> the value as written in the spec (labels for the sheet)

    @property
    def config(self) -> Config:
        return Config.from_options(**{k: v for k, v in self.options.items() if k not in ("content", "style")})


@dataclass(frozen=True)
class Spec:
    path: Path
    axes: tuple  # ((name, values as written), ...) in the spec's order, zipped groups kept adjacent
    groups: tuple  # tuples of axis names that vary together; a crossed axis is a group of one
    jobs: tuple
    ray: dict


def option_name(key):
    return key.replace("-", "_")


def fields():
    return {f.name: f for f in dataclasses.fields(Config)}


def expand_variables(text, where):
    """${NAME} and ${NAME:-default} from the environment (one level; DEFAULT_VARIABLES when unset), then ~."""
    def value(match):
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        if name in DEFAULT_VARIABLES:
            return DEFAULT_VARIABLES[name]
        raise ConfigError(f"{where}: environment variable ${{{name}}} is not set; set it or write "
                          f"${{{name}:-DEFAULT}}")
    return os.path.expanduser(_VARIABLE.sub(value, text))


def resolve_path(text, folder, where):
    path = Path(expand_variables(text, where))
    return path if path.is_absolute() else folder / path


def expand_images(text, folder, where):
    """A file, a folder (its images) or a glob pattern, as absolute paths of existing files."""
    path = resolve_path(text, folder, where)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not found:
            raise ConfigError(f"{where}: folder {path} holds no images ({', '.join(IMAGE_SUFFIXES)}); "
                              "give a folder with images")
        return [_regular(p, where) for p in found]
    if glob.has_magic(str(path)):
        found = sorted(p for p in glob.glob(str(path)) if Path(p).suffix.lower() in IMAGE_SUFFIXES)
        if not found:
            raise ConfigError(f"{where}: the pattern {text!r} matches no image; fix the pattern")
        return [_regular(p, where) for p in found]
    kind = path_kind(path)
    if kind == "missing":
        raise ConfigError(f"{where}: {path}: no such file; fix the path (relative paths are relative to the "
                          "spec file's folder)")
    return [_regular(path, where)]


def _regular(path, where):
    """The absolute path of an existing regular file (or a link to one); a FIFO, device, socket or link loop is
    refused here, before the driver opens it (open() on a FIFO blocks)."""
    kind = path_kind(path)
    if kind != "file":
        raise ConfigError(f"{where}: {path}: {PHRASES[kind]}; give an image file")
    return str(Path(path).resolve())


def check_type(name, value, where):
    """Catch a value of the wrong TOML type before Config interprets it."""
    if name in ("content", "style"):
        ok = isinstance(value, str) or (name == "style" and isinstance(value, list) and value
                                        and all(isinstance(v, str) for v in value))
        if not ok:
            raise ConfigError(f"{where}: expected a path (a string), got {value!r}; write e.g. \"starry_night.jpg\"")
        return
    field = fields()[name]
    kind = field.type
    if typing.get_origin(kind) is typing.Union:
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    if "parse" in field.metadata and kind is not bool:
        return  # layer lists, number lists, multiscale: Config parses strings, lists and numbers
    expected = {int: (int,), float: (int, float), str: (str,), bool: (bool,)}.get(kind)
    if expected and (not isinstance(value, expected) or (kind is not bool and isinstance(value, bool))):
        example = {int: "a whole number, e.g. 256", float: "a number, e.g. 1e3", str: "a string in quotes",
                   bool: "true or false"}[kind]
        raise ConfigError(f"{where}: expected {example}, got {value!r}; fix the value")


def check_key(key, where_table, spec_path, where=None):
    """The option's name for a key of [base] or [axes] (`where` names it in messages, if not that table)."""
    where = where or f"{spec_path}: [{where_table}] {key}"
    name = option_name(key)
    if name in ("content", "style"):
        return name
    known = fields()
    if name not in known:
        if key == "zip":
            raise ConfigError(f"{spec_path}: [{where_table}] zip: zip belongs at the top of the file, before "
                              "[base]; move it there")
        close = difflib.get_close_matches(name, [*known, "content", "style"], n=1)
        hint = f"did you mean {close[0]}?" if close else "see 'legacy-nst --help' for the options"
        raise ConfigError(f"{where}: unknown option; {hint}")
    if name in PER_JOB_OPTIONS:
        raise ConfigError(f"{where}: the sweep sets it for each job (in OUT/<job-id>/); remove it")
    if name in SINGLE_RUN_OPTIONS:
        raise ConfigError(f"{where}: spreads one run's tiles over Ray workers, but each sweep job is one Ray task "
                          "already; remove it (the sweep's own --ray-address picks the cluster)")
    return name


def resolve_value(name, value, folder, where):
    """The value with its paths made absolute: a list of values for content and style (globs expand)."""
    check_type(name, value, where)
    if name in ("content", "style"):
        if isinstance(value, list):  # several styles blended in one run
            return [[path for v in value for path in expand_images(v, folder, where)]]
        return expand_images(value, folder, where)
    if name == "weights":
        path = resolve_path(value, folder, where)
        kind = path_kind(path)
        if kind != "file":
            raise ConfigError(f"{where}: {path}: {PHRASES[kind]}; fix the path to the VGG-19 .mat")
        return [str(path.resolve())]
    if name == "init" and value not in INIT_KEYWORDS:
        return expand_images(value, folder, where)[:1]
    if name in MASK_OPTIONS:  # one mask per style: a path or a list of paths is one run's
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(item, str) for item in items):
            raise ConfigError(f"{where}: expected a path or a list of paths, one per style, got {value!r}; write e.g. "
                              "[\"sky.png\", \"ground.png\"]")
        return [[str(resolve_path(item, folder, where)) for item in items]]
    return [value]


def load(path, settings=(), max_jobs=MAX_JOBS) -> Spec:
    """Read, check and expand a spec file into its jobs, `settings` ((key, value) pairs) over its [base];
    raise ConfigError at the first problem, and before making any job when there would be more than
    `max_jobs` (None: no limit)."""
    path = Path(path)
    data = _read_toml(path)
    data["base"] = with_settings(data, settings, path)
    folder = path.resolve().parent
    base = _base(data, folder, path)
    axes, written = _axes(data, base, folder, path)
    groups = parse_zip(data.get("zip", []), axes, path)
    for name in ("content", "style"):
        if name not in base and name not in axes:
            raise ConfigError(f"{path}: no {name}; give {name} = \"PATH\" in [base] or a list in [axes]")
    check_count(groups, axes, max_jobs, path)
    ray_options = _ray_options(data, path)
    order = [name for group in groups for name in group]
    jobs, seen = [], {}
    for combination in itertools.product(*[range(len(axes[group[0]])) for group in groups]):
        options, values = dict(base), {}
        for group, index in zip(groups, combination):
            for name in group:
                options[name] = axes[name][index]
                values[name] = written[name][index]
        where = f"{path}: " + (", ".join(f"{n}={values[n]!r}" for n in order) or "[base]")
        options = resolved_options(options, where)
        job = Job(id=job_id(options), options=options, values=values)
        if job.id in seen:
            continue  # the same run twice (e.g. a glob and a file naming the same image)
        seen[job.id] = job
        jobs.append(job)
    return Spec(path=path, axes=tuple((n, tuple(written[n])) for n in order), groups=tuple(groups),
                jobs=tuple(jobs), ray=ray_options)


def check_count(groups, axes, max_jobs, path):
    """Refuse a grid of more than `max_jobs` jobs in one line giving the count, from the axes' lengths alone."""
    count = math.prod(len(axes[group[0]]) for group in groups)
    if max_jobs is not None and count > max_jobs:
        sizes = " x ".join(f"{len(axes[group[0]])} {'+'.join(group)}" for group in groups)
        raise ConfigError(f"{path}: {count} jobs ({sizes}), more than --max-jobs {max_jobs}; shrink the axes, "
                          "or raise --max-jobs")
    return count


def _read_toml(path) -> dict:
    """The spec file's tables, checked for unknown ones."""
    try:
        with open_regular(path) as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such spec file; check the path") from None
    except NotRegularFile as exc:
        raise ConfigError(f"{exc}; give the spec file (TOML)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the spec ({exc}); check the file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    for key in data:
        if key not in ("base", "axes", "zip", "ray"):
            raise ConfigError(f"{path}: {key}: unknown table or key; a spec has zip, [base], [axes] and [ray]")
    for table in ("base", "axes", "ray"):
        if not isinstance(data.get(table, {}), dict):
            raise ConfigError(f"{path}: {table} must be a table; write [{table}] on its own line")
    return data


def parse_setting(text):
    """'KEY=VALUE' of `legacy-nst sweep --set`: (KEY, VALUE read as a TOML value, or as a string if it is not one)."""
    key, equals, value = text.partition("=")
    if not equals or not key.strip():
        raise ConfigError(f"--set {text}: expected KEY=VALUE, e.g. --set iterations=5; fix it")
    try:
        return key.strip(), tomllib.loads(f"value = {value.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        return key.strip(), value.strip()  # a bare word: --set preset=gatys


def with_settings(data, settings, path) -> dict:
    """[base] with the --set values over it, each checked, its paths made absolute from the working folder."""
    base = dict(data.get("base", {}))
    axes = {option_name(key) for key in data.get("axes", {})}
    for key, value in settings:
        where = f"--set {key}"
        name = check_key(key, "base", path, where)
        if name in axes:
            raise ConfigError(f"{where}: {name} is an axis of the spec; --set overrides [base] only, so edit the "
                              f"axis in {path}")
        check_type(name, value, where)
        if isinstance(value, str) and name in ("content", "style", *PATH_OPTIONS) and value not in INIT_KEYWORDS:
            value = os.path.abspath(expand_variables(value, where))
        base = {k: v for k, v in base.items() if option_name(k) != name}
        base[key] = value
    return base


def _base(data, folder, path) -> dict:
    """[base]: {option: value}, each image path resolved to one file."""
    base = {}
    for key, value in data.get("base", {}).items():
        name = check_key(key, "base", path)
        where = f"{path}: [base] {key}"
        values = resolve_value(name, value, folder, where)
        if len(values) != 1:
            raise ConfigError(f"{where}: names {len(values)} images; put it under [axes] to run each, "
                              "or name one file")
        base[name] = values[0]
    return base


def _axes(data, base, folder, path):
    """[axes]: ({option: [values]}, {option: [values as written, globs expanded to file names]})."""
    axes, written = {}, {}
    for key, value in data.get("axes", {}).items():
        name = check_key(key, "axes", path)
        where = f"{path}: [axes] {key}"
        if name in base:
            raise ConfigError(f"{where}: also set in [base]; keep it in one of the two")
        if name in axes:
            raise ConfigError(f"{where}: given twice (with _ and -); keep one")
        if not isinstance(value, list):
            raise ConfigError(f"{where}: an axis is a list of values, got {value!r}; write {key} = [{value!r}, ...]")
        if not value:
            raise ConfigError(f"{where}: empty axis; give at least one value or remove it")
        resolved, shown = [], []
        for item in value:
            expanded = resolve_value(name, item, folder, where)
            resolved += expanded
            shown += [item] if len(expanded) == 1 else [str(Path(p).name) for p in expanded]
        axes[name], written[name] = resolved, shown
    return axes, written


def _ray_options(data, path) -> dict:
    """[ray]: the jobs' Ray resources and retries, over their defaults."""
    ray_options = {"num_gpus": 0, "max_retries": 3}
    for key, value in data.get("ray", {}).items():
        if key not in RAY_OPTIONS:
            raise ConfigError(f"{path}: [ray] {key}: unknown; [ray] takes {', '.join(RAY_OPTIONS)}")
        if not isinstance(value, RAY_OPTIONS[key]) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{path}: [ray] {key}: expected a number >= 0, got {value!r}; fix the value")
        ray_options[key] = value
    return ray_options


def parse_zip(value, axes, path):
    """The axis groups in the spec's order: each zip group at its first member's place, others alone."""
    if not isinstance(value, list) or not all(isinstance(g, list) and all(isinstance(n, str) for n in g)
                                              for g in value):
        raise ConfigError(f"{path}: zip: expected a list of lists of axis names, e.g. zip = [[\"style\", "
                          "\"alpha\"]]; fix it")
    zipped = {}
    for group in value:
        names = [option_name(n) for n in group]
        if len(names) < 2:
            raise ConfigError(f"{path}: zip {group}: a zip group needs two or more axes; add one or remove it")
        for name in names:
            if name not in axes:
                raise ConfigError(f"{path}: zip: {name} is not under [axes]; add it there or remove it from zip")
            if name in zipped:
                raise ConfigError(f"{path}: zip: {name} is in two zip groups; keep it in one")
            zipped[name] = tuple(names)
        lengths = {name: len(axes[name]) for name in names}
        if len(set(lengths.values())) > 1:
            raise ConfigError(f"{path}: zip {group}: the axes have different lengths "
                              f"({', '.join(f'{n} {k}' for n, k in lengths.items())}); give them equally many values")
    groups = []
    for name in axes:
        group = zipped.get(name, (name,))
        if group not in groups:
            groups.append(group)
    return groups


def resolved_options(options, where):
    """Every option a job runs with: Config's defaults and preset filled in, weights made absolute."""
    try:
        config = Config.from_options(**{k: v for k, v in options.items() if k not in ("content", "style")})
        resolved = {**config.to_json(), "content": options["content"], "style": options["style"]}
        weights = require_weights(config).path
    except NSTError as error:
        raise ConfigError(f"{where}: {error}") from None
    kind = path_kind(weights)  # $LEGACY_NST_WEIGHTS too: a FIFO or a link loop refused before anything starts
    if kind != "file":
        raise ConfigError(f"{where}: {weights}: {PHRASES[kind]}; fix the path to the VGG-19 .mat")
    resolved["weights"] = str(weights.resolve())
    return json.loads(json.dumps(resolved))  # tuples as lists: what the id hashes and the manifest shows


def job_id(options):
    """12 hex digits of the sha256 of the options that decide the result: a rerun finds the same id."""
    decisive = {k: v for k, v in sorted(options.items()) if k not in NOT_IN_ID}
    return hashlib.sha256(json.dumps(decisive, sort_keys=True).encode()).hexdigest()[:12]
