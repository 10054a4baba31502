"""oom-score-adj and oom-score-adj-values (rkvd.oslimits.OOMScoreAdj): the
server's /proc/<pid>/oom_score_adj against redis-server's after the same
CONFIG SETs, and the value a BGSAVE child gives itself."""
import time

import psutil
import pytest


def _get(pid):
    with open(f"/proc/{pid}/oom_score_adj") as f:
        return int(f.read())


def _put(pid, value):
    with open(f"/proc/{pid}/oom_score_adj", "w") as f:
        f.write(f"{value}\n")


def _writable(pid):
    # raising it is always allowed; going back down to 0 may need privileges
    try:
        _put(pid, 1)
        _put(pid, 0)
        return True
    except OSError:
        return False


def test_config_set_moves_the_score_as_redis(server_pair):
    seen = []
    for s in server_pair():
        if not _writable(s.pid):
            pytest.skip("lowering oom_score_adj to 0 needs privileges here")
        c = s.client()
        _put(s.pid, 22)
        steps = []
        c.config_set("oom-score-adj-values", "1 1 1")         # off: nothing touched
        steps.append(_get(s.pid))
        c.execute_command("CONFIG", "SET", "oom-score-adj-values", "10 20 30", "oom-score-adj", "yes")
        steps.append(_get(s.pid))
        c.config_set("oom-score-adj-values", "15 20 30")
        steps.append(_get(s.pid))
        c.config_set("oom-score-adj", "absolute")
        steps.append(_get(s.pid))
        c.config_set("oom-score-adj-values", "2000 2000 2000")     # clamped to 1000
        steps.append(_get(s.pid))
        c.config_set("oom-score-adj", "no")                 # the value before rkvd changed it
        steps.append(_get(s.pid))
        seen.append(steps)
    assert seen[0] == seen[1] == [22, 32, 37, 15, 1000, 22]


def test_bgsave_child_takes_the_bgchild_value(rkvd_factory):
    s = rkvd_factory()
    if not _writable(s.pid):
        pytest.skip("lowering oom_score_adj to 0 needs privileges here")
    _put(s.pid, 0)
    c = s.client()
    c.set("k", "v")
    c.execute_command("CONFIG", "SET", "oom-score-adj-values", "5 6 7", "oom-score-adj", "relative",
                      "rdb-key-save-delay", "1000000")
    c.bgsave()
    deadline = time.time() + 5
    values = []
    while time.time() < deadline:
        values = [_get(p.pid) for p in psutil.Process(s.pid).children()]
        if values == [7]:
            break
        time.sleep(0.01)
    assert values == [7] and _get(s.pid) == 5
    c.config_set("rdb-key-save-delay", 0)
