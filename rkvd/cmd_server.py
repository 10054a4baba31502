"""Server commands implemented in Python: INFO, CONFIG, COMMAND, DEBUG, TIME,
LASTSAVE, SHUTDOWN and MEMORY.

Replies and error texts follow redis-server 7.0.15. Help texts (the HELP
subcommands) are our own wording in Redis's reply shape.
"""

import hashlib
import os
import struct
import time

from rkvd import commandspec, info
from rkvd.config import ConfigError
from rkvd.replytypes import RespMap, RespSet
from rkvd.strutil import LLONG_MAX, atoi, memtoull, string2ll, strtod

SYNTAX_ERROR = "syntax error"
NOT_INTEGER = "value is not an integer or out of range"
LONG_MAX = LLONG_MAX


# ---------------------------------------------------------------------------
# Small helpers shared with cmd_conn

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


def reply_help(c, cmdname, lines):
    """Redis's help reply: a header naming the command, the lines, then HELP."""
    head = f"{text(cstr(cmdname)).upper()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    c.reply_value([head] + list(lines) + ["HELP", "    Prints this help."])


def reply_subcommand_syntax_error(c, args):
    name = cstr(args[0]).upper()
    sub = cstr(args[1], 128) if len(args) > 1 else b""
    c.reply_error(b"unknown subcommand or wrong number of arguments for '" + sub
                  + b"'. Try " + name + b" HELP.")


def is_local_client(c):
    """A unix socket or loopback peer (enable-*-command local)."""
    if getattr(c, "is_unix", False):
        return True
    host = str(c.addr).rsplit(":", 1)[0].strip("[]")
    return host in ("127.0.0.1", "::1")


def debug_allowed(server, c):
    """enable-debug-command lets this client run DEBUG (yes, or local and the
    client is local)."""
    mode = info.cfg_text(server, "enable-debug-command", "no")
    return mode == "yes" or (mode == "local" and is_local_client(c))


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


# ---------------------------------------------------------------------------
# Value sizes (MEMORY USAGE, DEBUG OBJECT)

_OBJ_TYPES = {"string": 0, "list": 1, "set": 2, "zset": 3, "hash": 4, "module": 5, "stream": 6}
_ROBJ = 16
_DICT_ENTRY = 24
_SHARED_REFCOUNT = 2147483647
_SHARED_INTEGERS = 10000


def alloc_size(n):
    """The size class a request of n bytes gets from jemalloc (as Redis reports
    zmalloc_size), so string sizes match redis-server's figures."""
    if n <= 8:
        return 8
    if n <= 16:
        return 16
    if n <= 128:
        return (n + 15) & ~15
    k = (n - 1).bit_length() - 1      # n in (2**k, 2**(k+1)]
    spacing = 1 << (k - 2)
    return (n + spacing - 1) & ~(spacing - 1)


def _sds_header(n, allow_type5):
    if n < 32 and allow_type5:
        return 1
    if n < 256:
        return 3
    if n < 65536:
        return 5
    if n < (1 << 32):
        return 9
    return 17


def sds_alloc(n, allow_type5=True):
    return alloc_size(_sds_header(n, allow_type5) + n + 1)


def string_value_size(encoding, value):
    if encoding == "int":
        return _ROBJ
    if encoding == "embstr":
        return alloc_size(_ROBJ + 3 + len(value) + 1)
    return _ROBJ + sds_alloc(len(value), allow_type5=False)


def _elements(obj, limit):
    """Up to `limit` elements of a collection value as bytes, for size
    estimates: works with any value type that iterates its members (hashes
    and sorted sets may yield pairs)."""
    out = []
    try:
        it = obj.items() if hasattr(obj, "items") else iter(obj)
        for x in it:
            if isinstance(x, tuple):
                out.append(b"".join(_as_bytes(y) for y in x))
            else:
                out.append(_as_bytes(x))
            if len(out) >= limit:
                break
    except TypeError:
        pass
    return out


def _as_bytes(x):
    if isinstance(x, (bytes, bytearray)):
        return bytes(x)
    if isinstance(x, float):
        return repr(x).encode()
    return str(x).encode()


def value_size(typ, encoding, value, samples=5):
    """Bytes a value takes, estimated like objectComputeSize: exact for
    strings, from a sample of elements for collections (unless the value
    object reports its own size through memory_usage(samples))."""
    if typ == "string":
        return string_value_size(encoding, value)
    fn = getattr(value, "memory_usage", None)
    if callable(fn):
        try:
            return int(fn(samples))
        except Exception:
            pass
    try:
        n = len(value)
    except TypeError:
        n = 0
    sample = _elements(value, max(1, samples))
    if not sample or n == 0:
        return _ROBJ + 64
    if encoding in ("listpack", "intset", "ziplist"):
        total = sum(len(e) + 2 for e in sample) * n // len(sample)
        return _ROBJ + alloc_size(7 + total)
    per = sum(sds_alloc(len(e)) + _DICT_ENTRY for e in sample) / len(sample)
    buckets = 1 << max(2, (n - 1).bit_length())
    return _ROBJ + int(per * n) + buckets * 8


def _lenenc(n):
    if n < 64:
        return 1
    if n < 16384:
        return 2
    if n <= 0xFFFFFFFF:
        return 5
    return 9


def _int_enc_len(v):
    if -128 <= v <= 127:
        return 2
    if -32768 <= v <= 32767:
        return 3
    if -(1 << 31) <= v <= (1 << 31) - 1:
        return 5
    return None


def rdb_string_len(b):
    """Bytes RDB needs for a string (integer encodings, else length + bytes;
    LZF compression of long strings is not modelled yet)."""
    if len(b) <= 11:
        v = string2ll(b)
        if v is not None and str(v).encode() == b:
            n = _int_enc_len(v)
            if n is not None:
                return n
    return _lenenc(len(b)) + len(b)


def serialized_length(typ, value, compression=True):
    fn = getattr(value, "rdb_serialized_length", None)
    if callable(fn):
        return fn(compression)
    if typ == "string":
        return rdb_string_len(value)
    els = _elements(value, 1 << 30)
    return _lenenc(len(els)) + sum(rdb_string_len(e) for e in els)


# ---------------------------------------------------------------------------
# DEBUG DIGEST (Redis's algorithm: SHA1 mixing, order-free for unordered types)

def _xor_digest(digest, data):
    h = hashlib.sha1(data).digest()
    for i in range(20):
        digest[i] ^= h[i]


def _mix_digest(digest, data):
    _xor_digest(digest, data)
    digest[:] = hashlib.sha1(bytes(digest)).digest()


def _fmt17g(score):
    if score != score:
        return b"nan"
    if score in (float("inf"), float("-inf")):
        return b"inf" if score > 0 else b"-inf"
    return ("%.17g" % score).encode()


def object_digest(digest, typ, value, has_expire):
    """Mix one value into `digest` (a bytearray of 20). Collections are read by
    iteration: lists and sets yield members, hashes items() -> (field, value),
    sorted sets items() -> (member, score)."""
    _mix_digest(digest, struct.pack(">I", _OBJ_TYPES.get(typ, 0)))
    if typ == "string":
        _mix_digest(digest, _as_bytes(value))
    elif typ == "list":
        for el in value:
            _mix_digest(digest, _as_bytes(el))
    elif typ == "set":
        for el in value:
            _xor_digest(digest, _as_bytes(el))
    elif typ == "zset":
        for member, score in value.items():
            ele = bytearray(20)
            _mix_digest(ele, _as_bytes(member))
            _mix_digest(ele, _fmt17g(float(score)))
            _xor_digest(digest, bytes(ele))
    elif typ == "hash":
        for field, val in value.items():
            ele = bytearray(20)
            _mix_digest(ele, _as_bytes(field))
            _mix_digest(ele, _as_bytes(val))
            _xor_digest(digest, bytes(ele))
    else:
        fn = getattr(value, "digest_entries", None)
        for chunk in (fn() if callable(fn) else [repr(value).encode()]):
            _mix_digest(digest, _as_bytes(chunk))
    if has_expire:
        _xor_digest(digest, b"!!expire!!")


def dataset_digest(engine):
    from rkvd._core.server import db_keys, db_lookup
    final = bytearray(20)
    for db in engine.dbs:
        if len(db) == 0:
            continue
        _mix_digest(final, struct.pack(">I", db.id))
        for key in db_keys(db):
            found = db_lookup(db, key)
            if found is None:
                continue
            typ, _enc, value, expire, _lru = found
            d = bytearray(20)
            _mix_digest(d, key)
            object_digest(d, typ, value, expire != -1)
            _xor_digest(final, bytes(d))
    return bytes(final).hex()


# ---------------------------------------------------------------------------
# Handlers

class ServerCommands:
    def __init__(self, server):
        self.server = server
        self.engine = server.engine
        info.state(server)

    def db_of(self, c):
        return self.engine.dbs[c.dbid]

    # -- INFO ----------------------------------------------------------------

    def info(self, c, args):
        c.reply_verbatim(info.generate(self.server, args[1:]))

    # -- CONFIG --------------------------------------------------------------

    def config_container(self, c, args):
        reply_subcommand_syntax_error(c, args)

    def config_get(self, c, args):
        out = RespMap()
        for name, value in self.server.cfg.config_get([text(a) for a in args[2:]]):
            out.append((_enc(name), _enc(value)))
        c.reply_value(out)

    def config_set(self, c, args):
        if len(args) % 2:
            c.reply_error(SYNTAX_ERROR)
            return
        pairs = [(text(args[i]), text(args[i + 1])) for i in range(2, len(args), 2)]
        try:
            self.server.cfg.config_set(pairs, local=is_local_client(c),
                                       loading=bool(self.engine.loading))
        except ConfigError as exc:
            msg = str(exc)
            c.reply_error(msg if msg.startswith("-") else "-" + msg)
            return
        c.reply_ok()

    def config_resetstat(self, c, args):
        reset_stats(self.server)
        c.reply_ok()

    def config_rewrite(self, c, args):
        cfg = self.server.cfg
        if not getattr(cfg, "loaded_from", None):
            c.reply_error("The server is running without a config file")
            return
        try:
            cfg.rewrite(cfg.loaded_from, **self._rewrite_extras())
        except ConfigError as exc:
            c.reply_error(str(exc))
            return
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self.server.log.warning(f"CONFIG REWRITE failed: {reason}")
            c.reply_error(f"Rewriting config file: {reason}")
            return
        self.server.log.warning("CONFIG REWRITE executed with success.")
        c.reply_ok()

    def _rewrite_extras(self):
        # ACL users and modules are written by their own subsystems once they exist.
        extras = {}
        users = getattr(self.server, "config_user_lines", None)
        if callable(users):
            extras["users"] = users()
        return extras

    def config_help(self, c, args):
        reply_help(c, args[0], [
            "GET <pattern>",
            "    Return the parameters whose names match the glob <pattern>, with their values.",
            "SET <directive> <value> [<directive> <value> ...]",
            "    Change configuration parameters at run time.",
            "RESETSTAT",
            "    Reset the statistics INFO reports.",
            "REWRITE",
            "    Rewrite the configuration file with the current configuration.",
        ])

    # -- COMMAND -------------------------------------------------------------

    def implemented(self, spec):
        return spec is not None and spec.fullname in self.engine.commands

    def _top_specs(self):
        for name in self.engine.commands:
            if "|" not in name:
                spec = commandspec.SPECS.get(name)
                if spec is not None:
                    yield spec

    def command_info_of(self, spec):
        entry = commandspec.command_info(spec)
        if spec.subcommands:
            subs = [s for s in spec.subcommands.values() if self.implemented(s)]
            if len(subs) != len(spec.subcommands):
                entry = list(entry)
                entry[9] = [commandspec.command_info(s) for s in subs]
        return entry

    def command_docs_of(self, spec):
        docs = commandspec.command_docs(spec)
        if spec.subcommands:
            subs = [s for s in spec.subcommands.values() if self.implemented(s)]
            if len(subs) != len(spec.subcommands):
                docs = RespMap((k, RespMap((s.fullname.encode(), commandspec.command_docs(s))
                                           for s in subs) if k == b"subcommands" else v)
                               for k, v in docs)
        return docs

    def command(self, c, args):
        c.reply_value([self.command_info_of(s) for s in self._top_specs()])

    def command_count(self, c, args):
        c.reply_value(sum(1 for _ in self._top_specs()))

    def command_list(self, c, args):
        ftype = farg = None
        i = 2
        while i < len(args):
            more = len(args) - 1 - i
            if lower(args[i]) == "filterby" and more == 2:
                ftype = lower(args[i + 1])
                if ftype not in ("module", "aclcat", "pattern"):
                    c.reply_error(SYNTAX_ERROR)
                    return
                farg = bytes(args[i + 2])
                i += 3
            else:
                c.reply_error(SYNTAX_ERROR)
                return
        if ftype == "aclcat":
            farg = cstr(farg)       # a category name compares as a C string
        # A pattern is matched over its full length, NUL bytes included.
        names = commandspec.command_list(ftype, farg) if ftype else commandspec.command_list()
        c.reply_value([n for n in names if n.decode() in self.engine.commands])

    def command_info(self, c, args):
        if len(args) == 2:
            self.command(c, args)
            return
        out = []
        for name in args[2:]:
            spec = commandspec.lookup_name(name)
            out.append(self.command_info_of(spec) if self.implemented(spec) else None)
        c.reply_value(out)

    def command_docs(self, c, args):
        specs = list(self._top_specs()) if len(args) == 2 else [
            commandspec.lookup_name(name) for name in args[2:]]
        c.reply_value(RespMap((s.fullname.encode(), self.command_docs_of(s))
                              for s in specs if self.implemented(s)))

    def command_getkeys(self, c, args, with_flags=False):
        argv = [bytes(a) for a in args[2:]]
        spec = commandspec.lookup(argv)
        if not self.implemented(spec):
            c.reply_error("Invalid command specified")
            return
        try:
            keys = commandspec.get_keys_and_flags(spec, argv)
        except ValueError as exc:
            c.reply_error(str(exc))
            return
        if with_flags:
            c.reply_value([[argv[pos], RespSet(flags)] for pos, flags in keys])
        else:
            c.reply_value([argv[pos] for pos, _ in keys])

    def command_getkeysandflags(self, c, args):
        self.command_getkeys(c, args, with_flags=True)

    def command_help(self, c, args):
        reply_help(c, args[0], [
            "(no subcommand)",
            "    Return details about every command.",
            "COUNT",
            "    Return how many commands the server has.",
            "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
            "    Return the names of the commands, optionally filtered.",
            "INFO [<command-name> ...]",
            "    Return details about the named commands, or about every command when",
            "    no name is given.",
            "DOCS [<command-name> ...]",
            "    Return the documentation of the named commands, or of every command",
            "    when no name is given.",
            "GETKEYS <full-command>",
            "    Return the keys a full command line would access.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys a full command line would access, with their flags.",
        ])

    # -- TIME / LASTSAVE / SHUTDOWN -------------------------------------------

    def time(self, c, args):
        now = time.time_ns() // 1000
        c.reply_value([str(now // 1000000).encode(), str(now % 1000000).encode()])

    def lastsave(self, c, args):
        c.reply_value(int(getattr(self.server, "lastsave", 0)))

    def shutdown(self, c, args):
        flags = set()
        abort = False
        for a in args[1:]:
            opt = lower(a)
            if opt in ("nosave", "save", "now", "force"):
                flags.add(opt)
            elif opt == "abort":
                abort = True
            else:
                c.reply_error(SYNTAX_ERROR)
                return
        if (abort and flags) or ("nosave" in flags and "save" in flags):
            c.reply_error(SYNTAX_ERROR)
            return
        if abort:
            # Shutdown happens at once (no replicas to wait for), so there is
            # never one in progress to abort.
            c.reply_error("No shutdown in progress.")
            return
        self.server.shutdown_flags = flags
        self.server.request_shutdown()

    # -- MEMORY --------------------------------------------------------------

    def memory_container(self, c, args):
        reply_subcommand_syntax_error(c, args)

    def memory_usage(self, c, args):
        from rkvd._core.server import db_lookup
        samples = 5
        j = 3
        while j < len(args):
            if lower(args[j]) == "samples" and j + 1 < len(args):
                samples = get_long_long_or_reply(c, args[j + 1])
                if samples is None:
                    return
                if samples < 0:
                    c.reply_error(SYNTAX_ERROR)
                    return
                if samples == 0:
                    samples = LLONG_MAX
                j += 2
            else:
                c.reply_error(SYNTAX_ERROR)
                return
        found = db_lookup(self.db_of(c), bytes(args[2]))
        if found is None:
            c.reply_value(None)
            return
        typ, enc, value, _expire, _lru = found
        usage = value_size(typ, enc, value, samples)
        usage += sds_alloc(len(args[2])) + _DICT_ENTRY
        if info.cluster_enabled(self.server):
            usage += 16
        c.reply_value(usage)

    def memory_stats(self, c, args):
        mh = info.memory_overhead(self.server)
        f32 = info._f32
        out = RespMap([
            (b"peak.allocated", mh["peak"]),
            (b"total.allocated", mh["allocated"]),
            (b"startup.allocated", mh["startup"]),
            (b"replication.backlog", mh["repl_backlog"]),
            (b"clients.slaves", mh["clients_slaves"]),
            (b"clients.normal", mh["clients_normal"]),
            (b"cluster.links", mh["cluster_links"]),
            (b"aof.buffer", mh["aof_buffer"]),
            (b"lua.caches", mh["lua_caches"]),
            (b"functions.caches", mh["functions_caches"]),
        ])
        for dbid, main, expires in mh["dbs"]:
            out.append((f"db.{dbid}".encode(), RespMap([
                (b"overhead.hashtable.main", main),
                (b"overhead.hashtable.expires", expires),
                (b"overhead.hashtable.slot-to-keys", 0)])))
        out += [
            (b"overhead.total", mh["overhead_total"]),
            (b"keys.count", mh["keys"]),
            (b"keys.bytes-per-key", mh["bytes_per_key"]),
            (b"dataset.bytes", mh["dataset"]),
            (b"dataset.percentage", f32(mh["dataset_perc"])),
            (b"peak.percentage", f32(mh["peak_perc"])),
            (b"allocator.allocated", mh["allocated"]),
            (b"allocator.active", mh["active"]),
            (b"allocator.resident", mh["resident"]),
            (b"allocator-fragmentation.ratio", f32(mh["allocator_frag"])),
            (b"allocator-fragmentation.bytes", mh["allocator_frag_bytes"]),
            (b"allocator-rss.ratio", f32(mh["allocator_rss"])),
            (b"allocator-rss.bytes", mh["allocator_rss_bytes"]),
            (b"rss-overhead.ratio", f32(mh["rss_extra"])),
            (b"rss-overhead.bytes", mh["rss_extra_bytes"]),
            (b"fragmentation", f32(mh["total_frag"])),
            (b"fragmentation.bytes", mh["total_frag_bytes"]),
        ]
        c.reply_value(out)

    def memory_doctor(self, c, args):
        c.reply_verbatim(memory_doctor_report(self.server))

    def memory_malloc_stats(self, c, args):
        c.reply_verbatim(info.malloc_stats_text())

    def memory_purge(self, c, args):
        if info.malloc_trim():
            c.reply_ok()
        else:
            c.reply_error("Error purging dirty pages")

    def memory_help(self, c, args):
        reply_help(c, args[0], [
            "DOCTOR",
            "    Report memory problems, if any.",
            "MALLOC-STATS",
            "    Return the memory allocator's own statistics.",
            "PURGE",
            "    Ask the allocator to give unused memory back to the operating system.",
            "STATS",
            "    Return a breakdown of the server's memory usage.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return the bytes <key> and its value use. Collections are estimated from",
            "    <count> sampled elements (default 5, 0 samples them all).",
        ])

    # -- DEBUG ---------------------------------------------------------------

    def debug(self, c, args):
        if not debug_allowed(self.server, c):
            c.reply_error('DEBUG command not allowed. If the enable-debug-command option is set '
                          'to "local", you can run it from a local connection, otherwise you need '
                          'to set this option in the configuration file, and then restart the '
                          'server.')
            return
        sub = lower(args[1])
        fn = None if "_" in sub else getattr(self, "debug_" + sub.replace("-", "_"), None)
        if fn is None or fn(c, args) is False:
            reply_subcommand_syntax_error(c, args)

    # Each debug_<name> returns False when the arguments do not fit, which
    # makes DEBUG answer with the subcommand syntax error, as Redis does.

    def debug_help(self, c, args):
        if len(args) != 2:
            return False
        reply_help(c, args[0], [
            "CHANGE-REPL-ID",
            "    Give the instance new replication IDs (for replication tests).",
            "DIGEST",
            "    Return a hex signature of the whole dataset.",
            "DIGEST-VALUE <key> [<key> ...]",
            "    Return a hex signature of the values of the given keys.",
            "ERROR <string>",
            "    Answer with an error reply whose text is <string>.",
            "HTSTATS <dbid>",
            "    Return statistics about the key tables of database <dbid>.",
            "HTSTATS-KEY <key>",
            "    Return statistics about the hash table of the value at <key>.",
            "LOADAOF",
            "    Flush the AOF and load it back into memory.",
            "LOG <message>",
            "    Write <message> to the server log.",
            "OBJECT <key>",
            "    Show low level details about <key> and its value.",
            "POPULATE <count> [<prefix>] [<size>]",
            "    Create <count> string keys named <prefix>:<n> (prefix defaults to 'key'),",
            "    with values 'value:<n>', padded or cut to <size> bytes when given.",
            "PROPAGATED START|READ|STOP",
            "    Record the commands the server propagates (to the AOF and replicas),",
            "    read them as the RESP stream a replica would receive, stop recording.",
            "PROTOCOL <type>",
            "    Answer with a sample reply of a RESP type: string, integer, double,",
            "    bignum, null, array, set, map, attrib, push, verbatim, true or false.",
            "QUICKLIST-PACKED-THRESHOLD <size>",
            "    Set the element size from which lists store elements as plain nodes.",
            "RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
            "    Save the dataset to disk and load it back.",
            "REPLYBUFFER PEAK-RESET-TIME <NEVER|RESET|ms>",
            "    Set how often the reply buffer peak is reset.",
            "REPLYBUFFER RESIZING <0|1>",
            "    Turn the reply buffer resizing off or on.",
            "SDSLEN <key>",
            "    Show the string buffer sizes of <key> and its value.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Turn expiring keys in the background off or on.",
            "SET-DISABLE-DENY-SCRIPTS <0|1>",
            "    Let scripts run commands that are normally denied to them.",
            "SLEEP <seconds>",
            "    Block the server for <seconds> (decimals allowed).",
            "STRINGMATCH-TEST",
            "    Run the glob matcher's self test.",
        ])

    def debug_propagated(self, c, args):
        # rkvd's own: a view of the propagation stream for tests, until the
        # AOF and replication consume it.
        if len(args) != 3:
            return False
        action = lower(args[2])
        if action == "start":
            self.engine.start_propagation_log()
        elif action == "stop":
            self.engine.stop_propagation_log()
        elif action == "read":
            c.reply_value(self.engine.take_propagation_log())
            return None
        else:
            return False
        c.reply_ok()

    def debug_sleep(self, c, args):
        if len(args) != 3:
            return False
        secs = strtod(args[2])
        if secs > 0:
            time.sleep(secs)
        c.reply_ok()

    def debug_set_active_expire(self, c, args):
        if len(args) != 3:
            return False
        self.engine.active_expire_enabled = bool(atoi(args[2]))
        c.reply_ok()

    def _set_flag(self, c, args, attr):
        if len(args) != 3:
            return False
        setattr(self.server, attr, atoi(args[2]))
        c.reply_ok()

    def debug_set_skip_checksum_validation(self, c, args):
        return self._set_flag(c, args, "skip_checksum_validation")

    def debug_set_disable_deny_scripts(self, c, args):
        return self._set_flag(c, args, "script_disable_deny_script")

    def debug_aof_flush_sleep(self, c, args):
        return self._set_flag(c, args, "aof_flush_sleep")

    def debug_pause_cron(self, c, args):
        return self._set_flag(c, args, "pause_cron")

    def debug_log(self, c, args):
        if len(args) != 3:
            return False
        self.server.log.warning(f"DEBUG LOG: {text(cstr(args[2]))}")
        c.reply_ok()

    def debug_leak(self, c, args):
        if len(args) != 3:
            return False
        c.reply_ok()

    def debug_error(self, c, args):
        if len(args) != 3:
            return False
        msg = bytes(args[2]).replace(b"\r", b" ").replace(b"\n", b" ")
        # Written as is, like Redis: not counted in the error statistics.
        c.reply_raw(b"-" + msg + b"\r\n")

    def debug_object(self, c, args):
        from rkvd._core.server import db_lookup
        if len(args) != 3:
            return False
        found = db_lookup(self.db_of(c), bytes(args[2]))
        if found is None:
            c.reply_error("no such key")
            return
        typ, enc, value, _expire, lru = found
        refcount = 1
        if enc == "int" and 0 <= int(value) < _SHARED_INTEGERS and self._shared_integers():
            refcount = _SHARED_REFCOUNT
        extra = ""
        if enc == "quicklist":
            extra = (f" ql_nodes:{getattr(value, 'ql_nodes', 0)}"
                     f" ql_avg_node:{getattr(value, 'ql_avg_node', 0.0):.2f}"
                     f" ql_listpack_max:{getattr(value, 'ql_listpack_max', -2)}"
                     f" ql_compressed:{getattr(value, 'ql_compressed', 0)}"
                     f" ql_uncompressed_size:{getattr(value, 'ql_uncompressed_size', 0)}")
        c.reply_value(f"Value at:{id(value):#x} refcount:{refcount} encoding:{enc} "
                      f"serializedlength:{serialized_length(typ, value, self._rdbcompression())} lru:{lru} "
                      f"lru_seconds_idle:{self._idle_seconds(lru)}{extra}")

    def _rdbcompression(self):
        return bool(info.cfg_value(self.server, "rdbcompression", True))

    def _shared_integers(self):
        maxmemory = info.cfg_value(self.server, "maxmemory", 0) or 0
        policy = info.cfg_text(self.server, "maxmemory-policy", "noeviction")
        return maxmemory == 0 or not ("lru" in policy or "lfu" in policy)

    def _idle_seconds(self, lru):
        clock = self.engine.lruclock
        if clock >= lru:
            return clock - lru
        return clock + ((1 << 24) - 1 - lru)

    def debug_sdslen(self, c, args):
        from rkvd._core.server import db_lookup
        if len(args) != 3:
            return False
        key = bytes(args[2])
        found = db_lookup(self.db_of(c), key)
        if found is None:
            c.reply_error("no such key")
            return
        typ, enc, value, _e, _l = found
        if typ != "string" or enc == "int":
            c.reply_error("Not an sds encoded string.")
            return
        val_alloc = (string_value_size(enc, value) - _ROBJ if enc == "raw"
                     else string_value_size(enc, value))
        c.reply_value(f"key_sds_len:{len(key)}, key_sds_avail:0, key_zmalloc: {sds_alloc(len(key))}, "
                      f"val_sds_len:{len(value)}, val_sds_avail:0, val_zmalloc: {val_alloc}")

    def debug_listpack(self, c, args):
        if len(args) != 3:
            return False
        return self._debug_encoding(c, args, "listpack", "Listpack")

    def debug_quicklist(self, c, args):
        if len(args) not in (3, 4):
            return False
        return self._debug_encoding(c, args, "quicklist", "Quicklist")

    def _debug_encoding(self, c, args, enc, title):
        from rkvd._core.server import db_lookup
        found = db_lookup(self.db_of(c), bytes(args[2]))
        if found is None:
            c.reply_error("no such key")
            return
        if found[1] != enc:
            c.reply_error(f"Not a {enc} encoded object.")
            return
        c.reply_value(f"{title} structure printed on stdout")

    def debug_populate(self, c, args):
        from rkvd._core.server import db_populate
        if not 3 <= len(args) <= 5:
            return False
        count = get_positive_long_or_reply(c, args[2])
        if count is None:
            return
        size = 0
        if len(args) == 5:
            size = get_positive_long_or_reply(c, args[4])
            if size is None:
                return
        prefix = cstr(args[3]) if len(args) >= 4 else b"key"
        db_populate(self.db_of(c), count, prefix, size)
        c.reply_ok()

    def debug_digest(self, c, args):
        if len(args) != 2:
            return False
        c.reply_value(dataset_digest(self.engine))

    def debug_digest_value(self, c, args):
        from rkvd._core.server import db_lookup
        out = []
        for key in args[2:]:
            d = bytearray(20)
            found = db_lookup(self.db_of(c), bytes(key))
            if found is not None:
                typ, _enc, value, expire, _lru = found
                object_digest(d, typ, value, expire != -1)
            out.append(bytes(d).hex())
        c.reply_value(out)

    def debug_protocol(self, c, args):
        if len(args) != 3:
            return False
        name = lower(args[2])
        resp3 = c.resp >= 3
        if name == "string":
            c.reply_value(b"Hello World")
        elif name == "integer":
            c.reply_value(12345)
        elif name == "double":
            c.reply_value(3.141)
        elif name == "bignum":
            num = b"1234567999999999999999999999999999999"
            if resp3:
                c.reply_raw(b"(" + num + b"\r\n")
            else:
                c.reply_value(num)
        elif name == "null":
            c.reply_value(None)
        elif name == "array":
            c.reply_value([0, 1, 2])
        elif name == "set":
            c.reply_value(RespSet([0, 1, 2]))
        elif name == "map":
            c.reply_value(RespMap([(0, False), (1, True), (2, False)]))
        elif name == "attrib":
            if resp3:
                c.reply_raw(b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n")
            c.reply_value(b"Some real reply following the attribute")
        elif name == "push":
            if not resp3:
                c.reply_error("RESP2 is not supported by this command")
                return
            c.reply_raw(b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n")
            c.reply_value(b"Some real reply following the push reply")
        elif name == "true":
            c.reply_value(True)
        elif name == "false":
            c.reply_value(False)
        elif name == "verbatim":
            c.reply_verbatim(b"This is a verbatim\nstring")
        else:
            c.reply_error("Wrong protocol type name. Please use one of the following: "
                          "string|integer|double|bignum|null|array|set|map|attrib|push|"
                          "verbatim|true|false")

    def debug_change_repl_id(self, c, args):
        if len(args) != 2:
            return False
        self.server.log.warning("Changing replication IDs after receiving DEBUG change-repl-id")
        change = getattr(self.server, "change_replication_id", None)
        if callable(change):
            change()
        else:
            self.server.replid = os.urandom(20).hex()
            self.server.replid2 = info.NULL_REPLID
        c.reply_ok()

    def debug_quicklist_packed_threshold(self, c, args):
        if len(args) != 3:
            return False
        size = memtoull(args[2])
        if size is None or size > (1 << 32) - (1 << 20):
            c.reply_error("argument must be a memory value bigger than 1 and smaller than 4gb")
            return
        self.server.quicklist_packed_threshold = size or (1 << 30)
        from rkvd._core.lib.quicklist import py_set_packed_threshold
        py_set_packed_threshold(size)
        c.reply_ok()

    def debug_stringmatch_test(self, c, args):
        if len(args) != 2:
            return False
        c.reply_value("Apparently Redis did not crash: test passed")

    def debug_reload(self, c, args):
        for a in args[2:]:
            if lower(a) not in ("merge", "noflush", "nosave"):
                c.reply_error("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
                return
        # Persistence is not there yet: the dataset in memory stays as it is,
        # which is what a save followed by a load would give.
        reload = getattr(self.server, "debug_reload", None)
        if callable(reload):
            reload(c, [lower(a) for a in args[2:]])
            return
        self.server.log.warning("DB reloaded by DEBUG RELOAD")
        c.reply_ok()

    def debug_loadaof(self, c, args):
        loadaof = getattr(self.server, "debug_loadaof", None)
        if callable(loadaof):
            loadaof(c)
            return
        self.server.log.warning("Append Only File loaded by DEBUG LOADAOF")
        c.reply_ok()

    def debug_replybuffer(self, c, args):
        if len(args) != 4:
            return False
        what = lower(args[2])
        if what == "peak-reset-time":
            val = lower(args[3])
            if val == "never":
                self.server.reply_buffer_peak_reset_time = -1
            elif val == "reset":
                self.server.reply_buffer_peak_reset_time = 5000
            else:
                v = get_long_long_or_reply(c, args[3])
                if v is None:
                    return
                self.server.reply_buffer_peak_reset_time = v
        elif what == "resizing":
            self.server.reply_buffer_resizing_enabled = atoi(args[3])
        else:
            reply_subcommand_syntax_error(c, args)
            return
        c.reply_ok()

    def debug_htstats(self, c, args):
        if len(args) != 3:
            return False
        dbid = get_long_long_or_reply(c, args[2])
        if dbid is None:
            return
        if dbid < 0 or dbid >= len(self.engine.dbs):
            c.reply_error("Out of range database")
            return
        db = self.engine.dbs[dbid]
        try:
            k0, k1, e0, e1 = db.table_info
        except Exception:
            k0 = k1 = e0 = e1 = 0
        out = "[Dictionary HT]\n" + _table_stats(k0, k1, len(db))
        out += "[Expires HT]\n" + _table_stats(e0, e1, db.expires_count)
        c.reply_verbatim(out)

    def debug_htstats_key(self, c, args):
        from rkvd._core.server import db_lookup
        if len(args) != 3:
            return False
        found = db_lookup(self.db_of(c), bytes(args[2]))
        if found is None:
            c.reply_error("no such key")
            return
        _typ, enc, value, _e, _l = found
        if enc not in ("hashtable", "skiplist"):
            c.reply_error("The value stored at the specified key is not represented using an "
                          "hash table")
            return
        stats = getattr(value, "htstats", None)
        if callable(stats):
            c.reply_verbatim(stats())
            return
        try:
            n = len(value)
        except TypeError:
            n = 0
        size = getattr(value, "table_size", None) or (1 << max(2, (n - 1).bit_length()))
        c.reply_verbatim(_table_stats(size, 0, n))

    def debug_client_eviction(self, c, args):
        if len(args) != 2:
            return False
        if not info.cfg_value(self.server, "maxmemory-clients", 0):
            c.reply_error("maxmemory-clients is disabled.")
            return
        total = sum(info.client_memory(cl) for cl in list(self.engine.clients.values()))
        c.reply_verbatim(f"clients: {len(self.engine.clients)}, tot-mem: {total}\n")

    def debug_config_rewrite_force_all(self, c, args):
        if len(args) != 2:
            return False
        try:
            self.server.cfg.rewrite(self.server.cfg.loaded_from, force_all=True,
                                    **self._rewrite_extras())
        except (ConfigError, OSError) as exc:
            reason = getattr(exc, "strerror", None) or os.strerror(2)
            c.reply_error(f"CONFIG-REWRITE-FORCE-ALL failed: {reason}")
            return
        c.reply_ok()

    def debug_replicate(self, c, args):
        if len(args) < 3:
            return False
        c.reply_ok()

    def debug_drop_cluster_packet_filter(self, c, args):
        if len(args) != 3:
            return False
        if get_long_long_or_reply(c, args[2]) is None:
            return
        c.reply_ok()

    def debug_restart(self, c, args):
        if len(args) >= 3 and get_long_long_or_reply(c, args[2]) is None:
            return
        c.reply_error("failed to restart the server. Check server logs.")

    debug_crash_and_recover = debug_restart


def _table_stats(size0, size1, used):
    if used == 0:
        return "Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n"
    out = f"Hash table 0 stats (main hash table):\n table size: {size0}\n number of elements: {used}\n"
    if size1:
        out += f"Hash table 1 stats (rehashing target):\n table size: {size1}\n"
    return out


def _enc(s):
    return s.encode("utf-8", "surrogateescape") if isinstance(s, str) else bytes(s)


def reset_stats(server):
    """CONFIG RESETSTAT: engine counters, command and error statistics, rates."""
    server.engine.reset_stats()
    info.state(server).reset_metrics()
    hook = getattr(server, "on_reset_stats", None)
    if callable(hook):
        hook()


def memory_doctor_report(server):
    mh = info.memory_overhead(server)
    issues = []
    if mh["allocated"] and mh["peak"] / mh["allocated"] > 1.5:
        issues.append(
            " * Peak memory: at some point the server used more than 150% of what it uses now "
            f"(peak {info.bytes_to_human(mh['peak'])}, now {info.bytes_to_human(mh['allocated'])}). "
            "The RSS can stay near the peak because the allocator keeps freed pages; MEMORY "
            "PURGE may give some back.")
    if mh["total_frag"] > 1.4 and mh["total_frag_bytes"] > 10 << 20:
        issues.append(
            f" * High fragmentation: the process RSS is {mh['total_frag']:.2f} times the memory "
            "in use. A workload that frees many values of mixed sizes causes this.")
    big_clients = mh["clients_normal"] > (200 << 20)
    if big_clients:
        issues.append(
            " * Big client buffers: normal clients hold more than 200 MB of buffers in total, "
            "usually slow readers of big replies or pipelines.")
    if not issues:
        return ("No memory problems found: usage, peak and fragmentation are within normal "
                "bounds.\n")
    return "Memory problems found:\n\n" + "\n\n".join(issues) + "\n"


def handlers(server):
    s = ServerCommands(server)
    st = info.state(server)
    hooks = getattr(server, "cron_hooks", None)
    if hooks is not None and st.cron not in hooks:
        hooks.append(st.cron)
    return {
        "info": s.info,
        "config": s.config_container,
        "config|get": s.config_get,
        "config|set": s.config_set,
        "config|resetstat": s.config_resetstat,
        "config|rewrite": s.config_rewrite,
        "config|help": s.config_help,
        "command": s.command,
        "command|count": s.command_count,
        "command|list": s.command_list,
        "command|info": s.command_info,
        "command|docs": s.command_docs,
        "command|getkeys": s.command_getkeys,
        "command|getkeysandflags": s.command_getkeysandflags,
        "command|help": s.command_help,
        "debug": s.debug,
        "time": s.time,
        "lastsave": s.lastsave,
        "shutdown": s.shutdown,
        "memory": s.memory_container,
        "memory|usage": s.memory_usage,
        "memory|stats": s.memory_stats,
        "memory|doctor": s.memory_doctor,
        "memory|malloc-stats": s.memory_malloc_stats,
        "memory|purge": s.memory_purge,
        "memory|help": s.memory_help,
    }
