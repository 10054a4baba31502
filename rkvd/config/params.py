"""The parameter table: one row per redis-server 7.0.15 parameter, in the
order of Redis's own table, with its aliases, kind, default, bounds and flags,
and what rkvd does with it: the engine field that holds it, the server hook
that applies it, or the missing feature it waits for.
"""

import re

from .errors import Invalid
from .kinds import (
    DEBUG,
    DENY_LOADING,
    HIDDEN,
    IMMUTABLE,
    INT_MAX,
    INT_MIN,
    LLONG_MAX,
    LONG_MAX,
    MEMORY,
    MULTI_ARG,
    OCTAL,
    PERCENT,
    PROTECTED,
    SENSITIVE,
    SSIZE_MAX,
    UINT_MAX,
    ULLONG_MAX,
    VOLATILE,
    Bind,
    Bool,
    ClientOutputBufferLimit,
    Dir,
    EngineField,
    Enum,
    LatencyPercentiles,
    NotifyKeyspaceEvents,
    Num,
    OOMScoreAdjValues,
    ReplicaOf,
    Save,
    String,
    refuse,
)
from .text import _b, _lower, _s, expand_proc_title

MIN_HZ, MAX_HZ = 1, 500
REPL_BACKLOG_MIN_SIZE = 16 * 1024
DEFAULT_PID_FILE = "/var/run/redis.pid"


# ---------------------------------------------------------------------------
# Validators and built-in apply hooks
# ---------------------------------------------------------------------------

def _check_activedefrag(cfg, v):
    if v:
        raise Invalid("Active defragmentation cannot be enabled: it requires a Redis "
                       "server compiled with a modified Jemalloc like the one shipped by "
                       "default with the Redis source distribution")


def _is_basename(v):
    return "/" not in v and "\\" not in v


def _check_dbfilename(cfg, v):
    if not _is_basename(v):
        raise Invalid("dbfilename can't be a path, just a filename")


def _check_appendfilename(cfg, v):
    if v == "":
        raise Invalid("appendfilename can't be empty")
    if not _is_basename(v):
        raise Invalid("appendfilename can't be a path, just a filename")


def _check_appenddirname(cfg, v):
    if v == "":
        raise Invalid("appenddirname can't be empty")
    if not _is_basename(v):
        raise Invalid("appenddirname can't be a path, just a dirname")


def _check_shutdown_flags(cfg, code):
    if code & 1 and code & 2:
        raise Invalid("shutdown options SAVE and NOSAVE can't be used simultaneously")


_HOSTNAME_RE = re.compile(r"[A-Za-z0-9.\-]*")


def _check_hostname(cfg, v):
    if len(_b(v)) >= 256:
        raise Invalid("Hostnames must be less than 256 characters")
    if not _HOSTNAME_RE.fullmatch(v):
        raise Invalid("Hostnames may only contain alphanumeric characters, hyphens or dots")


def _check_proc_title(cfg, v):
    if not expand_proc_title(cfg, v, ""):
        raise Invalid("template format is invalid or contains unknown variables")


def clamp_hz(hz):
    return max(MIN_HZ, min(MAX_HZ, hz))


def _apply_hz(cfg):
    cfg._values["hz"] = clamp_hz(cfg._values["hz"])


def _apply_busy_reply_threshold(cfg):
    from rkvd._core.scripting.luaengine import configure
    configure(cfg._values["busy-reply-threshold"])


def _apply_backlog_size(cfg):
    if cfg._values["repl-backlog-size"] < REPL_BACKLOG_MIN_SIZE:
        cfg._values["repl-backlog-size"] = REPL_BACKLOG_MIN_SIZE


# ---------------------------------------------------------------------------
# What the engine holds, converted from the typed values
# ---------------------------------------------------------------------------

def _logs_verbose(level):
    return level in ("debug", "verbose")


def _mm_policy(policy):
    # (lfu_mode, the policy's index in Redis's enum order)
    return "lfu" in policy, dict(_MM_POLICIES)[policy]


def _maxmemory(v):
    return min(v, LLONG_MAX)


_SANITIZE_MODES = ("no", "yes", "clients")     # the engine holds the index


def _sanitize_mode(mode):
    return _SANITIZE_MODES.index(mode)


def _client_class_limits(limits):
    # the normal class, then the pubsub class (subscribed clients)
    return limits["normal"] + limits["pubsub"]


# ---------------------------------------------------------------------------
# The table, in the order of Redis's
# ---------------------------------------------------------------------------

_MM_POLICIES = [(n, i) for i, n in enumerate((
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"))]
_PROTECTED_ACTION = [("no", 0), ("yes", 1), ("local", 2)]
_SHUTDOWN = [("default", 0), ("save", 1), ("nosave", 2), ("now", 4), ("force", 8)]


def _enum(*names):
    return [(n, i) for i, n in enumerate(names)]


# What the directives whose feature rkvd lacks wait for (see NotBuilt).  A
# value that would promise durability, a memory bound, a listener, a replica
# count or an access rule that does not hold is refused; a value that merely
# does nothing yet is stored and warned about.
_CLUSTER = refuse("Cluster mode", "this server would run standalone")

# The same for directives that only config files hold; MODULE_CONFIG stands
# for any "<module>.<name> value" line.
MODULE_CONFIG = "<module>.<name>"
FILE_ONLY_NOT_BUILT = {
    "loadmodule": refuse("Module loading", "the module's commands would not exist"),
    MODULE_CONFIG: refuse("Module loading", "no module would read this setting"),
}


def _str(name, default, flags=0, null=False, **row):
    return String(name, default, flags=flags, empty_is_null=null, **row)


PARAMS = [
    # yes/no
    Bool("rdbchecksum", 1, flags=IMMUTABLE),
    Bool("daemonize", 0, flags=IMMUTABLE),
    Bool("io-threads-do-reads", 0, flags=DEBUG | IMMUTABLE),
    Bool("always-show-logo", 0, flags=IMMUTABLE),
    Bool("protected-mode", 1, engine="protected_mode"),
    Bool("rdbcompression", 1),
    Bool("rdb-del-sync-files", 0),
    Bool("activerehashing", 1),
    Bool("stop-writes-on-bgsave-error", 1, shell="disk_error"),
    Bool("set-proc-title", 1, flags=IMMUTABLE),
    Bool("dynamic-hz", 1),
    Bool("lazyfree-lazy-eviction", 0, flags=DEBUG, engine="lazyfree_lazy_eviction"),
    Bool("lazyfree-lazy-expire", 0, flags=DEBUG, engine="lazyfree_lazy_expire"),
    Bool("lazyfree-lazy-server-del", 0, flags=DEBUG, engine="lazyfree_lazy_server_del"),
    Bool("lazyfree-lazy-user-del", 0, flags=DEBUG, engine="lazyfree_lazy_user_del"),
    Bool("lazyfree-lazy-user-flush", 0, flags=DEBUG, engine="lazyfree_lazy_user_flush"),
    Bool("repl-disable-tcp-nodelay", 0),
    Bool("repl-diskless-sync", 1, flags=DEBUG),
    Bool("aof-rewrite-incremental-fsync", 1),
    Bool("no-appendfsync-on-rewrite", 0),
    Bool("cluster-require-full-coverage", 1),
    Bool("rdb-save-incremental-fsync", 1),
    Bool("aof-load-truncated", 1),
    Bool("aof-use-rdb-preamble", 1),
    Bool("aof-timestamp-enabled", 0),
    Bool("cluster-replica-no-failover", 0, alias="cluster-slave-no-failover"),
    Bool("replica-lazy-flush", 0, alias="slave-lazy-flush", engine="replica_lazy_flush"),
    Bool("replica-serve-stale-data", 1, alias="slave-serve-stale-data",
         engine="replica_serve_stale_data"),
    Bool("replica-read-only", 1, alias="slave-read-only", flags=DEBUG, engine="replica_read_only"),
    Bool("replica-ignore-maxmemory", 1, alias="slave-ignore-maxmemory",
         engine="replica_ignore_maxmemory"),
    Bool("jemalloc-bg-thread", 1),
    Bool("activedefrag", 0, flags=DEBUG, check=_check_activedefrag),
    Bool("syslog-enabled", 0, flags=IMMUTABLE),
    Bool("cluster-enabled", 0, flags=IMMUTABLE, not_built=_CLUSTER),
    Bool("appendonly", 0, flags=DENY_LOADING, shell="appendonly"),
    Bool("cluster-allow-reads-when-down", 0),
    Bool("cluster-allow-pubsubshard-when-down", 1),
    Bool("crash-log-enabled", 1, shell="crash_log"),
    Bool("crash-memcheck-enabled", 1),
    Bool("use-exit-on-panic", 0, flags=HIDDEN),
    Bool("disable-thp", 1, flags=IMMUTABLE),
    Bool("cluster-allow-replica-migration", 1),
    Bool("replica-announced", 1),
    Bool("latency-tracking", 1, engine="latency_tracking"),
    Bool("aof-disable-auto-gc", 0, shell="aof_gc"),
    Bool("replica-ignore-disk-write-errors", 0),

    # strings
    _str("aclfile", "", IMMUTABLE),
    _str("unixsocket", None, IMMUTABLE, null=True),
    _str("pidfile", None, IMMUTABLE, null=True),
    _str("replica-announce-ip", None, null=True, alias="slave-announce-ip"),
    _str("masteruser", None, SENSITIVE, null=True),
    _str("cluster-announce-ip", None, null=True),
    _str("cluster-config-file", "nodes.conf", IMMUTABLE),
    _str("cluster-announce-hostname", None, null=True, check=_check_hostname),
    _str("syslog-ident", "redis", IMMUTABLE),
    _str("dbfilename", "dump.rdb", PROTECTED, check=_check_dbfilename),
    _str("appendfilename", "appendonly.aof", IMMUTABLE, check=_check_appendfilename),
    _str("appenddirname", "appendonlydir", IMMUTABLE, check=_check_appenddirname),
    _str("server_cpulist", None, IMMUTABLE, null=True),
    _str("bio_cpulist", None, IMMUTABLE, null=True),
    _str("aof_rewrite_cpulist", None, IMMUTABLE, null=True),
    _str("bgsave_cpulist", None, IMMUTABLE, null=True),
    _str("ignore-warnings", ""),
    _str("proc-title-template", "{title} {listen-addr} {server-mode}", check=_check_proc_title),
    _str("bind-source-addr", None, null=True),
    _str("logfile", "", IMMUTABLE),
    _str("masterauth", None, SENSITIVE, null=True),
    # the default ACL user's password (rkvd.acl applies it)
    _str("requirepass", None, SENSITIVE, null=True, shell="requirepass"),

    # enums
    Enum("supervised", _enum("upstart", "systemd", "auto", "no"), "no", flags=IMMUTABLE),
    Enum("syslog-facility", _enum("user", "local0", "local1", "local2", "local3", "local4",
                                  "local5", "local6", "local7"), "local0", flags=IMMUTABLE),
    Enum("repl-diskless-load", _enum("disabled", "on-empty-db", "swapdb"), "disabled",
         flags=DEBUG | DENY_LOADING),
    Enum("loglevel", _enum("debug", "verbose", "notice", "warning"), "notice",
         engine=EngineField("verbosity_debug", convert=_logs_verbose)),
    Enum("maxmemory-policy", _MM_POLICIES, "noeviction",
         engine=EngineField("lfu_mode", "maxmemory_policy", convert=_mm_policy)),
    Enum("appendfsync", _enum("everysec", "always", "no"), "everysec"),
    Enum("oom-score-adj", [("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)], "no",
         shell="oom_score_adj"),
    Enum("acl-pubsub-default", [("allchannels", 1), ("resetchannels", 0)], "resetchannels"),
    Enum("sanitize-dump-payload", _enum(*_SANITIZE_MODES), "no", flags=DEBUG,
         engine=EngineField("sanitize_dump_payload", convert=_sanitize_mode)),
    Enum("enable-protected-configs", _PROTECTED_ACTION, "no", flags=IMMUTABLE),
    Enum("enable-debug-command", _PROTECTED_ACTION, "no", flags=IMMUTABLE),
    Enum("enable-module-command", _PROTECTED_ACTION, "no", flags=IMMUTABLE),
    Enum("cluster-preferred-endpoint-type", _enum("ip", "hostname", "unknown-endpoint"), "ip"),
    Enum("propagation-error-behavior", _enum("ignore", "panic", "panic-on-replicas"), "ignore"),
    Enum("shutdown-on-sigint", _SHUTDOWN, 0, flags=MULTI_ARG, check=_check_shutdown_flags),
    Enum("shutdown-on-sigterm", _SHUTDOWN, 0, flags=MULTI_ARG, check=_check_shutdown_flags),

    # int
    Num("databases", 1, INT_MAX, 16, flags=IMMUTABLE),
    Num("port", 0, 65535, 6379, shell="port"),
    Num("io-threads", 1, 128, 1, flags=DEBUG | IMMUTABLE),
    Num("auto-aof-rewrite-percentage", 0, INT_MAX, 100),
    Num("cluster-replica-validity-factor", 0, INT_MAX, 10,
        alias="cluster-slave-validity-factor"),
    Num("list-max-listpack-size", INT_MIN, INT_MAX, -2, alias="list-max-ziplist-size",
        engine="list_max_listpack_size"),
    Num("tcp-keepalive", 0, INT_MAX, 300, engine="tcp_keepalive"),
    Num("cluster-migration-barrier", 0, INT_MAX, 1),
    Num("active-defrag-cycle-min", 1, 99, 1),
    Num("active-defrag-cycle-max", 1, 99, 25),
    Num("active-defrag-threshold-lower", 0, 1000, 10),
    Num("active-defrag-threshold-upper", 0, 1000, 100),
    Num("lfu-log-factor", 0, INT_MAX, 10, engine="lfu_log_factor"),
    Num("lfu-decay-time", 0, INT_MAX, 1, engine="lfu_decay_time"),
    Num("replica-priority", 0, INT_MAX, 100, alias="slave-priority"),
    Num("repl-diskless-sync-delay", 0, INT_MAX, 5),
    Num("maxmemory-samples", 1, INT_MAX, 5, engine="maxmemory_samples"),
    Num("maxmemory-eviction-tenacity", 0, 100, 10, engine="maxmemory_eviction_tenacity"),
    Num("timeout", 0, INT_MAX, 0, engine="maxidletime"),
    Num("replica-announce-port", 0, 65535, 0, alias="slave-announce-port"),
    Num("tcp-backlog", 0, INT_MAX, 511, flags=IMMUTABLE),
    Num("cluster-port", 0, 65535, 0, flags=IMMUTABLE),
    Num("cluster-announce-bus-port", 0, 65535, 0),
    Num("cluster-announce-port", 0, 65535, 0),
    Num("cluster-announce-tls-port", 0, 65535, 0),
    Num("repl-timeout", 1, INT_MAX, 60),
    Num("repl-ping-replica-period", 1, INT_MAX, 10, alias="repl-ping-slave-period"),
    Num("list-compress-depth", 0, INT_MAX, 0, flags=DEBUG, engine="list_compress_depth"),
    Num("rdb-key-save-delay", INT_MIN, INT_MAX, 0, flags=HIDDEN, shell="rdb_key_save_delay"),
    Num("key-load-delay", INT_MIN, INT_MAX, 0, flags=HIDDEN),
    Num("active-expire-effort", 1, 10, 1),
    Num("hz", 0, INT_MAX, 10, apply=_apply_hz, engine=EngineField("hz", convert=clamp_hz)),
    Num("min-replicas-to-write", 0, INT_MAX, 0, alias="min-slaves-to-write", shell="min_replicas"),
    Num("min-replicas-max-lag", 0, INT_MAX, 10, alias="min-slaves-max-lag", shell="min_replicas"),
    Num("watchdog-period", 0, INT_MAX, 0, flags=HIDDEN, shell="watchdog"),
    Num("shutdown-timeout", 0, INT_MAX, 10),
    Num("repl-diskless-sync-max-replicas", 0, INT_MAX, 0),
    # unsigned int
    Num("maxclients", 1, UINT_MAX, 10000, unsigned=True, engine="maxclients", shell="maxclients"),
    Num("unixsocketperm", 0, 0o777, 0, flags=IMMUTABLE, kind=OCTAL, unsigned=True),
    Num("socket-mark-id", 0, UINT_MAX, 0, flags=IMMUTABLE, unsigned=True),
    # unsigned long (Redis bound-checks these as signed)
    Num("active-defrag-max-scan-fields", 1, LONG_MAX, 1000),
    Num("slowlog-max-len", 0, LONG_MAX, 128, shell="slow_hook"),
    Num("acllog-max-len", 0, LONG_MAX, 128),
    # long long
    Num("busy-reply-threshold", 0, LONG_MAX, 5000, alias="lua-time-limit", apply=_apply_busy_reply_threshold),
    Num("cluster-node-timeout", 0, LLONG_MAX, 15000),
    Num("slowlog-log-slower-than", -1, LLONG_MAX, 10000, shell="slow_hook"),
    Num("latency-monitor-threshold", 0, LLONG_MAX, 0, shell="slow_hook"),
    Num("proto-max-bulk-len", 1024 * 1024, LONG_MAX, 512 * 1024 * 1024, flags=DEBUG,
        kind=MEMORY, engine="proto_max_bulk_len"),
    Num("stream-node-max-entries", 0, LLONG_MAX, 100, engine="stream_node_max_entries"),
    Num("repl-backlog-size", 1, LLONG_MAX, 1024 * 1024, kind=MEMORY, apply=_apply_backlog_size,
        shell="repl_backlog_size"),
    # unsigned long long
    Num("maxmemory", 0, ULLONG_MAX, 0, kind=MEMORY, unsigned=True,
        engine=EngineField("maxmemory", convert=_maxmemory), shell="maxmemory"),
    Num("cluster-link-sendbuf-limit", 0, ULLONG_MAX, 0, kind=MEMORY, unsigned=True),
    # size_t
    Num("hash-max-listpack-entries", 0, LONG_MAX, 512, alias="hash-max-ziplist-entries",
        unsigned=True, engine="hash_max_listpack_entries"),
    Num("set-max-intset-entries", 0, LONG_MAX, 512, unsigned=True,
        engine="set_max_intset_entries"),
    Num("zset-max-listpack-entries", 0, LONG_MAX, 128, alias="zset-max-ziplist-entries",
        unsigned=True, engine="zset_max_listpack_entries"),
    Num("active-defrag-ignore-bytes", 1, LLONG_MAX, 100 << 20, kind=MEMORY, unsigned=True),
    Num("hash-max-listpack-value", 0, LONG_MAX, 64, alias="hash-max-ziplist-value",
        kind=MEMORY, unsigned=True, engine="hash_max_listpack_value"),
    Num("stream-node-max-bytes", 0, LONG_MAX, 4096, kind=MEMORY, unsigned=True,
        engine="stream_node_max_bytes"),
    Num("zset-max-listpack-value", 0, LONG_MAX, 64, alias="zset-max-ziplist-value",
        kind=MEMORY, unsigned=True, engine="zset_max_listpack_value"),
    Num("hll-sparse-max-bytes", 0, LONG_MAX, 3000, kind=MEMORY, unsigned=True,
        engine="hll_sparse_max_bytes"),
    Num("tracking-table-max-keys", 0, LONG_MAX, 1000000, unsigned=True,
        engine="tracking_table_max_keys"),
    Num("client-query-buffer-limit", 1024 * 1024, LONG_MAX, 1024 ** 3, flags=DEBUG,
        kind=MEMORY, unsigned=True, engine="client_max_querybuf_len"),
    # ssize_t: a negative value means a percentage of maxmemory
    Num("maxmemory-clients", -100, SSIZE_MAX, 0, kind=MEMORY | PERCENT,
        shell="client_eviction"),
    # time_t / off_t
    Num("repl-backlog-ttl", 0, LONG_MAX, 3600),
    Num("auto-aof-rewrite-min-size", 0, LLONG_MAX, 64 * 1024 * 1024, kind=MEMORY),
    Num("loading-process-events-interval-bytes", 1024, INT_MAX, 2 * 1024 * 1024, flags=HIDDEN),

    # TLS: the server's hooks rebuild the context (rkvd.tls) and the listener;
    # tls-replication: the replica's link (rkvd.replication.replica); tls-cluster
    # is stored for the cluster bus rkvd does not have
    Num("tls-port", 0, 65535, 0, shell="tls_port"),
    Num("tls-session-cache-size", 0, INT_MAX, 20 * 1024, shell="tls"),
    Num("tls-session-cache-timeout", 0, INT_MAX, 300, shell="tls"),
    Bool("tls-cluster", 0, shell="tls"),
    Bool("tls-replication", 0, shell="tls"),
    Enum("tls-auth-clients", _enum("no", "yes", "optional"), "yes", shell="tls_auth"),
    Bool("tls-prefer-server-ciphers", 0, shell="tls"),
    Bool("tls-session-caching", 1, shell="tls"),
    _str("tls-cert-file", None, VOLATILE, null=True, shell="tls"),
    _str("tls-key-file", None, VOLATILE, null=True, shell="tls"),
    _str("tls-key-file-pass", None, null=True, shell="tls"),
    _str("tls-client-cert-file", None, VOLATILE, null=True, shell="tls"),
    _str("tls-client-key-file", None, VOLATILE, null=True, shell="tls"),
    _str("tls-client-key-file-pass", None, null=True, shell="tls"),
    _str("tls-dh-params-file", None, VOLATILE, null=True, shell="tls"),
    _str("tls-ca-cert-file", None, VOLATILE, null=True, shell="tls"),
    _str("tls-ca-cert-dir", None, VOLATILE, null=True, shell="tls"),
    _str("tls-protocols", None, null=True, shell="tls"),
    _str("tls-ciphers", None, null=True, shell="tls"),
    _str("tls-ciphersuites", None, null=True, shell="tls"),

    # special syntax
    Dir("dir", flags=PROTECTED | DENY_LOADING),
    Save("save", flags=MULTI_ARG, shell="disk_error"),
    ClientOutputBufferLimit("client-output-buffer-limit", flags=MULTI_ARG,
                            engine=EngineField("obuf_hard_limit", "obuf_soft_limit",
                                               "obuf_soft_seconds", "obuf_pubsub_hard",
                                               "obuf_pubsub_soft", "obuf_pubsub_seconds",
                                               convert=_client_class_limits)),
    OOMScoreAdjValues("oom-score-adj-values", flags=MULTI_ARG, shell="oom_score_adj"),
    NotifyKeyspaceEvents("notify-keyspace-events", engine="notify_flags"),
    Bind("bind", flags=MULTI_ARG, shell="bind"),
    ReplicaOf("replicaof", alias="slaveof", flags=IMMUTABLE | MULTI_ARG),
    LatencyPercentiles("latency-tracking-info-percentiles", flags=MULTI_ARG),
]

# name (lowercase) -> (param, the name it is registered under).  Aliases are
# entries of their own, as in Redis: CONFIG GET * lists them and a duplicate
# check only catches the very same entry.
ENTRIES = {}
for _p in PARAMS:
    ENTRIES[_p.name] = (_p, _p.name)
    if _p.alias:
        ENTRIES[_p.alias] = (_p, _p.alias)
del _p

# Directives the file parser accepts and ignores (name -> allowed argc incl. name).
DEPRECATED = {"list-max-ziplist-entries": 2, "list-max-ziplist-value": 2,
               "lua-replicate-commands": 2}
# Non-parameter directives a config file may hold; CONFIG REWRITE keeps them.
FILE_ONLY = ("include", "rename-command", "user", "loadmodule", "sentinel")


def lookup(name):
    """The Param for a name or alias (case-insensitive), or None."""
    e = ENTRIES.get(_lower(_s(name)))
    return e[0] if e else None

