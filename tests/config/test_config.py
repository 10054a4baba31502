"""Configuration registry, config file/command line parsing, CONFIG GET/SET/
REWRITE, the CLI's error paths and the log format.

Where redis-server 7.0.15 is installed, the same inputs are also given to it
and the outputs (error texts, printed values, exit codes) must be identical.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

import support
from rkvd import config as C
from rkvd import log as L
from rkvd.config import Config, ConfigError, ConfigFileError, ConfigOpenError, parse_command_line

REPO = str(support.REPO_ROOT)
REDIS_SERVER = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server not installed")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    # `dir` chdirs the process; keep every test's cwd private and restored.
    monkeypatch.chdir(tmp_path)


def model():
    """The registry as a plain model of redis-server's: values that need a
    feature rkvd lacks are accepted (tests/config/test_not_built.py covers
    rkvd refusing them)."""
    return Config(accept_unbuilt=True)


def load(text):
    cfg = model()
    cfg.load_string(text)
    return cfg


def file_error(text):
    with pytest.raises(ConfigFileError) as ei:
        load(text)
    return ei.value


# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("line,expected", [
    ("port 6379", [b"port", b"6379"]),
    ("  a   b\tc  ", [b"a", b"b", b"c"]),
    ('logfile ""', [b"logfile", b""]),
    ("logfile ''", [b"logfile", b""]),
    (r'x "a\x41\n\"z\\"', [b"x", b'aA\n"z\\']),
    (r"x 'it\'s'", [b"x", b"it's"]),
    (r"x 'no\nescape'", [b"x", b"no\\nescape"]),
    ('x "a b" c', [b"x", b"a b", b"c"]),
    ('x a"b"', [b"x", b"ab"]),
    ('x a"b"c', None),
    ("", []),
    ('x "unterminated', None),
    ('x "closed"y', None),
    ("x 'closed'y", None),
])
def test_split_args(line, expected):
    assert C.split_args(line) == expected


def test_quote_round_trips_through_split_args():
    for value in [b"", b"plain", b'q"uo\\te', b"\n\r\t\x07\x08", bytes(range(256))]:
        assert C.split_args(b"x " + C.quote(value)) == [b"x", value]
    assert C.quote(b"a\x01\xff") == b'"a\\x01\\xff"'


@pytest.mark.parametrize("text,printed", [
    ("KEA", "AKE"), ("Ex", "xE"), ("gx", "gx"), ("A", "A"), ("AKEm", "AKEm"), ("xxE", "xE"),
    ("nd", "dn"), ("$", "$"), ("gh$lszxetd", "A"), ("KA", "AK"), ("", ""),
])
def test_notify_flags(text, printed):
    assert C.notify_flags_to_string(C.notify_flags_from_string(text)) == printed


def test_notify_flags_reject_unknown_class():
    assert C.notify_flags_from_string("KQ") is None


def test_absolute_path(tmp_path):
    cwd = os.getcwd()
    assert C.absolute_path("/etc/redis.conf") == "/etc/redis.conf"
    assert C.absolute_path("r.conf") == cwd + "/r.conf"
    assert C.absolute_path("../r.conf") == os.path.dirname(cwd) + "/r.conf"


# ---------------------------------------------------------------------------
# Registry and defaults
# ---------------------------------------------------------------------------

def test_defaults_print_like_redis():
    cfg = Config()
    expected = {
        "save": "3600 1 300 100 60 10000", "bind": "* -::*", "maxmemory": "0",
        "maxmemory-policy": "noeviction", "logfile": "", "appendonly": "no",
        "databases": "16", "proto-max-bulk-len": "536870912",
        "client-query-buffer-limit": "1073741824", "hz": "10",
        "latency-monitor-threshold": "0", "port": "6379", "notify-keyspace-events": "",
        "client-output-buffer-limit":
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        "oom-score-adj-values": "0 200 800", "unixsocketperm": "0", "pidfile": "",
        "latency-tracking-info-percentiles": "50 99 99.9", "replicaof": "",
        "shutdown-on-sigint": "default", "proc-title-template":
            "{title} {listen-addr} {server-mode}", "hash-max-listpack-entries": "512",
    }
    for name, text in expected.items():
        assert cfg.get_str(name) == text, name
    assert cfg.get_str("dir") == os.getcwd()


def test_typed_values():
    cfg = Config()
    assert cfg["port"] == 6379
    assert cfg["appendonly"] is False
    assert cfg["activerehashing"] is True
    assert cfg["save"] == [(3600, 1), (300, 100), (60, 10000)]
    assert cfg["bind"] == ["*", "-::*"]
    assert cfg["maxmemory-policy"] == "noeviction"
    assert cfg["unixsocket"] is None and cfg["logfile"] == ""
    assert cfg["replicaof"] is None
    assert cfg["shutdown-on-sigint"] == frozenset()
    assert cfg["client-output-buffer-limit"]["pubsub"] == (32 << 20, 8 << 20, 60)
    assert cfg["dir"] == os.getcwd()
    assert cfg["slave-read-only"] is True           # aliases read the same value
    assert "SLAVE-read-only" in cfg and "nope" not in cfg
    with pytest.raises(KeyError):
        cfg["nope"]


def test_registry_has_every_alias():
    aliases = {p.alias for p in C.PARAMS if p.alias}
    assert {"slave-serve-stale-data", "hash-max-ziplist-entries", "slaveof",
            "lua-time-limit", "list-max-ziplist-size", "min-slaves-to-write"} <= aliases
    assert C.lookup("slave-serve-stale-data") is C.lookup("replica-serve-stale-data")


# ---------------------------------------------------------------------------
# Config file syntax
# ---------------------------------------------------------------------------

def test_comments_blank_lines_and_case():
    cfg = load("  # comment\n\t\n\nMAXMEMORY 1mb   \r\nport 7000\n")
    assert cfg["maxmemory"] == 1 << 20 and cfg["port"] == 7000


def test_later_directives_override():
    cfg = load("port 1\nport 2\nloglevel debug\nloglevel warning\n")
    assert cfg["port"] == 2 and cfg["loglevel"] == "warning"


def test_quoting_and_escapes():
    cfg = load("requirepass \"a\\x41\\n\\\"z\"\nmasterauth 'it\\'s'\nlogfile ''\n")
    assert cfg["requirepass"] == 'aA\n"z'
    assert cfg["masterauth"] == "it's"
    assert cfg["logfile"] == ""


def test_aliases_in_file():
    cfg = load("slave-serve-stale-data no\nhash-max-ziplist-entries 20\n"
               "hash-max-listpack-entries 21\nslaveof 10.0.0.1 6380\n")
    assert cfg["replica-serve-stale-data"] is False
    assert cfg["hash-max-listpack-entries"] == 21
    assert cfg.get_str("hash-max-ziplist-entries") == "21"
    assert cfg["replicaof"] == ("10.0.0.1", 6380)
    assert cfg.get_str("slaveof") == "10.0.0.1 6380"


def test_save_file_semantics():
    # The first save line replaces the defaults, later ones add to it.
    assert load("save 100 10\nsave 200 20\n").get_str("save") == "100 10 200 20"
    assert load("").get_str("save") == "3600 1 300 100 60 10000"
    assert load('save ""\n').get_str("save") == ""
    assert load("save\n").get_str("save") == ""
    assert load('save ""\nsave 100 10\n').get_str("save") == "100 10"
    assert load('save 100 10\nsave ""\nsave 200 20\n').get_str("save") == "200 20"
    assert load('save "100 10 200 20"\n').get_str("save") == "100 10 200 20"
    assert load("save \"100 '10'\"\n").get_str("save") == "100 10"
    assert load("save 1 4294967296\n").get_str("save") == "1 0"     # int changes wrap


def test_multi_arg_in_one_argument():
    cfg = load('bind "127.0.0.1 ::1"\nshutdown-on-sigint "save now"\n'
               'oom-score-adj-values "1 2 3"\n')
    assert cfg["bind"] == ["127.0.0.1", "::1"]
    assert cfg.get_str("shutdown-on-sigint") == "save now"
    assert cfg["shutdown-on-sigint"] == frozenset({"save", "now"})
    assert cfg["oom-score-adj-values"] == [1, 2, 3]


def test_bind_forms():
    assert load("bind 127.0.0.1 -::1\n")["bind"] == ["127.0.0.1", "-::1"]
    assert load("bind\n")["bind"] == []
    assert load('bind ""\n')["bind"] == []


def test_memory_units_in_file():
    cfg = load("maxmemory 1gb\nrepl-backlog-size 100mb\nclient-query-buffer-limit 2g\n"
               "hash-max-listpack-value 1k\n")
    assert cfg.get_str("maxmemory") == "1073741824"
    assert cfg["repl-backlog-size"] == 100 << 20
    assert cfg["client-query-buffer-limit"] == 2 * 10 ** 9
    assert cfg["hash-max-listpack-value"] == 1000


def test_octal_and_percent():
    assert load("unixsocketperm 700\n").get_str("unixsocketperm") == "700"
    assert load("unixsocketperm 0777\n")["unixsocketperm"] == 0o777
    assert load("maxmemory-clients 10%\n").get_str("maxmemory-clients") == "10%"
    assert load("maxmemory-clients 10%\n")["maxmemory-clients"] == -10


def test_hz_is_clamped_after_loading():
    assert load("hz 0\n")["hz"] == 1
    assert load("hz 100000\n")["hz"] == 500


def test_client_output_buffer_limit_lines():
    cfg = load("client-output-buffer-limit normal 1 2 3\n"
               "client-output-buffer-limit replica 1mb 2mb 30\n")
    assert cfg.get_str("client-output-buffer-limit") == \
        "normal 1 2 3 slave 1048576 2097152 30 pubsub 33554432 8388608 60"


def test_notify_keyspace_events_normalized():
    cfg = load("notify-keyspace-events KEA\n")
    assert cfg.get_str("notify-keyspace-events") == "AKE"
    assert cfg["notify-keyspace-events"] == C.NOTIFY_ALL | C.NOTIFY_KEYSPACE | C.NOTIFY_KEYEVENT


def test_deprecated_and_file_only_directives():
    cfg = load("list-max-ziplist-entries 5\nlua-replicate-commands yes\n"
               "rename-command flushdb badger\nrename-command config \"\"\n"
               "user alice on >pw ~* +@all\nloadmodule /x/m.so a b\nmymod.opt 1 2\n"
               "sentinel\n")
    assert cfg.renamed_commands == [("flushdb", "badger"), ("config", "")]
    assert cfg.users == [["alice", "on", ">pw", "~*", "+@all"]]
    assert cfg.loadmodules == [("/x/m.so", ["a", "b"])]
    assert cfg.module_configs == {"mymod.opt": "1 2"}


def test_rename_command_checked_when_names_known():
    cfg = model()
    cfg.command_names = {"get", "set"}
    cfg.load_string("rename-command get fetch\n")
    assert cfg.command_names == {"fetch", "set"}
    with pytest.raises(ConfigFileError, match="No such command in rename-command"):
        cfg.load_string("rename-command nosuch x\n")
    with pytest.raises(ConfigFileError, match="Target command name already exists"):
        cfg.load_string("rename-command set fetch\n")


def test_include(tmp_path):
    (tmp_path / "a.conf").write_text("port 7001\ninclude b.conf\n")
    (tmp_path / "b.conf").write_text("maxmemory 2mb\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "1.conf").write_text("loglevel debug\n")
    (tmp_path / "d" / "2.conf").write_text("loglevel warning\n")
    cfg = model()
    cfg.load_file(str(tmp_path / "a.conf"))
    assert cfg["port"] == 7001 and cfg["maxmemory"] == 2 << 20
    cfg.load_string("include d/*.conf\ninclude nothing-*.conf\n")
    assert cfg["loglevel"] == "warning"
    with pytest.raises(ConfigOpenError) as ei:
        cfg.load_string("include /nonexistent.conf\n")
    assert str(ei.value) == ("Fatal error, can't open config file '/nonexistent.conf': "
                             "No such file or directory")


def test_include_error_reports_included_line(tmp_path):
    (tmp_path / "inc.conf").write_text("# x\nport nope\n")
    e = file_error("port 1\ninclude inc.conf\n")
    assert (e.linenum, e.line) == (2, b"port nope")


def test_dir_changes_the_working_directory(tmp_path):
    (tmp_path / "data").mkdir()
    cfg = load("dir data\n")
    assert os.getcwd() == str(tmp_path / "data")
    assert cfg.get_str("dir") == str(tmp_path / "data")


@pytest.mark.parametrize("text,line,reason", [
    ("port\n", "port", "wrong number of arguments"),
    ('port "6379" "6380"\n', 'port "6379" "6380"', "wrong number of arguments"),
    ("foo bar\n", "foo bar", "Bad directive or wrong number of arguments"),
    ("port abc\n", "port abc", "argument couldn't be parsed into an integer"),
    ("port 65536\n", "port 65536", "argument must be between 0 and 65535 inclusive"),
    ("maxmemory 1xb\n", "maxmemory 1xb", "argument must be a memory value"),
    ("maxmemory-clients 101%\n", "maxmemory-clients 101%",
     "percentage argument must be less or equal to 100"),
    ("maxmemory-clients x\n", "maxmemory-clients x",
     "argument must be a memory or percent value"),
    ("unixsocketperm 1000\n", "unixsocketperm 1000",
     "argument must be between 0 and 777 inclusive"),
    ("unixsocketperm 9\n", "unixsocketperm 9", "argument couldn't be parsed as an octal number"),
    ("maxclients 0\n", "maxclients 0", "argument must be between 1 and 4294967295 inclusive"),
    ("hash-max-listpack-entries -1\n", "hash-max-listpack-entries -1",
     "argument must be between 0 and 9223372036854775807 inclusive"),
    ("appendonly maybe\n", "appendonly maybe", "argument must be 'yes' or 'no'"),
    ("loglevel foo\n", "loglevel foo",
     "argument(s) must be one of the following: debug, verbose, notice, warning"),
    ("save 1\n", "save 1", "Invalid save parameters"),
    ("save 0 1\n", "save 0 1", "Invalid save parameters"),
    ('port "6379\n', 'port "6379', "Unbalanced quotes in configuration line"),
    ("notify-keyspace-events Q\n", "notify-keyspace-events Q",
     "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
    ("replicaof 127.0.0.1 abc\n", "replicaof 127.0.0.1 abc", "Invalid master port"),
    ("oom-score-adj-values 1 2\n", "oom-score-adj-values 1 2", "wrong number of arguments"),
    ("shutdown-on-sigint nosave save\n", "shutdown-on-sigint nosave save",
     "shutdown options SAVE and NOSAVE can't be used simultaneously"),
    ("dbfilename a/b\n", "dbfilename a/b", "dbfilename can't be a path, just a filename"),
    ('appendfilename ""\n', 'appendfilename ""', "appendfilename can't be empty"),
    ('proc-title-template "{title"\n', 'proc-title-template "{title"',
     "template format is invalid or contains unknown variables"),
    ("activedefrag yes\n", "activedefrag yes",
     "Active defragmentation cannot be enabled: it requires a Redis server compiled with a "
     "modified Jemalloc like the one shipped by default with the Redis source distribution"),
    ("list-max-ziplist-entries 5 6\n", "list-max-ziplist-entries 5 6",
     "Bad directive or wrong number of arguments"),
    ("foo.bar\n", "foo.bar", "Module config specified without value"),
    ("sentinel monitor x\n", "sentinel monitor x",
     "sentinel directive while not in sentinel mode"),
    ("bind a b c d e f g h i j k l m n o p q\n", "bind a b c d e f g h i j k l m n o p q",
     "Too many bind addresses specified."),
    ("user foo on\nuser foo off\n", "user foo off",
     "Error in user declaration 'foo': Duplicate user found. A user can only be defined "
     "once in config files"),
    ("dir /nonexistent\n", "dir /nonexistent", "No such file or directory"),
])
def test_file_errors(text, line, reason):
    e = file_error(text)
    assert e.reason == reason
    assert e.line == line.encode()
    assert e.linenum == text.count("\n")


def test_fatal_text_format():
    e = file_error('\nport "6379" "6380"\n')
    assert e.fatal_text() == (b"\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
                              b"Reading the configuration file, at line 2\n"
                              b">>> 'port \"6379\" \"6380\"'\n"
                              b"wrong number of arguments\n")


def test_post_load_errors_have_no_line():
    e = file_error("logfile /nonexistent/dir/x\n")
    assert e.fatal_text() == (b"\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
                              b"Can't open the log file: No such file or directory\n")
    e = file_error("cluster-enabled yes\nreplicaof 127.0.0.1 6379\n")
    assert e.reason == "replicaof directive not allowed in cluster mode" and e.line is None


def test_user_validator_hook():
    cfg = Config()
    cfg.validate_user = lambda rules: (1, "Syntax error") if "badrule" in rules else None
    with pytest.raises(ConfigFileError) as ei:
        cfg.load_string("user foo on badrule\n")
    # Redis echoes the token at the rule's index in the whole line.
    assert ei.value.reason == "Error in user declaration 'foo': Syntax error"


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("args,options", [
    (["--port", "7000"], b'port "7000" '),
    (["--port"], b"port "),
    (["--port", "6379", "6380"], b'port "6379" "6380" '),
    (["--save"], b'save ""'),
    (["--save", "--loglevel", "verbose"], b'save ""\nloglevel "verbose" '),
    (["--loglevel", "verbose", "--save"], b'loglevel "verbose" \nsave ""'),
    (["--port --loglevel", "x"], b'port --loglevel "x" '),
    (["--maxmemory 700mb", "--maxmemory-policy volatile-lru"],
     b"maxmemory 700mb \nmaxmemory-policy volatile-lru "),
    (["--proc-title-template", "--my--title--template", "--loglevel", "verbose"],
     b'proc-title-template "--my--title--template" \nloglevel "verbose" '),
    (["--", "port"], b' "port" '),
])
def test_build_options(args, options):
    assert C.build_options(args) == (None, False, options)


def test_build_options_config_file_and_stdin():
    assert C.build_options(["r.conf", "--port", "1", "-"]) == ("r.conf", True, b'port "1" ')
    assert C.build_options(["-", "--port", "1"]) == (None, True, b'port "1" ')


def test_parse_command_line_overrides_file(tmp_path):
    (tmp_path / "r.conf").write_text("port 7000\nsave 900 1\nloglevel debug\n")
    cfg = parse_command_line(["r.conf", "--port", "7001", "--save", "100", "100"], model())
    assert cfg["port"] == 7001
    assert cfg.get_str("save") == "900 1 100 100"
    assert cfg["loglevel"] == "debug"
    assert cfg.loaded_from == str(tmp_path / "r.conf")
    cfg = parse_command_line(["r.conf", "--save", "", "--maxmemory '700mb'"], model())
    assert cfg.get_str("save") == "" and cfg["maxmemory"] == 700 << 20
    # As a separate argument the quotes are part of the value.
    with pytest.raises(ConfigFileError, match="argument must be a memory value"):
        parse_command_line(["--maxmemory", "'700mb'"], model())


def test_parse_command_line_stdin():
    import io
    cfg = parse_command_line(["-", "--port", "7002"], model(),
                             stdin=io.BytesIO(b"maxmemory 5mb\nport 1"))
    assert cfg["maxmemory"] == 5 << 20 and cfg["port"] == 7002


def test_parse_command_line_multi_arg_in_one_value():
    cfg = parse_command_line(["--shutdown-on-sigint", "nosave", "force", "now",
                              "--shutdown-on-sigterm", "nosave force"])
    assert cfg.get_str("shutdown-on-sigint") == "nosave now force"
    assert cfg.get_str("shutdown-on-sigterm") == "nosave force"


def test_parse_command_line_errors():
    with pytest.raises(ConfigFileError) as ei:
        parse_command_line(["--port", "--bla", "--loglevel", "verbose"])
    assert (ei.value.linenum, ei.value.line, ei.value.reason) == \
        (2, b'port "--bla"', "argument couldn't be parsed into an integer")
    with pytest.raises(ConfigOpenError):
        parse_command_line(["missing.conf"])


# ---------------------------------------------------------------------------
# CONFIG GET
# ---------------------------------------------------------------------------

def test_config_get_patterns_and_aliases():
    cfg = Config()
    got = dict(cfg.config_get([b"slave*"]))
    assert set(got) == {"slave-read-only", "slave-announce-ip", "slave-announce-port",
                        "slaveof", "slave-serve-stale-data", "slave-ignore-maxmemory",
                        "slave-priority", "slave-lazy-flush"}
    assert dict(cfg.config_get([b"*read-only*"])) == {"replica-read-only": "yes",
                                                      "slave-read-only": "yes"}
    assert cfg.config_get([b"PORT"]) == [("PORT", "6379")]
    assert cfg.config_get([b"port", b"PORT", b"p[o]rt", b"po*"]) == [("port", "6379")]
    assert cfg.config_get([b"nosuch", b"nosuch*"]) == []


def test_config_get_hidden_only_by_exact_name():
    cfg = Config()
    assert "key-load-delay" not in dict(cfg.config_get([b"*"]))
    assert cfg.config_get([b"key-load-delay"]) == [("key-load-delay", "0")]
    assert cfg.config_get([b"use-exit*"]) == []
    assert len(cfg.config_get([b"*"])) == 192


def test_config_get_multiple_args():
    cfg = Config()
    names = [n for n, _ in cfg.config_get([b"maxmemory", b"maxmemory*", b"bind", b"*of"])]
    assert names[0] == "maxmemory" and names.count("maxmemory") == 1
    assert {"maxmemory-policy", "maxmemory-samples", "maxmemory-clients",
            "maxmemory-eviction-tenacity", "bind", "replicaof", "slaveof"} <= set(names)


# ---------------------------------------------------------------------------
# CONFIG SET
# ---------------------------------------------------------------------------

def cset(cfg, *items, **kw):
    pairs = [(items[i].encode(), items[i + 1].encode()) for i in range(0, len(items), 2)]
    cfg.config_set(pairs, **kw)


def cset_error(cfg, *items, **kw):
    with pytest.raises(ConfigError) as ei:
        cset(cfg, *items, **kw)
    return str(ei.value)


def test_config_set_values():
    cfg = model()
    cset(cfg, "maxmemory", "1gb", "slave-read-only", "no", "save", "100 10 200 20",
         "notify-keyspace-events", "Ex", "bind", "127.0.0.1 ::1", "maxmemory-clients", "5%",
         "hz", "0", "repl-backlog-size", "1", "latency-tracking-info-percentiles",
         "0.0001 1e2 33.333333333")
    assert cfg.get_str("maxmemory") == "1073741824"
    assert cfg["replica-read-only"] is False
    assert cfg["save"] == [(100, 10), (200, 20)]
    assert cfg.get_str("notify-keyspace-events") == "xE"
    assert cfg["bind"] == ["127.0.0.1", "::1"]
    assert cfg.get_str("maxmemory-clients") == "5%"
    assert cfg["hz"] == 1                                   # clamped
    assert cfg["repl-backlog-size"] == C.REPL_BACKLOG_MIN_SIZE
    assert cfg.get_str("latency-tracking-info-percentiles") == "0.0001 100 33.333333"
    cset(cfg, "save", "", "bind", "")
    assert cfg["save"] == [] and cfg["bind"] == []


def test_config_set_error_texts():
    cfg = Config()
    assert cset_error(cfg, "foo", "bar") == \
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
    assert cset_error(cfg, "daemonize", "yes") == \
        "ERR CONFIG SET failed (possibly related to argument 'daemonize') - " \
        "can't set immutable config"
    assert cset_error(cfg, "port", "abc") == \
        "ERR CONFIG SET failed (possibly related to argument 'port') - " \
        "argument couldn't be parsed into an integer"
    assert cset_error(cfg, "maxmemory", "1gb", "MAXMEMORY", "2gb") == \
        "ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter"
    assert cset_error(cfg, "SLAVE-read-only", "maybe") == \
        "ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - " \
        "argument must be 'yes' or 'no'"
    assert cset_error(cfg, "dir", "somedir") == \
        "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"
    # The first problem found wins.
    assert "immutable" in cset_error(cfg, "daemonize", "yes", "foo", "bar")
    assert "Unknown option" in cset_error(cfg, "port", "abc", "foo", "bar")
    assert cset_error(cfg, "save", "100  10").endswith("Invalid save parameters")
    # A name and its alias are different entries, as in Redis.
    cset(cfg, "replica-read-only", "no", "slave-read-only", "yes")
    assert cfg["replica-read-only"] is True


def test_config_set_protected_and_loading(tmp_path):
    cfg = load("enable-protected-configs local\n")
    assert "protected" in cset_error(cfg, "dbfilename", "x.rdb")
    cset(cfg, "dbfilename", "x.rdb", local=True)
    assert cfg["dbfilename"] == "x.rdb"
    cfg = load("enable-protected-configs yes\n")
    (tmp_path / "sub").mkdir()
    cset(cfg, "dir", "sub")
    assert os.getcwd() == str(tmp_path / "sub")
    assert cset_error(cfg, "dir", "/nonexistent").endswith("- No such file or directory")
    assert cset_error(cfg, "dir", "x", loading=True) == \
        "LOADING Redis is loading the dataset in memory"
    cset(cfg, "loglevel", "debug", loading=True)


def test_config_set_rollback_on_set_error():
    cfg = model()
    cset(cfg, "maxmemory", "10000002")
    err = cset_error(cfg, "maxmemory", "10000001", "maxmemory-clients", "200%",
                     "client-query-buffer-limit", "invalid")
    assert err == "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - " \
                  "percentage argument must be less or equal to 100"
    assert cfg["maxmemory"] == 10000002
    assert cfg["maxmemory-clients"] == 0


def test_config_set_apply_hooks_run_once_and_roll_back():
    cfg = model()
    calls = []

    def shared(c):
        calls.append(("shared", c["min-replicas-to-write"], c["min-replicas-max-lag"]))

    def port_hook(c):
        calls.append(("port", c["port"]))
        if c["port"] == 1:
            raise ConfigError("Unable to listen on this port. Check server logs.")

    cfg.add_apply_hook("min-replicas-to-write", shared)
    cfg.add_apply_hook("min-slaves-max-lag", shared)
    cfg.add_apply_hook("port", port_hook)
    cset(cfg, "min-replicas-to-write", "2", "min-replicas-max-lag", "5")
    assert calls == [("shared", 2, 5)]
    calls.clear()
    cset(cfg, "min-replicas-to-write", "2")             # unchanged: no apply
    assert calls == []
    err = cset_error(cfg, "maxmemory", "1mb", "min-replicas-to-write", "3", "port", "1",
                     "min-slaves-max-lag", "6")
    assert err == "ERR CONFIG SET failed (possibly related to argument 'port') - " \
                  "Unable to listen on this port. Check server logs."
    assert cfg["port"] == 6379 and cfg["maxmemory"] == 0
    assert cfg["min-replicas-to-write"] == 2 and cfg["min-replicas-max-lag"] == 5
    # Apply (shared, port), then the restore re-runs both with the old values.
    assert calls == [("shared", 3, 6), ("port", 1), ("shared", 2, 5), ("port", 6379)]


def test_config_set_unexpected_hook_error_rolls_back():
    cfg = model()

    def broken(c):
        raise RuntimeError("boom")

    cfg.add_apply_hook("timeout", broken)
    assert cset_error(cfg, "maxmemory", "1mb", "timeout", "5") == \
        "ERR CONFIG SET failed (possibly related to argument 'timeout') - RuntimeError: boom"
    assert cfg["timeout"] == 0 and cfg["maxmemory"] == 0


def test_failed_load_leaves_config_set_semantics_intact():
    cfg = Config()
    with pytest.raises(ConfigFileError):
        cfg.load_string("save 100 10\nport x\n")
    cset(cfg, "save", "5 5")
    assert cfg["save"] == [(5, 5)]


def test_config_set_warnings_go_to_logger():
    cfg = Config()
    seen = []

    class Sink:
        def warning(self, msg):
            seen.append(msg)

    cfg.logger = Sink()
    cset(cfg, "oom-score-adj-values", "100 10 5")
    assert seen == ["The oom-score-adj-values configuration may not work for non-privileged "
                    "processes! Please consult the documentation."]


# ---------------------------------------------------------------------------
# CONFIG REWRITE
# ---------------------------------------------------------------------------

def test_rewrite_keeps_file_and_updates_lines(tmp_path):
    path = tmp_path / "r.conf"
    path.write_text("# my comment\nport 7000\nmaxmemory 1mb\nslave-read-only no\n\n"
                    "save 100 10\nsave 200 20\ninclude /dev/null\n"
                    "rename-command flushdb badger\nhash-max-ziplist-entries 20\n"
                    "hash-max-listpack-entries 21\nmymod.x 1\n")
    cfg = model()
    cfg.load_file(str(path))
    cfg.loaded_from = str(path)
    cset(cfg, "maxmemory", "2gb", "save", "", "notify-keyspace-events", "KEA",
         "client-output-buffer-limit", "pubsub 1mb 2mb 3", "maxmemory-clients", "10%")
    cfg.rewrite(users=["user default on nopass ~* &* +@all"])
    lines = path.read_text().split("\n")
    assert lines[:12] == ["# my comment", "port 7000", "maxmemory 2gb", "replica-read-only no",
                          "", 'save ""', "", "include /dev/null",
                          "rename-command flushdb badger", "hash-max-listpack-entries 21", "",
                          "# ??? mymod.x 1"]
    tail = lines[lines.index(C.REWRITE_SIGNATURE) + 1:]
    assert set(tail) == {"maxmemory-clients 10%", "client-output-buffer-limit pubsub 1mb 2mb 3",
                         'notify-keyspace-events "AKE"', 'dir "%s"' % tmp_path,
                         "user default on nopass ~* &* +@all", "",
                         # always written, as Redis does
                         "latency-tracking-info-percentiles 50 99 99.9"}
    # Rewriting again may move lines (Redis reuses the first client-output-
    # buffer-limit line for the 'normal' class too) but keeps the values.
    cfg.rewrite(users=["user default on nopass ~* &* +@all"])
    again = model()
    again.load_string(path.read_bytes().replace(b"# ??? mymod.x 1", b""))
    assert dict(again.config_get([b"*"])) == dict(cfg.config_get([b"*"]))


def test_rewrite_force_all_round_trips(tmp_path):
    path = tmp_path / "all.conf"
    cfg = model()
    cset(cfg, "save", "100 10", "bind", "127.0.0.1", "latency-tracking-info-percentiles", "",
         "shutdown-on-sigterm", "nosave now", "maxmemory-clients", "3%",
         "client-output-buffer-limit", "normal 1kb 3 5", "notify-keyspace-events", "Kx",
         "requirepass", 'p"w\n', "oom-score-adj-values", "1 2 3", "maxmemory", "3gb")
    cfg.rewrite(str(path), force_all=True)
    again = model()
    again.load_file(str(path))
    assert dict(again.config_get([b"*"])) == dict(cfg.config_get([b"*"]))
    for name in ("key-load-delay", "requirepass"):
        assert again.get_str(name) == cfg.get_str(name)


def test_rewrite_without_file():
    with pytest.raises(ConfigError, match="The server is running without a config file"):
        Config().rewrite()


# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------

LINE_RE = re.compile(r"^(\d+):([CMS]) \d\d [A-Z][a-z]{2} \d{4} "
                     r"\d\d:\d\d:\d\d\.\d{3} ([.\-*#]) (.*)$")


def test_log_format_levels_and_file(tmp_path):
    logfile = tmp_path / "r.log"
    cfg = load("logfile %s\nloglevel verbose\n" % logfile)
    log = L.Logger(cfg)
    log.debug("d")
    log.verbose("v")
    log.role = "M"
    log.notice("n")
    log.warning("w")
    log.raw("raw text\n")
    lines = logfile.read_text().splitlines()
    parsed = [LINE_RE.match(x).groups() for x in lines[:3]]
    pid = str(os.getpid())
    assert parsed == [(pid, "C", "-", "v"), (pid, "M", "*", "n"), (pid, "M", "#", "w")]
    assert lines[3] == "raw text"
    cset(cfg, "loglevel", "warning")
    log.notice("hidden")
    assert "hidden" not in logfile.read_text()


def test_log_appends_and_reopens(tmp_path):
    logfile = tmp_path / "r.log"
    logfile.write_text("### Starting test x\n")
    log = L.Logger(load("logfile %s\n" % logfile))
    log.warning("one")
    os.rename(logfile, tmp_path / "old.log")
    log.warning("two")                       # still the old (renamed) file
    log.reopen()
    log.warning("three")
    assert (tmp_path / "old.log").read_text().splitlines()[0] == "### Starting test x"
    assert "two" in (tmp_path / "old.log").read_text()
    assert "three" in logfile.read_text() and "two" not in logfile.read_text()


def test_log_long_message_truncated(tmp_path):
    logfile = tmp_path / "r.log"
    L.Logger(load("logfile %s\n" % logfile)).warning("x" * 5000)
    assert len(LINE_RE.match(logfile.read_text().rstrip("\n")).group(4)) == L.MAX_MESSAGE


def test_log_roles(tmp_path):
    logfile = tmp_path / "r.log"
    cfg = load("logfile %s\nreplicaof 127.0.0.1 6380\n" % logfile)
    log = L.Logger(cfg)
    log.role = "M"
    log.warning("replica")
    pid = os.fork()
    if pid == 0:
        log.warning("child")
        os._exit(0)
    os.waitpid(pid, 0)
    roles = [LINE_RE.match(x).group(2) for x in logfile.read_text().splitlines()]
    assert roles == ["S", "C"]


def test_startup_banner_has_pid(tmp_path):
    cfg = parse_command_line(["--port", "7777"])
    entries = L.startup_banner(cfg, 1234, 7777, logo=False)
    assert [t for _, t, _ in entries] == [
        "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
        "Redis version=7.0.15, bits=64, commit=00000000, modified=0, pid=1234, just started",
        "Configuration loaded",
        "Running mode=standalone, port=7777, PID: 1234."]
    level, logo, raw = L.startup_banner(cfg, 1234, 7777, logo=True)[-1]
    assert raw and " PID: 1234\n" in logo and "Port: 7777" in logo
    no_args = L.startup_banner(Config(), 1, 6379, logo=False)
    assert no_args[2][1].startswith("Warning: no config file specified")


def test_logger_banner_follows_always_show_logo(tmp_path):
    logfile = tmp_path / "r.log"
    log = L.Logger(load("logfile %s\nalways-show-logo yes\n" % logfile))
    log.startup_banner(6379)
    text = logfile.read_text()
    assert re.search(r" PID: %d\b" % os.getpid(), text)
    assert "Configuration loaded" not in text     # loaded from a string, no command line


# ---------------------------------------------------------------------------
# The CLI as a process (error paths exit before the engine is needed)
# ---------------------------------------------------------------------------

def run_rkvd(args, cwd, stdin=b""):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO, env.get("PYTHONPATH")]))
    env.pop("PYTHONMALLOC", None)
    return subprocess.run([sys.executable, "-m", "rkvd", *args], cwd=cwd, input=stdin,
                          capture_output=True, env=env, timeout=60)


def run_redis(args, cwd, stdin=b""):
    return subprocess.run([REDIS_SERVER, *args], cwd=cwd, input=stdin, capture_output=True,
                          timeout=10)


def test_cli_version_and_help(tmp_path):
    import rkvd
    r = run_rkvd(["--version"], tmp_path)
    assert r.returncode == 0
    assert r.stdout == ("Redis server v=7.0.15 sha=00000000:0 malloc=libc bits=64 "
                        "build=rkvd-%s\n" % rkvd.__version__).encode()
    r = run_rkvd(["-h"], tmp_path)
    assert r.returncode == 0 and r.stdout.startswith(b"Usage: rkvd [/path/to/redis.conf]")


def test_cli_fatal_error_text(tmp_path):
    r = run_rkvd(["--port", "6379", "6380"], tmp_path)
    assert r.returncode == 1
    assert r.stderr == (b"\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
                        b"Reading the configuration file, at line 2\n"
                        b">>> 'port \"6379\" \"6380\"'\nwrong number of arguments\n")
    # Redis names the token at the bad rule's index in the whole line
    r = run_rkvd(["--user", "foo", "badrule"], tmp_path)
    assert r.returncode == 1 and b"\nError in user declaration 'user': Syntax error\n" in r.stderr


def test_cli_reexec_keeps_pid(tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO)
    env.pop("PYTHONMALLOC", None)
    code = ("import os, sys; print(os.getpid(), flush=True); "
            "from rkvd.cli import main; main(['--port'])")
    p = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=60)
    assert int(out.split()[0]) == p.pid
    assert p.returncode == 1 and b">>> 'port'" in err


CLI_CASES = [
    ["--port"], ["--port", "6379", "6380"], ["--foo", "bar"], ["--port", "abc"],
    ["--maxmemory", "1xb"], ["--save", "1"], ["--loglevel", "foo"], ["--daemonize"],
    ["--shutdown-on-sigint"],
    ["--port", "0", "--logfile", "/nonexistent/dir/x"], ["--port", "0", "notanoption"],
    ["--hz", "-5"], ["--notify-keyspace-events", "Q"], ["--replicaof", "a", "b", "c"],
    ["--oom-score-adj-values", "1", "2"], ["--databases", "0"],
    ["--port", "6380", "--loglevel"], ["--port", "--loglevel", "verbose"],
    ["--port", "--bla", "--loglevel", "verbose"],
    ["--logfile", "--my--log--file", "--loglevel", "--bla"],
    ["--replicaof", "127.0.0.1", "abc"], ["--replicaof", "--127.0.0.1", "abc"],
    ["--replicaof", "--127.0.0.1", "--abc"], ["--maxmemory", "'700mb"], ["--", "port"],
    ["--shutdown-on-sigint", "now force", "--shutdown-on-sigterm"],
    ["--requirepass", "a\x01b\"\\", "--port", "x"], ["--port 1 2"], ["--save", "1", "2", "3"],
    ["--unixsocketperm", "999"], ["--maxmemory-clients", "101%"], ["-", "--port"],
]


@needs_redis
@pytest.mark.parametrize("args", CLI_CASES, ids=lambda a: " ".join(a))
def test_cli_errors_match_redis(args, tmp_path):
    ours, real = run_rkvd(args, tmp_path), run_redis(args, tmp_path)
    assert (ours.returncode, ours.stderr) == (real.returncode, real.stderr)
    assert real.returncode == 1


CONFIG_FILE_CASES = [
    "port 1\nport\n", "# c\n\nport abc\n", "save \"100 10 200\"\n", "include /nonexistent.conf\n",
    "bind a b c d e f g h i j k l m n o p q\n", "appendfilename \"\"\n",
    "foo.bar\n", "loadmodule\n",
    "port \"6379\"x\n", "maxmemory 5mb 6mb\n", "  PORT   7   8  \r\n",
]


def _strip_log_prefix(out):
    return re.sub(rb"^\d+:C \d\d \w{3} \d{4} [\d:.]+ ", b"", out, flags=re.M)


@needs_redis
@pytest.mark.parametrize("text", CONFIG_FILE_CASES)
def test_config_file_errors_match_redis(text, tmp_path):
    (tmp_path / "r.conf").write_text(text)
    ours, real = run_rkvd(["r.conf"], tmp_path), run_redis(["r.conf"], tmp_path)
    assert (ours.returncode, ours.stderr) == (real.returncode, real.stderr)
    assert _strip_log_prefix(ours.stdout) == _strip_log_prefix(real.stdout)
    assert real.returncode == 1


@needs_redis
def test_missing_config_file_matches_redis(tmp_path):
    ours, real = run_rkvd(["nonexist.conf"], tmp_path), run_redis(["nonexist.conf"], tmp_path)
    assert ours.returncode == real.returncode == 1
    assert _strip_log_prefix(ours.stdout) == _strip_log_prefix(real.stdout)
    expected = b"Fatal error, can't open config file '%s/nonexist.conf'" % bytes(tmp_path)
    assert expected in ours.stdout


# ---------------------------------------------------------------------------
# Against a live redis-server
# ---------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def real_redis(tmp_path):
    redis = pytest.importorskip("redis")
    if REDIS_SERVER is None:
        pytest.skip("redis-server not installed")
    port = _free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--save", "",
                             "--enable-protected-configs", "yes"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    try:
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.02)
        yield client, port
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)


def _real_get(client, *patterns):
    return {k.decode(): v.decode() for k, v in
            client.execute_command("CONFIG", "GET", *patterns).items()}


def test_defaults_match_redis(real_redis, tmp_path):
    client, port = real_redis
    real = _real_get(client, "*")
    cfg = Config()
    cset(cfg, "port", str(port), "save", "")
    cfg.set("enable-protected-configs", "yes")
    ours = dict(cfg.config_get([b"*"]))
    assert set(ours) == set(real)
    assert ours["dir"] == real["dir"] == str(tmp_path)
    assert {k: v for k, v in ours.items() if ours[k] != real[k]} == {}
    for hidden in ("use-exit-on-panic", "loading-process-events-interval-bytes",
                   "rdb-key-save-delay", "key-load-delay", "watchdog-period"):
        assert cfg.get_str(hidden) == _real_get(client, hidden)[hidden]


GET_CASES = [["slave*"], ["*read-only*"], ["PORT"], ["port", "port", "PORT"], ["p[o]rt", "port"],
             ["maxmemory", "maxmemory*", "bind", "*of"], ["key-load-delay"], ["use-exit*"],
             ["*max*ziplist*"], ["[a-c]*"], ["nosuch"], ["*-[^a-z]*"],
             # would take hours without stringmatch's give-up rule
             ["*?" * 20 + "!"], ["*?" * 7 + "!", "hz"],
             # a pattern is a C string (its glob ends at NUL), an exact name is not
             ["maxmemory-sampl*\0junk"], ["maxmemory-samples\0"], ["maxmemory-sampl\0*"],
             ["\0*"], ["[Z-a]*"], ["[\\H]z"]]


def test_config_get_matches_redis(real_redis):
    client, port = real_redis
    cfg = Config()
    cset(cfg, "port", str(port), "save", "")
    for patterns in GET_CASES:
        ours = dict(cfg.config_get([p.encode() for p in patterns]))
        assert ours == _real_get(client, *patterns), patterns


# Each case is a CONFIG SET argument list; both servers see them in order.
SET_CASES = [
    ["maxmemory", v] for v in ["", "1K", "1Kb", "1b", "-1", "99999999999999999999", "0x10",
                               " 5", "5 ", "+5", "1.5", "18446744073709551616", "20gb",
                               "17179869184gb", "0b", "00012", "1 kb", "5\0kb", "5kb\0x", "0"]
] + [
    ["hz", v] for v in ["0", "1000", "-5", " 5", "05", "abc", "7", "10"]
] + [
    ["maxmemory-clients", v] for v in ["10%", "0%", "-5%", "101%", "100%", "1mb", "5%%", "%",
                                       "99999999999999999999", "0"]
] + [
    ["maxclients", v] for v in ["0", "99999999999", "-1", "abc", "10000"]
] + [
    ["list-max-listpack-size", v] for v in ["1", "abc", "99999999999", "-1", "-2"]
] + [
    ["hash-max-listpack-entries", v] for v in ["9223372036854775807", "9223372036854775808",
                                               "-1", "512"]
] + [
    ["hash-max-listpack-value", v] for v in ["1k", "9223372036854775808", "-1", "64"]
] + [
    ["proto-max-bulk-len", v] for v in ["1", "1k", "-1", "512mb"]
] + [
    ["save", v] for v in ["100 10 200", "", "100  10", "100 10 200 20", "0 10", "1 -1", "1 0",
                          " 100 10", "100 10 ", "abc 1", "3600 1 3600 1", "+5 1",
                          "1 99999999999999999999"]
] + [
    ["notify-keyspace-events", v] for v in ["KEA", "Ex", "Q", "nd", "gh$lszxetd", "KA", ""]
] + [
    ["client-output-buffer-limit", v] for v in [
        "normal 1mb 2mb 3", "replica 1 2 3", "slave 1 2 3 pubsub 5k 6k 7", "master 1 2 3",
        "normal 1 2", "normal 1 2 -1", "normal 1 2 x", "normal -1 2 3", "",
        "normal 1 2 3 normal 4 5 6", "NORMAL 1 2 3", "normal 1 2 3 ", "normal 1 2 +3",
        "normal 1 2 0x10", "normal 1 2 99999999999999999999", "normal 1 2 4294967297",
        "normal 1\0 2 3",
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"]
] + [
    ["shutdown-on-sigint", v] for v in ["save now", "now save", "nosave save", "force nosave now",
                                        "default save", "foo", "", "SAVE", "save  now",
                                        "default"]
] + [
    ["latency-tracking-info-percentiles", v] for v in [
        "50 99.9 100", "", "101", "abc", "0.0001 1e2 33.333333333", "50.0 050", "-1",
        "1.23456789012345678", " 50", "inf", "nan", "-0", "0x10", "1e-400", "0x1p99999",
        "1e-310", "50 99 99.9"]
] + [
    ["oom-score-adj-values", v] for v in ["1 2", "a b c", "-2001 0 0", "0 200 800 ", "+5 0 0",
                                          "0 200 800"]
] + [
    # (binding itself is the server's apply hook, not exercised here)
    ["bind", "a b c d e f g h i j k l m n o p q"],
    ["dbfilename", "x/y"], ["dbfilename", ""], ["dbfilename", "dump.rdb"],
    ["dir", "/nonexistent"], ["dir", ""], ["dir", "."],
    ["proc-title-template", "{title} {foo}"], ["proc-title-template", ""],
    ["proc-title-template", "{title}"], ["proc-title-template", "{{title} {port}"],
    ["proc-title-template", "{title} {listen-addr} {server-mode}"],
    ["cluster-announce-hostname", "a_b"], ["cluster-announce-hostname", "a.b-c"],
    ["cluster-announce-hostname", "x" * 300], ["cluster-announce-hostname", ""],
    ["loglevel", "VERBOSE"], ["loglevel", "notice"], ["maxmemory-policy", "ALLKEYS-LRU"],
    ["maxmemory-policy", "noevict"], ["maxmemory-policy", "noeviction"],
    ["oom-score-adj", "relative"], ["acl-pubsub-default", "allchannels"],
    ["acl-pubsub-default", "resetchannels"], ["activedefrag", "yes"], ["activedefrag", "no"],
    ["appendonly", "maybe"], ["unixsocket", "x"], ["replicaof", "no one"],
    ["slaveof", "no one"], ["daemonize", "yes"], ["requirepass", ""],
    ["tls-port", "abc"], ["repl-backlog-size", "1"], ["repl-backlog-size", "1mb"],
    ["slave-read-only", "no"], ["replica-read-only", "yes", "slave-read-only", "no"],
    ["maxmemory", "1", "maxmemory", "2"], ["maxmemory", "1", "MAXMEMORY", "2"],
    ["foo", "bar", "daemonize", "yes"], ["daemonize", "yes", "foo", "bar"],
    ["port", "abc", "foo", "bar"],
    ["maxmemory", "10000001", "maxmemory-clients", "200%", "client-query-buffer-limit", "x"],
    ["maxmemory", "10000001", "repl-backlog-size", "10000002", "save", "3000 5"],
    ["lua-time-limit", "100"], ["busy-reply-threshold", "-1"], ["slowlog-log-slower-than", "-2"],
    ["client-query-buffer-limit", "1mb"], ["client-query-buffer-limit", "1048575"],
    ["active-expire-effort", "11"], ["io-threads", "2"], ["key-load-delay", "-5"],
]


def test_config_set_matches_redis(real_redis, tmp_path):
    redis = pytest.importorskip("redis")
    client, port = real_redis
    cfg = model()
    cset(cfg, "port", str(port), "save", "")
    cfg.set("enable-protected-configs", "yes")
    for args in SET_CASES:
        try:
            client.execute_command("CONFIG", "SET", *args)
            real = "OK"
        except redis.ResponseError as e:
            real = str(e)
        try:
            cset(cfg, *args, local=True)
            ours = "OK"
        except ConfigError as e:
            ours = str(e)
        ours = ours[4:] if ours.startswith("ERR ") else ours     # redis-py drops "ERR "
        assert ours == real, args
        names = args[::2]
        assert dict(cfg.config_get([n.encode() for n in names])) == _real_get(client, *names), \
            args


def test_rewrite_matches_redis(real_redis, tmp_path):
    client, port = real_redis
    text = ("# my comment\nport %d\nmaxmemory 1mb\nslave-read-only no\n\nsave 100 10\n"
            "save 200 20\ninclude /dev/null\nrename-command flushdb badger\n"
            "hash-max-ziplist-entries 20\nhash-max-listpack-entries 21\n" % port)
    client.close()
    client.connection_pool.disconnect()
    client.shutdown(nosave=True)
    (tmp_path / "real.conf").write_text(text)
    (tmp_path / "ours.conf").write_text(text)
    proc = subprocess.Popen([REDIS_SERVER, "real.conf"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                client.ping()
                break
            except Exception:
                time.sleep(0.02)
        changes = ["maxmemory", "2gb", "notify-keyspace-events", "KEA",
                   "client-output-buffer-limit", "pubsub 1mb 2mb 3", "bind", "127.0.0.1",
                   "maxmemory-clients", "10%", "save", "", "latency-tracking-info-percentiles",
                   "1.5 99", "shutdown-on-sigint", "nosave now"]
        client.execute_command("CONFIG", "SET", *changes)
        client.execute_command("CONFIG", "REWRITE")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    cfg = parse_command_line(["ours.conf"], model())
    cset(cfg, *changes)
    cfg.rewrite(users=["user default on nopass ~* &* +@all"])
    real = (tmp_path / "real.conf").read_text().split("\n")
    ours = (tmp_path / "ours.conf").read_text().split("\n")
    # Redis appends new lines in hash-table order; everything else is positional.
    cut = real.index(C.REWRITE_SIGNATURE)
    assert ours[:cut + 1] == real[:cut + 1]
    assert sorted(ours[cut + 1:]) == sorted(real[cut + 1:])
