"""Key extraction: which arguments of a command line are keys, with their
flags (COMMAND GETKEYS / GETKEYSANDFLAGS; later cluster slots and ACL key
patterns). Errors raised by get_keys carry Redis's text without the "ERR "
prefix."""

from ..strutil import atoi, string2ll, to_int32


def _word(b):
    """An argument as strcasecmp sees it: cut at the first NUL, ASCII lowercase."""
    return bytes(b).split(b"\0", 1)[0].lower()


def _cdiv(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _keys_from_specs(spec, argv):
    """Keys found by the key specs: a list of (pos, flags), or None when a
    spec cannot be applied (the caller then falls back to the getkeys proc)."""
    argc = len(argv)
    out = []
    for ks in spec.key_specs:
        if "not_key" in ks.flags:
            continue
        if ks.bs_type == "index":
            first = ks.bs_index
        elif ks.bs_type == "keyword":
            start = ks.bs_startfrom if ks.bs_startfrom > 0 else argc + ks.bs_startfrom
            end = argc - 1 if ks.bs_startfrom > 0 else 1
            first = 0
            kw = ks.bs_keyword.lower().encode()
            i = start
            while i != end:
                if i >= argc or i < 1:
                    break
                if _word(argv[i]) == kw:
                    first = i + 1
                    break
                i = i + 1 if start <= end else i - 1
            if not first:
                continue
        else:
            return None
        if ks.fk_type == "range":
            step = ks.fk_keystep
            if ks.fk_lastkey >= 0:
                last = first + ks.fk_lastkey
            elif not ks.fk_limit:
                last = argc + ks.fk_lastkey
            else:
                last = first + (_cdiv(argc - first, ks.fk_limit) + ks.fk_lastkey)
        elif ks.fk_type == "keynum":
            step = ks.fk_keystep
            if ks.fk_keynumidx >= argc or first + ks.fk_keynumidx >= argc:
                return None
            numkeys = string2ll(argv[first + ks.fk_keynumidx])
            if numkeys is None or numkeys < 0:
                return None
            first += ks.fk_firstkey
            last = first + to_int32(numkeys) - 1
        else:
            return None
        if last >= argc or last < first or first >= argc:
            return None
        for i in range(first, last + 1, step):
            out.append((i, ks.flags))
        if "incomplete" in ks.flags:
            return None
    return out


def _generic(store, count, first, step=1):
    def proc(argv):
        argc = len(argv)
        num = atoi(argv[count])
        if num < 1 or num > _cdiv(argc - first, step):
            return []
        keys = [(first + i * step, []) for i in range(num)]
        if store:
            keys.append((store, []))
        return keys
    return proc


def _sort_ro_keys(argv):
    return [(1, ["RO", "access"])]


def _sort_keys(argv):
    keys = [(1, ["RO", "access"])]
    store = None
    i = 2
    argc = len(argv)
    while i < argc:
        # The last STORE wins, and its argument is not skipped (as in Redis).
        word = _word(argv[i])
        if word == b"limit":
            i += 2
        elif word == b"store" and i + 1 < argc:
            store = i + 1
        elif word in (b"get", b"by"):
            i += 1
        i += 1
    if store is not None:
        keys.append((store, ["OW", "update"]))
    return keys


def _migrate_keys(argv):
    argc = len(argv)
    first, num = 3, 1
    skip = {b"copy": 0, b"replace": 0, b"auth": 1, b"auth2": 2}
    if argc > 6:
        i = 6
        while i < argc:
            word = _word(argv[i])
            if word == b"keys":
                if len(argv[3]) > 0:
                    num = 0
                else:
                    first = i + 1
                    num = argc - first
                break
            i += skip.get(word, 0) + 1
    return [(first + i, ["RW", "access", "delete"]) for i in range(num)]


def _georadius_keys(argv):
    argc = len(argv)
    stored = -1
    i = 5
    while i < argc:
        if _word(argv[i]) in (b"store", b"storedist") and i + 1 < argc:
            stored = i + 1
            i += 1
        i += 1
    keys = [(1, [])]
    if stored != -1:
        keys.append((stored, []))
    return keys


def _xread_keys(argv):
    argc = len(argv)
    streams = -1
    i = 1
    while i < argc:
        word = _word(argv[i])
        if word in (b"block", b"count"):
            i += 1
        elif word == b"group":
            i += 2
        elif word == b"noack":
            pass
        elif word == b"streams":
            streams = i
            break
        else:
            break
        i += 1
    num = argc - streams - 1 if streams != -1 else 0
    if streams == -1 or num == 0 or num % 2:
        return []
    num //= 2
    return [(i, []) for i in range(streams + 1, argc - num)]


def _set_keys(argv):
    for a in argv[3:]:
        if _word(a) == b"get":
            return [(1, ["RW", "access", "update"])]
    return [(1, ["OW", "update"])]


def _bitfield_keys(argv):
    argc = len(argv)
    readonly = True
    i = 2
    while i < argc:
        rem = argc - i - 1
        word = _word(argv[i])
        if word == b"get" and rem >= 2:
            i += 2
        elif word in (b"set", b"incrby") and rem >= 3:
            readonly = False
            break
        elif word == b"overflow" and rem >= 1:
            i += 1
        else:
            readonly = False
            break
        i += 1
    return [(1, ["RO", "access"] if readonly else ["RW", "access", "update"])]


# Commands whose key specs need help; the engine may map these names to C code.
GETKEYS_PROCS = {
    "bitfield": _bitfield_keys, "migrate": _migrate_keys, "sort": _sort_keys,
    "sort_ro": _sort_ro_keys, "georadius": _georadius_keys,
    "georadiusbymember": _georadius_keys, "set": _set_keys,
    "xread": _xread_keys, "xreadgroup": _xread_keys,
    "blmpop": _generic(0, 2, 3), "bzmpop": _generic(0, 2, 3),
    "lmpop": _generic(0, 1, 2), "zmpop": _generic(0, 1, 2),
    "sintercard": _generic(0, 1, 2), "zintercard": _generic(0, 1, 2),
    "zdiff": _generic(0, 1, 2), "zinter": _generic(0, 1, 2), "zunion": _generic(0, 1, 2),
    "zdiffstore": _generic(1, 2, 3), "zinterstore": _generic(1, 2, 3),
    "zunionstore": _generic(1, 2, 3),
    "eval": _generic(0, 2, 3), "evalsha": _generic(0, 2, 3),
    "eval_ro": _generic(0, 2, 3), "evalsha_ro": _generic(0, 2, 3),
    "fcall": _generic(0, 2, 3), "fcall_ro": _generic(0, 2, 3),
}


def has_keys(spec):
    """Whether the command may take keys (Redis's doesCommandHaveKeys)."""
    return spec.getkeys_proc is not None or any(
        "not_key" not in k.flags for k in spec.key_specs)


def get_keys_and_flags(spec, argv):
    """Key positions in argv (argv[0] is the command name) with their key
    flags, as COMMAND GETKEYSANDFLAGS finds them. Raises ValueError with
    Redis's error text for the cases COMMAND GETKEYS rejects."""
    if spec is None:
        raise ValueError("Invalid command specified")
    if not has_keys(spec):
        raise ValueError("The command has no key arguments")
    argc = len(argv)
    if (spec.arity > 0 and spec.arity != argc) or argc < -spec.arity:
        raise ValueError("Invalid number of arguments specified for command")
    keys = None
    has_spec = any("not_key" not in k.flags for k in spec.key_specs)
    varflags = any("variable_flags" in k.flags for k in spec.key_specs)
    if has_spec and not varflags:
        keys = _keys_from_specs(spec, argv)
    if keys is None:
        keys = spec.getkeys_proc(argv) if spec.getkeys_proc else []
    if not keys:
        if "no_mandatory_keys" in spec.flags:
            return []
        raise ValueError("Invalid arguments specified for command")
    return keys


def get_keys(spec, argv):
    """Positions of the keys in argv, as COMMAND GETKEYS reports them."""
    return [pos for pos, _ in get_keys_and_flags(spec, argv)]
