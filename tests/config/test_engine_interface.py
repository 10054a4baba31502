"""The interface between the shell and the engine, as the parameter table
declares it: each row the engine reads names its field(s), each row the
server applies names its hook, and Config.attach checks both at start-up.
"""

import pytest

from rkvd import config as C
from rkvd.config import Config, ConfigError, EngineField

Engine = pytest.importorskip("rkvd._core.server").Engine

NO_HOOKS = {"port": lambda cfg: None, "bind": lambda cfg: None,
            "disk_error": lambda cfg: None, "rdb_key_save_delay": lambda cfg: None,
            "appendonly": lambda cfg: None, "aof_gc": lambda cfg: None,
            "maxmemory": lambda cfg: None, "crash_log": lambda cfg: None, "watchdog": lambda cfg: None,
            "slow_hook": lambda cfg: None, "requirepass": lambda cfg: None,
            "maxclients": lambda cfg: None, "tls": lambda cfg: None,
            "tls_port": lambda cfg: None, "tls_auth": lambda cfg: None,
            "repl_backlog_size": lambda cfg: None, "min_replicas": lambda cfg: None,
            "client_eviction": lambda cfg: None, "oom_score_adj": lambda cfg: None}

# the tls-* parameters a new TLS context is built for
TLS_CONTEXT_PARAMS = (
    "tls-session-cache-size", "tls-session-cache-timeout", "tls-cluster", "tls-replication",
    "tls-prefer-server-ciphers", "tls-session-caching", "tls-cert-file", "tls-key-file",
    "tls-key-file-pass", "tls-client-cert-file", "tls-client-key-file",
    "tls-client-key-file-pass", "tls-dh-params-file", "tls-ca-cert-file", "tls-ca-cert-dir",
    "tls-protocols", "tls-ciphers", "tls-ciphersuites")

# parameter -> {engine field: value the engine holds with the defaults}
ENGINE_FIELDS = {
    "proto-max-bulk-len": {"proto_max_bulk_len": 512 << 20},
    "client-query-buffer-limit": {"client_max_querybuf_len": 1 << 30},
    "maxclients": {"maxclients": 10000},
    "protected-mode": {"protected_mode": True},
    "tcp-keepalive": {"tcp_keepalive": 300},
    "hz": {"hz": 10},
    "loglevel": {"verbosity_debug": False},
    "notify-keyspace-events": {"notify_flags": 0},
    "hash-max-listpack-entries": {"hash_max_listpack_entries": 512},
    "hash-max-listpack-value": {"hash_max_listpack_value": 64},
    "set-max-intset-entries": {"set_max_intset_entries": 512},
    "zset-max-listpack-entries": {"zset_max_listpack_entries": 128},
    "zset-max-listpack-value": {"zset_max_listpack_value": 64},
    "list-max-listpack-size": {"list_max_listpack_size": -2},
    "list-compress-depth": {"list_compress_depth": 0},
    "hll-sparse-max-bytes": {"hll_sparse_max_bytes": 3000},
    "maxmemory-policy": {"lfu_mode": False, "maxmemory_policy": 7},
    "maxmemory": {"maxmemory": 0},
    "maxmemory-samples": {"maxmemory_samples": 5},
    "maxmemory-eviction-tenacity": {"maxmemory_eviction_tenacity": 10},
    "lazyfree-lazy-eviction": {"lazyfree_lazy_eviction": False},
    "lazyfree-lazy-user-del": {"lazyfree_lazy_user_del": False},
    "lazyfree-lazy-expire": {"lazyfree_lazy_expire": False},
    "lazyfree-lazy-server-del": {"lazyfree_lazy_server_del": False},
    "lazyfree-lazy-user-flush": {"lazyfree_lazy_user_flush": False},
    "replica-lazy-flush": {"replica_lazy_flush": False},
    "replica-ignore-maxmemory": {"replica_ignore_maxmemory": True},
    "replica-read-only": {"replica_read_only": True},
    "replica-serve-stale-data": {"replica_serve_stale_data": True},
    "lfu-log-factor": {"lfu_log_factor": 10},
    "lfu-decay-time": {"lfu_decay_time": 1},
    "client-output-buffer-limit": {"obuf_hard_limit": 0, "obuf_soft_limit": 0,
                                   "obuf_soft_seconds": 0, "obuf_pubsub_hard": 32 << 20,
                                   "obuf_pubsub_soft": 8 << 20, "obuf_pubsub_seconds": 60},
    "sanitize-dump-payload": {"sanitize_dump_payload": 0},
    "tracking-table-max-keys": {"tracking_table_max_keys": 1000000},
    "timeout": {"maxidletime": 0},
    "stream-node-max-bytes": {"stream_node_max_bytes": 4096},
    "stream-node-max-entries": {"stream_node_max_entries": 100},
    "latency-tracking": {"latency_tracking": True},
}


def engine():
    return Engine(None, 16)


def attached(text=""):
    cfg = Config()
    cfg.load_string(text)
    e = engine()
    cfg.attach(e, NO_HOOKS)
    return cfg, e


def test_the_rows_that_name_engine_fields():
    declared = {p.name: p.engine.fields for p in C.PARAMS if p.engine is not None}
    assert declared == {name: tuple(fields) for name, fields in ENGINE_FIELDS.items()}
    assert {p.name: p.shell for p in C.PARAMS if p.shell is not None} == \
        {"port": "port", "bind": "bind", "save": "disk_error",
         "stop-writes-on-bgsave-error": "disk_error", "rdb-key-save-delay": "rdb_key_save_delay",
         "appendonly": "appendonly", "aof-disable-auto-gc": "aof_gc", "maxmemory": "maxmemory",
         "maxmemory-clients": "client_eviction", "oom-score-adj": "oom_score_adj",
         "oom-score-adj-values": "oom_score_adj",
         "crash-log-enabled": "crash_log", "watchdog-period": "watchdog", "slowlog-log-slower-than": "slow_hook",
         "slowlog-max-len": "slow_hook", "latency-monitor-threshold": "slow_hook",
         "maxclients": "maxclients", "requirepass": "requirepass",
         "tls-port": "tls_port", "tls-auth-clients": "tls_auth",
         "repl-backlog-size": "repl_backlog_size", "min-replicas-to-write": "min_replicas",
         "min-replicas-max-lag": "min_replicas",
         **{name: "tls" for name in TLS_CONTEXT_PARAMS}}


def test_attach_fills_the_engine():
    e = engine()
    # Deliberately not the defaults the engine starts with.
    e.hz = e.maxclients = e.tcp_keepalive = e.hll_sparse_max_bytes = 1
    e.obuf_soft_seconds = 99
    Config().attach(e, NO_HOOKS)
    for fields in ENGINE_FIELDS.values():
        for field, value in fields.items():
            assert getattr(e, field) == value, field


def test_attach_converts():
    cfg, e = attached("loglevel verbose\nmaxmemory-policy volatile-lfu\n"
                      "client-output-buffer-limit normal 1mb 2mb 3\nnotify-keyspace-events Kx\n")
    assert e.verbosity_debug is True and e.lfu_mode is True and e.maxmemory_policy == 1
    assert (e.obuf_hard_limit, e.obuf_soft_limit, e.obuf_soft_seconds) == (1 << 20, 2 << 20, 3)
    assert e.notify_flags == C.NOTIFY_KEYSPACE | C.NOTIFY_EXPIRED
    assert attached("sanitize-dump-payload clients\n")[1].sanitize_dump_payload == 2


def test_hz_reaches_the_engine_clamped():
    cfg = Config()
    cfg.set("hz", "0")                      # no clamping on this path
    e = engine()
    cfg.attach(e, NO_HOOKS)
    assert e.hz == 1
    cfg.config_set([(b"hz", b"100000")])
    assert e.hz == cfg["hz"] == 500


def test_config_set_pushes_only_what_it_changes():
    cfg, e = attached()
    e.maxclients = 7                        # not touched by the next CONFIG SET
    cfg.config_set([(b"tcp-keepalive", b"5"), (b"hash-max-ziplist-entries", b"3"),
                    (b"loglevel", b"debug")])
    assert (e.tcp_keepalive, e.hash_max_listpack_entries) == (5, 3)
    assert e.verbosity_debug is True and e.maxclients == 7


def test_an_engine_refusal_rolls_config_set_back():
    cfg, e = attached()
    with pytest.raises(ConfigError) as ei:
        cfg.config_set([(b"hz", b"20"), (b"client-output-buffer-limit",
                                         b"normal 18446744073709551615 0 0")])
    assert str(ei.value).startswith("ERR CONFIG SET failed (possibly related to argument "
                                    "'client-output-buffer-limit') - OverflowError: ")
    assert cfg["hz"] == e.hz == 10
    assert cfg["client-output-buffer-limit"]["normal"] == (0, 0, 0) and e.obuf_hard_limit == 0


def test_set_and_set_value_reach_the_engine():
    cfg, e = attached()
    cfg.set_value("maxclients", 12)
    assert e.maxclients == 12
    cfg.set("lfu-log-factor", "3")
    assert e.lfu_log_factor == 3


def test_shell_hooks_run_on_change():
    calls = []
    cfg = Config()
    cfg.attach(engine(), dict(NO_HOOKS, port=lambda c: calls.append(("port", c["port"])),
                              bind=lambda c: calls.append(("bind", c["bind"]))))
    cfg.config_set([(b"port", b"6379")])            # unchanged
    cfg.config_set([(b"port", b"7000"), (b"bind", b"127.0.0.1")])
    assert calls == [("port", 7000), ("bind", ["127.0.0.1"])]


def test_a_misspelt_engine_field_fails_at_attach(monkeypatch):
    monkeypatch.setattr(C.lookup("hz"), "engine", EngineField("hzz"))
    e = engine()
    with pytest.raises(AttributeError, match="config parameter 'hz' names engine field 'hzz', "
                                             "which Engine does not have"):
        Config().attach(e, NO_HOOKS)


def test_a_misspelt_field_in_several_fails_at_attach(monkeypatch):
    p = C.lookup("client-output-buffer-limit")
    monkeypatch.setattr(p, "engine", EngineField("obuf_hard_limit", "obuf_soft_limt",
                                                 "obuf_soft_seconds", convert=p.engine.convert))
    with pytest.raises(AttributeError, match="'obuf_soft_limt'"):
        Config().attach(engine(), NO_HOOKS)


def test_hooks_must_match_the_rows():
    with pytest.raises(ValueError, match="shell hooks"):
        Config().attach(engine(), {"port": lambda c: None})
    with pytest.raises(ValueError, match="shell hooks"):
        Config().attach(engine(), dict(NO_HOOKS, prot=lambda c: None))


def test_attach_once():
    cfg, e = attached()
    with pytest.raises(ValueError, match="already attached"):
        cfg.attach(e, NO_HOOKS)


def test_engine_field_declarations():
    assert C.lookup("tcp-keepalive").engine.values(5) == [("tcp_keepalive", 5)]
    with pytest.raises(ValueError):
        EngineField()
    with pytest.raises(ValueError):
        EngineField("a", "b")                   # several fields need a convert
    with pytest.raises(ValueError):
        EngineField("a", "b", convert=lambda v: (1, 2, 3)).values(0)
    with pytest.raises(TypeError):
        C.kinds.Save("x", check=lambda cfg, v: None)
