"""A real redis-sentinel watching rkvd: an rkvd master with two rkvd
replicas, the master killed, a replica promoted by Sentinel, the other one
and the restarted old master following it, nothing acknowledged lost.

Everything Sentinel sends (INFO, ROLE, the hello channel, CLIENT SETNAME,
MULTI / SLAVEOF NO ONE / CONFIG REWRITE / CLIENT KILL / EXEC ...) must work
against rkvd: the test also reads both logs for errors.
"""
import shutil
import subprocess

import pytest
import redis
import redis.sentinel

import support

SENTINEL = shutil.which("redis-sentinel")
pytestmark = pytest.mark.skipif(SENTINEL is None, reason="redis-sentinel is not installed")

FAST = ("--repl-ping-replica-period", "1", "--repl-diskless-sync-delay", "0")


def wait_for(fn, timeout=15.0, what="condition"):
    return support.wait_for(fn, timeout, what)

def repl(c):
    return c.info("replication")


class Sentinel:
    def __init__(self, directory, master_port):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = support.free_port()
        self.log = self.dir / "sentinel.log"
        self.conf = self.dir / "sentinel.conf"
        self.conf.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.dir}\nlogfile {self.log}\n"
            f"sentinel monitor mymaster 127.0.0.1 {master_port} 1\n"
            "sentinel down-after-milliseconds mymaster 1000\n"
            "sentinel failover-timeout mymaster 5000\n"
            "sentinel parallel-syncs mymaster 2\n")
        self.proc = subprocess.Popen([SENTINEL, str(self.conf)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     cwd=str(self.dir))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def text(self):
        return self.log.read_text() if self.log.exists() else ""


@pytest.fixture
def sentinel_factory(tmp_path):
    made = []

    def make(master_port):
        s = Sentinel(tmp_path / f"sentinel{len(made)}", master_port)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()


def rkvd_with_config(rkvd_factory, tmp_path, name, *extra):
    # a config file, so CONFIG REWRITE (which Sentinel sends) has somewhere to write
    conf = tmp_path / f"{name}.conf"
    conf.write_text("appendonly no\n")
    return rkvd_factory(*FAST, "--logfile", "rkvd.log", *extra, config_file=conf)


def test_sentinel_fails_over_an_rkvd_master(rkvd_factory, sentinel_factory, tmp_path):
    ms = rkvd_with_config(rkvd_factory, tmp_path, "m")
    replicas = [rkvd_with_config(rkvd_factory, tmp_path, f"r{i}", "--replicaof", support.HOST, str(ms.port))
                for i in range(2)]
    m = ms.client()
    rcs = [r.client() for r in replicas]
    wait_for(lambda: repl(m)["connected_slaves"] == 2
               and all(repl(rc)["master_link_status"] == "up" for rc in rcs), what="both replicas")
    sentinel = sentinel_factory(ms.port)
    sc = redis.Redis(host=support.HOST, port=sentinel.port)
    wait_for(lambda: sc.execute_command("SENTINEL", "REPLICAS", "mymaster")
               and len(sc.execute_command("SENTINEL", "REPLICAS", "mymaster")) == 2,
               what="sentinel to discover the replicas")

    acked = []
    for batch in range(5):
        keys = {f"key:{batch}:{i}": f"v{batch}.{i}" for i in range(20)}
        m.mset(keys)
        assert m.execute_command("WAIT", 1, 1000) >= 1
        acked += keys
    ms.kill()

    wait_for(lambda: "+switch-master" in sentinel.text(), timeout=20, what="sentinel's switch")

    # On a loaded machine the 1 s down-after can make Sentinel fail over a
    # second time (the new master late on a PING): the test follows
    # Sentinel's current view rather than the first promotion.
    by_port = {r.port: r.client() for r in replicas}       # reconnect after CLIENT KILL

    def current():
        host, port = sc.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
        return host.decode(), int(port)

    def followed(client):
        info = repl(client)
        return (info["role"] == "slave" and info["master_port"] == current()[1]
                and info["master_link_status"] == "up")

    def promoted():
        port = current()[1]
        if port not in by_port or repl(by_port[port])["role"] != "master":
            return False
        return all(followed(c) for p, c in by_port.items() if p != port)
    wait_for(promoted, what="a promoted replica, the other following it")

    # the old master comes back, as a master with no data: Sentinel turns it
    # into a replica of the new one
    ms.start()
    m = ms.client()
    wait_for(lambda: followed(m) and promoted(), timeout=30, what="sentinel to convert the old master")

    new_host, new_port = current()
    assert new_port in by_port
    nc = by_port[new_port]
    oc = next(c for p, c in by_port.items() if p != new_port)
    found = redis.sentinel.Sentinel([(support.HOST, sentinel.port)], socket_timeout=2)
    assert found.discover_master("mymaster") == (new_host, new_port)
    master = found.master_for("mymaster", socket_timeout=2)
    master.set("after", "1")
    assert all(v is not None for v in master.mget(acked))

    def same():
        off = repl(nc)["master_repl_offset"]
        return all(repl(c)["slave_repl_offset"] == off for c in (oc, m))
    wait_for(same, what="everyone in sync")
    digests = {c.execute_command("DEBUG", "DIGEST") for c in (nc, oc, m)}
    assert len(digests) == 1

    # no command Sentinel sent failed on rkvd; Sentinel saw no error
    for s in (ms, *replicas):
        log = (s.dir / "rkvd.log").read_text()
        assert "cron error" not in log and "Traceback" not in log
    text = sentinel.text()
    assert "-failover-abort" not in text and "Error" not in text, text
    assert "+convert-to-slave" in text
    # CONFIG REWRITE wrote the promotion into the new master's file
    for i, r in enumerate(replicas):
        conf = (tmp_path / f"r{i}.conf").read_text()
        if r.port == new_port:
            assert "replicaof" not in conf
        else:
            assert f"replicaof 127.0.0.1 {new_port}" in conf
    assert f"replicaof 127.0.0.1 {new_port}" in (tmp_path / "m.conf").read_text()
