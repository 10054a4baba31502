"""The server's ACL state: the users, the default user tied to requirepass,
authentication, the ACL log, the ACL file, and keeping connected clients in
step with their users (new rules compiled into their guard, clients of a
deleted user or of a user who lost a channel closed, as Redis does)."""

import os
import time

from rkvd._core.server import AclGuard, AclSelector, client_in_transaction, client_subscriptions
from rkvd.commands.conn import client_info_fields, format_client_info

from .rules import E_DUPLICATE, RuleError, User, _has_spaces, merge_selector_args, set_user_rules

# ACL_DENIED_* of the engine's check (engine/acl.pxd)
DENIED_CMD, DENIED_KEY, DENIED_AUTH, DENIED_CHANNEL = 1, 2, 3, 4
_REASONS = {DENIED_CMD: b"command", DENIED_KEY: b"key", DENIED_CHANNEL: b"channel",
            DENIED_AUTH: b"auth"}
_LOG_GROUPING_MS = 60000


def compile_guard(user):
    """The engine's form of a user's rules; None when some selector allows
    every command, key and channel (the client then pays no check)."""
    if user.unrestricted():
        return None
    sels = []
    for s in user.selectors:
        a = AclSelector()
        a.allcommands = s.allcommands
        a.allkeys = s.allkeys
        a.allchannels = s.allchannels
        a.allowed = frozenset(s.allowed)
        a.first_args = ({k: frozenset(x.lower() for x in v) for k, v in s.first_args.items() if v}
                        or None)
        a.key_patterns = [(bytes(p), perm) for p, perm in s.keys]
        a.channel_patterns = list(s.channels)
        sels.append(a)
    return AclGuard(sels, user)


class LogEntry:
    __slots__ = ("count", "reason", "context", "object", "username", "ctime", "client")

    @property
    def cinfo(self):
        """The client's CLIENT LIST line as it was when the entry was logged
        (`client` holds those figures; formatting waits for ACL LOG)."""
        return format_client_info(self.client).encode("utf-8", "surrogateescape")


class Acl:
    def __init__(self, server):
        self.server = server
        self.engine = server.engine
        self.users = {}
        self.log = []                   # newest first
        self.default = self._new_default()
        self.users[b"default"] = self.default
        self._sync_default()

    # ------------------------------------------------------------ users

    @property
    def pubsub_all(self):
        return self.server.cfg["acl-pubsub-default"] == "allchannels"

    def _new_default(self):
        u = User(b"default")
        for op in (b"+@all", b"~*", b"&*", b"on", b"nopass"):
            u.apply(op)
        u.guard = None
        return u

    def _sync_default(self):
        e = self.engine
        d = self.default
        e.auth_required = not d.nopass or not d.enabled
        e.default_nopass = d.nopass
        e.default_user = d
        e.default_acl = d.guard

    def apply_requirepass(self, cfg=None):
        """requirepass sets the default user's only password (none: nopass)."""
        pw = self.server.cfg["requirepass"]
        d = self.default
        d.apply(b"resetpass")
        if pw:
            d.apply(b">" + pw.encode("utf-8", "surrogateescape"))
        else:
            d.apply(b"nopass")
        self._sync_default()

    def get(self, name):
        return self.users.get(bytes(name))

    def sorted_users(self):
        return [self.users[k] for k in sorted(self.users)]

    def clients_of(self, user):
        return [c for c in list(self.engine.clients.values()) if c.user is user]

    def setuser(self, name, args, current=None):
        """ACL SETUSER: None, or Redis's error text."""
        name = bytes(name)
        old = self.users.get(name)
        new, err = set_user_rules(old if old is not None else name, args, self.pubsub_all)
        if err is not None:
            return err
        if old is None:
            new.guard = compile_guard(new)
            self.users[name] = new
            return None
        self._kill_pubsub_if_needed(new, old, current)
        old.copy_rules_from(new)
        self._recompile(old)
        return None

    def _recompile(self, user):
        user.guard = compile_guard(user)
        for c in self.clients_of(user):
            c.acl = user.guard
        if user is self.default:
            self._sync_default()

    def _kill_pubsub_if_needed(self, new, old, current):
        # Redis's ACLKillPubsubClientsIfNeeded: when the new channel rules
        # are not a superset of the old ones, subscribers of the user whose
        # channels or patterns the new rules refuse are closed.
        if any(s.allchannels for s in new.selectors):
            return
        upcoming = [p for s in new.selectors for p in s.channels]
        if not any(s.allchannels for s in old.selectors) and all(
                p in upcoming for s in old.selectors for p in s.channels):
            return
        guard = AclGuard([_channels_selector(upcoming)], new)
        for c in self.clients_of(old):
            chans, pats, shard = client_subscriptions(c)
            if not (chans or pats or shard):
                continue
            kill = (any(not _channel_ok(guard, p, True) for p in pats)
                    or any(not _channel_ok(guard, ch, False) for ch in chans + shard))
            if kill:
                if c is current:
                    c.close_after_reply()
                else:
                    c.close()

    def deluser(self, names, current=None):
        """ACL DELUSER: the number deleted (the default user is refused by the caller)."""
        deleted = 0
        for name in names:
            u = self.users.pop(bytes(name), None)
            if u is not None:
                self._free_and_kill(u, current)
                deleted += 1
        return deleted

    def _free_and_kill(self, user, current=None):
        # ACLFreeUserAndKillClients: its clients go back to the default user,
        # unauthenticated, and are closed (the running one after its reply).
        for c in self.clients_of(user):
            c.user = self.default
            c.acl = self.default.guard
            c.authenticated = False
            if c is current:
                c.close_after_reply()
            else:
                c.close()

    # ------------------------------------------------------------ authentication

    def check_credentials(self, name, password):
        u = self.users.get(bytes(name))
        if u is None or not u.enabled:
            return None
        return u if u.check_password(password) else None

    def authenticate(self, c, name, password, cmdname=b"AUTH"):
        """AUTH / HELLO AUTH: True and c is the user's, or False and an ACL
        log entry (object: the command name as sent)."""
        u = self.check_credentials(name, password)
        if u is None:
            self.add_log(c, DENIED_AUTH, client_in_transaction(c), bytes(cmdname), bytes(name))
            return False
        c.authenticated = True
        c.user = u
        c.acl = u.guard
        return True

    def reset_client(self, c):
        """RESET: back to the default user, authenticated only when it has no password."""
        c.user = self.default
        c.acl = self.default.guard
        c.authenticated = not self.engine.auth_required

    # ------------------------------------------------------------ ACL log

    def log_denied(self, c, reason, in_multi, cmdname, arg, context=None):
        """The engine refused a command: the object is the command's full
        name, or the key or channel (arg) for those reasons. context: b"lua"
        for a command a script called (c is then the script's caller)."""
        obj = cmdname.encode() if reason == DENIED_CMD else (arg or b"")
        self.add_log(c, reason, in_multi, obj, None, context)

    def add_log(self, c, reason, in_multi, obj, username, context=None):
        le = LogEntry()
        le.count = 1
        le.reason = reason
        le.context = context or (b"multi" if in_multi else b"toplevel")
        le.object = obj
        le.username = username if username is not None else c.user.name
        le.ctime = int(time.time() * 1000)
        le.client = client_info_fields(self.server, c)
        log = self.log
        for i in range(min(len(log), 10)):
            cur = log[i]
            if (cur.reason == le.reason and cur.context == le.context
                    and abs(cur.ctime - le.ctime) <= _LOG_GROUPING_MS
                    and cur.object == le.object and cur.username == le.username):
                if i:               # the newest first; a repeat is usually the newest already
                    del log[i]
                    log.insert(0, cur)
                cur.client, cur.ctime = le.client, le.ctime
                cur.count += 1
                return
        self.log.insert(0, le)
        maxlen = self.server.cfg["acllog-max-len"]
        del self.log[maxlen:]

    def trim_log(self, cfg=None):
        del self.log[self.server.cfg["acllog-max-len"]:]

    # ------------------------------------------------------------ files

    def load_configured(self, users):
        """The config file's user lines at start-up: None or the error to log."""
        for rules in users:
            name = bytes(rules[0]) if not isinstance(rules[0], str) else rules[0].encode()
            if _has_spaces(name):
                return "Spaces not allowed in ACL usernames"
            u = self.users.get(name)
            if u is None:
                u = User(name, self.pubsub_all)
                self.users[name] = u
            else:
                u.apply(b"reset", self.pubsub_all)
            merged, _ = merge_selector_args([_b(r) for r in rules[1:]])
            for op in merged or []:
                try:
                    u.apply(op, self.pubsub_all)
                except RuleError as exc:
                    return ("Error loading ACL rule '%s' for the user named '%s': %s"
                            % (_s(op), _s(name), exc))
            if not u.enabled:
                self.server.log.notice(
                    f"The user '{_s(name)}' is disabled (there is no 'on' modifier in the user "
                    "description). Make sure this is not a configuration error.")
            u.guard = compile_guard(u)
        self._sync_default()
        return None

    def load_file(self, path, current=None):
        """ACL LOAD / start-up with aclfile: None, or Redis's one-line error
        text (then nothing changed)."""
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            return "Error loading ACLs, opening file '%s': %s" % (path, exc.strerror)
        data = data.split(b"\0", 1)[0]
        users = {}
        errors = ""
        for i, line in enumerate(data.split(b"\n")):
            linenum = i + 1
            line = line.strip(b" \t\r\n")
            if not line:
                continue
            argv = line.split(b" ")      # as sdssplitlen: runs of spaces give empty rules
            if argv[0] != b"user" or len(argv) < 2:
                errors += "%s:%d should start with user keyword followed by the username. " % (
                    path, linenum)
                continue
            name = argv[1]
            if _has_spaces(name):
                errors += "'%s:%d: username '%s' contains invalid characters. " % (
                    path, linenum, _s(name))
                continue
            if name in users:
                errors += "WARNING: Duplicate user '%s' found on line %d. " % (_s(name), linenum)
                continue
            u = User(name, self.pubsub_all)
            users[name] = u
            merged, _ = merge_selector_args(argv[2:])
            if merged is None:
                errors += "%s:%d: Unmatched parenthesis in selector definition." % (path, linenum)
                merged = []
            syntax_error = False
            for op in merged:
                op = op.strip(b"\t\r\n")
                try:
                    u.apply(op, self.pubsub_all)
                except RuleError as exc:
                    if exc.missing:
                        errors += "%s:%d: Error in applying operation '%s': %s. " % (
                            path, linenum, _s(op), exc)
                    elif not syntax_error:
                        errors += "%s:%d: %s. " % (path, linenum, exc)
                        syntax_error = True
        if errors:
            return errors + ("WARNING: ACL errors detected, no change to the previously active "
                             "ACL rules was performed")
        new_default = users.pop(b"default", None) or self._new_default()
        old = self.users
        self.default.copy_rules_from(new_default)
        for u in users.values():
            u.guard = compile_guard(u)
        self.users = {b"default": self.default}
        self.users.update(users)
        self._recompile(self.default)
        for u in old.values():
            if u is not self.default:
                self._free_and_kill(u, current)
        return None

    def save_file(self, path):
        """ACL SAVE: write every user to a temporary file, then rename it."""
        text = b"".join(b"user " + u.name + b" " + u.describe() + b"\n" for u in self.sorted_users())
        tmp = "%s.tmp-%d-%d" % (path, os.getpid(), int(time.time() * 1000))
        try:
            with open(tmp, "wb") as f:
                f.write(text)
            os.rename(tmp, path)
        except OSError as exc:
            self.server.log.warning(f"Writing ACL file for ACL SAVE: {exc.strerror}")
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return False
        return True

    def config_lines(self):
        """The users as CONFIG REWRITE writes them (without aclfile)."""
        return [(b"user " + u.name + b" " + u.describe()).decode("utf-8", "surrogateescape")
                for u in self.sorted_users()]

    def load_at_startup(self):
        """Redis's ACLLoadUsersAtStartup: None, or the fatal error to log."""
        cfg = self.server.cfg
        if cfg["aclfile"] and cfg.users:
            return ("Configuring Redis with users defined in redis.conf and at the same setting "
                    "an ACL file path is invalid. This setup is very likely to lead to "
                    "configuration errors and security holes, please define either an ACL file "
                    "or declare users directly in your redis.conf, but not both.")
        err = self.load_configured(cfg.users)
        if err is not None:
            self.server.log.warning(err)
            return "Critical error while loading ACLs. Exiting."
        if cfg["aclfile"]:
            err = self.load_file(cfg["aclfile"])
            if err is not None:
                return "Aborting Redis startup because of ACL errors: " + err
        return None


def _channels_selector(patterns):
    s = AclSelector()
    s.allcommands = True
    s.allkeys = True
    s.channel_patterns = list(patterns)
    return s


def _channel_ok(guard, channel, is_pattern):
    from rkvd._core.server import acl_channel_ok
    return acl_channel_ok(guard, channel, is_pattern)


def _b(v):
    return v.encode("utf-8", "surrogateescape") if isinstance(v, str) else bytes(v)


def _s(v):
    return bytes(v).decode("utf-8", "surrogateescape") if not isinstance(v, str) else v


def validate_config_user(rules):
    """cfg.validate_user: the config file's user line checked as Redis's
    ACLAppendUserForLoading does (unknown commands wait for loading):
    None, or (index Redis names, reason)."""
    merged, bad = merge_selector_args([_b(r) for r in rules])
    if merged is None:
        return bad, "Syntax error"
    u = User(b"__fakeuser__")
    for j, op in enumerate(merged):
        try:
            u.apply(op)
        except RuleError as exc:
            if not exc.missing:
                return j, str(exc)
    return None


__all__ = ["Acl", "compile_guard", "validate_config_user", "E_DUPLICATE"]
