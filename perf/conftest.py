"""pytest glue for the perf/ benchmarks.

    python -m pytest perf/ --benchmark-only

collects perf/bench_*.py (the project's `pytest` / `pytest tests/` never
looks here: testpaths is tests/ and nothing in perf/ is named test_*.py).
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(HERE)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
if REPO_ROOT not in sys.path:  # `pytest perf/` from anywhere: find this checkout's rkvd
    sys.path.append(REPO_ROOT)

from servers import Server, ServerError  # noqa: E402


def pytest_collect_file(file_path, parent):
    # files named on the command line are collected by pytest itself
    if file_path.suffix == ".py" and file_path.name.startswith("bench_") \
            and not parent.session.isinitpath(file_path):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


@pytest.fixture(scope="session")
def perf_server():
    """perf_server(kind) -> a running Server ("rkvd" or "redis"), started once
    per pytest run; skips the test when that server cannot start."""
    started, failed = {}, {}

    def get(kind):
        if kind in failed:
            pytest.skip(failed[kind])
        if kind not in started or not started[kind].alive():
            try:
                started[kind] = Server(kind).start()
            except ServerError as e:
                failed[kind] = f"{kind} did not start: {str(e).splitlines()[0]}"
                pytest.skip(failed[kind])
        return started[kind]

    yield get
    for s in started.values():
        s.stop()
