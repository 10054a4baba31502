"""Directives whose feature rkvd does not have yet are never taken at face value.

A value that would promise durability, a memory bound, a listener, a
replica's copy or an access rule is refused: start-up fails with redis-server's
fatal config error report, CONFIG SET with its failure reply, and the stored
value stays.  A value that merely does nothing yet is stored, shown by CONFIG
GET and warned about in the log at start-up and on CONFIG SET.
"""

import os
import re
import subprocess
import sys

import pytest

import support
from rkvd import config as C
from rkvd.config import Config, ConfigError, ConfigFileError

# (directive, a value that needs the missing feature, the reason rkvd gives)
REFUSED = [
    ("cluster-enabled", "yes",
     "Cluster mode is not built in rkvd yet: this server would run standalone"),
]

# Config-file-only directives (no CONFIG SET counterpart).
REFUSED_FILE_ONLY = [
    ("loadmodule /usr/lib/redis/modules/m.so",
     "Module loading is not built in rkvd yet: the module's commands would not exist"),
    ("mymodule.setting 5",
     "Module loading is not built in rkvd yet: no module would read this setting"),
]

# (directive, value, what CONFIG GET then shows, a value needing nothing, the warning logged)
# Every directive that merely does nothing yet has since been built; the
# warning path is checked on a stand-in row (test_warned_by_config_set).
WARNED = []
STAND_IN = ("watchdog-period", "200", "200", "0",
            "WARNING: 'watchdog-period 200' has no effect. The software watchdog is not built in "
            "rkvd yet: a stalled event loop would log no stack trace.")
WARN_DEFAULTS = 'protected-mode no\n'     # turns off the warning the defaults earn

# Values of the same directives that need nothing missing: accepted silently.
HARMLESS = [("maxmemory", "0"), ("replicaof", "no one"), ("min-replicas-to-write", "0"),
            ("cluster-enabled", "no"), ("tls-port", "0"), ("tls-replication", "no"),
            ("tls-cluster", "no"), ("aclfile", '""'), ("save", '""'),
            ("protected-mode", "no")]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


class Sink:
    def __init__(self):
        self.lines = []

    def warning(self, msg):
        self.lines.append(msg)


def _fatal(line, reason, linenum):
    return (b"\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
            b"Reading the configuration file, at line %d\n>>> '%s'\n%s\n"
            % (linenum, line.encode(), reason.encode()))


# ---------------------------------------------------------------------------
# The declarations
# ---------------------------------------------------------------------------

def test_the_table():
    declared = {p.name: p.not_built.refuse for p in C.PARAMS if p.not_built is not None}
    assert declared == {"cluster-enabled": True}
    assert all(nb.refuse for nb in C.FILE_ONLY_NOT_BUILT.values())


def test_defaults_need_nothing_missing():
    cfg = Config()
    assert cfg.not_built_warnings() == []
    cfg.load_string(WARN_DEFAULTS)
    assert cfg.not_built_warnings() == []


def test_shipped_config_needs_nothing_missing():
    import rkvd.systemd
    path = os.path.join(os.path.dirname(rkvd.systemd.__file__), "rkvd.conf")
    text = open(path).read().replace("dir /var/lib/rkvd", "dir .")
    cfg = Config()
    cfg.load_string(text)
    assert cfg.not_built_warnings() == []


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,value,reason", REFUSED)
def test_refused_in_config_text(name, value, reason):
    cfg = Config()
    with pytest.raises(ConfigFileError) as ei:
        cfg.load_string("port 7000\n%s %s\n" % (name, value))
    assert (ei.value.linenum, ei.value.reason) == (2, reason)
    # The same text is a plain Redis configuration to the model.
    model = Config(accept_unbuilt=True)
    model.load_string("%s %s\n" % (name, value))
    assert model.get_str(name) != Config().get_str(name)


@pytest.mark.parametrize("line,reason", REFUSED_FILE_ONLY)
def test_refused_file_only_directives(line, reason):
    with pytest.raises(ConfigFileError) as ei:
        Config().load_string(line + "\n")
    assert (ei.value.linenum, ei.value.reason) == (1, reason)
    Config(accept_unbuilt=True).load_string(line + "\n")


@pytest.mark.parametrize("name,value", HARMLESS)
def test_values_needing_nothing_missing_are_accepted(name, value):
    cfg = Config()
    cfg.logger = Sink()
    cfg.load_string(WARN_DEFAULTS + "%s %s\n" % (name, value))
    assert cfg.not_built_warnings() == [] and cfg.logger.lines == []


@pytest.mark.parametrize("name,value,reason", [r for r in REFUSED
                                               if not C.lookup(r[0]).flags & C.IMMUTABLE])
def test_refused_by_config_set(name, value, reason):
    cfg = Config()
    cfg.logger = sink = Sink()
    before = dict(cfg.config_get([b"*"]))
    with pytest.raises(ConfigError) as ei:
        cfg.config_set([(b"hz", b"20"), (name.encode(), value.encode())])
    assert str(ei.value) == ("ERR CONFIG SET failed (possibly related to argument '%s') - %s"
                             % (name, reason))
    assert dict(cfg.config_get([b"*"])) == before      # hz too: all or nothing
    assert sink.lines == []


def test_immutable_ones_stay_immutable():
    # CONFIG SET never reaches the value of these: Redis refuses them as immutable.
    for name in ("replicaof", "slaveof", "cluster-enabled", "aclfile"):
        assert C.lookup(name).flags & C.IMMUTABLE


def test_warned_by_config_set(monkeypatch):
    from rkvd.config.kinds import warn
    name, value, shown, off, warning = STAND_IN
    monkeypatch.setattr(C.lookup(name), "not_built",
                        warn("The software watchdog", "a stalled event loop would log no stack trace"))
    cfg = Config()
    cfg.load_string(WARN_DEFAULTS)
    cfg.logger = sink = Sink()
    cfg.config_set([(name.encode(), value.encode())])
    assert sink.lines == [warning]
    assert cfg.config_get([name.encode()]) == [(name, shown)]
    assert cfg.not_built_warnings() == [warning]
    cfg.config_set([(name.encode(), off.encode())])   # switching it off says nothing
    assert sink.lines == [warning]
    assert cfg.not_built_warnings() == []


# ---------------------------------------------------------------------------
# The process
# ---------------------------------------------------------------------------

def run_rkvd(args, cwd):
    cmd = [sys.executable, "-m", "rkvd"]
    env = support.server_environment(cmd)
    env.pop("PYTHONMALLOC", None)
    return subprocess.run(cmd + list(args), cwd=cwd, capture_output=True, env=env, timeout=60)


@pytest.mark.parametrize("name,value,reason", REFUSED)
def test_start_up_refuses_command_line(name, value, reason, tmp_path):
    r = run_rkvd(["--port", "0", "--%s" % name, *value.split(" ")], tmp_path)
    quoted = " ".join('"%s"' % v for v in value.split(" "))
    assert r.returncode == 1
    assert r.stderr == _fatal("%s %s" % (name, quoted), reason, 3)
    assert r.stdout == b""


@pytest.mark.parametrize("line,reason", [(n + " " + v, r) for n, v, r in REFUSED]
                         + REFUSED_FILE_ONLY)
def test_start_up_refuses_config_file(line, reason, tmp_path):
    (tmp_path / "r.conf").write_text("# rkvd\nport 0\n%s\n" % line)
    r = run_rkvd(["r.conf"], tmp_path)
    assert (r.returncode, r.stderr, r.stdout) == (1, _fatal(line, reason, 3), b"")


def _rkvd_only():
    if os.environ.get("RKVD_TEST_SERVER_CMD", "").strip():
        pytest.skip("checks rkvd's own policy")


def _log_lines(server, text):
    return [line for line in server.stdout().splitlines() if text in line]


def test_start_up_warns_once_per_directive(rkvd_factory):
    _rkvd_only()
    server = rkvd_factory("--save", "900 1", "--notify-keyspace-events", "KEA",
                          "--save", "300 10", "--protected-mode", "yes")
    out = server.stdout()
    warnings = [line for line in out.splitlines() if "is not built in rkvd yet" in line]
    assert warnings == [], out      # notify-keyspace-events and protected mode are built
    with server.raw() as c:
        assert c.command("CONFIG", "GET", "save") == b"*2\r\n$4\r\nsave\r\n$12\r\n900 1 300 10\r\n"
        assert c.command("CONFIG", "GET", "notify-keyspace-events") == \
            b"*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n"


def test_no_warning_when_nothing_missing_is_asked_for(rkvd_factory):
    _rkvd_only()
    server = rkvd_factory("--protected-mode", "no")     # the test options say save ""
    assert _log_lines(server, "is not built in rkvd yet") == []


def test_live_config_set(rkvd_factory):
    _rkvd_only()
    server = rkvd_factory("--protected-mode", "no")
    with server.raw() as c:
        for name, value, reason in REFUSED:
            before = c.command("CONFIG", "GET", name)
            reply = c.command("CONFIG", "SET", name, value)
            if C.lookup(name).flags & C.IMMUTABLE:
                assert reply == (b"-ERR CONFIG SET failed (possibly related to argument '%s') "
                                 b"- can't set immutable config\r\n" % name.encode())
            else:
                assert reply == (b"-ERR CONFIG SET failed (possibly related to argument '%s') "
                                 b"- %s\r\n" % (name.encode(), reason.encode()))
            assert c.command("CONFIG", "GET", name) == before
        assert _log_lines(server, "is not built in rkvd yet") == []
        for name, value, shown, off, _warning in WARNED:
            assert c.command("CONFIG", "SET", name, value) == b"+OK\r\n"
            assert c.command("CONFIG", "GET", name) == b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
                len(name), name.encode(), len(shown), shown.encode())
            assert c.command("CONFIG", "SET", name, off) == b"+OK\r\n"
    lines = _log_lines(server, "is not built in rkvd yet")
    assert [line.split(" # ", 1)[1] for line in lines] == [w for *_, w in WARNED]


@pytest.mark.needs_redis
def test_refusal_has_redis_rejection_form(server_pair):
    # The reply to a refused value is shaped like Redis's reply to a value it rejects.
    rkvd, redis = server_pair()
    form = re.compile(rb"^-ERR CONFIG SET failed \(possibly related to argument "
                      rb"'appendonly'\) - [^\r\n]+\r\n$")
    with rkvd.raw() as ours, redis.raw() as real:
        assert form.match(real.command("CONFIG", "SET", "appendonly", "maybe"))
        assert form.match(ours.command("CONFIG", "SET", "appendonly", "maybe"))
