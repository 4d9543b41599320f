"""Error messages are checked for what a user needs, not word for word: rewording a message breaks no test,
dropping the option, the value or the fix does."""
import pytest

from legacy_nst.config import Config
from legacy_nst.errors import ConfigError


def assert_says(message, *parts):
    """`message` is one line and holds each of `parts`: typically the option, its value and a key word of the fix."""
    message = str(message)
    lacking = [part for part in parts if part not in message]
    assert not lacking, f"{message!r} lacks {lacking}"
    assert "\n" not in message.strip(), f"{message!r} is more than one line"


def refusal(**options):
    """The one-line ConfigError message with which Config(**options) is refused."""
    with pytest.raises(ConfigError) as refused:
        Config(**options)
    message = str(refused.value)
    assert "\n" not in message
    return message
