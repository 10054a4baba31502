"""Redis's text rules for configuration: redis.conf quoting, how values are
quoted and printed back, keyspace notification class letters and the
proc-title template.

Text arriving as bytes is decoded as UTF-8 with ``surrogateescape`` (`_s`),
so any byte string round trips: `_b` encodes it back.
"""

import os

_ENC = "surrogateescape"


def _s(b):
    return b.decode("utf-8", _ENC) if isinstance(b, (bytes, bytearray)) else b


def _b(s):
    return s.encode("utf-8", _ENC) if isinstance(s, str) else bytes(s)


def _lower(s):
    # Redis compares names with ASCII-only case folding.
    return s.lower() if s.isascii() else s


# Keyspace notification classes, as Redis numbers them.
NOTIFY_KEYSPACE = 1 << 0    # K
NOTIFY_KEYEVENT = 1 << 1    # E
NOTIFY_GENERIC = 1 << 2     # g
NOTIFY_STRING = 1 << 3      # $
NOTIFY_LIST = 1 << 4        # l
NOTIFY_SET = 1 << 5         # s
NOTIFY_HASH = 1 << 6        # h
NOTIFY_ZSET = 1 << 7        # z
NOTIFY_EXPIRED = 1 << 8     # x
NOTIFY_EVICTED = 1 << 9     # e
NOTIFY_STREAM = 1 << 10     # t
NOTIFY_KEY_MISS = 1 << 11   # m (not part of A)
NOTIFY_LOADED = 1 << 12     # modules only
NOTIFY_MODULE = 1 << 13     # d
NOTIFY_NEW = 1 << 14        # n
NOTIFY_ALL = (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH
              | NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

_NOTIFY_CHARS = {
    "A": NOTIFY_ALL, "g": NOTIFY_GENERIC, "$": NOTIFY_STRING, "l": NOTIFY_LIST,
    "s": NOTIFY_SET, "h": NOTIFY_HASH, "z": NOTIFY_ZSET, "x": NOTIFY_EXPIRED,
    "e": NOTIFY_EVICTED, "K": NOTIFY_KEYSPACE, "E": NOTIFY_KEYEVENT,
    "t": NOTIFY_STREAM, "m": NOTIFY_KEY_MISS, "d": NOTIFY_MODULE, "n": NOTIFY_NEW,
}
# Printing order of the classes that A does not cover as a whole.
_NOTIFY_PRINT = ((NOTIFY_GENERIC, "g"), (NOTIFY_STRING, "$"), (NOTIFY_LIST, "l"),
                 (NOTIFY_SET, "s"), (NOTIFY_HASH, "h"), (NOTIFY_ZSET, "z"),
                 (NOTIFY_EXPIRED, "x"), (NOTIFY_EVICTED, "e"), (NOTIFY_STREAM, "t"),
                 (NOTIFY_MODULE, "d"), (NOTIFY_NEW, "n"))


_WS = b" \t\n\v\f\r"
_HEX = b"0123456789abcdefABCDEF"
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}


def split_args(line):
    """Split a config line into arguments with redis.conf quoting rules.

    Double quotes understand \\n \\r \\t \\b \\a \\xHH and \\<any>; single quotes
    only \\'.  A closing quote must be followed by a blank or the end.
    Returns a list of bytes, or None for unbalanced quotes.
    """
    line = _b(line)
    n = len(line)
    i = 0
    out = []
    while True:
        while i < n and line[i] in _WS:
            i += 1
        if i >= n:
            return out
        cur = bytearray()
        inq = insq = False
        while True:
            c = line[i] if i < n else 0
            nxt = line[i + 1] if i + 1 < n else 0
            done = False
            if inq:
                if (c == 0x5C and nxt == 0x78 and i + 3 < n
                        and line[i + 2] in _HEX and line[i + 3] in _HEX):
                    cur.append(int(line[i + 2:i + 4], 16))
                    i += 3
                elif c == 0x5C and nxt:
                    i += 1
                    cur.append(_ESCAPES.get(line[i], line[i]))
                elif c == 0x22:
                    if nxt and nxt not in _WS:
                        return None
                    done = True
                elif i >= n:
                    return None
                else:
                    cur.append(c)
            elif insq:
                if c == 0x5C and nxt == 0x27:
                    i += 1
                    cur.append(0x27)
                elif c == 0x27:
                    if nxt and nxt not in _WS:
                        return None
                    done = True
                elif i >= n:
                    return None
                else:
                    cur.append(c)
            elif i >= n or c in b" \n\r\t":
                done = True
            elif c == 0x22:
                inq = True
            elif c == 0x27:
                insq = True
            else:
                cur.append(c)
            if i < n:
                i += 1
            if done:
                break
        out.append(bytes(cur))


def quote(value):
    """Quote a value the way Redis writes strings into config files (sdscatrepr)."""
    out = bytearray(b'"')
    for c in _b(value):
        if c in (0x5C, 0x22):
            out += b"\\" + bytes((c,))
        elif c == 10:
            out += b"\\n"
        elif c == 13:
            out += b"\\r"
        elif c == 9:
            out += b"\\t"
        elif c == 7:
            out += b"\\a"
        elif c == 8:
            out += b"\\b"
        elif 0x20 <= c <= 0x7E:
            out.append(c)
        else:
            out += b"\\x%02x" % c
    out += b'"'
    return bytes(out)


def format_memory(n):
    """How CONFIG REWRITE writes a byte count: 1gb, 64mb, 4kb or plain."""
    gb, mb, kb = 1024 ** 3, 1024 ** 2, 1024
    if n and n % gb == 0:
        return "%dgb" % (n // gb)
    if n and n % mb == 0:
        return "%dmb" % (n // mb)
    if n and n % kb == 0:
        return "%dkb" % (n // kb)
    return "%d" % n


def _trim_double(text):
    if "." in text:
        text = text.rstrip("0")
        if text.endswith("."):
            text = text[:-1]
    return text


def _fmt_percentile(v):
    return _trim_double("%f" % v)


def absolute_path(filename):
    """Join a relative path to the cwd the way redis-server records its config file."""
    path = filename.strip(" \r\n\t")
    if path.startswith("/"):
        return path
    base = os.getcwd()
    if not base.endswith("/"):
        base += "/"
    while path.startswith("../"):
        path = path[3:]
        if len(base) > 1:
            base = base[:base.rstrip("/").rfind("/") + 1] or "/"
    return base + path


def notify_flags_from_string(text):
    """'KEA' -> flags, or None on an unknown class character."""
    flags = 0
    for ch in text:
        bit = _NOTIFY_CHARS.get(ch)
        if bit is None:
            return None
        flags |= bit
    return flags


def notify_flags_to_string(flags):
    """Flags -> the canonical class string Redis prints ('AKE', 'xE', ...)."""
    if flags & NOTIFY_ALL == NOTIFY_ALL:
        out = "A"
    else:
        out = "".join(ch for bit, ch in _NOTIFY_PRINT if flags & bit)
    if flags & NOTIFY_KEYSPACE:
        out += "K"
    if flags & NOTIFY_KEYEVENT:
        out += "E"
    if flags & NOTIFY_KEY_MISS:
        out += "m"
    return out


def expand_proc_title(cfg, template=None, title=""):
    """Expand a proc-title-template ({title} {listen-addr} ...); None if invalid."""
    if template is None:
        template = cfg["proc-title-template"]
    out = []
    i = 0
    while i < len(template):
        j = template.find("{", i)
        if j < 0:
            out.append(template[i:])
            break
        out.append(template[i:j])
        j += 1
        if j >= len(template):
            return None
        if template[j] == "{":
            out.append("{")
            i = j + 1
            continue
        end = template.find("}", j)
        if end < 0:
            return None
        value = _title_var(cfg, template[j:end], title)
        if value is None:
            return None
        out.append(value)
        i = end + 1
    return "".join(out).strip(" ")


def _title_var(cfg, name, title):
    port, tls_port = cfg["port"], cfg["tls-port"]
    if name == "title":
        return title
    if name == "listen-addr":
        if port or tls_port:
            bind = cfg["bind"]
            return "%s:%d" % (bind[0] if bind else "*", port or tls_port)
        return "unixsocket:%s" % (cfg["unixsocket"] or "(null)")
    if name == "server-mode":
        return "[cluster]" if cfg["cluster-enabled"] else ""
    if name == "config-file":
        return cfg.loaded_from or "-"
    if name == "port":
        return str(port)
    if name == "tls-port":
        return str(tls_port)
    if name == "unixsocket":
        return cfg["unixsocket"] or ""
    return None
