"""Helpers the ACL tests share: run a command on rkvd and redis-server,
compare raw replies, and put ACL descriptions in a comparable form.

Redis emits single command rules (+get, -config|set) in the order of its
command dict, which is seeded at random per process; the categories before
them come in a fixed order. canon_rules keeps the order of everything but
the single command rules of each selector, which it sorts."""

import re

import redis

_HELLO_ID = re.compile(rb"(\$2\r\nid\r\n:)\d+")


def run(server, *args):
    c = server.client()
    try:
        return c.execute_command(*args)
    except redis.ResponseError as exc:
        return ("error", str(exc))
    finally:
        c.close()


def both(a, b, *args):
    return run(a, *args), run(b, *args)


def canon_rules(text):
    """A rules string with each selector's single command rules sorted."""
    if isinstance(text, str):
        text = text.encode()
    out = []
    for seg in re.split(rb"(\(|\))", text):
        toks = seg.split(b" ")
        fixed = [t for t in toks if not _single(t)]
        singles = sorted(t for t in toks if _single(t))
        out.append(b" ".join(fixed + singles))
    return b"".join(out)


def _single(tok):
    return tok[:1] in (b"+", b"-") and tok[1:2] != b"@"


def canon_user(reply):
    """ACL GETUSER's reply with the commands fields canonical."""
    if not isinstance(reply, list):
        return reply
    out = []
    for k, v in zip(reply[::2], reply[1::2]):
        if k == b"commands":
            v = canon_rules(v)
        elif k == b"selectors":
            v = [canon_user(s) for s in v]
        out.append((k, v))
    return out


def canon_list(lines):
    return [canon_rules(line) for line in lines] if isinstance(lines, list) else lines


def raw_both(a, b, *commands, auth=None, masked_hello=False, masked_log=True):
    """Send the commands in order on one raw connection to each server and
    assert the raw replies are the same bytes (HELLO's id masked)."""
    replies = []
    for s in (a, b):
        got = []
        with s.raw() as r:
            if auth is not None:
                r.command("AUTH", auth)
            for cmd in commands:
                rep = r.command(*cmd)
                if masked_hello:
                    rep = _HELLO_ID.sub(rb"\1<id>", rep)
                got.append(rep)
        replies.append(got)
    for cmd, x, y in zip(commands, replies[0], replies[1]):
        assert x == y, "%r: rkvd %r, redis %r" % (cmd, x, y)
    return True
