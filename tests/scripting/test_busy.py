"""Serving other connections while a script keeps the server busy, against
redis-server: connections opened during the script, replies the loop had
queued when the script started, and the connections' life afterwards."""

import time

import pytest

from tests.support import RawConnection

SPIN = "while true do end"
PUBLISH_SPIN = "redis.call('publish', 'ch', 'hello') while true do end"


def _wait_busy(server, probe):
    # probe is connected before the script starts: a connection the loop
    # accepted in the very turn the script started in waits for its end
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if probe.command("PING").startswith(b"-BUSY"):
            return
        time.sleep(0.05)
    pytest.fail(f"{server.name} never became busy")


def _new_connection_during_script(server):
    out = []
    with server.raw() as setup:
        setup.command("CONFIG", "SET", "busy-reply-threshold", "50")
    with server.raw() as caller, server.raw() as probe:
        probe.command("PING")
        caller.send_command("EVAL", SPIN, "0")
        _wait_busy(server, probe)
        # opened while the script runs: accepted and answered at once
        with RawConnection("127.0.0.1", server.port, timeout=5) as late:
            out.append(late.command("PING"))
            out.append(late.command("CLIENT", "SETNAME", "late"))
            out.append(late.command("SCRIPT", "KILL"))
            out.append(caller.read_reply())
            # and it stays a normal connection once the loop has it
            for _ in range(3):
                out.append(late.command("SET", "k", "v" * 1000))
                out.append(late.command("GET", "k"))
            out.append(late.command("CLIENT", "GETNAME"))
            out.append(caller.command("PING"))
    return out


def _queued_reply_during_script(server):
    out = []
    with server.raw() as setup:
        setup.command("CONFIG", "SET", "busy-reply-threshold", "50")
    with server.raw() as sub, server.raw() as caller, server.raw() as other:
        out.append(sub.command("SUBSCRIBE", "ch"))
        other.command("PING")
        # the message is queued for sub in the loop turn the script starts
        # in: it must leave once the server serves others during the script
        caller.send_command("EVAL", PUBLISH_SPIN, "0")
        out.append(sub.read_reply(timeout=5))
        _wait_busy(server, other)
        out.append(other.command("SCRIPT", "KILL"))
        out.append(caller.read_reply())
    return out


@pytest.mark.parametrize("scenario", [_new_connection_during_script, _queued_reply_during_script])
def test_busy_script_serves_others(server_pair, scenario):
    rk, rd = server_pair()
    assert scenario(rk) == scenario(rd)
