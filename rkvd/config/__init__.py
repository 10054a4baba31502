"""The configuration registry: every parameter redis-server 7.0.15 knows.

One table (`PARAMS`, in params.py) drives the config file reader, the command
line, CONFIG GET/SET/REWRITE and the typed values the server reads
(``cfg['port']``).  Parsing, bounds, printing and error texts follow
redis-server byte for byte, because clients and the Redis test suite compare
them.  The table is also the interface between the Python shell and the
Cython engine: a row names the engine field that holds its value and the
server hook that applies it, and ``Config.attach`` checks both at start-up.

The package, from the bottom up:

- text: Redis's text rules (redis.conf quoting, printing, notification
  classes, the proc-title template);
- errors: the exceptions and their Redis texts;
- kinds: the parameter kinds (Bool, Num, Enum, String and the special ones),
  NotBuilt and EngineField;
- params: the table itself;
- reader: redis.conf text into a Config;
- rewrite: CONFIG REWRITE;
- store: Config, the live values, CONFIG GET/SET and attach;
- cmdline: redis-server's command line.
"""

from .cmdline import build_options, parse_command_line, reread
from .errors import REDIS_VERSION, ConfigError, ConfigFileError, ConfigOpenError
from .kinds import (
                    DEBUG,
                    DENY_LOADING,
                    HIDDEN,
                    IMMUTABLE,
                    MEMORY,
                    MULTI_ARG,
                    OCTAL,
                    PERCENT,
                    PROTECTED,
                    SENSITIVE,
                    VOLATILE,
                    Bool,
                    EngineField,
                    Enum,
                    NotBuilt,
                    Num,
                    Param,
                    Special,
                    String,
)
from .params import (
                    DEFAULT_PID_FILE,
                    FILE_ONLY_NOT_BUILT,
                    MAX_HZ,
                    MIN_HZ,
                    MODULE_CONFIG,
                    PARAMS,
                    REPL_BACKLOG_MIN_SIZE,
                    lookup,
)
from .rewrite import REWRITE_SIGNATURE
from .store import Config
from .text import (
                    NOTIFY_ALL,
                    NOTIFY_EVICTED,
                    NOTIFY_EXPIRED,
                    NOTIFY_GENERIC,
                    NOTIFY_HASH,
                    NOTIFY_KEY_MISS,
                    NOTIFY_KEYEVENT,
                    NOTIFY_KEYSPACE,
                    NOTIFY_LIST,
                    NOTIFY_LOADED,
                    NOTIFY_MODULE,
                    NOTIFY_NEW,
                    NOTIFY_SET,
                    NOTIFY_STREAM,
                    NOTIFY_STRING,
                    NOTIFY_ZSET,
                    absolute_path,
                    expand_proc_title,
                    format_memory,
                    notify_flags_from_string,
                    notify_flags_to_string,
                    quote,
                    split_args,
)

__all__ = [
    "Bool", "Config", "ConfigError", "ConfigFileError", "ConfigOpenError", "DEBUG",
    "DEFAULT_PID_FILE", "DENY_LOADING", "EngineField", "Enum", "FILE_ONLY_NOT_BUILT", "HIDDEN",
    "IMMUTABLE", "MAX_HZ", "MEMORY", "MIN_HZ", "MODULE_CONFIG", "MULTI_ARG", "NOTIFY_ALL",
    "NOTIFY_EVICTED", "NOTIFY_EXPIRED", "NOTIFY_GENERIC", "NOTIFY_HASH", "NOTIFY_KEY_MISS",
    "NOTIFY_KEYEVENT", "NOTIFY_KEYSPACE", "NOTIFY_LIST", "NOTIFY_LOADED", "NOTIFY_MODULE",
    "NOTIFY_NEW", "NOTIFY_SET", "NOTIFY_STREAM", "NOTIFY_STRING", "NOTIFY_ZSET", "NotBuilt",
    "Num", "OCTAL", "PARAMS", "PERCENT", "PROTECTED", "Param", "REDIS_VERSION",
    "REPL_BACKLOG_MIN_SIZE", "REWRITE_SIGNATURE", "SENSITIVE", "Special", "String",
    "VOLATILE", "absolute_path", "build_options", "expand_proc_title", "format_memory",
    "lookup", "notify_flags_from_string", "notify_flags_to_string", "parse_command_line",
    "quote", "reread", "split_args",
]
