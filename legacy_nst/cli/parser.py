"""The command line's options, generated from Config: one flag per field, in Config's groups."""
import argparse
import difflib
import os
import sys
import typing

from ..config import FIELD_NAMES, FIELDS, GROUPS, PROGRAM, Config
from ..errors import ConfigError

PROG = PROGRAM


class UsageError(Exception):
    """argparse found the arguments malformed."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, raised rather than printed with the usage.

    Options are never abbreviated (anishathalye's --content-weight must not be taken for
    --content-weight-blend), and an unknown option is answered with the closest known one, or with ours for
    a peer's name of it (`synonyms`, {normalised name: our flag}: --style-weight is our --alpha), before
    argparse would say only that a required option is missing; an unknown choice too.
    """

    def __init__(self, *args, allow_abbrev=False, synonyms=None, **kwargs):
        super().__init__(*args, allow_abbrev=allow_abbrev, **kwargs)
        self.synonyms = synonyms or {}

    def parse_args(self, args=None, namespace=None):
        return self._parsed(self.parse_known_args, args, namespace)

    def parse_intermixed_args(self, args=None, namespace=None):
        """parse_args, with positionals allowed after options (`score C S A --json J B`)."""
        return self._parsed(self.parse_known_intermixed_args, args, namespace)

    def _parsed(self, parse, args, namespace):
        try:
            parsed, unknown = parse(args, namespace)
        except UsageError:  # a required option missing, say, because it was misspelt: name the misspelling
            self._refuse(self._unknown_options(sys.argv[1:] if args is None else args))
            raise
        self._refuse(unknown)
        return parsed

    def known_options(self):
        """Every option string of this parser and of its subcommands' parsers."""
        known = [name for action in self._actions for name in action.option_strings]
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                known += [name for parser in action.choices.values() for name in parser.known_options()]
        return known

    def _unknown_options(self, args):
        """The words of `args` that look like options this parser does not know (its subcommands' it knows)."""
        known = set(self.known_options())
        found = []
        for word in map(str, args):
            if word == "--":
                break
            name = word.split("=", 1)[0]
            if (word.startswith("-") and word != "-" and not self._negative_number_matcher.match(word)
                    and name not in known and not (self.allow_abbrev and any(k.startswith(name) for k in known))):
                found.append(word)
        return found

    def _refuse(self, unknown):
        if unknown:
            known = self.known_options()
            self.error(f"unrecognized arguments: {' '.join(unknown)}{closest_option(unknown, known, self.synonyms)}")

    def _check_value(self, action, value):
        """argparse's check of a choice, with the closest one suggested."""
        if action.choices is not None and value not in action.choices:
            names = [str(choice) for choice in action.choices]
            close = difflib.get_close_matches(str(value), names, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise argparse.ArgumentError(action, f"invalid choice: {value!r}{hint} (choose from {', '.join(names)})")

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


def closest_option(words, known, synonyms=None):
    """'; did you mean --x?' for the first unknown option with a close one in `known`, else ''.

    A peer's name for one of ours comes first (`synonyms`, by normalised_option), then an option the word
    begins (an abbreviation), then the closest by difflib, also with '_' read as '-' and any case.
    """
    for word in words:
        if word.startswith("-"):
            name = word.split("=", 1)[0]
            ours = (synonyms or {}).get(normalised_option(name))
            if ours in known:
                return f"; did you mean {ours}?"
            spelt = "--" + normalised_option(name)
            close = ([k for k in known if k.startswith(name)][:3] or difflib.get_close_matches(name, known, n=1)
                     or difflib.get_close_matches(spelt, known, n=1))
            if close:
                return f"; did you mean {' or '.join(close)}?"
    return ""


def normalised_option(word) -> str:
    """'-num_iterations', '--Num-Iterations' -> 'num-iterations': how a peer's option and ours are compared."""
    return word.lstrip("-").replace("_", "-").lower()


def _field_type(f):
    if "parse" in f.metadata:
        return _argument_type(f.metadata["parse"])
    kind = f.type
    if typing.get_origin(kind) is typing.Union:
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    return kind


def _argument_type(parse):
    """A Config parser as an argparse type: its ConfigError becomes 'argument --flag: message'."""
    def convert(text):
        try:
            return parse(text)
        except ConfigError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    convert.__name__ = parse.__name__
    return convert


def add_config_options(parser, exclude=()):
    """One flag per Config field (--learning-rate for learning_rate, help from the field), grouped by concern."""
    defaults = Config()
    for group_name, names in GROUPS.items():
        add_field_options(parser, f"{group_name} options", [FIELDS[name] for name in names if name not in exclude],
                          defaults)


def add_field_options(parser, title, fields, defaults):
    """One flag per dataclass field of `fields` (made by config.roles.option) in a --help group `title`, their
    defaults read from `defaults` (an instance): Config's groups, and a subcommand's own options (the video's)."""
    group = parser.add_argument_group(title)
    for f in fields:
        _add_option(group, f, getattr(defaults, f.name))


def _add_option(group, f, default):
    shown = ",".join(f"{item[0]}:{item[1]:g}" if isinstance(item, tuple) else
                     str(item) if isinstance(item, str) else f"{item:g}" for item in default) \
        if isinstance(default, tuple) else default  # layer weights (name, weight), numbers, or names (--fine-layers)
    help_text = f.metadata["help"] + ("" if default is None or "default:" in f.metadata["help"]
                                      else f" (default: {shown})")
    flags = ["--" + f.name.replace("_", "-"), *f.metadata.get("aliases", ())]
    if _field_type(f) is bool:
        group.add_argument(*flags, dest=f.name, action="store_true", default=argparse.SUPPRESS, help=help_text)
        return
    group.add_argument(*flags, dest=f.name, type=_field_type(f), choices=f.metadata.get("choices"),
                       metavar=f.metadata.get("metavar"), default=argparse.SUPPRESS, help=help_text,
                       **{key: f.metadata[key] for key in ("nargs", "const", "action") if key in f.metadata})


def config_from_args(args, exclude=()):
    """The Config of the flags given, over the --preset's values if one is named (see Config.from_options)."""
    return Config.from_options(**{k: v for k, v in vars(args).items() if k in FIELD_NAMES and k not in exclude})


def style_paths(values):
    """--style A --style B, or --style A,B (split on commas unless the whole value is an existing file)."""
    paths = []
    for value in values:
        paths += [value] if os.path.exists(value) else [part for part in value.split(",") if part]
    return paths
