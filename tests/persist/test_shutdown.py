"""SHUTDOWN and the shutdown signals (rkvd/server.py prepare_for_shutdown,
rkvd/_core/lib/signals.pyx) against redis-server 7.0.15.

Each case runs the same way on a private rkvd and a private redis-server and
compares what matters: the reply, whether the process exits and how, the
files left behind, and the log lines Redis writes from the shutdown request
on (their prefixes of pid, role and time taken off).
"""
import os
import re
import signal
import time

import pytest

import support
from support import RawConnection

pytestmark = pytest.mark.needs_redis

PREFIX = re.compile(r"^\d+:(?:[CMSX] \d+ \w{3} \d{4} [\d:.]+ [.\-*#] |signal-handler \(\d+\) )")
START = ("User requested shutdown...", "Received SIGTERM", "Received SIGINT", "Received shutdown")


def messages(server, since=0):
    """The log's messages (prefix removed) from the first shutdown line on,
    looking at the lines after the first `since`."""
    lines = [PREFIX.sub("", ln) for ln in server.stdout().splitlines()[since:]]
    # the process's own pid and directory differ between the two servers
    lines = [ln.replace(str(server.dir), "<dir>").replace(f"-{server.pid}.", "-<pid>.")
             for ln in lines if ln]
    for i, ln in enumerate(lines):
        if ln.startswith(START):
            return lines[i:]
    return []


def log_length(server):
    return len(server.stdout().splitlines())


def wait_log(server, text, timeout=10.0):
    deadline = time.monotonic() + timeout
    while text not in server.stdout():
        assert time.monotonic() < deadline, f"{server.name} never logged {text!r}:\n{server.stdout()[-3000:]}"
        time.sleep(0.05)


def fill(server, n=5):
    with server.raw() as c:
        for i in range(n):
            assert c.command("SET", f"k{i}", "v") == b"+OK\r\n"


def shutdown_reply(server, *args):
    """SHUTDOWN's reply, or None when the connection closed without one."""
    with server.raw() as c:
        c.send_command("SHUTDOWN", *args)
        try:
            return c.read_reply(10)
        except support.ConnectionClosed:
            return None


def same_outcome(rkvd, redis, since=(0, 0)):
    a, b = messages(rkvd, since[0]), messages(redis, since[1])
    assert a == b, f"shutdown lines differ:\n rkvd  {a}\n redis {b}"
    return a


# ---------------------------------------------------------------- arguments

def test_argument_errors(differ):
    for args in (("SHUTDOWN", "bogus"), ("SHUTDOWN", "SAVE", "NOSAVE"), ("SHUTDOWN", "ABORT", "NOW"),
                 ("SHUTDOWN", "NOSAVE", "ABORT"), ("SHUTDOWN", "ABORT"), ("SHUTDOWN", "abort")):
        differ.step(args)
    differ.step(("MULTI",))
    differ.step(("SHUTDOWN", "NOSAVE"))
    differ.step(("EXEC",))


# ---------------------------------------------------------------- the command

@pytest.mark.parametrize("args, save_points", [
    ((), ""), (("NOSAVE",), ""), (("SAVE",), ""), (("NOW",), ""), (("FORCE", "NOW"), ""),
    ((), "3600 1"), (("NOSAVE",), "3600 1"), (("SAVE", "NOW", "FORCE"), "3600 1"),
], ids=lambda v: "-".join(v) if isinstance(v, tuple) else (v or "nosavepoints"))
def test_shutdown_command(server_pair, args, save_points):
    rkvd, redis = server_pair("--save", save_points)
    for s in (rkvd, redis):
        fill(s)
        assert shutdown_reply(s, *args) is None
        assert s.wait(10) == 0, s.describe()
    lines = same_outcome(rkvd, redis)
    saved = "save" in [a.lower() for a in args] or (save_points and "NOSAVE" not in args)
    assert ("DB saved on disk" in lines) == bool(saved)
    for s in (rkvd, redis):
        assert (s.dir / "dump.rdb").exists() == bool(saved)


def test_pidfile_removed(rkvd_factory, redis_factory, tmp_path):
    servers = [rkvd_factory("--pidfile", str(tmp_path / "rkvd.pid")),
               redis_factory("--pidfile", str(tmp_path / "redis.pid"))]
    for s, name in zip(servers, ("rkvd", "redis")):
        assert (tmp_path / f"{name}.pid").read_text().strip() == str(s.pid)
        assert shutdown_reply(s) is None
        assert s.wait(10) == 0
        assert not (tmp_path / f"{name}.pid").exists()
    lines = same_outcome(*servers)
    assert "Removing the pid file." in lines


def test_failed_save_keeps_the_server_up(server_pair):
    rkvd, redis = server_pair("--save", "3600 1")
    for s in (rkvd, redis):
        fill(s)
        (s.dir / "dump.rdb").mkdir()        # the rename onto it fails
        assert shutdown_reply(s) == b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
        with s.raw() as c:
            assert c.command("PING") == b"+PONG\r\n"
    lines = same_outcome(rkvd, redis)
    assert lines[-2:] == ["Error trying to save the DB, can't exit.",
                          "Errors trying to shut down the server. Check the logs for more information."]
    # a signal fails the same way, and FORCE exits all the same
    since = [log_length(s) for s in (rkvd, redis)]
    for s in (rkvd, redis):
        s.signal(signal.SIGTERM)
        wait_log(s, "Errors trying to shut down the server", timeout=10)
    time.sleep(0.3)
    same_outcome(rkvd, redis, since=since)
    since = [log_length(s) for s in (rkvd, redis)]
    for s in (rkvd, redis):
        assert shutdown_reply(s, "FORCE") is None
        assert s.wait(10) == 0
    lines = same_outcome(rkvd, redis, since=since)
    assert "Error trying to save the DB. Exit anyway." in lines


def test_running_bgsave_child_is_killed(server_pair):
    rkvd, redis = server_pair("--rdb-key-save-delay", "100000")
    for s in (rkvd, redis):
        fill(s, 20)
        with s.raw() as c:
            assert c.command("BGSAVE") == b"+Background saving started\r\n"
            info = c.command("INFO", "persistence")
        assert b"rdb_bgsave_in_progress:1" in info
        deadline = time.monotonic() + 5
        while not list(s.dir.glob("temp-*.rdb")):
            assert time.monotonic() < deadline, "no temp file"
            time.sleep(0.02)
        assert shutdown_reply(s, "NOSAVE") is None
        assert s.wait(10) == 0
        assert not list(s.dir.glob("temp-*.rdb"))
    # the child logs its end from its signal handler, in its own time (and
    # in pieces, so its line may cut one of the parent's)
    child_line = "Received SIGUSR1 in child, exiting now."
    for s in (rkvd, redis):
        assert child_line in s.stdout()
    a, b = ([ln for ln in messages(s) if child_line not in ln] for s in (rkvd, redis))
    assert a[:2] == b[:2] == ["User requested shutdown...", "There is a child saving an .rdb. Killing it!"]
    assert a[-1] == "Redis is now ready to exit, bye bye..."
    assert b[-1].endswith("Redis is now ready to exit, bye bye...")


# ---------------------------------------------------------------- signals

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
@pytest.mark.parametrize("setting, save_points", [
    ("default", ""), ("default", "3600 1"), ("save", ""), ("nosave", "3600 1"), ("now", "3600 1"),
    ("nosave now force", "3600 1"),
])
def test_shutdown_signal_settings(server_pair, sig, setting, save_points):
    name = "shutdown-on-sigint" if sig == signal.SIGINT else "shutdown-on-sigterm"
    rkvd, redis = server_pair("--save", save_points, f"--{name}", *setting.split())
    for s in (rkvd, redis):
        fill(s)
        s.signal(sig)
        assert s.wait(10) == 0, s.describe()
    lines = same_outcome(rkvd, redis)
    assert lines[0] == f"Received {sig.name} scheduling shutdown..."
    assert lines[-1] == "Redis is now ready to exit, bye bye..."


def test_abort_cancels_a_pending_signal(server_pair):
    rkvd, redis = server_pair()
    for s in (rkvd, redis):
        with s.raw() as c:
            assert c.command("DEBUG", "PAUSE-CRON", "1") == b"+OK\r\n"
            s.signal(signal.SIGTERM)
            wait_log(s, "Received SIGTERM")
            assert c.command("SHUTDOWN", "ABORT") == b"+OK\r\n"
            assert c.command("SHUTDOWN", "ABORT") == b"-ERR No shutdown in progress.\r\n"
            assert c.command("DEBUG", "PAUSE-CRON", "0") == b"+OK\r\n"
            time.sleep(0.5)             # a few cron turns: nothing left to act on
            assert c.command("PING") == b"+PONG\r\n"
    lines = same_outcome(rkvd, redis)
    assert lines == ["Received SIGTERM scheduling shutdown...", "Shutdown manually aborted."]


def test_second_sigint_during_the_final_save_exits_at_once(server_pair):
    rkvd, redis = server_pair("--save", "3600 1", "--rdb-key-save-delay", "100000")
    for s in (rkvd, redis):
        fill(s, 20)
        s.signal(signal.SIGINT)
        temp = s.dir / f"temp-{s.pid}.rdb"
        deadline = time.monotonic() + 10
        while not temp.exists():
            assert time.monotonic() < deadline, f"{s.name}: the final save did not start"
            time.sleep(0.01)
        s.signal(signal.SIGINT)
        assert s.wait(10) == 1
        assert not temp.exists()
        assert not (s.dir / "dump.rdb").exists()
    lines = same_outcome(rkvd, redis)
    assert lines[-1] == "You insist... exiting now."


def test_shutdown_while_paused_cron_waits_for_the_cron(server_pair):
    # the signal is acted on by the cron, not by the handler
    rkvd, redis = server_pair()
    for s in (rkvd, redis):
        with s.raw() as c:
            assert c.command("DEBUG", "PAUSE-CRON", "1") == b"+OK\r\n"
            s.signal(signal.SIGTERM)
            time.sleep(0.5)
            assert s.alive()
            assert c.command("PING") == b"+PONG\r\n"
            c.send_command("DEBUG", "PAUSE-CRON", "0")
        assert s.wait(10) == 0
    same_outcome(rkvd, redis)


# ---------------------------------------------------------------- crash report

@pytest.mark.parametrize("how", ["SIGABRT", "DEBUG SEGFAULT"])
def test_crash_report(server_pair, how):
    rkvd, redis = server_pair("--crash-memcheck-enabled", "no")
    for s in (rkvd, redis):
        if how == "SIGABRT":
            s.signal(signal.SIGABRT)
        else:
            with RawConnection(s.host, s.port) as c:
                c.send_command("DEBUG", "SEGFAULT")
        status = s.wait(10)
        assert status is not None and status < 0, status
        out = s.stdout()
        assert "=== REDIS BUG REPORT START: Cut & paste starting from here ===" in out
        assert "crashed by signal" in out
    lines = [[ln for ln in s.stdout().splitlines() if "crashed by signal" in ln or "Killed by PID" in ln]
             for s in (rkvd, redis)]
    assert [PREFIX.sub("", ln) for ln in lines[0]] == [PREFIX.sub("", ln) for ln in lines[1]]


def _children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def test_child_killed_by_sigusr1_is_no_error(server_pair):
    rkvd, redis = server_pair("--save", "3600 1", "--rdb-key-save-delay", "100000")
    for s in (rkvd, redis):
        fill(s, 20)
        with s.raw() as c:
            assert c.command("BGSAVE") == b"+Background saving started\r\n"
            deadline = time.monotonic() + 5
            # the child opens its temp file after it set up its signal
            # handlers: a SIGUSR1 before that would kill it silently
            while not any((s.dir / f"temp-{p}.rdb").exists() for p in _children(s.pid)):
                assert time.monotonic() < deadline
                time.sleep(0.02)
            os.kill(_children(s.pid)[0], signal.SIGUSR1)
            wait_log(s, "Background saving terminated by signal 10")
            assert b"rdb_last_bgsave_status:ok\r\n" in c.command("INFO", "persistence")
            assert c.command("SET", "x", "1") == b"+OK\r\n"      # no -MISCONF
        assert "Received SIGUSR1 in child, exiting now." in s.stdout()


def test_signal_while_loading_stops_without_saving(server_pair):
    # key-load-delay and loading-process-events-interval-bytes make the load
    # slow and let clients in between, as Redis's suite uses them
    rkvd, redis = server_pair("--save", "3600 1", "--rdbcompression", "no")
    for s in (rkvd, redis):
        with s.raw() as c:
            assert c.command("DEBUG", "POPULATE", "20000", "key", "1000") == b"+OK\r\n"
            assert c.command("SAVE") == b"+OK\r\n"
        size = (s.dir / "dump.rdb").stat().st_size
        s.kill()
        s.extra_args += ["--key-load-delay", "100", "--loading-process-events-interval-bytes", "1024"]
        s.spawn()
        s.wait_ready()
        with s.raw() as c:
            assert b"loading:1\r\n" in c.command("INFO", "persistence")
            assert c.command("GET", "key:1").startswith(b"-LOADING ")
        since = log_length(s)
        s.signal(signal.SIGTERM)
        assert s.wait(10) == 0, s.describe()
        assert (s.dir / "dump.rdb").stat().st_size == size        # not overwritten
        s.since = since
    lines = same_outcome(rkvd, redis, since=(rkvd.since, redis.since))
    assert lines[0] == "Received shutdown signal during loading, scheduling shutdown."
    assert "Saving the final RDB snapshot before exiting." not in lines


def test_crash_log_disabled_at_run_time(server_pair):
    rkvd, redis = server_pair()
    for s in (rkvd, redis):
        with s.raw() as c:
            assert c.command("CONFIG", "SET", "crash-log-enabled", "no") == b"+OK\r\n"
        s.signal(signal.SIGABRT)
        assert s.wait(10) == -signal.SIGABRT
        assert "crashed by signal" not in s.stdout()
