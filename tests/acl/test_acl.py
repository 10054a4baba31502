"""ACL (rkvd/acl, engine/acl.pyx) against redis-server 7.0.15: the same rules
give the same users, the same refusals (byte for byte), the same log, and
clients of changed or deleted users fare as in Redis.

Redis lists single command rules in its command dict's order, which is
seeded at random per process: those are compared as sets (acl_support)."""

import time

import pytest
from acl_support import both, canon_list, canon_user, raw_both

pytestmark = pytest.mark.needs_redis


RULE_SETS = [
    ["+@read", "-get"], ["+@all", "-@dangerous"], ["allcommands", "-config|get"],
    ["+config|get"], ["-@all", "+@string", "+@hash", "-hset"], ["+select|0", "+select|1"],
    ["+@all", "-@write", "+set"], ["~a", "%R~b", "%W~c", "%RW~d", "&x", "allchannels"],
    ["(~a +get)", "(+set ~b)"], ["(~a", "+get)"], ["+acl", "-acl|setuser"], ["+@admin"],
    ["+@slow", "-@dangerous"], ["+@keyspace", "+@fast"], ["on", ">p1", ">p2", "<p1"],
    ["#" + "a" * 64], ["reset"], ["~*", "resetkeys", "~x"], ["()"], ["(~a)", "clearselectors"],
    ["+@all", "-@all", "+client|id"], ["-@all", "+client", "-client|kill"],
    ["sanitize-payload"], ["skip-sanitize-payload", "nopass"], ["%R~*", "~x"], ["%R"],
    ["&a", "&b", "&a", "resetchannels", "&c"], ["~a", "%R~a", "%W~a"], ["on", "nopass", ">x"],
    ["+@pubsub", "-@all", "+ping"], ["(+get ~x &y)", "(-@all +set %W~z)"],
]

BAD_RULES = [
    ["#abc"], ["!" + "b" * 64], ["<nothere"], ["+get|x|y"], ["+config|"], ["-get|x"], ["+|x"],
    ["+@nope"], ["-@"], ["~*", "~foo"], ["&*", "&x"], ["(on)"], ["%RR~x"], ["%X~x"],
    ["+nosuchcommand"], ["-nosuchcommand"], ["(~a", "+get"], ["bogus"], ["~a b"], ["(~x", "on)"],
    ["+config|nosuch"], ["+client|id|x"], ["(+get", "foo)"],
]


def test_setuser_and_getuser_match_redis(server_pair):
    a, b = server_pair()
    for i, rules in enumerate(RULE_SETS + BAD_RULES):
        name = "u%d" % i
        ra, rb = both(a, b, "ACL", "SETUSER", name, *rules)
        assert ra == rb, rules
        ga, gb = both(a, b, "ACL", "GETUSER", name)
        assert canon_user(ga) == canon_user(gb), rules
    la, lb = both(a, b, "ACL", "LIST")
    assert canon_list(la) == canon_list(lb)
    assert both(a, b, "ACL", "USERS")[0] == both(a, b, "ACL", "USERS")[1]


def test_acl_cat_matches_redis(server_pair):
    a, b = server_pair()
    cats, cats_b = both(a, b, "ACL", "CAT")
    assert cats == cats_b
    for cat in cats:
        ca, cb = both(a, b, "ACL", "CAT", cat)
        assert sorted(ca) == sorted(cb), cat
    assert raw_both(a, b, ["ACL", "CAT", "nope"])
    assert raw_both(a, b, ["ACL", "CAT", "a", "b"])


REFUSALS = [
    # (rules, [commands run as that user])
    (["+get", "~foo*"], [["GET", "foo1"], ["GET", "bar"], ["SET", "foo1", "x"], ["MGET", "foo", "x"]]),
    (["+@all", "%R~r*", "%W~w*"], [["GET", "r1"], ["SET", "r1", "v"], ["SET", "w1", "v"],
                                   ["GET", "w1"], ["COPY", "r1", "w2"], ["COPY", "w1", "r2"],
                                   ["LMOVE", "r1", "w1", "LEFT", "RIGHT"], ["EXISTS", "w1"]]),
    (["+@all", "allkeys", "&news.*"], [["PUBLISH", "news.1", "m"], ["PUBLISH", "other", "m"],
                                       ["SUBSCRIBE", "news.a", "zz"], ["PSUBSCRIBE", "news.*"],
                                       ["PSUBSCRIBE", "news.a*"], ["SPUBLISH", "x", "m"],
                                       ["UNSUBSCRIBE", "zz"]]),
    (["-@all", "+select|0", "+config|get"], [["SELECT", "0"], ["SELECT", "1"], ["CONFIG", "GET", "maxclients"],
                                             ["CONFIG", "SET", "hz", "10"], ["PING"], ["AUTH", "x"]]),
    (["+@all", "-@dangerous", "~*"], [["FLUSHALL"], ["DEBUG", "SLEEP", "0"], ["KEYS", "*"]]),
    (["-@all", "+get", "~a", "(+set ~b)"], [["GET", "a"], ["GET", "b"], ["SET", "b", "1"],
                                             ["SET", "a", "1"], ["INCR", "b"]]),
    (["+@all", "~x", "-client|kill"], [["CLIENT", "KILL", "ID", "999"], ["CLIENT", "GETNAME"],
                                       ["SORT", "x"], ["SORT", "y"], ["ZUNIONSTORE", "x", "2", "x", "y"]]),
]


@pytest.mark.parametrize("rules,commands", REFUSALS)
def test_refusals_match_redis(server_pair, rules, commands):
    a, b = server_pair()
    both(a, b, "ACL", "SETUSER", "u", "on", ">pw", *rules)
    seq = [["AUTH", "u", "pw"]] + commands + [["ACL", "WHOAMI"]]
    assert raw_both(a, b, *seq, masked_log=False)
    la, lb = both(a, b, "ACL", "LOG")
    assert [_log_fields(e) for e in la] == [_log_fields(e) for e in lb]
    for cmd in commands:
        da, db = both(a, b, "ACL", "DRYRUN", "u", *cmd)
        assert da == db, cmd


def _log_fields(entry):
    d = dict(zip(entry[::2], entry[1::2]))
    assert 0 <= float(d[b"age-seconds"]) < 60
    assert b" user=" in d[b"client-info"]
    # rkvd's CLIENT LIST names the queued command running inside EXEC
    cmd = d[b"client-info"].split(b" cmd=")[1].split(b" ")[0]
    return (d[b"count"], d[b"reason"], d[b"context"], d[b"object"], d[b"username"],
            cmd if d[b"context"] == b"toplevel" else None)


def test_auth_hello_and_log(server_pair):
    a, b = server_pair()
    both(a, b, "ACL", "SETUSER", "alice", "on", ">secret", "+@all", "~*")
    both(a, b, "ACL", "SETUSER", "off1", "off", ">secret", "+@all")
    seq = [["AUTH", "alice", "wrong"], ["AUTH", "alice", "secret"], ["ACL", "WHOAMI"],
           ["AUTH", "nobody", "x"], ["AUTH", "off1", "secret"], ["AUTH", "onlypass"],
           ["HELLO", "2", "AUTH", "alice", "bad"], ["HELLO", "3", "AUTH", "alice", "secret"],
           ["ACL", "WHOAMI"], ["AUTH", "a", "b", "c"], ["MULTI"], ["AUTH", "x", "y"], ["EXEC"]]
    assert raw_both(a, b, *seq, masked_hello=True)
    la, lb = both(a, b, "ACL", "LOG")
    assert [_log_fields(e) for e in la] == [_log_fields(e) for e in lb]
    assert raw_both(a, b, ["ACL", "LOG", "RESET"], ["ACL", "LOG"], ["ACL", "LOG", "x"],
                    ["ACL", "LOG", "-5"])


def test_requirepass_is_the_default_users_password(server_pair):
    a, b = server_pair("--requirepass", "pw")
    assert raw_both(a, b, ["GET", "x"], ["AUTH", "bad"], ["AUTH", "pw"], ["ACL", "LIST"],
                    ["CONFIG", "SET", "requirepass", ""], ["ACL", "LIST"],
                    ["CONFIG", "SET", "requirepass", "new"], ["ACL", "GETUSER", "default"],
                    ["ACL", "SETUSER", "default", "resetpass"], ["ACL", "LIST"], auth="pw")


def test_noauth_and_disabled_default(server_pair):
    a, b = server_pair()
    both(a, b, "ACL", "SETUSER", "admin", "on", ">x", "+@all", "~*")
    both(a, b, "ACL", "SETUSER", "default", "off")
    assert raw_both(a, b, ["PING"], ["GET", "x"], ["HELLO", "3"], ["AUTH", "admin", "x"],
                    ["PING"], masked_hello=True)


def test_deleted_user_is_disconnected(rkvd_factory):
    s = rkvd_factory()
    admin = s.client()
    admin.execute_command("ACL", "SETUSER", "bob", "on", ">pw", "+@all", "~*")
    with s.raw() as r:
        assert r.command("AUTH", "bob", "pw") == b"+OK\r\n"
        assert admin.execute_command("ACL", "DELUSER", "bob", "nobody") == 1
        assert r.is_closed_by_peer()
    with s.raw() as r:
        r.command("AUTH", "bob", "pw")
        admin.execute_command("ACL", "SETUSER", "bob", "on", ">pw", "+@all", "~*")
        assert r.command("AUTH", "bob", "pw") == b"+OK\r\n"
        # deleting yourself: the reply first, then the close
        assert r.command("ACL", "DELUSER", "bob") == b":1\r\n"
        assert r.is_closed_by_peer()


def test_changed_rules_apply_to_connected_clients(server_pair):
    a, b = server_pair()
    both(a, b, "ACL", "SETUSER", "u", "on", ">pw", "+@all", "~*")
    out = []
    for s in (a, b):
        admin = s.client()
        with s.raw() as r:
            r.command("AUTH", "u", "pw")
            steps = [r.command("SET", "k", "v")]
            admin.execute_command("ACL", "SETUSER", "u", "-set")
            steps.append(r.command("SET", "k", "v"))
            steps.append(r.command("MULTI"))
            steps.append(r.command("GET", "k"))
            admin.execute_command("ACL", "SETUSER", "u", "-get")
            steps.append(r.command("EXEC"))
            steps.append(r.command("CLIENT", "KILL", "USER", "nobody"))
            steps.append(r.command("CLIENT", "KILL", "USER", "u", "SKIPME", "yes"))
        out.append(steps)
    assert out[0] == out[1]


def test_pubsub_clients_lose_revoked_channels(server_pair):
    a, b = server_pair()
    results = []
    for s in (a, b):
        admin = s.client()
        admin.execute_command("ACL", "SETUSER", "psub", "on", ">pw", "+@all", "~*", "resetchannels",
                              "&foo", "&bar*")
        with s.raw() as keep, s.raw() as lose:
            for r in (keep, lose):
                r.command("AUTH", "psub", "pw")
            keep.command("SUBSCRIBE", "foo")
            lose.command("PSUBSCRIBE", "bar*")
            admin.execute_command("ACL", "SETUSER", "psub", "resetchannels", "&foo", "&bar")
            results.append((keep.is_closed_by_peer(timeout=0.3), lose.is_closed_by_peer()))
    assert results[0] == results[1] == (False, True)


def test_genpass_and_help(server_pair):
    a, b = server_pair()
    for args, n in ((["ACL", "GENPASS"], 64), (["ACL", "GENPASS", "5"], 2),
                    (["ACL", "GENPASS", "128"], 32)):
        pa, pb = both(a, b, *args)
        assert len(pa) == len(pb) == n and int(pa, 16) >= 0
    assert raw_both(a, b, ["ACL", "GENPASS", "0"], ["ACL", "GENPASS", "5000"],
                    ["ACL", "GENPASS", "x"], ["ACL", "NOSUCH"], ["ACL", "LOAD"], ["ACL", "SAVE"],
                    ["ACL", "DRYRUN", "nobody", "get", "x"], ["ACL", "DRYRUN", "default", "nosuch"],
                    ["ACL", "DRYRUN", "default", "get"], ["ACL", "DELUSER", "default"],
                    ["ACL", "SETUSER", "a b"], ["ACL", "GETUSER", "nobody"])
    assert len(both(a, b, "ACL", "HELP")[0]) > 10


def test_acl_file_save_and_load(server_pair, tmp_path):
    results = []
    for path in (tmp_path / "a.acl", tmp_path / "b.acl"):
        path.write_text("user default on nopass ~* &* +@all\nuser x on >p ~k* +get\n")
    a, b = server_pair("--aclfile", str(tmp_path / "a.acl"))
    b.kill()
    from support import start_redis
    b = start_redis(extra_args=["--aclfile", str(tmp_path / "b.acl")])
    try:
        for s, path in ((a, tmp_path / "a.acl"), (b, tmp_path / "b.acl")):
            c = s.client()
            c.execute_command("ACL", "SETUSER", "y", "on", "nopass", "+@read", "(~z +set)")
            assert c.execute_command("ACL", "SAVE") == b"OK"
            saved = path.read_bytes()
            path.write_bytes(saved + b"user y on nopass\n")
            err = _err(c, "ACL", "LOAD")
            path.write_bytes(saved + b"user z +nosuch\nfoo bar\nuser w %X~x\n")
            err2 = _err(c, "ACL", "LOAD")
            path.write_bytes(saved)
            ok = c.execute_command("ACL", "LOAD")
            results.append((canon_list(c.execute_command("ACL", "LIST")),
                            err.replace(str(path), "F"), err2.replace(str(path), "F"), ok))
    finally:
        b.kill()
    assert results[0] == results[1]


def _err(c, *args):
    try:
        c.execute_command(*args)
    except Exception as exc:   # redis.ResponseError
        return str(exc)
    return "no error"


BAD_FILES = [
    "user alice on\nuser bob +nosuch\n",
    "user alice on\nuser alice off\n",
    "\n\nfoo bar\n",
    "user carol %X~x\n",
    "user dave (~x +get\n",
]


@pytest.mark.parametrize("text", BAD_FILES)
def test_bad_acl_file_refuses_to_start(rkvd_factory, redis_factory, tmp_path, text):
    logs = []
    for factory in (rkvd_factory, redis_factory):
        path = tmp_path / ("%s.acl" % factory.name)
        path.write_text(text)
        s = factory("--aclfile", str(path), start=False)
        s.spawn()
        assert s.wait(20) == 1
        line = [ln for ln in s.stdout().splitlines() if "ACL" in ln][-1]
        logs.append(line.split(" # ", 1)[1].replace(str(path), "F"))
    assert logs[0] == logs[1]


def test_config_file_users(rkvd_factory, redis_factory, tmp_path):
    outs = []
    for factory in (rkvd_factory, redis_factory):
        conf = tmp_path / ("%s.conf" % factory.name)
        conf.write_text("user default on nopass ~* &* +@all\nuser cfg on >p ~a* +get (+set ~b)\n")
        s = factory(config_file=str(conf))
        outs.append(canon_list(s.client().execute_command("ACL", "LIST")))
    assert outs[0] == outs[1]


def test_acllog_max_len(server_pair):
    a, b = server_pair("--acllog-max-len", "2")
    for s in (a, b):
        c = s.client()
        for i in range(4):
            try:
                c.execute_command("AUTH", "nouser%d" % i, "x")
            except Exception:
                pass
    la, lb = both(a, b, "ACL", "LOG")
    assert [_log_fields(e) for e in la] == [_log_fields(e) for e in lb]
    assert len(la) == 2
    time.sleep(0)


def test_scripts_run_with_the_callers_permissions(server_pair):
    """Redis's scriptVerifyACL: a command a script calls is checked against
    the caller's user, refused with the script error and logged as lua."""
    a, b = server_pair()
    both(a, b, "ACL", "SETUSER", "sc", "on", ">pw", "~k*", "&allowed", "+eval", "+get", "+set",
         "+publish", "+acl")
    seq = [["AUTH", "sc", "pw"],
           ["EVAL", "return redis.call('incr', 'k1')", "0"],              # command
           ["EVAL", "return redis.call('get', 'other')", "0"],            # key
           ["EVAL", "return redis.call('publish', 'chan', 'm')", "0"],    # channel
           ["EVAL", "return redis.pcall('incr', 'k1')", "0"],
           ["EVAL", "redis.call('set', 'k1', 'v') return redis.call('get', 'k1')", "0"]]
    assert raw_both(a, b, *seq)
    la, lb = both(a, b, "ACL", "LOG")
    assert [_log_fields(e) for e in la] == [_log_fields(e) for e in lb]
    assert {e[e.index(b"context") + 1] for e in la} == {b"lua"}
