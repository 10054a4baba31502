"""redis-server's command line: ``[configfile] [-] [--directive value ...]``
turned into one config text (file, then stdin, then the options) and loaded.
"""

import os
import sys

from .reader import read_config_file
from .store import Config
from .text import _b, _s, absolute_path, quote, split_args


def build_options(args):
    """Turn redis-server style arguments into (configfile, from_stdin, options).

    `args` excludes the program name.  Each ``--name`` starts a new line of
    config text and the following arguments become its quoted values, exactly
    as redis-server builds it, so the text loads after the file and wins.
    """
    args = [_b(a) for a in args]
    configfile = None
    j = 0
    if args and not args[0].startswith(b"-"):
        configfile = _s(args[0])
        j = 1
    n = len(args)
    opts = bytearray()
    from_stdin = False
    value_seen = True       # did the last option name get at least one value?
    while j < n:
        a = args[j]
        if a == b"-" and (j == 0 or j == n - 1):
            from_stdin = True
        elif value_seen and a.startswith(b"--"):
            if opts:
                opts += b"\n"
            opts += a[2:] + b" "
            toks = split_args(a)
            if toks is not None and len(toks) == 1:
                value_seen = False
                name = a.lower()
                next_is_option = j != n - 1 and args[j + 1].startswith(b"--")
                if name == b"--save" and (next_is_option or j == n - 1):
                    # A bare --save means no snapshots, like --save "".
                    opts += b'""'
                    value_seen = next_is_option
                elif name == b"--sentinel" and next_is_option:
                    value_seen = True
            else:
                value_seen = True
        else:
            opts += quote(a) + b" "
            value_seen = True
        j += 1
    return configfile, from_stdin, bytes(opts)


def reread(cfg, fresh):
    """Read the configuration `cfg` was started with again into `fresh` (a
    new Config): its file, then its command-line options (what came from
    stdin cannot be read twice). The directory a "dir" line names is
    resolved as at start, from the directory the server was started in,
    and left in fresh.reloaded_dir: the process's own stays where it is.
    Raises ConfigFileError or ConfigOpenError."""
    fresh.args = cfg.args
    fresh.loaded_from = cfg.loaded_from
    _, _, options = build_options(cfg.args or [])
    text = read_config_file(cfg.loaded_from) if cfg.loaded_from else b""
    here = os.getcwd()
    try:
        os.chdir(cfg.start_dir or here)
        fresh.load_string(text + b"\n" + options)
        fresh.reloaded_dir = os.getcwd()
    finally:
        os.chdir(here)
    return fresh


def parse_command_line(argv, cfg=None, stdin=None):
    """Build a Config from redis-server style arguments (without argv[0]):
    ``[configfile] [-] [--directive value ...]``.  The file, then stdin, then
    the options are loaded as one text, so later directives win.

    Raises ConfigFileError (print its fatal_text()) or ConfigOpenError.
    """
    cfg = cfg if cfg is not None else Config()
    argv = list(argv)
    cfg.args = argv
    cfg.start_dir = os.getcwd()
    if not argv:
        return cfg
    configfile, from_stdin, options = build_options(argv)
    text = b""
    if configfile is not None:
        cfg.loaded_from = absolute_path(configfile)
        text += read_config_file(cfg.loaded_from)
    if from_stdin:
        cfg._warn("Reading config from stdin")
        stream = stdin if stdin is not None else sys.stdin.buffer
        text += _b(stream.read())
    cfg.load_string(text + b"\n" + options)
    return cfg
