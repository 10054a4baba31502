"""Connection commands: HELLO, AUTH, CLIENT, QUIT and RESET (Redis's
networking.c and acl.c), plus the CLIENT LIST line and the CLIENT PAUSE test
the engine asks the server for.

Replies and error texts follow redis-server 7.0.15. What rkvd has not built
shows as Redis shows a server without it.
Client-side caching (CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO)
drives the engine's tracking fragment. Functions registered with ``register_reset_hook`` run on
RESET.
"""

import time

from rkvd import info
from rkvd._core.server import (
    CLIENT_FLAGS,
    multi_queued_commands,
    tracking_off,
    tracking_on,
    tracking_prefix_list,
)
from rkvd.commands.common import (
    LONG_MAX,
    SYNTAX_ERROR,
    cstr,
    debug_allowed,
    enc,
    get_long_long_or_reply,
    get_range_long_or_reply,
    lower,
    reply_help,
    reply_subcommand_syntax_error,
)
from rkvd.replytypes import RespMap, RespSet
from rkvd.strutil import string2ll

CF_CLOSE_AFTER_REPLY = CLIENT_FLAGS["close_after_reply"]
CF_CLOSE_ASAP = CLIENT_FLAGS["close_asap"]
CF_REPLY_OFF = CLIENT_FLAGS["reply_off"]
CF_REPLY_SKIP_NEXT = CLIENT_FLAGS["reply_skip_next"]
CF_REPLY_SKIP = CLIENT_FLAGS["reply_skip"]
CF_NO_EVICT = CLIENT_FLAGS["no_evict"]
CF_READ_PAUSED = CLIENT_FLAGS["read_paused"]
CF_BLOCKED = CLIENT_FLAGS["blocked"]
CF_MULTI = CLIENT_FLAGS["multi"]
CF_DIRTY_CAS = CLIENT_FLAGS["dirty_cas"]
CF_PUBSUB = CLIENT_FLAGS["pubsub"]
CF_MONITOR = CLIENT_FLAGS["monitor"]
CF_TRACKING = CLIENT_FLAGS["tracking"]
CF_TRACKING_BROKEN_REDIR = CLIENT_FLAGS["tracking_broken_redir"]
CF_TRACKING_BCAST = CLIENT_FLAGS["tracking_bcast"]
CF_TRACKING_OPTIN = CLIENT_FLAGS["tracking_optin"]
CF_TRACKING_OPTOUT = CLIENT_FLAGS["tracking_optout"]
CF_TRACKING_CACHING = CLIENT_FLAGS["tracking_caching"]
CF_TRACKING_NOLOOP = CLIENT_FLAGS["tracking_noloop"]
CF_MASTER = CLIENT_FLAGS["master"]
CF_REPLICA = CLIENT_FLAGS["replica"]
_TRACKING_OPTIONS = {"bcast": CF_TRACKING_BCAST, "optin": CF_TRACKING_OPTIN,
                     "optout": CF_TRACKING_OPTOUT, "noloop": CF_TRACKING_NOLOOP}

# Engine pause states (Engine.clients_paused).
PAUSE_OFF, PAUSE_WRITE, PAUSE_ALL = 0, 1, 2

_RESET_HOOKS = []


def register_reset_hook(fn):
    """fn(server, client) runs when a client sends RESET (leave MULTI, unsubscribe ...)."""
    if fn not in _RESET_HOOKS:
        _RESET_HOOKS.append(fn)


def client_type(c):
    """Redis's getClientType: 'master', 'slave', 'pubsub' or 'normal'. The
    link to this replica's master is 'master', a replica attached by
    SYNC/PSYNC 'slave'; a connection is 'pubsub' while subscribed (a MONITOR
    client shows as normal, as in Redis), else 'normal'."""
    if c.flags & CF_MASTER:
        return "master"
    if c.flags & CF_REPLICA:
        return "slave"
    return "pubsub" if c.flags & CF_PUBSUB else "normal"


_TYPE_NAMES = {"normal": "normal", "slave": "slave", "replica": "slave",
               "pubsub": "pubsub", "master": "master"}


WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled."


def format_addr(addr):
    """Redis's address string: IPv6 hosts in brackets ("[::1]:6379")."""
    addr = str(addr)
    host, sep, port = addr.rpartition(":")
    if sep and ":" in host and not host.startswith("["):
        return f"[{host}]:{port}"
    return addr


def client_flags_text(f, is_unix):
    """CLIENT LIST flags= of a client's flag bits: Redis's letters in Redis's
    order, N for none. The letters of what rkvd has not built never appear:
    cluster READONLY (r) and the unblocked mark (u) of Redis's deferred
    unblocking."""
    out = ""
    if f & CF_MONITOR:
        out += "O"
    elif f & CF_REPLICA:
        out += "S"
    if f & CF_MASTER:
        out += "M"
    if f & CF_PUBSUB:
        out += "P"
    if f & CF_MULTI:
        out += "x"
    if f & CF_BLOCKED:
        out += "b"
    if f & CF_TRACKING:
        out += "t"
    if f & CF_TRACKING_BROKEN_REDIR:
        out += "R"
    if f & CF_TRACKING_BCAST:
        out += "B"
    if f & CF_DIRTY_CAS:
        out += "d"
    if f & CF_CLOSE_AFTER_REPLY:
        out += "c"
    if f & CF_CLOSE_ASAP:
        out += "A"
    if is_unix:
        out += "U"
    if f & CF_NO_EVICT:
        out += "e"
    return out or "N"


def client_info_fields(server, c, args=None):
    """What one CLIENT LIST line shows, read from the client now, unformatted
    (format_client_info makes the line). Split so that a log entry (ACL LOG)
    can keep the figures of the moment and format them only when read: a
    password-guessing client then pays for a snapshot, not a formatted line.
    `args`: the argv of the command the client is running now (argv-mem)."""
    pending = c.pending_output
    sub, psub, ssub = c.sub_counts
    # a replica's share of the replication buffer is its output too
    shared = server.replication.output_memory(c)
    return (int(time.time()), c.id, c.addr, c.laddr, c.fileno, c.name, c.ctime_ms,
            c.last_interaction_ms, c.flags, c.is_unix, c.dbid, sub, psub, ssub, c.multi_count,
            c.qbuf_len, c.qbuf_free, sum(len(a) for a in args) if args else 0,
            c.reply_buf_size, c.reply_buf_peak, c.obuf_len, pending, shared,
            info.client_memory(c) + shared, c.last_cmd_name, c.user.name, c.tracking_redir, c.resp)


def format_client_info(fields):
    """The CLIENT LIST line (no newline) of client_info_fields' tuple."""
    (now, cid, addr, laddr, fileno, name, ctime_ms, last_ms, flags, is_unix, dbid, sub, psub,
     ssub, multi, qbuf, qbuf_free, argv_mem, rbs, rbp, obl, pending, shared, tot_mem, cmd, user,
     redir, resp) = fields
    if isinstance(name, (bytes, bytearray)):
        name = bytes(name).decode("utf-8", "surrogateescape")
    events = ("" if flags & CF_READ_PAUSED else "r") + ("w" if pending else "")
    return (f"id={cid} addr={format_addr(addr)} laddr={format_addr(laddr)} fd={fileno} "
            f"name={name or ''} age={now - ctime_ms // 1000} "
            f"idle={now - last_ms // 1000} flags={client_flags_text(flags, is_unix)} "
            f"db={dbid} sub={sub} psub={psub} ssub={ssub} multi={multi} "
            f"qbuf={qbuf} qbuf-free={qbuf_free} argv-mem={argv_mem} multi-mem=0 "
            f"rbs={rbs} rbp={rbp} obl={obl} oll={1 if pending else 0} omem={pending + shared} "
            f"tot-mem={tot_mem} events={events} cmd={cmd or 'NULL'} "
            f"user={bytes(user).decode('utf-8', 'surrogateescape')} "
            f"redir={redir if flags & CF_TRACKING else -1} resp={resp}")


def client_info_string(server, c, args=None):
    """One CLIENT LIST line (no newline). `args`: the argv of the command the
    client is running now (argv-mem), if any."""
    return format_client_info(client_info_fields(server, c, args))


def may_replicate(spec):
    """Whether a command counts as a write for CLIENT PAUSE WRITE: it writes,
    or it may propagate something (Redis's CMD_WRITE | CMD_MAY_REPLICATE:
    PFCOUNT, PUBLISH, SPUBLISH, EVAL, EVALSHA, FCALL)."""
    # Redis refines this for scripts that declare flags (a "#!lua
    # flags=no-writes" EVAL is a read); scripting does not exist here yet.
    return "write" in spec.flags or spec.may_replicate


def _refused_before_pause(server, c, argv):
    """The Command argv runs, or None when the server refuses it before
    the pause check (unknown command or subcommand, arity, DEBUG not
    enabled, authentication, a no_multi command inside MULTI): Redis replies
    to those at once, even while paused. Engine.execute's checks, in order."""
    e = server.engine
    cmd = e.lookup_command(bytes(argv[0]))
    if cmd is None:
        return None
    if cmd.subcommands is not None and len(argv) >= 2:
        cmd = cmd.subcommands.get(bytes(argv[1]).lower())
        if cmd is None:
            return None
    argc = len(argv)
    if (cmd.arity > 0 and cmd.arity != argc) or argc < -cmd.arity:
        return None
    if cmd.name == "debug" and not debug_allowed(server, c):
        return None
    if not c.authenticated and e.auth_required and "no_auth" not in cmd.spec.flags:
        return None
    if c.flags & CF_MULTI and "no_multi" in cmd.spec.flags:
        return None
    return cmd


def pause_blocks(server, c):
    """Whether CLIENT PAUSE holds this client's parsed command (the engine has
    already checked that a pause is on and has not expired).

    As in Redis 7.0's processCommand: a command the server refuses anyway is
    answered at once; PAUSE ALL holds the rest; PAUSE WRITE holds what may
    replicate, and an EXEC whose queued commands may (a write queued before
    the pause began is held at EXEC; one sent inside MULTI during the pause
    is held as it is queued). Redis never holds replicas (their REPLCONF
    ACKs must go on)."""
    e = server.engine
    if e.clients_paused == PAUSE_OFF or c.flags & CF_REPLICA:
        return False
    argv = c.request_args()
    if not argv:
        return False
    cmd = _refused_before_pause(server, c, argv)
    if cmd is None:
        return False
    if e.clients_paused >= PAUSE_ALL:
        return True
    if may_replicate(cmd.spec):
        return True
    return cmd.name == "exec" and any(may_replicate(q.spec) for q in multi_queued_commands(c))


def set_client_name(c, name):
    """CLIENT SETNAME rules: empty clears the name; only printable ASCII, no spaces."""
    name = bytes(name)
    if not name:
        c.name = None
        return True
    if any(ch < 0x21 or ch > 0x7E for ch in name):
        c.reply_error("Client names cannot contain spaces, newlines or special characters.")
        return False
    c.name = name
    return True


class ConnCommands:
    def __init__(self, server):
        self.server = server
        self.engine = server.engine

    # -- authentication -----------------------------------------------------

    def authenticate(self, c, user, password, cmdname):
        return self.server.acl.authenticate(c, user, password, cmdname)

    def auth(self, c, args):
        if len(args) > 3:
            c.reply_error(SYNTAX_ERROR)
            return
        if len(args) == 2:
            if self.server.acl.default.nopass:
                c.reply_error("AUTH <password> called without any password configured for the "
                              "default user. Are you sure your configuration is correct?")
                return
            user, password = b"default", args[1]
        else:
            user, password = args[1], args[2]
        if self.authenticate(c, user, password, args[0]):
            c.reply_ok()
        else:
            c.reply_error(WRONGPASS)

    def hello(self, c, args):
        ver = 0
        nxt = 1
        if len(args) >= 2:
            ver = string2ll(args[1])
            nxt = 2
            if ver is None:
                c.reply_error("Protocol version is not an integer or out of range")
                return
            if ver < 2 or ver > 3:
                c.reply_error("-NOPROTO unsupported protocol version")
                return
        j = nxt
        while j < len(args):
            more = len(args) - 1 - j
            opt = lower(args[j])
            if opt == "auth" and more >= 2:
                if not self.authenticate(c, args[j + 1], args[j + 2], args[0]):
                    c.reply_error(WRONGPASS)
                    return
                j += 3
            elif opt == "setname" and more:
                if not set_client_name(c, args[j + 1]):
                    return
                j += 2
            else:
                c.reply_error(b"Syntax error in HELLO option '" + cstr(args[j]) + b"'")
                return
        if not c.authenticated:
            c.reply_error("-NOAUTH HELLO must be called with the client already authenticated, "
                          "otherwise the HELLO AUTH <user> <pass> option can be used to "
                          "authenticate the client and select the RESP protocol version at the "
                          "same time")
            return
        if ver:
            c.resp = ver
        mode = "cluster" if info.cluster_enabled(self.server) else "standalone"
        role = b"replica" if self.server.repl.master is not None else b"master"
        c.reply_value(RespMap([
            (b"server", b"redis"), (b"version", b"7.0.15"), (b"proto", c.resp),
            (b"id", c.id), (b"mode", mode.encode()), (b"role", role), (b"modules", []),
        ]))

    # -- QUIT / RESET --------------------------------------------------------

    def quit(self, c, args):
        c.reply_ok()
        c.close_after_reply()

    def reset(self, c, args):
        # Redis refuses RESET from master and replica links
        if c.flags & CF_REPLICA:
            c.reply_error("can only reset normal client connections")
            return
        for fn in list(_RESET_HOOKS):
            fn(self.server, c)
        tracking_off(c)
        c.select(0)
        c.resp = 2
        self.server.acl.reset_client(c)
        c.name = None
        c.flags &= ~(CF_REPLY_OFF | CF_REPLY_SKIP_NEXT | CF_REPLY_SKIP)
        c.reply_value("RESET")

    # -- CLIENT --------------------------------------------------------------

    def client(self, c, args):
        argc = len(args)
        sub = lower(args[1])
        fn = _CLIENT_SUBS.get(sub)
        if fn is None or fn(self, c, args, argc) is False:
            reply_subcommand_syntax_error(c, args)

    def client_help(self, c, args, argc):
        if argc != 2:
            return False
        reply_help(c, args[0], [
            "CACHING (YES|NO)",
            "    With tracking in OPTIN/OPTOUT mode, whether the next command's keys are tracked.",
            "GETREDIR",
            "    Return the id of the client that receives this connection's invalidations.",
            "GETNAME",
            "    Return the name of this connection.",
            "ID",
            "    Return the id of this connection.",
            "INFO",
            "    Return information about this connection.",
            "KILL <ip:port>",
            "    Close the connection from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Close the connections matching every option:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      connections from this address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      connections to this local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      connections of this type",
            "    * USER <username>",
            "      connections authenticated as <username>",
            "    * SKIPME (YES|NO)",
            "      spare the calling connection (the default is yes)",
            "LIST [options ...]",
            "    Return information about the connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      only connections of this type",
            "    * ID <id> [<id> ...]",
            "      only the connections with these ids",
            "UNPAUSE",
            "    End a CLIENT PAUSE now.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Hold the commands of all clients, or only writes, for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Turn replies to this connection on or off, or skip the next one.",
            "SETNAME <name>",
            "    Name this connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Wake up a client blocked in a blocking command.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Turn server assisted client side caching on or off.",
            "TRACKINGINFO",
            "    Return the tracking state of this connection.",
            "NO-EVICT (ON|OFF)",
            "    Exempt this connection from client eviction, or stop doing so.",
        ])

    def client_id(self, c, args, argc):
        if argc != 2:
            return False
        c.reply_value(c.id)

    def client_info(self, c, args, argc):
        if argc != 2:
            return False
        c.reply_verbatim(enc(client_info_string(self.server, c, args) + "\n"))

    def client_list(self, c, args, argc):
        want_type = None
        chosen = None
        if argc == 4 and lower(args[2]) == "type":
            want_type = _TYPE_NAMES.get(lower(args[3]))
            if want_type is None:
                c.reply_error(b"Unknown client type '" + cstr(args[3]) + b"'")
                return
        elif argc > 3 and lower(args[2]) == "id":
            chosen = []
            for a in args[3:]:
                cid = get_long_long_or_reply(c, a, "Invalid client ID")
                if cid is None:
                    return
                other = self.engine.clients.get(cid)
                if other is not None:
                    chosen.append(other)
        elif argc != 2:
            c.reply_error(SYNTAX_ERROR)
            return
        if chosen is None:
            chosen = [cl for cl in list(self.engine.clients.values())
                      if want_type is None or client_type(cl) == want_type]
        lines = [client_info_string(self.server, cl, args if cl is c else None) + "\n"
                 for cl in chosen]
        c.reply_verbatim(enc("".join(lines)))

    def client_reply(self, c, args, argc):
        if argc != 3:
            return False
        mode = lower(args[2])
        if mode == "on":
            c.flags &= ~(CF_REPLY_SKIP | CF_REPLY_OFF | CF_REPLY_SKIP_NEXT)
            c.reply_ok()
        elif mode == "off":
            c.flags |= CF_REPLY_OFF
        elif mode == "skip":
            if not c.flags & CF_REPLY_OFF:
                c.flags |= CF_REPLY_SKIP_NEXT
        else:
            c.reply_error(SYNTAX_ERROR)

    def client_no_evict(self, c, args, argc):
        if argc != 3:
            return False
        mode = lower(args[2])
        if mode == "on":
            c.flags |= CF_NO_EVICT
        elif mode == "off":
            c.flags &= ~CF_NO_EVICT
            self.server.engine.update_client_memory(c)
        else:
            c.reply_error(SYNTAX_ERROR)
            return
        c.reply_ok()

    def client_kill(self, c, args, argc):
        addr = laddr = None
        want_type = None
        cid = 0
        user = None
        skipme = True
        if argc == 3:
            addr = cstr(args[2])
            skipme = False        # the old form may kill the caller itself
        elif argc > 3:
            i = 2
            while i < argc:
                more = argc > i + 1
                opt = lower(args[i])
                if opt == "id" and more:
                    cid = get_range_long_or_reply(c, args[i + 1], 1, LONG_MAX,
                                                  "client-id should be greater than 0")
                    if cid is None:
                        return
                elif opt == "type" and more:
                    want_type = _TYPE_NAMES.get(lower(args[i + 1]))
                    if want_type is None:
                        c.reply_error(b"Unknown client type '" + cstr(args[i + 1]) + b"'")
                        return
                elif opt == "addr" and more:
                    addr = cstr(args[i + 1])
                elif opt == "laddr" and more:
                    laddr = cstr(args[i + 1])
                elif opt == "user" and more:
                    user = self.server.acl.get(args[i + 1])
                    if user is None:
                        c.reply_error(b"No such user '" + cstr(args[i + 1]) + b"'")
                        return
                elif opt == "skipme" and more:
                    yn = lower(args[i + 1])
                    if yn == "yes":
                        skipme = True
                    elif yn == "no":
                        skipme = False
                    else:
                        c.reply_error(SYNTAX_ERROR)
                        return
                else:
                    c.reply_error(SYNTAX_ERROR)
                    return
                i += 2
        else:
            c.reply_error(SYNTAX_ERROR)
            return
        killed = 0
        close_self = False
        for other in list(self.engine.clients.values()):
            if addr is not None and enc(format_addr(other.addr)) != addr:
                continue
            if laddr is not None and enc(format_addr(other.laddr)) != laddr:
                continue
            if want_type is not None and client_type(other) != want_type:
                continue
            if cid and other.id != cid:
                continue
            if user is not None and other.user is not user:
                continue
            if other is c and skipme:
                continue
            if other is c:
                close_self = True
            else:
                other.close()
            killed += 1
        if argc == 3:
            if killed == 0:
                c.reply_error("No such client")
            else:
                c.reply_ok()
        else:
            c.reply_value(killed)
        if close_self:
            c.close_after_reply()

    def client_unblock(self, c, args, argc):
        if argc not in (3, 4):
            return False
        error = False
        if argc == 4:
            reason = lower(args[3])
            if reason == "timeout":
                error = False
            elif reason == "error":
                error = True
            else:
                c.reply_error("CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
                return
        cid = get_long_long_or_reply(c, args[2])
        if cid is None:
            return
        c.reply_value(1 if self.server.unblock_client(cid, error) else 0)

    def client_setname(self, c, args, argc):
        if argc != 3:
            return False
        if set_client_name(c, args[2]):
            c.reply_ok()

    def client_getname(self, c, args, argc):
        if argc != 2:
            return False
        c.reply_value(bytes(c.name) if c.name else None)

    def client_unpause(self, c, args, argc):
        if argc != 2:
            return False
        unpause(self.server)
        c.reply_ok()

    def client_pause(self, c, args, argc):
        if argc not in (3, 4):
            return False
        mode = PAUSE_ALL
        if argc == 4:
            m = lower(args[3])
            if m == "write":
                mode = PAUSE_WRITE
            elif m == "all":
                mode = PAUSE_ALL
            else:
                c.reply_error("CLIENT PAUSE mode must be WRITE or ALL")
                return
        ms = string2ll(args[2])
        if ms is None:
            c.reply_error("timeout is not an integer or out of range")
            return
        if ms < 0:
            c.reply_error("timeout is negative")
            return
        pause(self.server, ms, mode)
        c.reply_ok()

    def client_tracking(self, c, args, argc):
        if argc < 3:
            return False
        options = 0
        prefixes = []
        redirect = 0
        j = 3
        while j < argc:
            more = argc - 1 - j
            opt = lower(args[j])
            if opt == "redirect" and more:
                j += 1
                if redirect:
                    c.reply_error("A client can only redirect to a single other client")
                    return
                redirect = get_long_long_or_reply(c, args[j])
                if redirect is None:
                    return
                if redirect not in self.engine.clients:
                    c.reply_error("The client ID you want redirect to does not exist")
                    return
            elif opt in _TRACKING_OPTIONS:
                options |= _TRACKING_OPTIONS[opt]
            elif opt == "prefix" and more:
                j += 1
                prefixes.append(bytes(args[j]))
            else:
                c.reply_error(SYNTAX_ERROR)
                return
            j += 1
        onoff = lower(args[2])
        if onoff == "on":
            if not self._tracking_options_ok(c, options, prefixes):
                return
            tracking_on(c, redirect, options, prefixes)
        elif onoff == "off":
            tracking_off(c)
        else:
            c.reply_error(SYNTAX_ERROR)
            return
        c.reply_ok()

    @staticmethod
    def _tracking_options_ok(c, options, prefixes):
        """CLIENT TRACKING ON's checks of the options against each other and
        the client's current mode, with Redis's errors."""
        f = c.flags
        if not options & CF_TRACKING_BCAST and prefixes:
            c.reply_error("PREFIX option requires BCAST mode to be enabled")
            return False
        if f & CF_TRACKING and bool(f & CF_TRACKING_BCAST) != bool(options & CF_TRACKING_BCAST):
            c.reply_error("You can't switch BCAST mode on/off before disabling tracking for "
                          "this client, and then re-enabling it with a different mode.")
            return False
        if options & CF_TRACKING_BCAST and options & (CF_TRACKING_OPTIN | CF_TRACKING_OPTOUT):
            c.reply_error("OPTIN and OPTOUT are not compatible with BCAST")
            return False
        if options & CF_TRACKING_OPTIN and options & CF_TRACKING_OPTOUT:
            c.reply_error("You can't specify both OPTIN mode and OPTOUT mode")
            return False
        if (options & CF_TRACKING_OPTIN and f & CF_TRACKING_OPTOUT) or \
                (options & CF_TRACKING_OPTOUT and f & CF_TRACKING_OPTIN):
            c.reply_error("You can't switch OPTIN/OPTOUT mode before disabling tracking for "
                          "this client, and then re-enabling it with a different mode.")
            return False
        if options & CF_TRACKING_BCAST:
            return _prefixes_ok(c, prefixes)
        return True

    def client_caching(self, c, args, argc):
        if argc < 3:
            return False
        f = c.flags
        if not f & CF_TRACKING:
            c.reply_error("CLIENT CACHING can be called only when the client is in tracking mode "
                          "with OPTIN or OPTOUT mode enabled")
            return
        opt = lower(args[2])
        if opt == "yes":
            if not f & CF_TRACKING_OPTIN:
                c.reply_error("CLIENT CACHING YES is only valid when tracking is enabled in "
                              "OPTIN mode.")
                return
        elif opt == "no":
            if not f & CF_TRACKING_OPTOUT:
                c.reply_error("CLIENT CACHING NO is only valid when tracking is enabled in "
                              "OPTOUT mode.")
                return
        else:
            c.reply_error(SYNTAX_ERROR)
            return
        c.flags |= CF_TRACKING_CACHING
        c.reply_ok()

    def client_getredir(self, c, args, argc):
        if argc != 2:
            return False
        c.reply_value(c.tracking_redir if c.flags & CF_TRACKING else -1)

    def client_trackinginfo(self, c, args, argc):
        if argc != 2:
            return False
        f = c.flags
        flags = [b"on" if f & CF_TRACKING else b"off"]
        if f & CF_TRACKING_BCAST:
            flags.append(b"bcast")
        if f & CF_TRACKING_OPTIN:
            flags.append(b"optin")
            if f & CF_TRACKING_CACHING:
                flags.append(b"caching-yes")
        if f & CF_TRACKING_OPTOUT:
            flags.append(b"optout")
            if f & CF_TRACKING_CACHING:
                flags.append(b"caching-no")
        if f & CF_TRACKING_NOLOOP:
            flags.append(b"noloop")
        if f & CF_TRACKING_BROKEN_REDIR:
            flags.append(b"broken_redirect")
        c.reply_value(RespMap([(b"flags", RespSet(flags)),
                               (b"redirect", c.tracking_redir if f & CF_TRACKING else -1),
                               (b"prefixes", tracking_prefix_list(c))]))


def _overlap(a, b):
    """Two BCAST prefixes overlap when one starts the other (both would
    report the same keys)."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _prefixes_ok(c, prefixes):
    """Redis's checkPrefixCollisionsOrReply: no new prefix may overlap one the
    client has, nor another new one."""
    mine = tracking_prefix_list(c)
    for i, p in enumerate(prefixes):
        for old in mine:
            if _overlap(old, p):
                c.reply_error(b"Prefix '" + cstr(p) + b"' overlaps with an existing prefix '" +
                              cstr(old) + b"'. Prefixes for a single client must not overlap.")
                return False
        for q in prefixes[i + 1:]:
            if _overlap(p, q):
                c.reply_error(b"Prefix '" + cstr(p) + b"' overlaps with another provided prefix '" +
                              cstr(q) + b"'. Prefixes for a single client must not overlap.")
                return False
    return True


_CLIENT_SUBS = {
    "help": ConnCommands.client_help, "id": ConnCommands.client_id,
    "info": ConnCommands.client_info, "list": ConnCommands.client_list,
    "reply": ConnCommands.client_reply, "no-evict": ConnCommands.client_no_evict,
    "kill": ConnCommands.client_kill, "unblock": ConnCommands.client_unblock,
    "setname": ConnCommands.client_setname, "getname": ConnCommands.client_getname,
    "unpause": ConnCommands.client_unpause, "pause": ConnCommands.client_pause,
    "tracking": ConnCommands.client_tracking, "caching": ConnCommands.client_caching,
    "getredir": ConnCommands.client_getredir, "trackinginfo": ConnCommands.client_trackinginfo,
}


# ---------------------------------------------------------------------------
# Pauses (the engine holds the one in force: clients_paused, pause_end_ms).
# As Redis's pause purposes, each cause keeps its own pause: CLIENT PAUSE,
# a shutdown waiting for its replicas, a FAILOVER. The engine gets the
# strictest mode and the latest end among them, so CLIENT UNPAUSE does not
# end a failover's pause, nor the end of a failover a CLIENT PAUSE.
PAUSE_BY_CLIENT, PAUSE_DURING_SHUTDOWN, PAUSE_DURING_FAILOVER = "client", "shutdown", "failover"


def _pauses(server):
    p = getattr(server, "pauses", None)
    if p is None:
        p = server.pauses = {}
    return p


def pause(server, ms, mode, purpose=PAUSE_BY_CLIENT):
    """Pause clients for `ms` milliseconds (0: a pause that is already over)
    for `purpose`. A pause on top of a running one of the same purpose keeps
    the later end and the stricter mode."""
    now = int(time.time() * 1000)
    end = now + ms if ms > 0 else now
    pauses = _pauses(server)
    old = pauses.get(purpose)
    if old is not None and old[1] > now:
        pauses[purpose] = (max(old[0], mode), max(old[1], end))
    else:
        pauses[purpose] = (mode, end)
    _apply(server, now)


def unpause(server, purpose=PAUSE_BY_CLIENT):
    """End `purpose`'s pause now. Once no pause is left, the held clients
    resume on the next loop turn (not from inside the command that unpaused
    them)."""
    _pauses(server).pop(purpose, None)
    _apply(server, int(time.time() * 1000))


def _apply(server, now):
    e = server.engine
    pauses = _pauses(server)
    for purpose, (_, end) in list(pauses.items()):
        if end <= now:
            del pauses[purpose]         # ran out
    if not pauses:
        was = e.clients_paused
        e.clients_paused = PAUSE_OFF
        e.pause_end_ms = 0
        if was == PAUSE_OFF and not e.paused_clients:
            return
        if server.loop is None:
            e.unpause_clients()
        else:
            server.loop.call_soon(_resume_held, server)
        return
    # The engine ends the pause at the latest end; a stricter pause that
    # ends sooner is dropped by the cron hook (pause_cron). Clients held
    # by it stay held until every pause is over.
    e.clients_paused = max(mode for mode, _ in pauses.values())
    e.pause_end_ms = max(end for _, end in pauses.values())


def pause_cron(server):
    """Server cron hook: drop the pauses that ran out, so the mode in force
    relaxes when a stricter one ends before the others."""
    pauses = getattr(server, "pauses", None)
    if pauses and len(pauses) > 1:
        _apply(server, int(time.time() * 1000))


def _resume_held(server):
    e = server.engine
    if e.clients_paused == PAUSE_OFF:
        e.unpause_clients()


def handlers(server):
    s = ConnCommands(server)
    hooks = getattr(server, "cron_hooks", None)
    if hooks is not None:
        hooks.append(lambda: pause_cron(server))
    return {
        "hello": s.hello,
        "auth": s.auth,
        "quit": s.quit,
        "reset": s.reset,
        "client": s.client,
    }
