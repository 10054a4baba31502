"""The debug build (RKVD_DEBUG=1): the engine's invariant checks compiled in.

A copy of the checkout is built in place with RKVD_DEBUG=1; the server says
at start-up that it is a debug build, and the tests that drive the checked
paths hardest (propagation, transactions, blocking) run against it: a failed
check answers an internal error and fails them. A normal build compiles the
checks away (tests/test_first_run.py starts one and sees no such line).
"""
import os
import shlex
import subprocess
import sys

import pytest

import support
from support import ServerProcess

pytestmark = pytest.mark.timeout(1200)

DEBUG_LINE = "debug build (RKVD_DEBUG=1)"


@pytest.fixture(scope="module")
def debug_checkout(tmp_path_factory):
    clone = support.clone_checkout(tmp_path_factory.mktemp("debug-build") / "rkvd")
    env = dict(os.environ, RKVD_DEBUG="1")
    env.pop("PYTHONPATH", None)
    build = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace", "-j", "2"],
                           cwd=clone, env=env, capture_output=True, text=True)
    assert build.returncode == 0, (build.stdout + build.stderr)[-6000:]
    return clone


def test_debug_build_says_so_and_passes_the_checked_paths(debug_checkout, tmp_path):
    server_cmd = f"env PYTHONPATH={shlex.quote(str(debug_checkout))} {shlex.quote(sys.executable)} -m rkvd"
    server = ServerProcess(shlex.split(server_cmd), "rkvd-debug", tmp_path / "srv")
    server.start()
    try:
        assert support.wait_until(lambda: DEBUG_LINE in server.stdout(), 5), server.stdout()[-2000:]
    finally:
        server.kill()
    env = dict(os.environ, RKVD_TEST_SERVER_CMD=server_cmd)
    env.pop("PYTHONPATH", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         "tests/engine/test_propagate.py", "tests/types/test_list_blocking.py",
         "tests/engine/test_keyspace.py"],
        cwd=support.REPO_ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, (run.stdout + run.stderr)[-6000:]
