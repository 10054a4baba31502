"""ACL: CAT, DELUSER, DRYRUN, GENPASS, GETUSER, LIST, LOAD, LOG, SAVE,
SETUSER, USERS, WHOAMI and HELP (Redis's acl.c), over rkvd.acl.

Replies and error texts follow redis-server 7.0.15; the help text is our
own wording in Redis's reply shape.
"""

import os
import time

from rkvd._core.server import acl_dryrun
from rkvd.acl.rules import _has_spaces, table
from rkvd.commands.common import NOT_INTEGER, cstr, lower, reply_help, reply_subcommand_syntax_error
from rkvd.commandspec.dsl import ACL_CATEGORIES
from rkvd.replytypes import RespMap, RespSet
from rkvd.strutil import string2ll

_NO_FILE = ("This Redis instance is not configured to use an ACL file. You may want to specify "
            "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you "
            "have a Redis configuration file set) in order to store users in the Redis "
            "configuration.")


def _selector_fields(sel):
    return [(b"commands", sel.describe_commands()),
            (b"keys", b" ".join(sel.describe_keys())),
            (b"channels", b" ".join(sel.describe_channels()))]


class AclCommands:
    def __init__(self, server):
        self.server = server
        self.engine = server.engine

    @property
    def acl(self):
        return self.server.acl

    def container(self, c, args):
        reply_subcommand_syntax_error(c, args)

    def setuser(self, c, args):
        name = bytes(args[2])
        if _has_spaces(name):
            c.reply_error("Usernames can't contain spaces or null characters")
            return
        err = self.acl.setuser(name, [bytes(a) for a in args[3:]], current=c)
        if err is None:
            c.reply_ok()
        else:
            c.reply_error(err.replace("\r", " ").replace("\n", " "))

    def deluser(self, c, args):
        names = [bytes(a) for a in args[2:]]
        if b"default" in names:
            c.reply_error("The 'default' user cannot be removed")
            return
        c.reply_value(self.acl.deluser(names, current=c))

    def getuser(self, c, args):
        u = self.acl.get(args[2])
        if u is None:
            c.reply_value(None)
            return
        out = RespMap([(b"flags", RespSet(u.flags())), (b"passwords", list(u.passwords))])
        out += _selector_fields(u.root)
        out.append((b"selectors", [RespMap(_selector_fields(s)) for s in u.selectors[1:]]))
        c.reply_value(out)

    def list(self, c, args):
        c.reply_value([b"user " + u.name + b" " + u.describe() for u in self.acl.sorted_users()])

    def users(self, c, args):
        c.reply_value([u.name for u in self.acl.sorted_users()])

    def whoami(self, c, args):
        c.reply_value(c.user.name)

    def load(self, c, args):
        path = self.server.cfg["aclfile"]
        if not path:
            c.reply_error(_NO_FILE)
            return
        err = self.acl.load_file(path, current=c)
        if err is None:
            c.reply_ok()
        else:
            c.reply_error(err)

    def save(self, c, args):
        path = self.server.cfg["aclfile"]
        if not path:
            c.reply_error(_NO_FILE)
            return
        if self.acl.save_file(path):
            c.reply_ok()
        else:
            c.reply_error("There was an error trying to save the ACLs. Please check the server "
                          "logs for more information")

    def cat(self, c, args):
        if len(args) == 2:
            c.reply_value([name.encode() for name in ACL_CATEGORIES])
            return
        if len(args) != 3:
            reply_subcommand_syntax_error(c, args)
            return
        cat = lower(args[2])
        names = table().by_cat.get(cat)
        if names is None:
            c.reply_error(b"Unknown category '" + cstr(args[2], 128) + b"'")
            return
        c.reply_value([n.encode() for n in names])

    def genpass(self, c, args):
        bits = 256
        if len(args) == 3:
            bits = string2ll(args[2])
            if bits is None:
                c.reply_error(NOT_INTEGER)
                return
        elif len(args) != 2:
            reply_subcommand_syntax_error(c, args)
            return
        if bits <= 0 or bits > 4096:
            c.reply_error("ACL GENPASS argument must be the number of bits for the output "
                          "password, a positive number up to 4096")
            return
        chars = (bits + 3) // 4
        c.reply_value(os.urandom((chars + 1) // 2).hex()[:chars].encode())

    def log(self, c, args):
        count = 10
        if len(args) == 3:
            if lower(args[2]) == "reset":
                self.acl.log.clear()
                c.reply_ok()
                return
            count = string2ll(args[2])
            if count is None:
                c.reply_error(NOT_INTEGER)
                return
            count = max(count, 0)
        elif len(args) != 2:
            reply_subcommand_syntax_error(c, args)
            return
        now = int(time.time() * 1000)
        out = []
        for le in self.acl.log[:count]:
            out.append(RespMap([
                (b"count", le.count),
                (b"reason", {1: b"command", 2: b"key", 3: b"auth", 4: b"channel"}[le.reason]),
                (b"context", le.context), (b"object", le.object), (b"username", le.username),
                (b"age-seconds", (now - le.ctime) / 1000), (b"client-info", le.cinfo)]))
        c.reply_value(out)

    def dryrun(self, c, args):
        u = self.acl.get(args[2])
        if u is None:
            c.reply_error(b"User '" + cstr(args[2]) + b"' not found")
            return
        argv = [bytes(a) for a in args[3:]]
        cmd = self.engine.lookup_command(argv[0].lower())
        if cmd is not None and cmd.subcommands is not None and len(argv) >= 2:
            cmd = cmd.subcommands.get(argv[1].lower())
        if cmd is None:
            c.reply_error(b"Command '" + cstr(args[3]) + b"' not found")
            return
        if (cmd.arity > 0 and cmd.arity != len(argv)) or len(argv) < -cmd.arity:
            c.reply_error(f"wrong number of arguments for '{cmd.name}' command")
            return
        if u.guard is None:
            c.reply_ok()
            return
        result, idx = acl_dryrun(u.guard, cmd, argv)
        if result == 0:
            c.reply_ok()
        elif result == 1:
            c.reply_value(f"This user has no permissions to run the '{cmd.name}' command".encode())
        elif result == 2:
            c.reply_value(b"This user has no permissions to access the '" + argv[idx] + b"' key")
        else:
            c.reply_value(b"This user has no permissions to access the '" + argv[idx]
                          + b"' channel")

    def help(self, c, args):
        reply_help(c, args[0], [
            "CAT [<category>]",
            "    List the categories, or the commands in <category>.",
            "DELUSER <username> [<username> ...]",
            "    Delete users.",
            "DRYRUN <username> <command> [<arg> ...]",
            "    Tell whether the user may run the command, without running it.",
            "GETUSER <username>",
            "    Show a user's rules.",
            "GENPASS [<bits>]",
            "    Return a random password of 256 bits, or <bits>.",
            "LIST",
            "    Show every user in the ACL file's format.",
            "LOAD",
            "    Reload the users from the ACL file.",
            "LOG [<count> | RESET]",
            "    Show the ACL log's latest entries, or empty it.",
            "SAVE",
            "    Write the users to the ACL file.",
            "SETUSER <username> <attribute> [<attribute> ...]",
            "    Create a user or change its rules.",
            "USERS",
            "    List the user names.",
            "WHOAMI",
            "    Return the user of this connection.",
        ])


def handlers(server):
    s = AclCommands(server)
    return {
        "acl": s.container, "acl|setuser": s.setuser, "acl|deluser": s.deluser,
        "acl|getuser": s.getuser, "acl|list": s.list, "acl|users": s.users,
        "acl|whoami": s.whoami, "acl|load": s.load, "acl|save": s.save, "acl|cat": s.cat,
        "acl|genpass": s.genpass, "acl|log": s.log, "acl|dryrun": s.dryrun, "acl|help": s.help,
    }
