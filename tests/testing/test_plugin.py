"""The pytest plugin, run the way a user runs it: pytest in a directory of
its own, with no conftest, the fixtures found through the pytest11 entry
point that installing rkvd registered."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample_app"


def run(pytester, *args):
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=120)


def test_fixtures_markers_and_isolation(pytester):
    pytester.makepyfile(test_inner="""
        import asyncio
        import pytest

        ports = {}

        def test_default(rkvd_server, rkvd_client, rkvd_url):
            ports["default"] = rkvd_server.port
            assert rkvd_url == rkvd_server.url == f"redis://127.0.0.1:{rkvd_server.port}"
            rkvd_client.set("k", 1)
            rkvd_client.config_set("hz", 33)
            rkvd_client.client_setname("named")
            rkvd_server.client().pubsub().subscribe("ch")

        def test_starts_clean(rkvd_client, rkvd_server):
            assert rkvd_client.dbsize() == 0
            assert rkvd_client.config_get("hz") == {"hz": "10"}
            assert rkvd_client.pubsub_channels() == []
            assert "named" not in [c["name"] for c in rkvd_client.client_list()]
            assert rkvd_server.port == ports["default"]

        @pytest.mark.rkvd(config={"maxmemory-policy": "allkeys-lru", "hz": 20})
        def test_marked(rkvd_server, rkvd_client):
            ports["lru"] = rkvd_server.port
            assert rkvd_server.port != ports["default"]
            assert rkvd_client.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
            assert rkvd_server.config == {"maxmemory-policy": "allkeys-lru", "hz": 20}

        @pytest.mark.rkvd(config={"hz": 20, "maxmemory-policy": "allkeys-lru"})
        def test_equal_config_shares(rkvd_server):
            assert rkvd_server.port == ports["lru"]

        def test_async(rkvd_async_client):
            async def main():
                async with rkvd_async_client as r:
                    await r.set("a", "b")
                    return await r.get("a")
            assert asyncio.run(main()) == b"b"

        def test_session_server(rkvd_session_server, rkvd_server):
            assert rkvd_session_server is rkvd_server

        def test_restart(rkvd_server, rkvd_client):
            port = rkvd_server.port
            rkvd_server.restart()
            assert rkvd_server.port == port and rkvd_client.ping()
    """)
    result = run(pytester, "-v")
    result.assert_outcomes(passed=7)


def test_crash_restarts_and_reports_the_log(pytester):
    pytester.makepyfile(test_crash="""
        import os, signal

        pids = []

        def test_kills_the_server(rkvd_server):
            pids.append(rkvd_server.proc.pid)
            os.kill(rkvd_server.proc.pid, signal.SIGKILL)
            rkvd_server.proc.wait(5)
            assert False, "the server is gone"

        def test_next_gets_a_new_one(rkvd_client, rkvd_server):
            assert rkvd_client.ping()
            assert rkvd_server.proc.pid != pids[0]
    """)
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*rkvd server rkvd (killed by SIGKILL), its log*",
                                 "*Ready to accept connections*"])


def test_command_line_options(pytester):
    conf = pytester.makefile(".conf", extra="hz 17\n")
    pytester.makepyfile(test_opts=f"""
        def test_resp3_and_config_file(rkvd_client, rkvd_server):
            assert rkvd_server.config_file == {str(conf)!r}
            assert rkvd_client.config_get("hz") == {{"hz": "17"}}
            assert "resp=3" in rkvd_client.execute_command("CLIENT", "INFO").decode()
            rkvd_client.config_set("hz", 5)

        def test_file_config_is_the_baseline(rkvd_client):
            assert rkvd_client.config_get("hz") == {{"hz": "17"}}
    """)
    result = run(pytester, "--rkvd-resp", "3", "--rkvd-config", str(conf), "--rkvd-unix-socket")
    result.assert_outcomes(passed=2)


@pytest.mark.needs_redis
def test_server_cmd_redis_server(pytester):
    pytester.makepyfile(test_real="""
        def test_is_redis(rkvd_client):
            assert "redis-server" in rkvd_client.info("server")["executable"]
            rkvd_client.set("k", 1)

        def test_clean(rkvd_client):
            assert rkvd_client.dbsize() == 0
    """)
    result = run(pytester, "--rkvd-server-cmd", shutil.which("redis-server") or "redis-server")
    result.assert_outcomes(passed=2)


def test_users_path_example_project(tmp_path):
    """examples/sample_app copied to a fresh directory and tested with
    `python -m pytest`: nothing installed, no conftest, only the entry point."""
    project = tmp_path / "sample_app"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    assert not list(project.rglob("conftest.py"))
    env = dict(os.environ)
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    env.pop("PYTEST_ADDOPTS", None)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and "failed" not in done.stdout
    # and the fixtures do come from the entry point named rkvd
    without = subprocess.run(cmd + ["-p", "no:rkvd", "tests/test_cache.py"], cwd=project, env=env,
                             capture_output=True, text=True, timeout=180)
    assert "fixture 'rkvd_client' not found" in without.stdout


def test_one_server_per_xdist_worker(pytester):
    pytest.importorskip("xdist")
    pytester.makepyfile(test_workers="""
        import os
        import pytest

        @pytest.mark.parametrize("n", range(8))
        def test_worker_server(rkvd_server, rkvd_client, n):
            worker = os.environ["PYTEST_XDIST_WORKER"]
            # each worker's server holds only its own tests' keys
            assert rkvd_client.dbsize() == 0
            rkvd_client.set("worker", worker)
            assert rkvd_client.get("worker").decode() == worker
            assert rkvd_server.starts == 1
            with open(f"{worker}.port", "a") as f:
                f.write(f"{rkvd_server.port}\\n")
    """)
    result = run(pytester, "-n", "2")
    result.assert_outcomes(passed=8)
    ports = {p.stem: set(p.read_text().split()) for p in pytester.path.glob("gw*.port")}
    assert sorted(ports) == ["gw0", "gw1"]
    assert all(len(v) == 1 for v in ports.values())        # one server per worker ...
    assert ports["gw0"] != ports["gw1"]                     # ... of its own
