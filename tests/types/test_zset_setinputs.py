"""Plain sets as inputs of ZUNION/ZINTER/ZDIFF (members scored 1).

The set type reaches the sorted-set commands through one method of its value
object, ``set_members() -> list[bytes]``. Until rkvd has SADD, these tests
run the engine in-process, store stand-in set objects with db_set_object,
and compare the replies with redis-server, where the same sets are made with
SADD (intset and hashtable encodings).
"""
import pytest

from support import encode_command

pytestmark = [pytest.mark.timeout(60), pytest.mark.needs_redis]

OBJ_SET = 2


class _Transport:
    def __init__(self):
        self.out = []

    def get_extra_info(self, name):
        return None

    def write(self, data):
        self.out.append(bytes(data))

    def set_write_buffer_limits(self, **kw):
        pass

    def get_write_buffer_size(self):
        return 0

    def close(self):
        pass


class StandInSet:
    """The interface the set type provides to sorted-set commands."""

    def __init__(self, members):
        self.members = list(members)

    def set_members(self):
        return list(self.members)


class InProcess:
    def __init__(self):
        from rkvd._core import server
        from rkvd.commandspec import SPECS
        self.server = server
        self.engine = server.Engine(None, 16)
        self.engine.build_command_table(SPECS, {})
        self.client = self.engine.new_client()
        self.transport = _Transport()
        self.client.connection_made(self.transport)

    def command(self, *args):
        data = encode_command(*args)
        buf = self.client.get_buffer(len(data))
        memoryview(buf)[:len(data)] = data
        self.client.buffer_updated(len(data))
        out = b"".join(self.transport.out)
        self.transport.out.clear()
        return out

    def add_set(self, key, members):
        self.server.db_set_object(self.engine.dbs[0], key.encode(), OBJ_SET,
                                  StandInSet(m.encode() for m in members))


SETS = {
    "ints": ["1", "2", "3", "100"],
    "strs": ["a", "b", "c", "zz"],
    "mixed": ["1", "a", "x", "3"],
    "single": ["b"],
}

COMMANDS = [
    "ZUNIONSTORE d 2 z ints", "ZRANGE d 0 -1 WITHSCORES", "ZUNION 3 z ints strs WITHSCORES",
    "ZUNION 2 ints strs WEIGHTS 2 3 WITHSCORES", "ZUNION 2 z mixed AGGREGATE MAX WITHSCORES",
    "ZINTERSTORE d 2 z strs WEIGHTS 1 10", "ZRANGE d 0 -1 WITHSCORES", "ZINTER 2 mixed z WITHSCORES",
    "ZINTER 2 ints mixed WITHSCORES", "ZINTER 2 ints ints WEIGHTS 2 5 WITHSCORES", "ZINTERCARD 2 z strs",
    "ZINTERCARD 3 z strs mixed LIMIT 1", "ZDIFF 2 z strs WITHSCORES", "ZDIFF 2 strs z WITHSCORES",
    "ZDIFF 2 ints mixed", "ZDIFFSTORE d 2 mixed ints", "ZRANGE d 0 -1 WITHSCORES", "OBJECT ENCODING d",
    "ZDIFFSTORE d 2 ints ints", "EXISTS d", "ZUNION 1 single WITHSCORES", "ZINTER 2 single nosuch",
    "ZUNIONSTORE d 2 nosuch single", "ZRANGE d 0 -1 WITHSCORES", "ZUNION 2 z strs AGGREGATE MIN WEIGHTS inf 0 WITHSCORES",
]


def test_sets_as_inputs(redis_ref):
    local = InProcess()
    with redis_ref.raw() as ref:
        ref.command("FLUSHALL")
        for key, members in SETS.items():
            ref.command("SADD", key, *members)
            local.add_set(key, members)
        for conn in (ref, local):
            assert conn.command("ZADD", "z", "1", "a", "2", "1", "3", "b", "4", "q", "0.5", "100") == b":5\r\n"
        assert ref.command("OBJECT", "ENCODING", "ints") == b"$6\r\nintset\r\n"
        for cmd in COMMANDS:
            args = cmd.split()
            assert local.command(*args) == ref.command(*args), cmd


def test_set_is_not_wrongtype_but_string_is(redis_ref):
    local = InProcess()
    local.add_set("s", ["a"])
    local.command("SET", "str", "x")
    assert local.command("ZUNION", "2", "s", "str") .startswith(b"-WRONGTYPE")
    assert local.command("ZINTERCARD", "1", "s") == b":1\r\n"
    # commands that need a sorted set refuse a set
    assert local.command("ZRANGE", "s", "0", "-1").startswith(b"-WRONGTYPE")
    assert local.command("ZRANGESTORE", "d", "s", "0", "-1").startswith(b"-WRONGTYPE")
