"""The one exception type users see: a message that names the problem and the fix.

Anything raised as `NSTError` is printed by the command line as a single line on
stderr with exit status 2, never as a traceback.
"""


class NSTError(Exception):
    """A problem with the user's input or environment, explained in one line."""


class WeightsError(NSTError):
    """The VGG-19 .mat file is missing, not a MATLAB file, truncated or malformed."""


class ImageError(NSTError):
    """An image cannot be read, decoded or written."""


class ConfigError(NSTError):
    """An option value is impossible (bad size, unknown layer, bad weight list...)."""


class OptimizationError(NSTError):
    """The optimisation diverged (NaN or inf in the loss)."""


class WriteError(NSTError, OSError):
    """A file could not be written (a full disk, a read-only folder): the OSError's errno and strerror, and one
    line naming the file (never the temporary file beside it) and what to do."""

    def __init__(self, message, cause: OSError):
        OSError.__init__(self, cause.errno, cause.strerror)
        self.message = message

    def __str__(self):
        return self.message
