"""Fixtures shared by the whole suite.

* ``rkvd``: the server under test, one per pytest run.  The command comes
  from ``RKVD_TEST_SERVER_CMD`` when set (e.g. ``redis-server`` to check the
  tests themselves), else ``python -m rkvd``.
* ``redis_ref``: a real redis-server 7.0.15 used as the oracle; tests that use
  it are skipped when the binary is missing.
* ``differ``: a :class:`support.Differ` over both, on database 9.
* ``rkvd_factory`` / ``redis_factory`` / ``server_pair``: private servers
  with extra arguments, stopped at the end of the test.

Every test that uses ``rkvd`` or ``redis_ref`` starts on FLUSHALLed servers.

The test-only extension modules (``native.*``, tests/native) are built at
session start when a source is newer than its .so (see native/build.py).

Environment switches:
  RKVD_TEST_SERVER_CMD=redis-server   run the suite against redis-server itself
  RKVD_TEST_TRACE=1                   print every differential step (with -s)
  RKVD_TEST_SHRINK=1                  let hypothesis shrink failures (slow; raise --timeout)
  HYPOTHESIS_PROFILE=name             another hypothesis profile than "rkvd" (below)
Tests marked ``needs_redis`` compare with redis-server (deselect: -m "not needs_redis").
"""
from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))

import support
from native import build as native_build
from support import Differ, ServerProcess

# The suite's one hypothesis profile. Tests state only what differs from it:
# their max_examples (and a state machine's stateful_step_count), and
# support.DIFFERENTIAL where the examples run against live servers.
# * no deadline: examples build large structures or go through two servers,
#   and their time depends on the load of the machine;
# * function_scoped_fixture: the server fixtures are shared by every example
#   on purpose (starting servers per example would dwarf the example);
# * too_slow / data_too_large: the generators draw big values on purpose.
settings.register_profile(
    "rkvd",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)
# Loaded here, before pytest imports the test modules: a settings object made
# at import time takes every value it does not set from the loaded profile.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "rkvd"))


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_redis: the test compares with a real redis-server")


def pytest_sessionstart(session):
    # before collection: the library tests import native.* at module level
    try:
        native_build.ensure_built()
    except native_build.BuildError as exc:
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)


def _start_or_fail(server: ServerProcess, timeout: float = support.START_TIMEOUT) -> ServerProcess:
    """Start ``server``; on failure fail the test with the server's own output."""
    try:
        return server.start(timeout)
    except support.ServerStartError as exc:
        message = str(exc)
    server.kill()
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def rkvd(tmp_path_factory):
    server = ServerProcess(support.rkvd_command(), "rkvd", tmp_path_factory.mktemp("rkvd"))
    _start_or_fail(server)
    yield server
    server.kill()


@pytest.fixture(scope="session")
def redis_ref(tmp_path_factory):
    if not support.HAVE_REDIS:
        pytest.skip("redis-server is not installed")
    server = ServerProcess([support.REDIS_SERVER], "redis", tmp_path_factory.mktemp("redis"))
    _start_or_fail(server)
    yield server
    server.kill()


def _flushall(server: ServerProcess) -> None:
    # A raw connection: works whatever state earlier tests left the
    # server's other connections in.
    with server.raw() as conn:
        reply = conn.command("FLUSHALL")
    assert reply == b"+OK\r\n", f"FLUSHALL on {server.name} answered {reply!r}"


@pytest.fixture(autouse=True)
def _fresh_databases(request):
    """FLUSHALL the shared servers a test uses before it runs.

    A shared server that dies during a test fails that test (with the
    server's output) and is restarted, so one crash does not take every
    later test down with it.
    """
    used = [request.getfixturevalue(name) for name in ("rkvd", "redis_ref")
            if name in request.fixturenames]
    for server in used:
        if not server.alive():
            _restart_or_fail(server, "before this test")
        _flushall(server)
    yield
    for server in used:
        server.close_clients()
        if not server.alive():
            report = server.exit_report()
            _restart_or_fail(server, "during this test")
            pytest.fail(f"{server.name} died during this test and was restarted.\n{report}",
                        pytrace=False)


def _restart_or_fail(server: ServerProcess, when: str) -> None:
    report = server.exit_report()
    try:
        server.restart()
        return
    except support.ServerStartError as exc:
        message = f"{server.name} died {when} and could not be restarted.\n{report}\n{exc}"
    pytest.fail(message, pytrace=False)


@pytest.fixture
def differ(rkvd, redis_ref):
    d = Differ(rkvd, redis_ref, db=9)
    yield d
    d.close()


class _Factory:
    """Starts private servers for one test and stops them all afterwards."""

    def __init__(self, tmp_path, cmd, name):
        self.tmp_path = tmp_path
        self.cmd = cmd
        self.name = name
        self.servers: list[ServerProcess] = []

    def make(self, *extra_args, config_file=None, base_args=True, start=True, port=None,
             directory=None, env=None, timeout=support.START_TIMEOUT) -> ServerProcess:
        n = len(self.servers)
        directory = directory or (self.tmp_path / f"{self.name}{n}")
        server = ServerProcess(self.cmd, f"{self.name}#{n}", directory, extra_args=extra_args,
                               config_file=config_file, base_args=base_args, port=port, env=env)
        self.servers.append(server)
        if start:
            _start_or_fail(server, timeout)
        return server

    __call__ = make

    def stop_all(self):
        for s in self.servers:
            s.kill()


@pytest.fixture
def rkvd_factory(tmp_path):
    """``rkvd_factory(*extra_args, config_file=None, start=True)`` -> ServerProcess."""
    f = _Factory(tmp_path, support.rkvd_command(), "rkvd")
    yield f
    f.stop_all()


@pytest.fixture
def redis_factory(tmp_path):
    if not support.HAVE_REDIS:
        pytest.skip("redis-server is not installed")
    f = _Factory(tmp_path, [support.REDIS_SERVER], "redis")
    yield f
    f.stop_all()


@pytest.fixture
def server_pair(rkvd_factory, redis_factory):
    """``server_pair(*extra_args)`` -> (rkvd, redis) private servers with the same options."""

    def make(*extra_args, **kwargs):
        return rkvd_factory(*extra_args, **kwargs), redis_factory(*extra_args, **kwargs)

    return make
