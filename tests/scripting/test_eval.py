"""EVAL scripts (rkvd/_core/scripting: eval.pxi, sandbox.pxi, lualibs.pxi,
api.pxi) byte for byte against redis-server 7.0.15: the behaviours Redis's
unit/scripting checks and this suite had not, each as a differential case.
"""
import pytest

from support import case

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_redis]


def ev(body, *keys_and_args, numkeys=0):
    return ["EVAL", body, str(numkeys), *keys_and_args]


DUMPED = "string.dump(function() return 1 end)"

CASES = [
    case("binary-chunks-do-not-load",
         ev(f"return loadstring({DUMPED})()"),
         ev(f"local f, e = loadstring({DUMPED}) return e"),
         ev(f"local f, e = loadstring({DUMPED}, 'named') return e"),
         ev(f"local s = {DUMPED} local done = false local f, e = load(function() "
            "if done then return nil end done = true return s end) return e"),
         ev("return loadstring('return 5')()"),
         ev("local parts = {'return ', '6'} local i = 0 return load(function() i = i + 1 "
            "return parts[i] end)()"),
         ev("local f, e = loadstring('x = = 1', 'nm') return e")),
    case("cjson-settings",
         ev("return {cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_invalid_numbers()}"),
         ev("cjson.encode_max_depth(1) local ok = pcall(cjson.encode, {a = {1}}) "
            "cjson.encode_max_depth(1000) return ok"),
         ev("cjson.decode_max_depth(1) local ok = pcall(cjson.decode, '{\"obj\": [1]}') "
            "cjson.decode_max_depth(1000) return ok"),
         ev("local ok, e = pcall(cjson.encode, {n = 0/0}) return e"),
         ev("cjson.encode_invalid_numbers(true) local a = cjson.encode({0/0}) local b = cjson.encode({1/0}) "
            "cjson.encode_invalid_numbers('null') local c = cjson.encode({-1/0}) "
            "local d = cjson.encode_invalid_numbers() cjson.encode_invalid_numbers(false) return {a, b, c, d}"),
         ev("local ok, e = pcall(cjson.encode_max_depth, 0) return e"),
         ev("local ok, e = pcall(cjson.encode_invalid_numbers, 'maybe') return e")),
    case("time-is-frozen-in-a-script",
         ev("redis.call('SET', 'key', 'value', 'PX', '1') redis.call('DEBUG', 'SLEEP', 0.01) "
            "return redis.call('EXISTS', 'key')"),
         "DEBUG SET-DISABLE-DENY-SCRIPTS 1",
         ev("redis.call('SET', 'key', 'value', 'PX', '1') redis.call('DEBUG', 'SLEEP', 0.01) "
            "return redis.call('EXISTS', 'key')"),
         "DEBUG SLEEP 0.01", "EXISTS key",
         ev("return redis.call('DEBUG', 'PROTOCOL', 'map')"),
         "DEBUG SET-DISABLE-DENY-SCRIPTS 0",
         ev("return redis.call('DEBUG', 'PROTOCOL', 'map')")),
    case("sort-nosort-of-a-set-is-sorted-for-scripts",
         "SADD myset c b a zz d e f 10 9 1", "SET w_a 3", "SET w_b 1",
         ev("return redis.call('SORT', KEYS[1], 'BY', 'nosort')", "myset", numkeys=1),
         ev("return redis.call('SORT', KEYS[1], 'BY', 'nosort', 'GET', 'w_*')", "myset", numkeys=1),
         ev("return redis.call('SORT', KEYS[1], 'BY', 'nosort', 'LIMIT', 1, 3)", "myset", numkeys=1),
         "RPUSH mylist c b a", ev("return redis.call('SORT', KEYS[1], 'BY', 'nosort')", "mylist", numkeys=1)),
    case("stream-reads-refuse-block-in-scripts",
         "XGROUP CREATE s g $ MKSTREAM",
         ev("return redis.pcall('xread', 'STREAMS', 's', '$')", "s", numkeys=1),
         ev("return redis.pcall('xread', 'BLOCK', 0, 'STREAMS', 's', '$')", "s", numkeys=1),
         ev("return redis.pcall('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>')",
            "s", numkeys=1),
         ev("return redis.pcall('xreadgroup', 'group', 'g', 'c', 'STREAMS', 's', '>')", "s", numkeys=1)),
]


@pytest.mark.parametrize("steps, needs", CASES)
def test_eval(differ, steps, needs):
    differ.run(steps)


def test_acl_in_scripts(server_pair):
    """A script runs its commands with its caller's permissions, and
    redis.acl_check_cmd answers for them."""
    from support import Differ
    a, b = server_pair()
    d = Differ(a, b, db=None)
    try:
        d.run([
            "ACL SETUSER bob on >123 +@scripting +set +get ~x*", "AUTH bob 123",
            ev("return redis.acl_check_cmd('set', 'xx', 1)", "xx", numkeys=1),
            ev("return redis.acl_check_cmd('hset', 'xx', 'f', 1)", "xx", numkeys=1),
            ev("return redis.acl_check_cmd('set', 'yy', 1)"),
            ev("return redis.acl_check_cmd('invalid-cmd', 'arg')"),
            ev("return redis.acl_check_cmd()"),
            ev("return redis.call('set', 'xx', 1)", "xx", numkeys=1),
            ev("return redis.call('hset', 'xx', 'f', 1)", "xx", numkeys=1),
            ev("return redis.call('set', 'yy', 1)"),
            ev("return redis.pcall('get', 'yy')"),
        ])
    finally:
        d.close()
