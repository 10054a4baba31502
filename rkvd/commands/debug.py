"""DEBUG (Redis's debug.c): dataset digests, object internals, sample
replies for each RESP type, and the switches Redis's own test suite uses.

Subcommands are dispatched through DEBUG_SUBCOMMANDS. A switch for a
feature rkvd has not built (RDB/AOF persistence, scripting, cluster) is
accepted and has nothing to act on; one that would change how a built part
behaves and cannot yet is refused rather than ignored.
"""

import errno
import hashlib
import os
import struct
import time

from rkvd._core.introspect import db_keys, db_lookup, db_populate, value_address
from rkvd._core.lib.quicklist import py_set_packed_threshold
from rkvd._core.persist.rdb_load import set_skip_checksum_validation
from rkvd._core.persist.rdb_save import RDB_SAVE_COMPRESS, rdb_encode_value
from rkvd.commands.common import (
    cstr,
    debug_allowed,
    get_long_long_or_reply,
    get_positive_long_or_reply,
    lower,
    reply_help,
    reply_subcommand_syntax_error,
    text,
)
from rkvd.commands.memory import ROBJ_SIZE, sds_alloc, string_value_size
from rkvd.replytypes import RespMap, RespSet
from rkvd.strutil import atoi, memtoull, strtod

# Redis's OBJ_* type numbers, which the digest mixes in.
_OBJ_TYPES = {"string": 0, "list": 1, "set": 2, "zset": 3, "hash": 4, "module": 5, "stream": 6}
_SHARED_REFCOUNT = 2147483647      # OBJ_SHARED_REFCOUNT
_SHARED_INTEGERS = 10000           # OBJ_SHARED_INTEGERS
CLIENT_MEM_BUCKETS = 19            # client eviction groups: 32 KB (and below) .. 8 GB (and above)


# ---------------------------------------------------------------------------
# DEBUG DIGEST (Redis's algorithm: SHA1 mixing, order-free for unordered types)

def _as_bytes(x):
    if isinstance(x, (bytes, bytearray)):
        return bytes(x)
    if isinstance(x, float):
        return repr(x).encode()
    return str(x).encode()


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
    """Mix one value into `digest` (a bytearray of 20). Lists and sets yield
    their members, hashes items() -> (field, value), sorted sets items() ->
    (member, score)."""
    _mix_digest(digest, struct.pack(">I", _OBJ_TYPES[typ]))
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
    elif typ == "stream":
        for ms, seq, fields in value.entries():
            _mix_digest(digest, b"%d.%d" % (ms, seq))
            for x in fields:
                _mix_digest(digest, x)
    else:
        # Module values are not built: no key can hold one.
        raise ValueError(f"no digest for a {typ} value")
    if has_expire:
        _xor_digest(digest, b"!!expire!!")


def dataset_digest(engine):
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


def _table_stats(size0, size1, used):
    if used == 0:
        return "Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n"
    out = f"Hash table 0 stats (main hash table):\n table size: {size0}\n number of elements: {used}\n"
    if size1:
        out += f"Hash table 1 stats (rehashing target):\n table size: {size1}\n"
    return out


# ---------------------------------------------------------------------------
# Handlers

class DebugCommands:
    def __init__(self, server):
        self.server = server
        self.engine = server.engine

    def db_of(self, c):
        return self.engine.dbs[c.dbid]

    def debug(self, c, args):
        if not debug_allowed(self.server, c):
            c.reply_error('DEBUG command not allowed. If the enable-debug-command option is set '
                          'to "local", you can run it from a local connection, otherwise you need '
                          'to set this option in the configuration file, and then restart the '
                          'server.')
            return
        fn = DEBUG_SUBCOMMANDS.get(lower(args[1]))
        if fn is None or fn(self, c, args) is False:
            reply_subcommand_syntax_error(c, args)

    # Each subcommand returns False when the arguments do not fit, which
    # makes DEBUG answer with the subcommand syntax error, as Redis does.

    def help(self, c, args):
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
            "PAUSE-CRON <0|1>",
            "    Stop or resume the server's periodic tasks.",
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
            "SEGFAULT",
            "    Crash the server with a memory access error (crash report test).",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Turn expiring keys in the background off or on.",
            "SET-DISABLE-DENY-SCRIPTS <0|1>",
            "    Let scripts run commands that are normally denied to them.",
            "SLEEP <seconds>",
            "    Block the server for <seconds> (decimals allowed).",
            "STRINGMATCH-TEST",
            "    Run the glob matcher's self test.",
        ])

    def propagated(self, c, args):
        # rkvd's own: a view of the propagation stream for tests. While the
        # AOF consumes the stream it keeps a copy of what it takes.
        if len(args) != 3:
            return False
        action = lower(args[2])
        stream = self.server.stream
        if action == "start":
            stream.pump()
            stream.debug_tee = bytearray()
            stream.update()
        elif action == "stop":
            stream.debug_tee = None
            stream.update()
        elif action == "read":
            stream.pump()
            c.reply_value(bytes(stream.debug_tee or b""))
            if stream.debug_tee is not None:
                stream.debug_tee = bytearray()
            return None
        else:
            return False
        c.reply_ok()

    def sleep(self, c, args):
        if len(args) != 3:
            return False
        secs = strtod(args[2])
        if secs > 0:
            time.sleep(secs)
        c.reply_ok()

    def set_active_expire(self, c, args):
        if len(args) != 3:
            return False
        self.engine.active_expire_enabled = bool(atoi(args[2]))
        c.reply_ok()

    def set_skip_checksum_validation(self, c, args):
        # RESTORE payloads and RDB files are then taken whatever their CRC
        if len(args) != 3:
            return False
        set_skip_checksum_validation(bool(atoi(args[2])))
        c.reply_ok()

    def set_disable_deny_scripts(self, c, args):
        # scripts may then call commands flagged noscript (DEBUG PROTOCOL ...)
        if len(args) != 3:
            return False
        from rkvd._core.scripting.luaengine import set_disable_deny_scripts
        set_disable_deny_scripts(bool(atoi(args[2])))
        c.reply_ok()

    def unbuilt_switch(self, c, args):
        # AOF-FLUSH-SLEEP (the AOF): a switch of a feature rkvd has not
        # built, so there is nothing to switch.
        if len(args) != 3:
            return False
        c.reply_ok()

    def pause_cron(self, c, args):
        if len(args) != 3:
            return False
        self.server.cron_paused = bool(atoi(args[2]))
        c.reply_ok()

    def segfault(self, c, args):
        # as Redis: a write to a read-only page (SIGSEGV, SEGV_ACCERR), so
        # the crash report says what Redis's says
        import ctypes
        import mmap
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                              ctypes.c_int, ctypes.c_long)
        page = libc.mmap(None, 4096, mmap.PROT_READ, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
        ctypes.memset(page, ord("x"), 1)

    def log(self, c, args):
        if len(args) != 3:
            return False
        self.server.log.warning(f"DEBUG LOG: {text(cstr(args[2]))}")
        c.reply_ok()

    def leak(self, c, args):
        if len(args) != 3:
            return False
        c.reply_ok()

    def error(self, c, args):
        if len(args) != 3:
            return False
        msg = bytes(args[2]).replace(b"\r", b" ").replace(b"\n", b" ")
        # Written as is, like Redis: not counted in the error statistics.
        c.reply_raw(b"-" + msg + b"\r\n")

    def object(self, c, args):
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
            extra = (f" ql_nodes:{value.ql_nodes}"
                     f" ql_avg_node:{value.ql_avg_node:.2f}"
                     f" ql_listpack_max:{value.ql_listpack_max}"
                     f" ql_compressed:{value.ql_compressed}"
                     f" ql_uncompressed_size:{value.ql_uncompressed_size}")
        # Redis measures the value as the RDB writer would store it (minus
        # the type byte), compression setting included.
        flags = RDB_SAVE_COMPRESS if self.server.cfg["rdbcompression"] else 0
        serialized = len(rdb_encode_value(self.engine, self.db_of(c), bytes(args[2]), flags)) - 1
        addr = value_address(self.db_of(c), bytes(args[2]))
        c.reply_value(f"Value at:{addr:#x} refcount:{refcount} encoding:{enc} "
                      f"serializedlength:{serialized} lru:{lru} "
                      f"lru_seconds_idle:{self._idle_seconds(lru)}{extra}")

    def _shared_integers(self):
        # Redis shares small integers unless maxmemory evicts by LRU/LFU.
        cfg = self.server.cfg
        policy = cfg["maxmemory-policy"]
        return cfg["maxmemory"] == 0 or not ("lru" in policy or "lfu" in policy)

    def _idle_seconds(self, lru):
        clock = self.engine.lruclock
        if clock >= lru:
            return clock - lru
        return clock + ((1 << 24) - 1 - lru)

    def sdslen(self, c, args):
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
        val_alloc = (string_value_size(enc, value) - ROBJ_SIZE if enc == "raw"
                     else string_value_size(enc, value))
        c.reply_value(f"key_sds_len:{len(key)}, key_sds_avail:0, key_zmalloc: {sds_alloc(len(key))}, "
                      f"val_sds_len:{len(value)}, val_sds_avail:0, val_zmalloc: {val_alloc}")

    def listpack(self, c, args):
        if len(args) != 3:
            return False
        return self._encoding(c, args, "listpack", "Listpack")

    def quicklist(self, c, args):
        if len(args) not in (3, 4):
            return False
        return self._encoding(c, args, "quicklist", "Quicklist")

    def _encoding(self, c, args, enc, title):
        found = db_lookup(self.db_of(c), bytes(args[2]))
        if found is None:
            c.reply_error("no such key")
            return
        if found[1] != enc:
            c.reply_error(f"Not a {enc} encoded object.")
            return
        c.reply_value(f"{title} structure printed on stdout")

    def populate(self, c, args):
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

    def digest(self, c, args):
        if len(args) != 2:
            return False
        c.reply_value(dataset_digest(self.engine))

    def digest_value(self, c, args):
        out = []
        for key in args[2:]:
            d = bytearray(20)
            found = db_lookup(self.db_of(c), bytes(key))
            if found is not None:
                typ, _enc, value, expire, _lru = found
                object_digest(d, typ, value, expire != -1)
            out.append(bytes(d).hex())
        c.reply_value(out)

    def protocol(self, c, args):
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

    def change_repl_id(self, c, args):
        if len(args) != 2:
            return False
        self.server.log.warning("Changing replication IDs after receiving DEBUG change-repl-id")
        self.server.repl.change_replid()
        self.server.repl.clear_replid2()
        c.reply_ok()

    def quicklist_packed_threshold(self, c, args):
        if len(args) != 3:
            return False
        size = memtoull(args[2])
        if size is None or size > (1 << 32) - (1 << 20):
            c.reply_error("argument must be a memory value bigger than 1 and smaller than 4gb")
            return
        py_set_packed_threshold(size)
        c.reply_ok()

    def stringmatch_test(self, c, args):
        if len(args) != 2:
            return False
        c.reply_value("Apparently Redis did not crash: test passed")

    def reload(self, c, args):
        opts = set()
        for a in args[2:]:
            opt = lower(a)
            if opt not in ("merge", "noflush", "nosave"):
                c.reply_error("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
                return
            opts.add(opt)
        err = self.server.persistence.reload(save="nosave" not in opts,
                                             flush="noflush" not in opts, merge="merge" in opts)
        if err is None:
            c.reply_ok()
        else:
            c.reply_error(b"-ERR" if err == "ERR" else err)

    def loadaof(self, c, args):
        self.server.persistence.load_aof_debug()
        c.reply_ok()

    def replybuffer(self, c, args):
        # Redis's reply buffer tuning for its tests: the peak reset period
        # and resizing on or off (clients_cron's reply buffer resize)
        if len(args) != 4:
            return False
        what = lower(args[2])
        e = self.engine
        if what == "peak-reset-time":
            arg = lower(args[3])
            if arg == "never":
                e.reply_buffer_peak_reset_time = -1
            elif arg == "reset":
                e.reply_buffer_peak_reset_time = 5000
            else:
                ms = get_long_long_or_reply(c, args[3])
                if ms is None:
                    return
                e.reply_buffer_peak_reset_time = ms
        elif what == "resizing":
            e.reply_buffer_resizing = atoi(args[3]) != 0
        else:
            reply_subcommand_syntax_error(c, args)
            return
        c.reply_ok()

    def htstats(self, c, args):
        if len(args) != 3:
            return False
        dbid = get_long_long_or_reply(c, args[2])
        if dbid is None:
            return
        if dbid < 0 or dbid >= len(self.engine.dbs):
            c.reply_error("Out of range database")
            return
        db = self.engine.dbs[dbid]
        k0, k1, e0, e1 = db.table_info
        out = "[Dictionary HT]\n" + _table_stats(k0, k1, len(db))
        out += "[Expires HT]\n" + _table_stats(e0, e1, db.expires_count)
        c.reply_verbatim(out)

    def htstats_key(self, c, args):
        if len(args) != 3:
            return False
        found = db_lookup(self.db_of(c), bytes(args[2]))
        if found is None:
            c.reply_error("no such key")
            return
        typ, enc, value, _e, _l = found
        if enc not in ("hashtable", "skiplist"):
            c.reply_error("The value stored at the specified key is not represented using an "
                          "hash table")
            return
        if typ == "set":
            c.reply_verbatim(value.htstats())       # the set's own dictGetStats text
        else:
            c.reply_verbatim(_table_stats(value.table_size, 0, len(value)))

    def client_eviction(self, c, args):
        if len(args) != 2:
            return False
        if not self.server.cfg["maxmemory-clients"]:
            c.reply_error("maxmemory-clients is disabled.")
            return
        # Redis's report of its memory groups: each group's bounds, the sum
        # of its clients' last readings and how many there are
        sums = [0] * CLIENT_MEM_BUCKETS
        counts = [0] * CLIENT_MEM_BUCKETS
        for cl in list(self.engine.clients.values()):
            if cl.in_mem_bucket:
                sums[cl.mem_bucket] += cl.last_mem
                counts[cl.mem_bucket] += 1
        lines = []
        for j in range(CLIENT_MEM_BUCKETS):
            low = "bucket          0" if j == 0 else "bucket %10d" % (1 << (j - 1 + 15))
            high = "+            : " if j == CLIENT_MEM_BUCKETS - 1 else " - %10d: " % ((1 << (j + 15)) - 1)
            lines.append(f"{low}{high}tot-mem: {sums[j]:10d}, clients: {counts[j]}\n")
        c.reply_verbatim("".join(lines))

    def config_rewrite_force_all(self, c, args):
        if len(args) != 2:
            return False
        cfg = self.server.cfg
        if not cfg.loaded_from:
            # Redis hands its NULL config file path to fopen().
            c.reply_error(f"CONFIG-REWRITE-FORCE-ALL failed: {os.strerror(errno.EFAULT)}")
            return
        try:
            cfg.rewrite(cfg.loaded_from, force_all=True)
        except OSError as exc:
            c.reply_error(f"CONFIG-REWRITE-FORCE-ALL failed: {exc.strerror}")
            return
        c.reply_ok()

    def replicate(self, c, args):
        # the arguments go to the replicas (and the backlog) as a command,
        # never to the AOF: Redis's way to make replicas diverge on purpose
        if len(args) < 3:
            return False
        self.server.replication.feed_command_to_replicas([bytes(a) for a in args[2:]])
        c.reply_ok()

    def drop_cluster_packet_filter(self, c, args):
        # Cluster is not built: no packets to filter.
        if len(args) != 3:
            return False
        if get_long_long_or_reply(c, args[2]) is None:
            return
        c.reply_ok()

    def restart(self, c, args):
        if len(args) >= 3 and get_long_long_or_reply(c, args[2]) is None:
            return
        c.reply_error("failed to restart the server. Check server logs.")


# DEBUG <subcommand> -> DebugCommands method (called with the instance).
DEBUG_SUBCOMMANDS = {
    "help": DebugCommands.help,
    "propagated": DebugCommands.propagated,
    "sleep": DebugCommands.sleep,
    "set-active-expire": DebugCommands.set_active_expire,
    "set-skip-checksum-validation": DebugCommands.set_skip_checksum_validation,
    "set-disable-deny-scripts": DebugCommands.set_disable_deny_scripts,
    "aof-flush-sleep": DebugCommands.unbuilt_switch,
    "pause-cron": DebugCommands.pause_cron,
    "segfault": DebugCommands.segfault,
    "log": DebugCommands.log,
    "leak": DebugCommands.leak,
    "error": DebugCommands.error,
    "object": DebugCommands.object,
    "sdslen": DebugCommands.sdslen,
    "listpack": DebugCommands.listpack,
    "quicklist": DebugCommands.quicklist,
    "populate": DebugCommands.populate,
    "digest": DebugCommands.digest,
    "digest-value": DebugCommands.digest_value,
    "protocol": DebugCommands.protocol,
    "change-repl-id": DebugCommands.change_repl_id,
    "quicklist-packed-threshold": DebugCommands.quicklist_packed_threshold,
    "stringmatch-test": DebugCommands.stringmatch_test,
    "reload": DebugCommands.reload,
    "loadaof": DebugCommands.loadaof,
    "replybuffer": DebugCommands.replybuffer,
    "htstats": DebugCommands.htstats,
    "htstats-key": DebugCommands.htstats_key,
    "client-eviction": DebugCommands.client_eviction,
    "config-rewrite-force-all": DebugCommands.config_rewrite_force_all,
    "replicate": DebugCommands.replicate,
    "drop-cluster-packet-filter": DebugCommands.drop_cluster_packet_filter,
    "restart": DebugCommands.restart,
    "crash-and-recover": DebugCommands.restart,
}


def handlers(server):
    s = DebugCommands(server)
    return {"debug": s.debug}
