"""Configuration errors, carrying the exact texts redis-server reports."""

from .text import _b

REDIS_VERSION = "7.0.15"


class ConfigError(Exception):
    """A configuration failure; str(e) is the exact text Redis reports.

    From CONFIG SET it is the whole error reply ("ERR CONFIG SET failed ...").
    Apply hooks raise it with just the reason, which CONFIG SET wraps.
    """


class ConfigFileError(ConfigError):
    """A fatal error while loading configuration text (file, stdin, argv)."""

    def __init__(self, reason, linenum=None, line=None):
        super().__init__(reason)
        self.reason = reason
        self.linenum = linenum
        self.line = line          # the offending line as bytes, trimmed

    def fatal_text(self):
        """What redis-server writes on stderr before exiting with status 1."""
        out = b"\n*** FATAL CONFIG FILE ERROR (Redis " + REDIS_VERSION.encode() + b") ***\n"
        if self.line is not None:
            out += b"Reading the configuration file, at line %d\n" % self.linenum
            out += b">>> '" + self.line + b"'\n"
        return out + _b(self.reason) + b"\n"


class ConfigOpenError(ConfigError):
    """A config file (or include) that cannot be opened; Redis logs it and exits 1."""


class Invalid(Exception):
    """A value was rejected; the argument is Redis's reason text.  Internal to
    the package: callers see ConfigFileError or ConfigError."""

