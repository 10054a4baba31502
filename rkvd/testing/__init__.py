"""rkvd for test suites: a Redis 7.0-compatible server with nothing but pip.

* the pytest plugin (rkvd.testing.plugin, registered through the pytest11
  entry point): fixtures rkvd_server, rkvd_client, rkvd_async_client,
  rkvd_url on a subprocess server per run;
* InProcessServer: the engine on a thread of the test process;
* FakeServer / FakeRedis / FakeStrictRedis / FakeAsyncRedis: fakeredis's
  constructors over the in-process server (change the import only);
* RkvdProcess: a server process to manage by hand.

Names load on first use, so the plugin (loaded by every pytest run where
rkvd is installed) costs no engine import.
"""

__all__ = ["InProcessServer", "InProcessError", "RkvdProcess", "ServerStartError",
           "FakeServer", "FakeRedis", "FakeStrictRedis", "FakeAsyncRedis", "FakeConnectionError",
           "FakeConnection", "FakeAsyncConnection"]

_HOMES = {
    "InProcessServer": "inprocess", "InProcessError": "inprocess",
    "RkvdProcess": "process", "ServerStartError": "process",
    "FakeServer": "fake", "FakeRedis": "fake", "FakeStrictRedis": "fake", "FakeAsyncRedis": "fake",
    "FakeConnectionError": "fake", "FakeConnection": "fake", "FakeAsyncConnection": "fake",
}


def __getattr__(name):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'rkvd.testing' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(f"rkvd.testing.{home}"), name)
