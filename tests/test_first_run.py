"""The README's first command, run the way a new user runs it.

A copy of this checkout holding only what a fresh clone holds (no in-place
extensions, no build directory) is installed with a plain, non-editable
`pip install .` into a new venv, exactly as the README says; then the
installed `rkvd` is started from the clone's root (where the uncompiled
source package sits on `python -m`'s path), from another directory, through
`python -m rkvd`, and through the ExecStart line of the unit that
`rkvd-systemd install` writes.

This is slow (a full build of the engine) and is the point: the suite must
fail when the first thing every user runs breaks.
"""
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import support
from support import RawConnection, ServerProcess, info_sections, parse_reply

pytestmark = pytest.mark.timeout(1500)

# What the test run itself may have set and a new user's shell has not.
_SUITE_VARIABLES = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONMALLOC")

@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A clone with `python3 -m venv .venv && .venv/bin/pip install .` done in it."""
    clone = support.clone_checkout(tmp_path_factory.mktemp("first-run") / "rkvd")
    assert not list(clone.rglob("*.so")), "the copy must hold no built extension"
    python3 = shutil.which("python3") or sys.executable
    env = {k: v for k, v in os.environ.items() if k not in _SUITE_VARIABLES}
    subprocess.run([python3, "-m", "venv", ".venv"], cwd=clone, env=env, check=True)
    # The README's install, verbose so the build backend's warnings show.
    pip = subprocess.run([".venv/bin/pip", "install", "-v", "."], cwd=clone, env=env,
                         capture_output=True, text=True)
    output = pip.stdout + pip.stderr
    assert pip.returncode == 0, output[-6000:]
    return clone, env, output


def _start(cmd, cwd, env, port):
    """Run exactly `cmd --port port` in `cwd` with `env` (nothing of the suite's own)."""
    env = dict(env, **{name: None for name in _SUITE_VARIABLES})
    server = ServerProcess(cmd, "installed-rkvd", Path(cwd), extra_args=["--port", port],
                           base_args=False, port=port, env=env)
    server.start(60)
    return server


def _engine_file(pid):
    """Path of the engine extension the process `pid` has loaded."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    found = re.search(r"(/\S*/rkvd/_core/server\.[^/\s]*\.so)", maps)
    assert found, "the engine extension is not loaded"
    return found.group(1)


def _ping_info_sigterm(server):
    with RawConnection(server.host, server.port) as c:
        assert c.command("PING") == b"+PONG\r\n"
        kind, text = parse_reply(c.command("INFO", "server"))
    fields = info_sections(text.decode())["server"]
    assert fields["redis_version"] == "7.0.15"
    assert int(fields["process_id"]) == server.pid
    server.signal(signal.SIGTERM)
    assert server.wait(15) == 0, server.describe()
    assert "Redis is now ready to exit, bye bye..." in server.stdout()
    # a user's build compiles the engine's debug checks away
    assert "debug build" not in server.stdout()
    return fields


def test_pip_install_prints_no_deprecation_of_ours(installed):
    _, _, output = installed
    # pip's own notices start with "DEPRECATION:"; everything else is the build's.
    ours = [line for line in output.splitlines()
            if re.search(r"deprecat", line, re.I) and not line.startswith("DEPRECATION:")]
    assert not ours, "\n".join(ours)


def test_readme_first_command_from_the_clone_root(installed):
    clone, env, _ = installed
    # `.venv/bin/rkvd`, from the root of the clone, on a free port.
    server = _start([str(clone / ".venv/bin/rkvd")], clone, env, support.free_port())
    # The installed package runs, not the source tree beside it.
    assert _engine_file(server.pid).startswith(str(clone / ".venv") + "/")
    _ping_info_sigterm(server)


def test_python_m_rkvd_from_the_clone_root(installed):
    clone, env, _ = installed
    server = _start([str(clone / ".venv/bin/python"), "-m", "rkvd"], clone, env,
                    support.free_port())
    assert _engine_file(server.pid).startswith(str(clone / ".venv") + "/")
    _ping_info_sigterm(server)


def test_rkvd_from_another_directory(installed, tmp_path):
    clone, env, _ = installed
    server = _start([str(clone / ".venv/bin/rkvd")], tmp_path, env, support.free_port())
    _ping_info_sigterm(server)


def test_used_memory_follows_the_allocator(installed, tmp_path):
    # The re-exec routes Python's allocator to malloc, so INFO's used_memory
    # (mallinfo2) sees what the keyspace costs, as maxmemory will need.
    clone, env, _ = installed
    server = _start([str(clone / ".venv/bin/rkvd"), "--enable-debug-command", "yes"], clone, env,
                    support.free_port())
    def used():
        with RawConnection(server.host, server.port) as c:
            _, text = parse_reply(c.command("INFO", "memory"))
        return int(info_sections(text.decode())["memory"]["used_memory"])

    before = used()
    with RawConnection(server.host, server.port) as c:
        assert c.command("DEBUG", "POPULATE", "200000", "key", "100") == b"+OK\r\n"
    grown = used() - before
    # 200,000 keys of 100-byte values cost at least their bytes, and not ten times them.
    assert 200_000 * 100 <= grown <= 200_000 * 1000, grown
    server.signal(signal.SIGTERM)
    assert server.wait(15) == 0


def test_systemd_install_and_its_exec_start(installed, tmp_path):
    clone, env, _ = installed
    root = tmp_path / "root"
    run = subprocess.run([str(clone / ".venv/bin/rkvd-systemd"), "install", "--root", str(root)],
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    unit = (root / "etc/systemd/system/rkvd.service").read_text()
    conf = root / "etc/rkvd/rkvd.conf"
    assert (root / "var/lib/rkvd").is_dir()
    assert conf.stat().st_mode & 0o777 == 0o640
    text = conf.read_text()
    for directive in ("supervised systemd", "dir /var/lib/rkvd", "daemonize no"):
        assert re.search(rf"^{directive}$", text, re.M), directive

    exec_start = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1)
    argv = shlex.split(exec_start)
    assert argv[0] == str(clone / ".venv/bin/rkvd"), exec_start
    assert argv[1] == "/etc/rkvd/rkvd.conf"
    assert re.search(r"^Type=notify$", unit, re.M)

    # A second install keeps the operator's configuration.
    conf.write_text(text + "\n# edited\n")
    again = subprocess.run([str(clone / ".venv/bin/rkvd-systemd"), "install", "--root", str(root)],
                           env=env, capture_output=True, text=True)
    assert again.returncode == 0 and conf.read_text().endswith("# edited\n")

    analyze = shutil.which("systemd-analyze")
    if analyze:
        staged_unit = root / "etc/systemd/system/rkvd.service"
        check = subprocess.run([analyze, "verify", str(staged_unit)], capture_output=True,
                               text=True, env=dict(env, SYSTEMD_LOG_LEVEL="warning"))
        complaints = [line for line in (check.stdout + check.stderr).splitlines()
                      if "rkvd.service" in line]
        assert check.returncode == 0 and not complaints, check.stdout + check.stderr

    # Run the unit's ExecStart as systemd would: in its WorkingDirectory, with
    # NOTIFY_SOCKET, on the installed configuration (paths moved under root).
    state = root / "var/lib/rkvd"
    conf.write_text(text.replace("dir /var/lib/rkvd", f"dir {state}"))
    sock_path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as ns:
        ns.bind(str(sock_path))
        ns.settimeout(60)
        cmd = [argv[0], str(conf)] + argv[2:]
        server = _start(cmd, state, dict(env, NOTIFY_SOCKET=str(sock_path)), support.free_port())
        got = [ns.recv(4096) for _ in range(3)]
        assert got[-1] == b"READY=1\n", got
        _ping_info_sigterm(server)
        assert ns.recv(4096) == b"STOPPING=1\n"
