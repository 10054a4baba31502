"""rkvd.commandspec against redis-server 7.0.15: COMMAND INFO / DOCS bytes,
COMMAND LIST / COUNT, ACL CAT and COMMAND GETKEYS(ANDFLAGS) results."""

import os
import random
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from rkvd import commandspec as cs
from rkvd.replytypes import ErrorReply, NullArray, RespMap, RespSet, Verbatim

# ---------------------------------------------------------------------------
# A serializer for reply values (rkvd.replytypes conventions) and a RESP
# reader that keeps types, so both sides can be compared byte for byte.

def serialize(v, proto):
    out = []
    _ser(v, proto, out)
    return b"".join(out)


def _ser(v, proto, out):
    if v is None:
        out.append(b"_\r\n" if proto == 3 else b"$-1\r\n")
    elif v is NullArray:
        out.append(b"_\r\n" if proto == 3 else b"*-1\r\n")
    elif isinstance(v, bool):
        out.append((b"#t\r\n" if v else b"#f\r\n") if proto == 3 else b":%d\r\n" % v)
    elif isinstance(v, int):
        out.append(b":%d\r\n" % v)
    elif isinstance(v, float):
        s = repr(v).encode()
        out.append(b",%s\r\n" % s if proto == 3 else b"$%d\r\n%s\r\n" % (len(s), s))
    elif isinstance(v, ErrorReply):
        out.append(b"-%s\r\n" % v.encode())
    elif isinstance(v, str):
        out.append(b"+%s\r\n" % v.encode())
    elif isinstance(v, Verbatim):
        if proto == 3:
            out.append(b"=%d\r\ntxt:%s\r\n" % (len(v) + 4, v))
        else:
            out.append(b"$%d\r\n%s\r\n" % (len(v), v))
    elif isinstance(v, (bytes, bytearray)):
        out.append(b"$%d\r\n%s\r\n" % (len(v), v))
    elif isinstance(v, (RespMap, dict)):
        pairs = list(v.items()) if isinstance(v, dict) else list(v)
        out.append(b"%%%d\r\n" % len(pairs) if proto == 3 else b"*%d\r\n" % (2 * len(pairs)))
        for k, x in pairs:
            _ser(k, proto, out)
            _ser(x, proto, out)
    elif isinstance(v, RespSet):
        out.append(b"~%d\r\n" % len(v) if proto == 3 else b"*%d\r\n" % len(v))
        for x in v:
            _ser(x, proto, out)
    elif isinstance(v, (list, tuple)):
        out.append(b"*%d\r\n" % len(v))
        for x in v:
            _ser(x, proto, out)
    else:
        raise TypeError(type(v))


def parse(data, pos=0):
    """Parse one RESP2/RESP3 reply into (type char, value); returns (node, end)."""
    end = data.index(b"\r\n", pos)
    t, line = chr(data[pos]), data[pos + 1:end]
    pos = end + 2
    if t in "+-,#(":
        return (t, line), pos
    if t == ":":
        return (t, int(line)), pos
    if t == "_":
        return (t, None), pos
    if t in "$=":
        n = int(line)
        if n < 0:
            return (t, None), pos
        return (t, data[pos:pos + n]), pos + n + 2
    if t in "*~>":
        n = int(line)
        items = []
        for _ in range(max(n, 0)):
            node, pos = parse(data, pos)
            items.append(node)
        return (t, items if n >= 0 else None), pos
    if t == "%":
        pairs = []
        for _ in range(int(line)):
            k, pos = parse(data, pos)
            x, pos = parse(data, pos)
            pairs.append((k, x))
        return (t, pairs), pos
    raise ValueError(data[pos - 20:pos + 20])


def _pairs(node):
    t, v = node
    return v if t == "%" else list(zip(v[::2], v[1::2]))


def _unpairs(t, pairs):
    return (t, pairs) if t == "%" else (t, [x for p in pairs for x in p])


def normalize_info(entry):
    """Sort subcommands by name: Redis lists them in hash-table order."""
    t, v = entry
    if t != "*" or v is None or v[9][0] != "*":
        return entry
    subs = sorted((normalize_info(x) for x in v[9][1]), key=lambda x: x[1][0][1])
    return (t, v[:9] + [("*", subs)])


def normalize_docs(docmap):
    """Sort a COMMAND DOCS map (name -> docs) and nested subcommand maps."""
    out = []
    for name, doc in sorted(_pairs(docmap), key=lambda p: p[0][1]):
        fields = [(k, normalize_docs(x) if k[1] == b"subcommands" else x)
                  for k, x in _pairs(doc)]
        out.append((name, _unpairs(doc[0], fields)))
    return _unpairs(docmap[0], out)


# ---------------------------------------------------------------------------
# redis-server fixture and a pipelining raw client.

class Raw:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def pipeline(self, cmds):
        """Send all commands at once; return the raw bytes of each reply."""
        out = []
        for argv in cmds:
            out.append(b"*%d\r\n" % len(argv))
            for a in argv:
                a = a.encode() if isinstance(a, str) else a
                out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        replies = []
        while len(replies) < len(cmds):
            try:
                _, end = parse(self.buf)
            except (ValueError, IndexError):
                chunk = self.sock.recv(1 << 20)
                assert chunk, "connection closed"
                self.buf += chunk
                continue
            replies.append(self.buf[:end])
            self.buf = self.buf[end:]
        return replies

    def call(self, *argv):
        return self.pipeline([argv])[0]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_port():
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server not installed")
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", tmp, "--logfile", os.path.join(tmp, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 10
            while True:
                try:
                    if Raw(port).call("PING") == b"+PONG\r\n":
                        break
                except OSError:
                    pass
                assert time.time() < deadline, "redis-server did not start"
                time.sleep(0.05)
            if b"7.0.15" not in Raw(port).call("INFO", "server"):
                pytest.skip("redis-server is not 7.0.15")
            yield port
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.fixture(scope="module")
def conns(redis_port):
    c2, c3 = Raw(redis_port), Raw(redis_port)
    assert c3.call("HELLO", "3").startswith(b"%")
    return {2: c2, 3: c3}


all_specs = cs.all_specs


# ---------------------------------------------------------------------------
# COMMAND INFO / DOCS / LIST / COUNT

@pytest.mark.parametrize("proto", [2, 3])
def test_command_info_bytes(conns, proto):
    specs = list(all_specs())
    raws = conns[proto].pipeline([("COMMAND", "INFO", s.fullname) for s in specs])
    bad = []
    for spec, raw in zip(specs, raws):
        ours = serialize(cs.command_info(spec), proto)
        raw = raw[raw.index(b"\r\n") + 2:]  # the one-element array around it
        if spec.subcommands:
            if normalize_info(parse(ours)[0]) != normalize_info(parse(raw)[0]):
                bad.append(spec.fullname)
        elif ours != raw:
            bad.append(spec.fullname)
    assert not bad


@pytest.mark.parametrize("proto", [2, 3])
def test_command_docs_bytes(conns, proto):
    specs = list(all_specs())
    raws = conns[proto].pipeline([("COMMAND", "DOCS", s.fullname) for s in specs])
    bad = []
    for spec, raw in zip(specs, raws):
        ours = serialize(RespMap([(spec.fullname.encode(), cs.command_docs(spec))]), proto)
        if spec.subcommands:
            if normalize_docs(parse(ours)[0]) != normalize_docs(parse(raw)[0]):
                bad.append(spec.fullname)
        elif ours != raw:
            bad.append(spec.fullname)
    assert not bad


@pytest.mark.parametrize("proto", [2, 3])
def test_unknown_and_mixed_names(conns, proto):
    names = ["GET", "nosuch", "Client|ID", "client|nosuch", "get|x", "client|id|x"]
    raw = conns[proto].call("COMMAND", "INFO", *names)
    ours = serialize([cs.command_info(cs.lookup_name(n)) for n in names], proto)
    assert ours == raw
    raw = conns[proto].call("COMMAND", "DOCS", *names)
    found = [cs.lookup_name(n) for n in names]
    ours = serialize(RespMap([(s.fullname.encode(), cs.command_docs(s))
                              for s in found if s is not None]), proto)
    assert ours == raw


def test_count_list_and_categories(conns):
    c = conns[2]
    assert c.call("COMMAND", "COUNT") == b":%d\r\n" % len(cs.SPECS)
    listed = [x[1] for x in parse(c.call("COMMAND", "LIST"))[0][1]]
    assert sorted(listed) == sorted(cs.command_list())
    cats = [x[1].decode() for x in parse(c.call("ACL", "CAT"))[0][1]]
    assert cats == cs.acl_categories()
    reqs = [("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat) for cat in cats + ["nosuch"]]
    pats = ["*", "client*", "*|*", "c?ient|i[a-e]", "x[^a]*", "*GET*", "h[a-z]et", "con\\fig*",
            # matched over the full length, NUL included; hopeless patterns give up
            "get\0", "get\0*", "*\0", "[\0g]et", "[Z-a]*", "[\\G]et",
            "*?" * 20 + "!", "*?" * 7 + "!"]
    reqs += [("COMMAND", "LIST", "FILTERBY", "PATTERN", p) for p in pats]
    reqs.append(("COMMAND", "LIST", "FILTERBY", "MODULE", "foo"))
    args = [("aclcat", cat) for cat in cats + ["nosuch"]] + [("pattern", p) for p in pats]
    args.append(("module", "foo"))
    for (ftype, arg), raw in zip(args, c.pipeline(reqs)):
        got = sorted(x[1] for x in parse(raw)[0][1])
        assert got == sorted(cs.command_list(ftype, arg)), (ftype, arg)


def test_table_shape():
    for spec in all_specs():
        assert spec.fullname == (spec.parent.fullname + "|" + spec.name
                                 if spec.parent else spec.name)
        assert spec.group in cs.GROUPS
        assert spec.flags == [f for f in cs.COMMAND_FLAGS if f in spec.flags]
        assert all(c.startswith("@") for c in spec.acl_categories)
        for a in spec.arguments:
            assert a.type in cs.ARG_TYPES
    assert cs.lookup([b"CLIENT", b"Id"]) is cs.SPECS["client"].subcommands["id"]
    assert cs.lookup([b"client"]) is cs.SPECS["client"]
    assert cs.lookup([b"client", b"nosuch"]) is None
    assert cs.lookup([b"get", b"k"]) is cs.SPECS["get"]
    assert cs.lookup([b"\xe2\x84\xaaEYS", b"*"]) is None


# ---------------------------------------------------------------------------
# COMMAND GETKEYS / GETKEYSANDFLAGS

def _expected(argv, with_flags):
    try:
        keys = cs.get_keys_and_flags(cs.lookup(argv), argv)
    except ValueError as e:
        return ErrorReply("ERR " + str(e))
    if with_flags:
        return [[argv[p], RespSet(f)] for p, f in keys]
    return [argv[p] for p in cs.get_keys(cs.lookup(argv), argv)]


def _instantiate(args, variant, full, counter):
    """Build argv words for an argument list; `variant` picks oneof branches."""
    out = []
    for a in args:
        if "optional" in a.flags and not full:
            continue
        reps = 2 if ("multiple" in a.flags and full) else 1
        for _ in range(reps):
            if a.token is not None and (a.type != "pure-token"):
                out.append(a.token.encode())
            if a.type == "pure-token":
                out.append(a.token.encode())
            elif a.type == "key":
                counter[0] += 1
                out.append(b"k%d" % counter[0])
            elif a.type == "integer":
                out.append(b"2" if full else b"1")
            elif a.type in ("double", "unix-time"):
                out.append(b"1.5" if a.type == "double" else b"100")
            elif a.type == "oneof":
                pick = a.arguments[variant % len(a.arguments)]
                out += _instantiate([pick], variant, full, counter)
            elif a.type == "block":
                out += _instantiate(a.arguments, variant, full, counter)
            else:
                out.append(b"s")
    return out


def _head(spec):
    if spec.parent:
        return [spec.parent.name.encode(), spec.name.encode()]
    return [spec.name.encode()]


def _words(spec):
    words = {b"0", b"1", b"2", b"3", b"-1", b"x", b"k", b"", b"01", b"+1", b" 2", b"2a",
             b"999999999999", b"4294967297", b"get\x00x", b"streams", b"STORE", b"keys"}

    def walk(args):
        for a in args:
            if a.token:
                words.add(a.token.encode())
                words.add(a.token.lower().encode())
            walk(a.arguments)
    walk(spec.arguments)
    return sorted(words)


def _samples():
    rnd = random.Random(7015)
    cases = []
    for spec in all_specs():
        head = _head(spec)
        for full in (False, True):
            for variant in range(4):
                cases.append(head + _instantiate(spec.arguments, variant, full, [0]))
        words = _words(spec)
        base = max(abs(spec.arity), len(head))
        for _ in range(25 if cs.has_keys(spec) else 3):
            n = base + rnd.randrange(0, 7) - (len(head) if rnd.random() < 0.1 else 0)
            cases.append(head + [rnd.choice(words) for _ in range(max(n - len(head), 0))])
    cases += [[b"" if w == '""' else w.encode() for w in line.split()]
              for line in _HANDWRITTEN.splitlines()]
    cases.append([b"set", b"k", b"v", b"get\x00junk"])
    cases.append([b"migrate", b"h", b"1", b"", b"0", b"5", b"keys\x00z", b"a", b"b"])
    # COMMAND GETKEYS itself needs a command and at least one argument.
    return [c for c in cases if len(c) >= 2]


_HANDWRITTEN = """\
sort k
sort k store d
sort k STORE d by p get p limit 0 1 store e
sort k limit store x store y
sort k get store store z
sort k store
sort_ro k by x get y
migrate h 1 k 0 5
migrate h 1 "" 0 5 keys a b c
migrate h 1 k 0 5 keys a b
migrate h 1 x 0 5 auth keys keys a
migrate h 1 x 0 5 auth2 u keys keys a
migrate h 1 x 0 5 copy replace keys
eval s 0
eval s 2 a b c
eval s 3 a b
eval s -1 a
eval s 1x a
fcall f 1 a
evalsha_ro s 1 a
zunionstore d 2 a b weights 1 2
zunionstore d 0 a
zunionstore d 3 a b
zinterstore d 01 a
zunion 2 a b withscores
zdiff 1 a
zintercard 2 a b limit 3
sintercard 1 a
lmpop 2 a b left count 3
blmpop 0 2 a b left
bzmpop 1 1 a min
zmpop 1 a max
xread streams a b 0 0
xread count 2 block 0 streams a 0
xread streams a b 0
xread streams
xread group g c streams a 0
xreadgroup group g c count 1 noack streams a b 0 0
xreadgroup group g c streams streams 0
georadius k 0 0 1 km store d
georadius k 0 0 1 km storedist d store e
georadius_ro k 0 0 1 km store d
georadiusbymember k m 1 km store d
set k v
set k v GET
set k v nx get ex 10
getex k persist
bitfield k get u8 0
bitfield k get u8 0 set u8 0 1
bitfield k overflow wrap incrby u8 0 1
bitfield k bogus
bitfield_ro k get u8 0
mset a 1 b 2
mset a 1 b
msetnx a 1 b 2 c
blpop a b 0
bitop and d a b
object encoding k
object help
client id
client kill id 1
command getkeys get
nosuch a b
get
get a b
ssubscribe ch
spublish ch m
subscribe ch
watch a b
memory usage k samples 5
pfcount a b
lcs a b
xadd s * f v
xautoclaim s g c 0 0
xinfo stream s full
xgroup create s g $
xclaim s g c 0 1
"""


@pytest.mark.parametrize("with_flags", [False, True])
def test_getkeys(conns, with_flags):
    sub = "GETKEYSANDFLAGS" if with_flags else "GETKEYS"
    cases = _samples()
    raws = conns[2].pipeline([["COMMAND", sub] + argv for argv in cases])
    bad = []
    for argv, raw in zip(cases, raws):
        if serialize(_expected(argv, with_flags), 2) != raw:
            bad.append((argv, raw, _expected(argv, with_flags)))
    for b in bad[:20]:
        print(b)
    assert not bad, "%d mismatches" % len(bad)


def test_getkeys_resp3_flags(conns):
    argv = [b"sort", b"k", b"store", b"d"]
    raw = conns[3].call("COMMAND", "GETKEYSANDFLAGS", *argv)
    assert serialize(_expected(argv, True), 3) == raw


def test_get_keys_api():
    spec = cs.SPECS["mset"]
    assert cs.get_keys(spec, [b"mset", b"a", b"1", b"b", b"2"]) == [1, 3]
    argv = [b"zunionstore", b"d", b"2", b"a", b"b"]
    assert cs.get_keys(cs.SPECS["zunionstore"], argv) == [1, 3, 4]
    with pytest.raises(ValueError, match="Invalid arguments specified for command"):
        cs.get_keys(cs.SPECS["zunionstore"], [b"zunionstore", b"d", b"x", b"a"])
    with pytest.raises(ValueError, match="The command has no key arguments"):
        cs.get_keys(cs.SPECS["ping"], [b"ping"])
    with pytest.raises(ValueError, match="Invalid number of arguments"):
        cs.get_keys(cs.SPECS["get"], [b"get"])
    with pytest.raises(ValueError, match="Invalid command specified"):
        cs.get_keys(None, [b"nosuch"])
    # EVAL with no keys is valid (no_mandatory_keys): an empty list.
    assert cs.get_keys(cs.SPECS["eval"], [b"eval", b"s", b"0"]) == []


# ---------------------------------------------------------------------------
# The start-up check: every row has a handler or is listed as unbuilt, every
# handler has a row, and the unbuilt list names no built command.

def _handled():
    """Handler names that agree with the table: every row not listed as unbuilt."""
    return {name for name in cs.SPECS if name not in cs.UNBUILT}


def test_check_handlers_accepts_a_consistent_table():
    cs.check_handlers(cs.SPECS, _handled() - {"config"}, {"config": None, "config|get": None})


def test_check_handlers_row_without_handler():
    with pytest.raises(cs.CommandTableError, match="'lpush' has no handler"):
        cs.check_handlers(cs.SPECS, _handled() - {"lpush"}, {})


def test_check_handlers_handler_without_row():
    with pytest.raises(cs.CommandTableError, match="'frobnicate' has a handler but no command row"):
        cs.check_handlers(cs.SPECS, _handled() | {"frobnicate"}, {})
    with pytest.raises(cs.CommandTableError, match=r"'config\|nosuch' has a handler but no"):
        cs.check_handlers(cs.SPECS, _handled(), {"config|nosuch": None})


def test_check_handlers_stale_unbuilt_entry():
    built = sorted(cs.UNBUILT)[0]
    with pytest.raises(cs.CommandTableError,
                       match="'%s' has a handler but is still listed as unbuilt" % built):
        cs.check_handlers(cs.SPECS, _handled(), {built: None})
    with pytest.raises(cs.CommandTableError, match="'nosuch' is listed as unbuilt but has no"):
        cs.check_handlers(cs.SPECS, _handled(), {}, cs.UNBUILT | {"nosuch"})
    with pytest.raises(cs.CommandTableError, match=r"'client\|list' is listed as unbuilt"):
        cs.check_handlers(cs.SPECS, _handled(), {}, cs.UNBUILT | {"client|list"})


def test_check_handlers_subcommand_of_unbuilt_container():
    container = next(n for n in sorted(cs.UNBUILT) if cs.SPECS[n].subcommands)
    sub = next(iter(cs.SPECS[container].subcommands.values())).fullname
    with pytest.raises(cs.CommandTableError,
                       match=r"'%s' has a handler but its container" % sub.replace("|", r"\|")):
        cs.check_handlers(cs.SPECS, _handled(), {sub: None})


def test_check_handlers_names_every_fault():
    with pytest.raises(cs.CommandTableError) as err:
        cs.check_handlers(cs.SPECS, _handled() - {"get", "set"} | {"nosuch"}, {})
    for name in ("get", "set", "nosuch"):
        assert "'%s'" % name in str(err.value)


def test_engine_strict_build_checks_the_table():
    from rkvd._core.server import Engine, c_handler_names
    c_names = c_handler_names()
    assert c_names and c_names <= _handled()
    engine = Engine(None, 16)
    # No Python handlers: the commands they serve (CONFIG, ...) have none.
    with pytest.raises(cs.CommandTableError, match="'config' has no handler"):
        engine.build_command_table(cs.SPECS, {}, strict=True)
    engine.build_command_table(cs.SPECS, {})        # not strict: builds what it can
    assert "get" in engine.commands and "config" not in engine.commands


def test_unbuilt_is_what_the_server_lacks(rkvd):
    with rkvd.raw() as conn:
        if b"rkvd_version:" not in conn.command("INFO", "server"):
            pytest.skip("the server under test is not rkvd")
        node, _ = parse(conn.command("COMMAND", "LIST"))
    listed = {x[1].decode() for x in node[1]}
    assert {name for name in cs.SPECS if name not in listed} == cs.UNBUILT
    assert listed == {s.fullname for s in all_specs() if s.name not in cs.UNBUILT
                      and (s.parent is None or s.parent.name not in cs.UNBUILT)}


# ---------------------------------------------------------------------------
# Differ.require: an unbuilt command makes the test a strict xfail that runs;
# a command that is neither known nor listed fails the test.

@pytest.mark.needs_redis
def test_require_unbuilt_command_is_strict_xfail(differ, request):
    if not differ.a_is_rkvd():
        pytest.skip("the server under test is not rkvd")
    if not cs.UNBUILT:
        pytest.skip("every command is built")
    name = sorted(cs.UNBUILT)[0].upper()
    differ.require(name)
    mark = request.node.get_closest_marker("xfail")
    assert mark is not None and mark.kwargs["strict"] is True
    # The test goes on running, and fails where it uses the command.
    differ.run([(name, "HELP")])


@pytest.mark.needs_redis
def test_require_unknown_unlisted_command_fails(differ):
    with pytest.raises(pytest.fail.Exception, match="does not know NOSUCHCMD"):
        differ.require("LPUSH", "NOSUCHCMD")
    differ.require("LPUSH", "OBJECT FREQ")
