"""INFO: the report text, section by section, with redis-server 7.0.15's field
names and order, plus the sampling that some fields need (instantaneous
rates, peak memory), driven from the server cron.

Memory accounting: the server runs with PYTHONMALLOC=malloc, so every Python
object, every Cython buffer and the keyspace table are allocated through
glibc malloc. glibc's mallinfo2() reports what the process holds:
``uordblks`` (bytes in use in the heap arenas) plus ``hblkhd`` (bytes in
chunks that malloc mmapped directly). That walk of malloc's free lists is
too slow for every command, so ``used_memory`` is the running counter of
rkvd._core.lib.mem (hooks on Python's allocator, which the engine's
libraries allocate through), calibrated against mallinfo2() from the cron.
Without the hooks (an engine inside another process) mallinfo2() it is.

The interpreter and the server's modules hold some 15 MB before the server
makes its first structure: functions, classes and constants, what Redis has
in its executable's text and data segments, which its used_memory does not
count either. A server run from the command line measures that footprint
once, after importing what it loads at start (exclude_runtime), and leaves
it out of used_memory and so out of what maxmemory limits: used_memory is
what the server's state (keyspace, clients, buffers, scripts) holds, about
what redis-server's is for the same state. used_memory_rss stays the whole
process's.
"""

import ctypes
import os
import platform
import resource
import struct
import sys
import time

import psutil

import rkvd
from rkvd import REDIS_VERSION
from rkvd._core.lib import mem as _mem
from rkvd._core.persist.rdb_load import dump_payload_sanitizations
from rkvd._core.server import tracking_stats
from rkvd.cli import launcher
from rkvd.config.text import _fmt_percentile

# ---------------------------------------------------------------------------
# Allocator

class _MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]


class _MallInfo(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]


# rkvd runs on glibc (the engine sizes its blocks with malloc_usable_size).
_LIBC = ctypes.CDLL(None)
try:
    _MALLINFO = _LIBC.mallinfo2                 # glibc 2.33 and later
    _MALLINFO.restype = _MallInfo2
except AttributeError:                          # older glibc: mallinfo() only
    _MALLINFO = _LIBC.mallinfo
    _MALLINFO.restype = _MallInfo
_MALLINFO.argtypes = []
_LIBC.malloc_trim.argtypes = [ctypes.c_size_t]
_LIBC.malloc_trim.restype = ctypes.c_int
MEM_ALLOCATOR = "libc"

# Process metrics (RSS, system memory) come from psutil; CPU times from
# getrusage, which alone has the main thread's figures Redis prints.
_PROCESS = psutil.Process()


def malloc_info():
    """(allocated, active) bytes from the allocator: in use, and held from the OS."""
    m = _MALLINFO()
    # mallinfo() (the fallback) has int fields that wrap past 2 GiB.
    mask = (1 << 64) - 1 if isinstance(m, _MallInfo2) else (1 << 32) - 1
    used = (m.uordblks & mask) + (m.hblkhd & mask)
    active = (m.arena & mask) + (m.hblkhd & mask)
    return used, active


# Bytes the allocator held for the loaded runtime when the server started
# (exclude_runtime); 0 for an engine inside another process.
_runtime_base = 0


def used_memory():
    """INFO used_memory: the running counter (or mallinfo2 without it)."""
    if _mem.installed():
        return _mem.used()
    return malloc_info()[0] - _runtime_base


def calibrate_memory():
    """Set the running counter to the allocator's figure less the runtime's;
    returns the drift corrected (bytes the counter did not see since the
    last calibration)."""
    if not _mem.installed():
        return 0
    return _mem.calibrate(malloc_info()[0] - _runtime_base)


def exclude_runtime():
    """Take what the allocator holds now as the runtime's footprint, left out
    of used_memory from here on; returns it. Called once, with the server's
    modules imported and before the server's state is made."""
    global _runtime_base
    _runtime_base = 0
    calibrate_memory()
    _runtime_base = malloc_info()[0]
    calibrate_memory()
    return _runtime_base


def process_rss():
    return _PROCESS.memory_info().rss


def malloc_trim():
    """Give free heap pages back to the OS (MEMORY PURGE)."""
    _LIBC.malloc_trim(0)


def malloc_stats_text():
    """MEMORY MALLOC-STATS for glibc: the mallinfo counters, one per line."""
    m = _MALLINFO()
    used = malloc_info()[0]
    lines = ["glibc malloc statistics (mallinfo2):"]
    for name, _ in m._fields_:
        lines.append(f"{name}:{getattr(m, name)}")
    # what of uordblks + hblkhd is the runtime's, outside used_memory
    lines.append(f"runtime_not_in_used_memory:{_runtime_base}")
    if _mem.installed():
        # the running counter and the allocator's figure it was last set to
        lines.append(f"counted_since_start:{_mem.counted()}")
        lines.append(f"counter_drift_now:{used - _runtime_base - _mem.used()}")
    return "\n".join(lines) + "\n"


_SYSTEM_MEMORY = psutil.virtual_memory().total


def total_system_memory():
    return _SYSTEM_MEMORY


def bytes_to_human(n):
    """Redis's bytesToHuman: 1023B, 1.00K, 12.50M ..."""
    n = int(n)
    if n < 1024:
        return f"{n}B"
    for unit, scale in (("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("T", 1 << 40),
                        ("P", 1 << 50)):
        if n < scale * 1024 or unit == "P":
            return f"{n / scale:.2f}{unit}"
    return f"{n}B"


# ---------------------------------------------------------------------------
# Sampled state

# Instantaneous metrics, as Redis samples them: every 100 ms the rate since the
# previous sample goes into a ring of 16, and the metric is the ring's mean.
_SAMPLES = 16
_SAMPLE_PERIOD_MS = 100
_CALIBRATION_PERIOD_MS = 1000
# glibc gives back only the top of its heap by itself: the pages a burst of
# closed connections freed in the middle stay resident until malloc_trim()
# (jemalloc, Redis's allocator, purges them in the background). The cron
# trims when RSS exceeds used_memory by this much more than it did after
# the last trim (or an eighth of used_memory, when larger).
_TRIM_SLACK = 16 * 1024 * 1024
_M_COMMANDS, _M_NET_IN, _M_NET_OUT = range(3)


class _Metric:
    __slots__ = ("samples", "idx", "last_time", "last_count")

    def __init__(self, now_ms, count=0):
        self.samples = [0] * _SAMPLES
        self.idx = 0
        self.last_time = now_ms
        self.last_count = count

    def track(self, now_ms, reading):
        t = now_ms - self.last_time
        ops = reading - self.last_count
        self.samples[self.idx] = ops * 1000 // t if t > 0 else 0
        self.idx = (self.idx + 1) % _SAMPLES
        self.last_time = now_ms
        self.last_count = reading

    def value(self):
        return sum(self.samples) // _SAMPLES


class InfoState:
    """What INFO needs beyond the engine's counters; one per server, kept as
    server.info_state (made when rkvd.commands.introspection loads) and
    sampled from the server cron."""

    def __init__(self, server):
        self.server = server
        calibrate_memory()
        self.startup_memory = used_memory()
        self.peak_memory = self.startup_memory
        self.last_sample_ms = 0
        self.next_calibration_ms = 0
        self.trim_overhead = process_rss() - self.startup_memory   # RSS not in used_memory
        self.next_trim_ms = 0
        self.reset_metrics()

    def server_ready(self):
        """The server is initialized (before loading data): what importing
        the extensions added bypassed the counter (the dynamic loader's own
        malloc calls), so calibrate, and take the startup figure now, as
        Redis takes it after init. The two Lua VMs (scripts, functions) are
        made here, as Redis makes them at start: one made by the first INFO
        would raise used_memory between two readings a client compares."""
        from rkvd._core.scripting import luaengine
        luaengine.memory_info()
        luaengine.functions_memory_info()
        calibrate_memory()
        self.startup_memory = used_memory()
        self.trim_overhead = process_rss() - self.startup_memory

    def reset_metrics(self):
        now = int(time.time() * 1000)
        e = self.server.engine
        self.metrics = [_Metric(now, e.stat_numcommands), _Metric(now, e.stat_net_input_bytes),
                        _Metric(now, e.stat_net_output_bytes)]

    def update_peak(self, used=None):
        if used is None:
            used = used_memory()
        if used > self.peak_memory:
            self.peak_memory = used
        return used

    def cron(self):
        """Called from the server cron (hz times a second)."""
        now = int(time.time() * 1000)
        if now - self.last_sample_ms < _SAMPLE_PERIOD_MS:
            return
        self.last_sample_ms = now
        e = self.server.engine
        self.metrics[_M_COMMANDS].track(now, e.stat_numcommands)
        self.metrics[_M_NET_IN].track(now, e.stat_net_input_bytes)
        self.metrics[_M_NET_OUT].track(now, e.stat_net_output_bytes)
        self.update_peak()
        if now >= self.next_calibration_ms:
            # mallinfo2() walks malloc's free lists: on a big fragmented heap
            # one call takes tens of milliseconds, so keep it under ~0.5% of
            # the loop's time, and at most once a second.
            t0 = time.perf_counter()
            calibrate_memory()
            cost_ms = (time.perf_counter() - t0) * 1000
            self.next_calibration_ms = now + max(_CALIBRATION_PERIOD_MS, int(cost_ms * 200))
            self.trim_cron(now)

    def trim_cron(self, now):
        """Give freed heap pages back when RSS has run away from used_memory
        since the last trim; at most once a second, and under ~0.5% of the
        loop's time however long a trim of a big heap takes."""
        if now < self.next_trim_ms:
            return
        used = used_memory()
        if process_rss() - used < self.trim_overhead + max(_TRIM_SLACK, used // 8):
            return
        t0 = time.perf_counter()
        malloc_trim()
        cost_ms = (time.perf_counter() - t0) * 1000
        self.trim_overhead = process_rss() - used_memory()
        self.next_trim_ms = now + max(_CALIBRATION_PERIOD_MS, int(cost_ms * 200))

    def metric(self, which):
        return self.metrics[which].value()


# ---------------------------------------------------------------------------
# Helpers

def f32(x):
    """x rounded to a C float (Redis prints some ratios from floats)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def _safe_name(name):
    # Like getSafeInfoString: these characters would break the line format.
    for ch in "#:\n\r":
        name = name.replace(ch, "_")
    return name


def _rusage_text(ru_time):
    sec = int(ru_time)
    usec = int(round((ru_time - sec) * 1e6))
    if usec >= 1000000:
        sec, usec = sec + 1, usec - 1000000
    return f"{sec}.{usec:06d}"


def client_memory(c):
    """Bytes a connection holds: query buffer, argv table, reply buffer, the
    transport's pending output, queued MULTI commands, watched keys,
    subscriptions and tracking prefixes (CLIENT LIST tot-mem, INFO
    mem_clients_normal; what maxmemory-clients bounds)."""
    return c.tot_mem


def dict_overhead(db):
    """(main, expires) bytes of keyspace-table overhead for one database."""
    b0, b1, e0, e1 = db.table_info
    keys = len(db)
    expires = db.expires_count
    return (keys * 24 + (b0 + b1) * 8, expires * 24 + (e0 + e1) * 8)


def memory_overhead(server):
    """The breakdown shared by INFO memory and MEMORY STATS (Redis's
    getMemoryOverheadData), as a dict."""
    st = server.info_state
    e = server.engine
    allocated = used_memory()
    active = max(malloc_info()[1] - _runtime_base, allocated)
    st.update_peak(allocated)
    rss = process_rss()
    repl = server.replication
    clients_normal = 0
    for c in list(e.clients.values()):
        if not repl.is_replica_client(c):
            clients_normal += client_memory(c)
    # The replicas and the backlog share one replication buffer: what it
    # holds beyond the backlog size is the replicas' (Redis's split)
    bl = server.repl.backlog
    repl_buffers = bl.mem if bl is not None else 0
    clients_slaves = bl.excess if bl is not None and repl.replicas else 0
    repl_backlog = repl_buffers - clients_slaves
    dbs = []
    ht_total = 0
    for db in e.dbs:
        if len(db) == 0 and db.expires_count == 0:
            continue
        main, exp = dict_overhead(db)
        dbs.append((db.id, main, exp))
        ht_total += main + exp
    # the script cache and the function libraries (evalScriptsMemory,
    # functionsMemoryOverhead)
    from rkvd._core.scripting import luaengine
    lua_caches = luaengine.memory_info()[1]
    functions_caches = luaengine.functions_memory_info()[1]
    overhead = (st.startup_memory + clients_normal + clients_slaves + repl_backlog + ht_total
                + lua_caches + functions_caches)
    # not counted for eviction: the stream fed and not yet taken (the AOF
    # buffer), the replicas' output, and evicted clients' buffers the loop
    # has yet to free
    not_counted = e.mem_not_counted_for_evict
    aof_buffer = (not_counted - (repl.output_buffers_mem() if repl.replicas else 0)
                  - e.clients_mem_releasing)
    dataset = allocated - overhead if allocated > overhead else 0
    net = allocated - st.startup_memory
    keys = sum(len(db) for db in e.dbs)
    frag = rss / allocated if allocated else 0.0
    return {
        "allocated": allocated, "active": active, "resident": rss, "rss": rss,
        "peak": st.peak_memory, "startup": st.startup_memory,
        "peak_perc": allocated * 100.0 / st.peak_memory if st.peak_memory else 0.0,
        "repl_backlog": repl_backlog, "clients_slaves": clients_slaves, "repl_buffers": repl_buffers,
        "clients_normal": clients_normal, "cluster_links": 0, "aof_buffer": max(aof_buffer, 0),
        "not_counted": not_counted, "lua_caches": lua_caches,
        "functions_caches": functions_caches,
        "dbs": dbs, "overhead_total": overhead, "dataset": dataset,
        "dataset_perc": dataset * 100.0 / net if net > 0 else 0.0,
        "keys": keys, "bytes_per_key": net // keys if keys else 0,
        "allocator_frag": active / allocated if allocated else 0.0,
        "allocator_frag_bytes": active - allocated,
        "allocator_rss": rss / active if active else 0.0,
        "allocator_rss_bytes": rss - active,
        "rss_extra": 1.0, "rss_extra_bytes": 0,
        "total_frag": frag, "total_frag_bytes": rss - allocated,
    }


# ---------------------------------------------------------------------------
# Sections

def _server(server):
    e = server.engine
    now = time.time()
    uptime = int(now) - int(server.start_time)
    u = platform.uname()
    compiler = platform.python_compiler().split()
    gcc = compiler[1] if len(compiler) > 1 and compiler[0] == "GCC" else "0.0.0"
    gcc = ".".join((gcc.split(".") + ["0", "0", "0"])[:3])
    mode = "cluster" if cluster_enabled(server) else "standalone"
    supervised = "no"
    mode_cfg = server.cfg["supervised"]
    if os.environ.get("NOTIFY_SOCKET") and mode_cfg in ("systemd", "auto"):
        supervised = "systemd"
    elif os.environ.get("UPSTART_JOB") and mode_cfg in ("upstart", "auto"):
        supervised = "upstart"
    executable = launcher()
    config_file = server.cfg.loaded_from or ""
    lines = [
        ("redis_version", REDIS_VERSION),
        ("rkvd_version", rkvd.__version__),
        ("redis_git_sha1", "00000000"),
        ("redis_git_dirty", 0),
        ("redis_build_id", _build_id()),
        ("redis_mode", mode),
        ("os", f"{u.system} {u.release} {u.machine}"),
        ("arch_bits", struct.calcsize("P") * 8),
        ("monotonic_clock", "POSIX clock_gettime"),
        ("multiplexing_api", "epoll" if sys.platform.startswith("linux") else "kqueue"),
        ("atomicvar_api", "c11-builtin"),
        ("gcc_version", gcc),
        ("process_id", os.getpid()),
        ("process_supervised", supervised),
        ("run_id", server.run_id),
        ("tcp_port", server.tcp_port or server.cfg["tls-port"]),
        ("server_time_usec", int(now * 1e6)),
        ("uptime_in_seconds", uptime),
        ("uptime_in_days", uptime // 86400),
        ("hz", e.hz),
        ("configured_hz", server.cfg["hz"]),
        ("lru_clock", e.lruclock),
        ("executable", executable),
        ("config_file", config_file),
        ("io_threads_active", 0),
    ]
    left = server.shutdown_in_ms()
    if left is not None:
        lines.append(("shutdown_in_milliseconds", left))
    return "Server", lines


_BUILD_ID = None


def _build_id():
    global _BUILD_ID
    if _BUILD_ID is None:
        import hashlib
        h = hashlib.sha1(f"rkvd {rkvd.__version__} {sys.version}".encode()).digest()
        _BUILD_ID = format(int.from_bytes(h[:8], "big"), "x")
    return _BUILD_ID


def cluster_enabled(server):
    return bool(server.cfg["cluster-enabled"])


def _clients(server):
    e = server.engine
    clients = list(e.clients.values())
    maxin = maxout = 0
    in_timeout_table = 0
    for c in clients:
        if c.qbuf_len + c.qbuf_free > maxin:
            maxin = c.qbuf_len + c.qbuf_free
        if c.obuf_mem > maxout:
            maxout = c.obuf_mem
        if c.is_blocked and c.blocked_timeout_ms:
            in_timeout_table += 1       # Redis's table holds blocked clients with a timeout
    lines = [
        ("connected_clients", len(clients) - len(server.replication.replicas)),
        ("cluster_connections", 0),
        ("maxclients", e.maxclients),
        ("client_recent_max_input_buffer", maxin),
        ("client_recent_max_output_buffer", maxout),
        ("blocked_clients", e.blocked_clients),
        ("tracking_clients", e.tracking_clients),
        ("clients_in_timeout_table", in_timeout_table),
    ]
    return "Clients", lines


def _memory(server):
    mh = memory_overhead(server)
    used = mh["allocated"]
    maxmemory = server.cfg["maxmemory"]
    from rkvd._core.scripting import luaengine
    lua, _, cached_scripts = luaengine.memory_info()
    fn_mem, _, n_functions, n_libraries = luaengine.functions_memory_info()
    from rkvd._core.lib import bio
    lazy_pending, lazy_freed = bio.lazyfree_stats()
    lines = [
        ("used_memory", used),
        ("used_memory_human", bytes_to_human(used)),
        ("used_memory_rss", mh["rss"]),
        ("used_memory_rss_human", bytes_to_human(mh["rss"])),
        ("used_memory_peak", mh["peak"]),
        ("used_memory_peak_human", bytes_to_human(mh["peak"])),
        ("used_memory_peak_perc", f"{mh['peak_perc']:.2f}%"),
        ("used_memory_overhead", mh["overhead_total"]),
        ("used_memory_startup", mh["startup"]),
        ("used_memory_dataset", mh["dataset"]),
        ("used_memory_dataset_perc", f"{mh['dataset_perc']:.2f}%"),
        ("allocator_allocated", used),
        ("allocator_active", mh["active"]),
        ("allocator_resident", mh["resident"]),
        ("total_system_memory", total_system_memory()),
        ("total_system_memory_human", bytes_to_human(total_system_memory())),
        ("used_memory_lua", lua),
        ("used_memory_vm_eval", lua),
        ("used_memory_lua_human", bytes_to_human(lua)),
        ("used_memory_scripts_eval", mh["lua_caches"]),
        ("number_of_cached_scripts", cached_scripts),
        ("number_of_functions", n_functions),
        ("number_of_libraries", n_libraries),
        ("used_memory_vm_functions", fn_mem),
        ("used_memory_vm_total", fn_mem + lua),
        ("used_memory_vm_total_human", bytes_to_human(fn_mem + lua)),
        ("used_memory_functions", mh["functions_caches"]),
        ("used_memory_scripts", mh["lua_caches"] + mh["functions_caches"]),
        ("used_memory_scripts_human", bytes_to_human(mh["lua_caches"] + mh["functions_caches"])),
        ("maxmemory", maxmemory),
        ("maxmemory_human", bytes_to_human(maxmemory)),
        ("maxmemory_policy", server.cfg["maxmemory-policy"]),
        ("allocator_frag_ratio", f"{mh['allocator_frag']:.2f}"),
        ("allocator_frag_bytes", mh["allocator_frag_bytes"]),
        ("allocator_rss_ratio", f"{mh['allocator_rss']:.2f}"),
        ("allocator_rss_bytes", mh["allocator_rss_bytes"]),
        ("rss_overhead_ratio", f"{mh['rss_extra']:.2f}"),
        ("rss_overhead_bytes", mh["rss_extra_bytes"]),
        ("mem_fragmentation_ratio", f"{mh['total_frag']:.2f}"),
        ("mem_fragmentation_bytes", mh["total_frag_bytes"]),
        ("mem_not_counted_for_evict", mh["not_counted"]),
        ("mem_replication_backlog", mh["repl_backlog"]),
        ("mem_total_replication_buffers", mh["repl_buffers"]),
        ("mem_clients_slaves", mh["clients_slaves"]),
        ("mem_clients_normal", mh["clients_normal"]),
        ("mem_cluster_links", mh["cluster_links"]),
        ("mem_aof_buffer", mh["aof_buffer"]),
        ("mem_allocator", MEM_ALLOCATOR),
        ("active_defrag_running", 0),
        # the lazy-free thread's (engine/lazyfree.pyx, lib/bio)
        ("lazyfree_pending_objects", lazy_pending),
        ("lazyfreed_objects", lazy_freed),
    ]
    return "Memory", lines


def _persistence(server):
    # rkvd.persistence's fields, the AOF's (rkvd.aof) included.
    lines = server.persistence.info_fields()
    lines += server.persistence.loading_fields()
    return "Persistence", lines


def _stats(server):
    e = server.engine
    st = server.info_state
    tracking = tracking_stats(e)
    lines = [
        ("total_connections_received", e.stat_numconnections),
        ("total_commands_processed", e.stat_numcommands),
        ("instantaneous_ops_per_sec", st.metric(_M_COMMANDS)),
        ("total_net_input_bytes", e.stat_net_input_bytes),
        ("total_net_output_bytes", e.stat_net_output_bytes),
        ("total_net_repl_input_bytes", server.replica.stat_repl_input_bytes),
        ("total_net_repl_output_bytes", server.replication.stat_repl_output_bytes),
        ("instantaneous_input_kbps", f"{f32(st.metric(_M_NET_IN) / 1024):.2f}"),
        ("instantaneous_output_kbps", f"{f32(st.metric(_M_NET_OUT) / 1024):.2f}"),
        ("instantaneous_input_repl_kbps", "0.00"),
        ("instantaneous_output_repl_kbps", "0.00"),
        ("rejected_connections", e.stat_rejected_conn),
        ("sync_full", server.replication.stat_sync_full),
        ("sync_partial_ok", server.replication.stat_sync_partial_ok),
        ("sync_partial_err", server.replication.stat_sync_partial_err),
        ("expired_keys", e.stat_expiredkeys),
        ("expired_stale_perc", f"{e.stat_expired_stale_perc * 100:.2f}"),
        ("expired_time_cap_reached_count", e.stat_expired_time_cap_reached_count),
        ("expire_cycle_cpu_milliseconds", 0),       # the engine does not time the cycle yet
        ("evicted_keys", e.stat_evictedkeys),
        ("evicted_clients", e.stat_evictedclients),
        ("total_eviction_exceeded_time", e.eviction_exceeded_ms[0]),
        ("current_eviction_exceeded_time", e.eviction_exceeded_ms[1]),
        ("keyspace_hits", e.stat_keyspace_hits),
        ("keyspace_misses", e.stat_keyspace_misses),
        ("pubsub_channels", len(e.ps_channels)),
        ("pubsub_patterns", len(e.ps_patterns)),
        ("pubsubshard_channels", len(e.ps_shard)),
        ("latest_fork_usec", server.persistence.latest_fork_usec),
        ("total_forks", server.persistence.total_forks),
        ("migrate_cached_sockets", len(server.migrate.cache)),
        ("slave_expires_tracked_keys", 0),
        ("active_defrag_hits", 0),
        ("active_defrag_misses", 0),
        ("active_defrag_key_hits", 0),
        ("active_defrag_key_misses", 0),
        ("total_active_defrag_time", 0),
        ("current_active_defrag_time", 0),
        ("tracking_total_keys", tracking[0]),
        ("tracking_total_items", tracking[1]),
        ("tracking_total_prefixes", tracking[2]),
        ("unexpected_error_replies", e.stat_unexpected_error_replies),
        ("total_error_replies", e.stat_total_error_replies),
        ("dump_payload_sanitizations", dump_payload_sanitizations()),
        # The engine does not count socket reads and writes yet.
        ("total_reads_processed", 0),
        ("total_writes_processed", 0),
        ("io_threaded_reads_processed", 0),
        ("io_threaded_writes_processed", 0),
        ("reply_buffer_shrinks", e.stat_reply_buffer_shrinks),
        ("reply_buffer_expands", e.stat_reply_buffer_expands),
    ]
    return "Stats", lines


def _replication(server):
    r = server.repl
    bl = r.backlog
    lines = [("role", "slave" if r.master is not None else "master")]
    if r.master is not None:
        lines += server.replica.info_fields()       # the replica side's fields
    lines += server.replication.info_master_lines() + [
        ("master_failover_state", server.replication.failover.state_name),
        ("master_replid", r.replid),
        ("master_replid2", r.replid2),
        ("master_repl_offset", r.master_repl_offset),
        ("second_repl_offset", r.second_replid_offset),
        ("repl_backlog_active", int(bl is not None)),
        ("repl_backlog_size", r.backlog_size),
        ("repl_backlog_first_byte_offset", bl.first_byte_offset if bl else 0),
        ("repl_backlog_histlen", bl.histlen if bl else 0),
    ]
    return "Replication", lines


def _cpu(server):
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [
        ("used_cpu_sys", _rusage_text(me.ru_stime)),
        ("used_cpu_user", _rusage_text(me.ru_utime)),
        ("used_cpu_sys_children", _rusage_text(ch.ru_stime)),
        ("used_cpu_user_children", _rusage_text(ch.ru_utime)),
    ]
    th = resource.getrusage(resource.RUSAGE_THREAD)     # Linux, as Redis prints it there
    lines += [("used_cpu_sys_main_thread", _rusage_text(th.ru_stime)),
              ("used_cpu_user_main_thread", _rusage_text(th.ru_utime))]
    return "CPU", lines


def _modules(server):
    return "Modules", []


def commandstats_lines(engine):
    out = []

    def emit(cmd):
        if cmd.calls or cmd.failed_calls or cmd.rejected_calls:
            per_call = f32(f32(cmd.usec) / f32(cmd.calls)) if cmd.calls else 0.0
            out.append((f"cmdstat_{_safe_name(cmd.name)}",
                        f"calls={cmd.calls},usec={cmd.usec},usec_per_call={per_call:.2f},"
                        f"rejected_calls={cmd.rejected_calls},failed_calls={cmd.failed_calls}"))

    for cmd in _each_command(engine):
        emit(cmd)
    return out


def _each_command(engine):
    """Every command of the table, each followed by its subcommands (the
    order INFO commandstats and latencystats list them in)."""
    for name, cmd in list(engine.commands.items()):
        if "|" in name:
            continue
        yield cmd
        if cmd.subcommands:
            yield from list(cmd.subcommands.values())


def _commandstats(server):
    return "Commandstats", commandstats_lines(server.engine)


def _errorstats(server):
    lines = []
    for code, count in sorted(server.engine.errorstats.items()):
        name = code.decode("utf-8", "replace") if isinstance(code, bytes) else str(code)
        lines.append((f"errorstat_{_safe_name(name)}", f"count={count}"))
    return "Errorstats", lines


def latencystats_lines(engine, percentiles):
    """Redis's genRedisInfoStringLatencyStats: for each command (and
    subcommand) with recorded calls, its latency at each configured
    percentile, in microseconds with three decimals."""
    names = [f"p{_fmt_percentile(p)}" for p in percentiles]
    out = []

    def emit(cmd):
        values = cmd.latency_percentiles(percentiles)
        if values is not None:
            out.append((f"latency_percentiles_usec_{_safe_name(cmd.name)}",
                        ",".join(f"{n}={v / 1000.0:.3f}" for n, v in zip(names, values))))

    for cmd in _each_command(engine):
        emit(cmd)
    return out


def _latencystats(server):
    if not server.cfg["latency-tracking"]:
        return "Latencystats", []
    return "Latencystats", latencystats_lines(server.engine,
                                              server.cfg["latency-tracking-info-percentiles"])


def _cluster(server):
    return "Cluster", [("cluster_enabled", int(cluster_enabled(server)))]


def _keyspace(server):
    lines = [(f"db{dbid}", f"keys={keys},expires={expires},avg_ttl={avg_ttl}")
             for dbid, keys, expires, avg_ttl in server.engine.db_sizes()]
    return "Keyspace", lines


# (name as requested, generator), in the order Redis prints them.
SECTIONS = (
    ("server", _server), ("clients", _clients), ("memory", _memory),
    ("persistence", _persistence), ("stats", _stats), ("replication", _replication),
    ("cpu", _cpu), ("modules", _modules), ("commandstats", _commandstats),
    ("errorstats", _errorstats), ("latencystats", _latencystats), ("cluster", _cluster),
    ("keyspace", _keyspace),
)
DEFAULT_SECTIONS = ("server", "clients", "memory", "persistence", "stats", "replication",
                    "cpu", "module_list", "errorstats", "cluster", "keyspace")


def _render(title, lines):
    out = [f"# {title}\r\n"]
    for k, v in lines:
        out.append(f"{k}:{v}\r\n")
    return "".join(out)


def selected_sections(args):
    """The set of section names INFO args ask for, and whether 'all' was asked."""
    if not args:
        return set(DEFAULT_SECTIONS), False
    wanted = set()
    everything = False
    for a in args:
        name = (a.decode("utf-8", "surrogateescape") if isinstance(a, bytes) else a).lower()
        if name == "default":
            wanted.update(DEFAULT_SECTIONS)
        elif name in ("all", "everything"):
            everything = True
        else:
            wanted.add(name)
    return wanted, everything


def generate(server, args=()):
    """The INFO text for the given section arguments (bytes or str)."""
    wanted, all_sections = selected_sections(args)
    parts = []
    for name, fn in SECTIONS:
        if all_sections or name in wanted or (name == "modules" and "module_list" in wanted):
            parts.append(_render(*fn(server)))
    return "\r\n".join(parts)


def section_lines(server, name):
    """[(field, value)] of one section (for other modules and tests)."""
    for sname, fn in SECTIONS:
        if sname == name:
            return fn(server)[1]
    raise KeyError(name)
