"""Markers that tell the reply writer which RESP type a Python value becomes.

Python-level command handlers reply with `client.reply_value(v)`:
    bytes / bytearray -> bulk string      str          -> simple string (+...)
    int               -> integer          float        -> double (RESP3 ','; RESP2 bulk)
    bool              -> RESP3 boolean / RESP2 integer 1|0
    None              -> null ($-1 in RESP2, _ in RESP3)
    list / tuple      -> array            dict         -> map (RESP2: flat array)
    RespSet           -> set (RESP2: array)            Verbatim     -> verbatim string
    ErrorReply        -> error reply nested anywhere (text as Redis writes it, no '-')
    NullArray         -> *-1 in RESP2, _ in RESP3
"""


class RespSet(list):
    """An ordered set reply: '~' in RESP3, a plain array in RESP2."""


class RespMap(list):
    """A map given as a list of (key, value) pairs, to keep order and allow
    duplicate or unhashable keys: '%' in RESP3, a flat array in RESP2."""


class Verbatim(bytes):
    """A verbatim string ('=' with format 'txt' in RESP3, bulk in RESP2)."""


class ErrorReply(str):
    """An error reply, e.g. ErrorReply("ERR syntax error")."""


class _NullArray:
    __slots__ = ()

    def __repr__(self):
        return "NullArray"


NullArray = _NullArray()
