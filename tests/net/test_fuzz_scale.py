"""Protocol fuzzing at scale, a CI-sized run of perf/fuzz_protocol.py: tens
of thousands of random and mutated frames over concurrent connections to a
fresh rkvd and redis-server, identical transcripts, the server alive and
its memory back afterwards. The script's default run is a million frames.
"""
import subprocess
import sys

import pytest

import support

pytestmark = [pytest.mark.needs_redis, pytest.mark.timeout(600)]


def test_fuzz_protocol_at_scale():
    if not support.HAVE_REDIS:
        pytest.skip("redis-server is not installed")
    r = subprocess.run([sys.executable, str(support.REPO_ROOT / "perf" / "fuzz_protocol.py"),
                        "--frames", "40000", "--conns", "16", "--seed", "11"],
                       capture_output=True, text=True, timeout=540)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    assert "OK" in r.stdout
