"""Argument parsing, reply shapes and access checks the command modules share.

Replies and error texts follow redis-server 7.0.15. Help texts (the HELP
subcommands) are our own wording in Redis's reply shape.
"""

from rkvd.strutil import LLONG_MAX, string2ll

SYNTAX_ERROR = "syntax error"
NOT_INTEGER = "value is not an integer or out of range"
LONG_MAX = LLONG_MAX


def text(b):
    """An argument as text (bytes kept losslessly with surrogateescape)."""
    return b.decode("utf-8", "surrogateescape") if isinstance(b, (bytes, bytearray)) else b


def lower(b):
    """ASCII lowercase of an argument, compared as C strcasecmp would (up to a NUL)."""
    return bytes(b).split(b"\0", 1)[0].lower().decode("latin-1")


def cstr(b, limit=None):
    """An argument as a C string: cut at the first NUL, optionally at `limit` bytes."""
    b = bytes(b).split(b"\0", 1)[0]
    return b[:limit] if limit is not None else b


def enc(s):
    """Text as the bytes it came from (the inverse of text())."""
    return s.encode("utf-8", "surrogateescape") if isinstance(s, str) else bytes(s)


def reply_help(c, cmdname, lines):
    """Redis's help reply: a header naming the command, the lines, then HELP."""
    head = f"{text(cstr(cmdname)).upper()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    c.reply_value([head] + list(lines) + ["HELP", "    Prints this help."])


def reply_subcommand_syntax_error(c, args):
    name = cstr(args[0]).upper()
    sub = cstr(args[1], 128) if len(args) > 1 else b""
    c.reply_error(b"unknown subcommand or wrong number of arguments for '" + sub
                  + b"'. Try " + name + b" HELP.")


def get_long_long_or_reply(c, b, msg=None):
    v = string2ll(b)
    if v is None:
        c.reply_error(msg or NOT_INTEGER)
    return v


def get_range_long_or_reply(c, b, lo, hi, msg=None):
    v = string2ll(b)
    if v is None:
        c.reply_error(msg or NOT_INTEGER)
        return None
    if v < lo or v > hi:
        c.reply_error(msg or f"value is out of range, value must between {lo} and {hi}")
        return None
    return v


def get_positive_long_or_reply(c, b, msg=None):
    return get_range_long_or_reply(c, b, 0, LONG_MAX, msg or "value is out of range, must be positive")


def is_local_client(c):
    """A unix socket or loopback peer (Redis's islocalClient)."""
    if c.is_unix:
        return True
    host = str(c.addr).rsplit(":", 1)[0].strip("[]")
    return host in ("127.0.0.1", "::1")


def debug_allowed(server, c):
    """enable-debug-command lets this client run DEBUG: yes, or local and the
    client is local (Redis's allowProtectedAction)."""
    mode = server.cfg["enable-debug-command"]
    return mode == "yes" or (mode == "local" and is_local_client(c))
