"""The pytest plugin (entry point ``pytest11: rkvd``): installing rkvd is
the whole setup.

Fixtures
  rkvd_server          the server for this test: an rkvd process started
                       once per run (per xdist worker), reset before each
                       test; ``url``, ``host``, ``port``, ``config``,
                       ``restart()``, ``client()``, ``log_text()``
  rkvd_client          a redis.Redis on it (a fresh connection pool per test)
  rkvd_async_client    a redis.asyncio.Redis on it (connects in the test's loop)
  rkvd_url             its URL
  rkvd_session_server  the default server, for session- or module-scoped
                       fixtures of your own (not reset: use rkvd_server too)

``@pytest.mark.rkvd(config={"maxmemory": "10mb"})`` gives the test a server
started with that configuration; tests asking for an equal configuration
share it. Options: ``--rkvd-config FILE`` (a redis.conf every server
reads first), ``--rkvd-resp 3`` (clients speak RESP3), ``--rkvd-server-cmd
redis-server`` (run the same tests against another server), and
``--rkvd-unix-socket`` (clients connect through a unix socket).

Isolation: before each test the server is emptied (FLUSHALL), its other
connections closed (client names, subscriptions, MULTI, blocked commands
go with them), scripts and functions flushed, stats reset and CONFIG SET
changes undone. A server that died or hung during a test is restarted for
the next one, and its log is attached to that test's report.
"""
from __future__ import annotations

import pytest

from rkvd.testing.process import RkvdProcess, ServerStartError

_SERVERS_KEY = pytest.StashKey()
_USED_KEY = pytest.StashKey()
_REPORTED_KEY = pytest.StashKey()


def pytest_addoption(parser):
    group = parser.getgroup("rkvd", "rkvd test server (rkvd.testing.plugin)")
    group.addoption("--rkvd-config", metavar="FILE", default=None,
                    help="redis.conf that every rkvd_server reads first")
    group.addoption("--rkvd-resp", type=int, choices=(2, 3), default=2,
                    help="protocol of rkvd_client / rkvd_async_client (default 2)")
    group.addoption("--rkvd-server-cmd", metavar="CMD", default=None,
                    help="run this server instead of rkvd (e.g. redis-server)")
    group.addoption("--rkvd-unix-socket", action="store_true", default=False,
                    help="connect the fixtures' clients through a unix socket")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "rkvd(config=None): run the test on an rkvd_server started with this "
                   "configuration dict (shared by the tests asking for an equal one)")


class ServerPool:
    """The servers of one run, by configuration, started on first use."""

    def __init__(self, config, basetemp):
        self.options = config
        self.basetemp = basetemp
        self.servers = {}

    def get(self, conf=None):
        conf = dict(conf or {})
        key = tuple(sorted((str(k).lower(), repr(v)) for k, v in conf.items()))
        server = self.servers.get(key)
        if server is None:
            opt = self.options.getoption
            name = "rkvd" if not key else f"rkvd-{len(self.servers)}"
            directory = self.basetemp.mktemp(name, numbered=True)
            try:
                server = RkvdProcess(conf, config_file=opt("--rkvd-config"),
                                     server_cmd=opt("--rkvd-server-cmd"), directory=str(directory),
                                     unix_socket=opt("--rkvd-unix-socket"), name=name)
            except ServerStartError as exc:
                pytest.fail(f"rkvd test server did not start: {exc}", pytrace=False)
            self.servers[key] = server
        return server

    def close(self):
        for server in self.servers.values():
            server.stop()
        self.servers.clear()


@pytest.fixture(scope="session")
def _rkvd_pool(pytestconfig, tmp_path_factory):
    pool = ServerPool(pytestconfig, tmp_path_factory)
    pytestconfig.stash[_SERVERS_KEY] = pool
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def rkvd_session_server(_rkvd_pool):
    """The run's default server, for fixtures of a wider scope."""
    return _rkvd_pool.get()


@pytest.fixture
def rkvd_server(request, _rkvd_pool):
    marker = request.node.get_closest_marker("rkvd")
    conf = None
    if marker is not None:
        conf = marker.kwargs.get("config", marker.args[0] if marker.args else None)
    server = _rkvd_pool.get(conf)
    request.node.stash.setdefault(_USED_KEY, []).append(server)
    try:
        server.check()              # a server that died since: started again
        server.reset()
    except ServerStartError as exc:
        pytest.fail(f"rkvd test server could not be restarted: {exc}", pytrace=False)
    return server


@pytest.fixture
def rkvd_url(rkvd_server):
    return rkvd_server.url


@pytest.fixture
def rkvd_client(rkvd_server, pytestconfig):
    client = rkvd_server.client(protocol=pytestconfig.getoption("--rkvd-resp"))
    yield client
    client.close()


@pytest.fixture
def rkvd_async_client(rkvd_server, pytestconfig):
    # Its connections open in the test's event loop, on first command; the
    # next test's reset closes what the test left open on the server side.
    return rkvd_server.async_client(protocol=pytestconfig.getoption("--rkvd-resp"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when == "setup":
        return
    reported = item.stash.setdefault(_REPORTED_KEY, set())
    for server in item.stash.get(_USED_KEY, ()):
        if server.proc is not None and not server.alive() and id(server) not in reported:
            reported.add(id(server))
            report.sections.append((f"rkvd server {server.name} ({server.exit_status()}), its log",
                                    server.log_text()))
