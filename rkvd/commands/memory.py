"""MEMORY: USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE and HELP (Redis's
object.c), and the value sizes they and DEBUG report.

The allocator figures and the overhead breakdown come from rkvd.info, which
INFO memory shares.
"""

from rkvd import info
from rkvd._core.introspect import db_lookup
from rkvd.commands.common import SYNTAX_ERROR, get_long_long_or_reply, lower, reply_help, reply_subcommand_syntax_error
from rkvd.replytypes import RespMap
from rkvd.strutil import LLONG_MAX

# ---------------------------------------------------------------------------
# Value sizes (MEMORY USAGE, DEBUG SDSLEN)

ROBJ_SIZE = 16          # sizeof(robj)
DICT_ENTRY_SIZE = 24    # sizeof(dictEntry)


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
        return ROBJ_SIZE
    if encoding == "embstr":
        return alloc_size(ROBJ_SIZE + 3 + len(value) + 1)
    return ROBJ_SIZE + sds_alloc(len(value), allow_type5=False)


def value_size(typ, encoding, value, samples=5):
    """Bytes a value takes, like objectComputeSize: exact for strings; the
    collection value objects (list, set, hash, zset, the only other types
    rkvd stores) estimate their own from `samples` elements."""
    if typ == "string":
        return string_value_size(encoding, value)
    return value.memory_usage(samples)


# ---------------------------------------------------------------------------
# MEMORY DOCTOR

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


# ---------------------------------------------------------------------------
# Handlers

class MemoryCommands:
    def __init__(self, server):
        self.server = server
        self.engine = server.engine

    def memory_container(self, c, args):
        reply_subcommand_syntax_error(c, args)

    def memory_usage(self, c, args):
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
        found = db_lookup(self.engine.dbs[c.dbid], bytes(args[2]))
        if found is None:
            c.reply_value(None)
            return
        typ, enc, value, _expire, _lru = found
        usage = value_size(typ, enc, value, samples)
        usage += sds_alloc(len(args[2])) + DICT_ENTRY_SIZE
        if info.cluster_enabled(self.server):
            usage += 16
        c.reply_value(usage)

    def memory_stats(self, c, args):
        mh = info.memory_overhead(self.server)
        f32 = info.f32
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
        info.malloc_trim()
        c.reply_ok()

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


def handlers(server):
    s = MemoryCommands(server)
    return {
        "memory": s.memory_container,
        "memory|usage": s.memory_usage,
        "memory|stats": s.memory_stats,
        "memory|doctor": s.memory_doctor,
        "memory|malloc-stats": s.memory_malloc_stats,
        "memory|purge": s.memory_purge,
        "memory|help": s.memory_help,
    }
