"""TLS: a tls-port beside the plain one, served with the tls-* parameters.

Certificates (a CA, a server and a client certificate signed by it) are made
at test time with the openssl command.  Each behaviour is checked against
redis-server started with the same options: what a client that presents no
certificate gets under every tls-auth-clients value, the protocol
restriction, CONFIG SET of the TLS files (re-read, and refused with Redis's
reply when they do not make a context), and the start-up failure.
"""

import contextlib
import shutil
import socket
import ssl
import subprocess
import time

import pytest
import redis

import support


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _signed(d, name, cn):
    _openssl("req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", f"{name}.key",
             "-out", f"{name}.csr", "-subj", f"/CN={cn}", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", "ext.cnf", cwd=d)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    _openssl("req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", "ca.key",
             "-out", "ca.crt", "-days", "2", "-subj", "/CN=Test CA", cwd=d)
    _signed(d, "server", "server-one")
    _signed(d, "server2", "server-two")
    _signed(d, "client", "client")
    _openssl("rsa", "-aes256", "-in", "server.key", "-out", "server-pass.key",
             "-passout", "pass:sekret", cwd=d)
    return d


def _tls_args(certs, tls_port, *extra):
    return ["--tls-port", str(tls_port), "--tls-cert-file", certs / "server.crt",
            "--tls-key-file", certs / "server.key", "--tls-ca-cert-file", certs / "ca.crt", *extra]


def _start(factory, certs, *extra):
    tls_port = support.free_port()
    server = factory(*_tls_args(certs, tls_port, *extra))
    server.tls_port = tls_port
    return server


@pytest.fixture
def pair(rkvd_factory, redis_factory, certs):
    """pair(*extra) -> [rkvd, redis-server], each with a TLS port."""
    def make(*extra):
        return [_start(rkvd_factory, certs, *extra), _start(redis_factory, certs, *extra)]
    return make


def _client(server, certs, cert=True, **kwargs):
    if cert:
        kwargs.update(ssl_certfile=str(certs / "client.crt"), ssl_keyfile=str(certs / "client.key"))
    c = redis.Redis(host=server.host, port=server.tls_port, ssl=True,
                    ssl_ca_certs=str(certs / "ca.crt"), socket_timeout=5, **kwargs)
    return c


def _handshake(server, certs, cert=True, **ctx_settings):
    """What a raw TLS client gets: ("ok", peer CN, PING reply) or ("refused", reason)."""
    ctx = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    if cert:
        ctx.load_cert_chain(str(certs / "client.crt"), str(certs / "client.key"))
    for name, value in ctx_settings.items():
        setattr(ctx, name, value)
    try:
        with socket.create_connection((server.host, server.tls_port), timeout=5) as raw, \
                ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            cn = dict(x[0] for x in s.getpeercert()["subject"])["commonName"]
            s.sendall(b"PING\r\n")
            reply = s.recv(100)
            if not reply:
                return ("refused", "closed")
            return ("ok", cn, reply)
    except (ssl.SSLError, ConnectionError, OSError) as exc:
        return ("refused", type(exc).__name__)


@contextlib.contextmanager
def _tls_socket(server, certs, **ctx_settings):
    """A raw TLS connection to server's TLS port, with the client certificate
    (and the SSLContext attributes given)."""
    ctx = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    ctx.load_cert_chain(str(certs / "client.crt"), str(certs / "client.key"))
    for name, value in ctx_settings.items():
        setattr(ctx, name, value)
    with socket.create_connection((server.host, server.tls_port), timeout=5) as raw, \
            ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        yield s


def _cli(server, certs, *args, cert=True):
    argv = ["redis-cli", "-h", server.host, "-p", str(server.tls_port), "--tls",
            "--cacert", str(certs / "ca.crt")]
    if cert:
        argv += ["--cert", str(certs / "client.crt"), "--key", str(certs / "client.key")]
    return subprocess.run(argv + list(args), capture_output=True, text=True, timeout=20)


# ---------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------

def test_redis_py_ssl_and_plain_side_by_side(pair, certs):
    fields = []
    for server in pair():
        c = _client(server, certs)
        assert c.set("k", "v") is True
        assert c.get("k") == b"v"
        # the plain port serves the same data
        assert server.client().get("k") == b"v"
        line = c.client_list()[0]
        assert line["laddr"] == f"127.0.0.1:{server.tls_port}"
        fields.append(list(line))
        big = b"x" * 300000          # larger than a TLS record and the read buffer
        c.set("big", big)
        assert c.get("big") == big
        pipe = c.pipeline(transaction=False)
        for _ in range(500):
            pipe.incr("n")
        assert pipe.execute()[-1] == 500
        c.close()
    assert fields[0] == fields[1]       # CLIENT LIST shows a TLS client as Redis does


def test_a_tls_client_waits_out_a_busy_script_intact(rkvd_factory, certs):
    """While a script runs past busy-reply-threshold, plain clients are
    served (-BUSY, SCRIPT KILL); a TLS client's socket carries records only
    the loop's SSL layer can read, so it waits for the script's end and its
    connection then goes on as before."""
    server = _start(rkvd_factory, certs, "--busy-reply-threshold", "10")
    with _tls_socket(server, certs) as runner, _tls_socket(server, certs) as waiter, \
            server.raw() as plain:
        waiter.sendall(b"PING\r\n")
        assert waiter.recv(100) == b"+PONG\r\n"
        runner.sendall(b'EVAL "while true do end" 0\r\n')
        time.sleep(0.3)
        waiter.sendall(b"PING\r\n")
        assert plain.command("PING").startswith(b"-BUSY ")
        assert plain.command("SCRIPT", "KILL") == b"+OK\r\n"
        assert runner.recv(200).startswith(b"-ERR Script killed by user with SCRIPT KILL")
        assert waiter.recv(100) == b"+PONG\r\n"
        waiter.sendall(b"PING\r\n")
        assert waiter.recv(100) == b"+PONG\r\n"


def test_redis_cli_tls(pair, certs):
    outs = []
    for server in pair():
        outs.append((_cli(server, certs, "PING").stdout, _cli(server, certs, "SET", "a", "1").stdout,
                     _cli(server, certs, "GET", "a").stdout))
    assert outs[0] == outs[1] == ("PONG\n", "OK\n", "1\n")


@pytest.mark.parametrize("mode,without_cert", [("yes", "refused"), ("optional", "ok"), ("no", "ok")])
def test_auth_clients(pair, certs, mode, without_cert):
    for server in pair("--tls-auth-clients", mode):
        assert _handshake(server, certs, cert=False)[0] == without_cert, server
        assert _handshake(server, certs) == ("ok", "server-one", b"+PONG\r\n")


def test_protocol_error_closes_a_peer_that_goes_on_sending(pair, certs):
    # as unit/protocol's desync tests under --tls: the error reply, then the
    # end of the connection, though the peer never stops writing
    for server in pair():
        with _tls_socket(server, certs) as s:
            s.sendall(b"*1\r\n$x\r\n")
            start = time.monotonic()
            with pytest.raises(OSError):
                while time.monotonic() - start < 10:
                    s.sendall(b"A" * 1024 + b"\n")
            assert time.monotonic() - start < 5, server


def test_auth_clients_config_set_applies_to_new_connections(pair, certs):
    for server in pair():
        assert _handshake(server, certs, cert=False)[0] == "refused"
        server.client().config_set("tls-auth-clients", "optional")
        assert _handshake(server, certs, cert=False)[0] == "ok"
        server.client().config_set("tls-auth-clients", "yes")
        assert _handshake(server, certs, cert=False)[0] == "refused"


def test_protocols(pair, certs):
    for server in pair("--tls-protocols", "TLSv1.3"):
        assert _handshake(server, certs, maximum_version=ssl.TLSVersion.TLSv1_2)[0] == "refused"
        assert _handshake(server, certs, minimum_version=ssl.TLSVersion.TLSv1_3)[0] == "ok"
    for server in pair("--tls-protocols", "TLSv1.2"):
        assert _handshake(server, certs, minimum_version=ssl.TLSVersion.TLSv1_3)[0] == "refused"
        assert _handshake(server, certs, maximum_version=ssl.TLSVersion.TLSv1_2)[0] == "ok"


def test_ciphers_and_ciphersuites(pair, certs):
    for server in pair("--tls-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256",
                       "--tls-ciphers", "ECDHE-RSA-AES128-GCM-SHA256"):
        with _tls_socket(server, certs) as s:
            assert s.cipher()[0] == "TLS_CHACHA20_POLY1305_SHA256", server
        with _tls_socket(server, certs, maximum_version=ssl.TLSVersion.TLSv1_2) as s:
            assert s.cipher()[0] == "ECDHE-RSA-AES128-GCM-SHA256", server


def test_key_file_pass(pair, certs):
    for server in pair("--tls-key-file", certs / "server-pass.key", "--tls-key-file-pass", "sekret"):
        assert _handshake(server, certs)[0] == "ok"


def test_dh_params_and_session_cache_settings(pair, certs):
    # settings that only shape the context: accepted and served with
    for server in pair("--tls-session-caching", "no", "--tls-prefer-server-ciphers", "yes"):
        assert _handshake(server, certs)[0] == "ok"
        c = server.client()
        assert c.config_set("tls-session-cache-size", 100) is True
        assert c.config_set("tls-session-cache-timeout", 60) is True
        assert c.config_set("tls-session-caching", "yes") is True
        assert _handshake(server, certs)[0] == "ok"
        missing = str(certs / "nope.pem")
        with pytest.raises(redis.ResponseError) as err:
            c.config_set("tls-dh-params-file", missing)
        assert "Unable to update TLS configuration. Check server logs." in str(err.value)


def _resumed(server, certs, version):
    """Whether a second connection resumes the first one's TLS session."""
    ctx = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    ctx.load_cert_chain(str(certs / "client.crt"), str(certs / "client.key"))
    ctx.minimum_version = ctx.maximum_version = version
    session = None
    for _ in range(2):
        with socket.create_connection((server.host, server.tls_port), timeout=5) as raw, \
                ctx.wrap_socket(raw, server_hostname="127.0.0.1", session=session) as s:
            s.sendall(b"PING\r\n")
            assert s.recv(100) == b"+PONG\r\n"      # TLSv1.3 tickets come with data
            reused, session = s.session_reused, s.session
    return reused


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_session_caching(pair, certs, version):
    for server in pair():
        assert _resumed(server, certs, version) is True, server
        server.client().config_set("tls-session-caching", "no")
        # redis-server then fails a handshake that offers a session (its
        # context has no session id context left: OpenSSL's internal error
        # alert); rkvd does a full handshake instead. Neither resumes.
        try:
            resumed = _resumed(server, certs, version)
        except ssl.SSLError:
            resumed = False
        assert resumed is False, server


# ---------------------------------------------------------------------------
# CONFIG SET of the TLS files
# ---------------------------------------------------------------------------

def test_config_set_cert_rereads(pair, certs, tmp_path):
    for server in pair():
        old = _client(server, certs)
        assert old.ping()
        c = server.client()
        # the key does not match the new certificate: refused, as Redis
        with pytest.raises(redis.ResponseError):
            c.config_set("tls-cert-file", str(certs / "server2.crt"))
        assert _handshake(server, certs)[1] == "server-one"
        # both at once make a context; new connections get the new certificate
        c.execute_command("CONFIG", "SET", "tls-cert-file", str(certs / "server2.crt"),
                          "tls-key-file", str(certs / "server2.key"))
        assert _handshake(server, certs)[1] == "server-two"
        assert old.ping()       # a connection already open stays
        # the same paths, files replaced: CONFIG SET re-reads them
        d = tmp_path / f"live{server.tls_port}"
        d.mkdir()
        for name in ("crt", "key"):
            shutil.copy(certs / f"server.{name}", d / f"live.{name}")
        c.execute_command("CONFIG", "SET", "tls-cert-file", str(d / "live.crt"),
                          "tls-key-file", str(d / "live.key"))
        assert _handshake(server, certs)[1] == "server-one"
        for name in ("crt", "key"):
            shutil.copy(certs / f"server2.{name}", d / f"live.{name}")
        c.execute_command("CONFIG", "SET", "tls-cert-file", str(d / "live.crt"),
                          "tls-key-file", str(d / "live.key"))
        assert _handshake(server, certs)[1] == "server-two"
        old.close()


CONFIG_SET_REFUSED = [
    ("tls-cert-file", "/nonexistent/cert.pem"),
    ("tls-key-file", "/nonexistent/key.pem"),
    ("tls-ca-cert-file", "/nonexistent/ca.pem"),
    ("tls-protocols", "TLSv9"),
    ("tls-ciphers", "NO-SUCH-CIPHER"),
    ("tls-ciphersuites", "NO_SUCH_SUITE"),
    ("tls-client-cert-file", "/nonexistent/client.pem"),
]


@pytest.mark.parametrize("name,value", CONFIG_SET_REFUSED)
def test_config_set_refused_as_redis(pair, certs, name, value):
    replies = []
    # a client certificate is checked when both of its files are set
    for server in pair("--tls-client-cert-file", certs / "client.crt",
                       "--tls-client-key-file", certs / "client.key"):
        with server.raw() as conn:
            replies.append(conn.command("CONFIG", "SET", name, value))
            replies.append(conn.command("CONFIG", "GET", name))
        assert _handshake(server, certs)[0] == "ok"     # the old context still serves
    assert replies[0] == replies[2], replies
    assert replies[0].startswith(b"-ERR CONFIG SET failed")
    assert replies[1] == replies[3]         # the old value is back


def test_config_set_tls_port(rkvd_factory, redis_factory, certs):
    for factory in (rkvd_factory, redis_factory):
        server = factory("--tls-cert-file", certs / "server.crt", "--tls-key-file", certs / "server.key",
                         "--tls-ca-cert-file", certs / "ca.crt")
        server.tls_port = support.free_port()
        assert server.client().config_set("tls-port", server.tls_port) is True
        assert _handshake(server, certs)[0] == "ok"
        moved = support.free_port()
        server.client().config_set("tls-port", moved)
        assert _handshake(server, certs)[0] == "refused"
        server.tls_port = moved
        assert _handshake(server, certs)[0] == "ok"
        assert server.client().config_get("tls-port") == {"tls-port": str(moved)}


def test_config_set_bind_moves_the_tls_listener(pair, certs):
    for server in pair():
        c = server.client()
        assert c.config_set("bind", "127.0.0.1 -::1") is True
        assert _handshake(server, certs)[0] == "ok", server
        assert c.ping() is True
        c.close()


def test_config_set_tls_port_without_certificates(rkvd_factory, redis_factory):
    replies = []
    for factory in (rkvd_factory, redis_factory):
        with factory().raw() as conn:
            replies.append(conn.command("CONFIG", "SET", "tls-port", str(support.free_port())))
    assert replies[0] == replies[1] == (
        b"-ERR CONFIG SET failed (possibly related to argument 'tls-port') - "
        b"Unable to update TLS configuration. Check server logs.\r\n")


# ---------------------------------------------------------------------------
# Start-up
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("args,logged", [
    (["--tls-replication", "yes", "--tls-cert-file", "CERT", "--tls-key-file", "KEY",
      "--tls-ca-cert-file", "CA"], None),
    (["--tls-replication", "yes"], "No tls-cert-file configured!"),
    (["--tls-port", "PORT"], "No tls-cert-file configured!"),
    (["--tls-port", "PORT", "--tls-cert-file", "CERT", "--tls-key-file", "KEY"],
     "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
     "tls-replication or tls-auth-clients are enabled!"),
    (["--tls-port", "PORT", "--tls-cert-file", "CERT", "--tls-key-file", "KEY",
      "--tls-ca-cert-file", "CA", "--tls-protocols", "SSLv2"],
     "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and "
     "'TLSv1.3'."),
])
def test_start_refused(rkvd_factory, redis_factory, certs, args, logged):
    port = str(support.free_port())
    subst = {"PORT": port, "CERT": str(certs / "server.crt"), "KEY": str(certs / "server.key"),
             "CA": str(certs / "ca.crt")}
    args = [subst.get(a, a) for a in args]
    for factory in (rkvd_factory, redis_factory):
        server = factory(*args, start=False).spawn()
        if logged is None:
            server.wait_ready()
            continue
        assert server.wait(support.START_TIMEOUT) == 1
        log = server.stdout()
        assert logged in log, log
        assert "Failed to configure TLS. Check logs for more info." in log


def test_tls_only_server(rkvd_factory, certs):
    # no plain port at all: the TLS port alone is served
    tls_port = support.free_port()
    server = rkvd_factory("--port", "0", *_tls_args(certs, tls_port), start=False).spawn()
    server.tls_port = tls_port
    deadline = time.monotonic() + support.START_TIMEOUT
    while _handshake(server, certs)[0] != "ok":
        assert time.monotonic() < deadline and server.alive(), server.describe()
        time.sleep(0.1)
    # as redis-server, the start-up banner names the port served
    assert f"port={tls_port}" in server.stdout()


def test_readme_configuration(rkvd_factory, certs, tmp_path):
    # the TLS lines of the README, with this test's files
    import pathlib
    readme = (pathlib.Path(support.__file__).parent.parent / "README.md").read_text()
    block = readme.split("\n### TLS\n", 1)[1].split("```")[1].split("\n", 1)[1]
    tls_port = support.free_port()
    text = block.replace("6380", str(tls_port)).replace("/etc/rkvd/tls/", f"{certs}/").replace(
        "rkvd.crt", "server.crt").replace("rkvd.key", "server.key").replace("port 6379\n", "")
    conf = tmp_path / "tls.conf"
    conf.write_text(text)
    server = rkvd_factory(config_file=conf)
    server.tls_port = tls_port
    c = _client(server, certs)
    assert c.ping() is True


# ---------------------------------------------------------------------------
# tls-replication: the replica's link to its master
# ---------------------------------------------------------------------------

def _replicated(master, replica, n):
    def done():
        info = replica.client().info("replication")
        return info.get("master_link_status") == "up" and replica.client().dbsize() == n
    support.wait_for(done, timeout=15, what=f"the replica to hold {n} keys over TLS")


@pytest.mark.parametrize("kinds", [("rkvd", "rkvd"), ("redis", "rkvd"), ("rkvd", "redis")],
                         ids=lambda k: "%s-master-%s-replica" % k)
def test_replication_over_tls(kinds, rkvd_factory, redis_factory, certs):
    """The replica presents the server certificate as its client certificate
    (no tls-client-* files, as in Redis's own TLS test), the master requires
    one (tls-auth-clients yes): the full sync and the stream after it go
    over TLS, with redis-server on either end."""
    factories = {"rkvd": rkvd_factory, "redis": redis_factory}
    master = _start(factories[kinds[0]], certs)
    replica = _start(factories[kinds[1]], certs, "--tls-replication", "yes")
    m = master.client()
    for i in range(200):
        m.set(f"k{i}", "v" * i)
    replica.client().replicaof("127.0.0.1", master.tls_port)
    _replicated(master, replica, 200)
    m.rpush("list", *range(100))
    m.incr("counter")
    _replicated(master, replica, 202)
    support.wait_for(lambda: replica.client().execute_command("DEBUG", "DIGEST")
                     == m.execute_command("DEBUG", "DIGEST"), what="equal digests")
    # the master sees its replica on the TLS port it announced
    line = m.info("replication")["slave0"]
    assert line["port"] == replica.tls_port


def test_a_stalled_replica_over_tls_catches_up(rkvd_factory, certs):
    """While a TLS replica does not read, the stream waits in the master's
    replication buffer (its connection reports each drain through the TLS
    layer); once it reads again everything arrives, in order."""
    import os
    import signal
    master = _start(rkvd_factory, certs)
    replica = _start(rkvd_factory, certs, "--tls-replication", "yes")
    m = master.client()
    m.set("k", "v")
    replica.client().replicaof("127.0.0.1", master.tls_port)
    _replicated(master, replica, 1)
    os.kill(replica.pid, signal.SIGSTOP)
    try:
        p = m.pipeline(transaction=False)
        for i in range(40000):                  # 14 MB of stream, beyond what the sockets take
            p.set(f"key:{i % 500}", "x" * 300)
            p.incr("counter")
        p.execute()
        held = m.info("memory")["mem_clients_slaves"]
        assert held > 1 << 20, held             # the socket is full: the buffer holds the rest
    finally:
        os.kill(replica.pid, signal.SIGCONT)
    _replicated(master, replica, 502)
    support.wait_for(lambda: replica.client().get("counter") == b"40000", what="the counter")
    support.wait_for(lambda: replica.client().execute_command("DEBUG", "DIGEST")
                     == m.execute_command("DEBUG", "DIGEST"), what="equal digests")


def test_replica_without_tls_replication_is_refused_by_a_tls_port(rkvd_factory, certs):
    master = _start(rkvd_factory, certs)
    replica = rkvd_factory()
    replica.client().replicaof("127.0.0.1", master.tls_port)
    time.sleep(1.5)
    assert replica.client().info("replication")["master_link_status"] == "down"


def test_quit_frees_the_client_at_once(pair, certs):
    # Redis frees a client as soon as its last reply is written; under TLS
    # the transport reports the loss only after close_notify, so a server
    # waiting for that still counted the client (Redis's tracking test).
    for server in pair():
        with _tls_socket(server, certs) as s:
            s.sendall(b"CLIENT TRACKING on BCAST PREFIX p:\r\n")
            assert s.recv(100) == b"+OK\r\n"
            other = server.client()
            assert other.info("clients")["tracking_clients"] == 1
            s.sendall(b"QUIT\r\n")
            assert s.recv(100) == b"+OK\r\n"
            assert other.info("clients")["tracking_clients"] == 0
            assert len(other.client_list()) == 1
