"""INFO and COMMAND: what the server reports about itself and its command
table (Redis's server.c). The INFO text is built by rkvd.info; the command
rows come from rkvd.commandspec, narrowed to the commands this build has.
"""

from rkvd import commandspec, info
from rkvd.commands.common import SYNTAX_ERROR, cstr, lower, reply_help
from rkvd.replytypes import RespMap, RespSet


class IntrospectionCommands:
    def __init__(self, server):
        self.server = server
        self.engine = server.engine

    # -- INFO ----------------------------------------------------------------

    def info(self, c, args):
        c.reply_verbatim(info.generate(self.server, args[1:]))

    # -- COMMAND -------------------------------------------------------------

    def implemented(self, spec):
        return spec is not None and spec.fullname in self.engine.commands

    def _top_specs(self):
        # The engine's table is built from these rows, so each name has one.
        for name in self.engine.commands:
            if "|" not in name:
                yield commandspec.SPECS[name]

    def command_info_of(self, spec):
        entry = commandspec.command_info(spec)
        if spec.subcommands:
            subs = [s for s in spec.subcommands.values() if self.implemented(s)]
            if len(subs) != len(spec.subcommands):
                entry = list(entry)
                entry[9] = [commandspec.command_info(s) for s in subs]
        return entry

    def command_docs_of(self, spec):
        docs = commandspec.command_docs(spec)
        if spec.subcommands:
            subs = [s for s in spec.subcommands.values() if self.implemented(s)]
            if len(subs) != len(spec.subcommands):
                docs = RespMap((k, RespMap((s.fullname.encode(), commandspec.command_docs(s))
                                           for s in subs) if k == b"subcommands" else v)
                               for k, v in docs)
        return docs

    def command(self, c, args):
        c.reply_value([self.command_info_of(s) for s in self._top_specs()])

    def command_count(self, c, args):
        c.reply_value(sum(1 for _ in self._top_specs()))

    def command_list(self, c, args):
        ftype = farg = None
        i = 2
        while i < len(args):
            more = len(args) - 1 - i
            if lower(args[i]) == "filterby" and more == 2:
                ftype = lower(args[i + 1])
                if ftype not in ("module", "aclcat", "pattern"):
                    c.reply_error(SYNTAX_ERROR)
                    return
                farg = bytes(args[i + 2])
                i += 3
            else:
                c.reply_error(SYNTAX_ERROR)
                return
        if ftype == "aclcat":
            farg = cstr(farg)       # a category name compares as a C string
        # A pattern is matched over its full length, NUL bytes included.
        names = commandspec.command_list(ftype, farg) if ftype else commandspec.command_list()
        c.reply_value([n for n in names if n.decode() in self.engine.commands])

    def command_info(self, c, args):
        if len(args) == 2:
            self.command(c, args)
            return
        out = []
        for name in args[2:]:
            spec = commandspec.lookup_name(name)
            out.append(self.command_info_of(spec) if self.implemented(spec) else None)
        c.reply_value(out)

    def command_docs(self, c, args):
        specs = list(self._top_specs()) if len(args) == 2 else [
            commandspec.lookup_name(name) for name in args[2:]]
        c.reply_value(RespMap((s.fullname.encode(), self.command_docs_of(s))
                              for s in specs if self.implemented(s)))

    def command_getkeys(self, c, args, with_flags=False):
        argv = [bytes(a) for a in args[2:]]
        spec = commandspec.lookup(argv)
        if not self.implemented(spec):
            c.reply_error("Invalid command specified")
            return
        try:
            keys = commandspec.get_keys_and_flags(spec, argv)
        except ValueError as exc:
            c.reply_error(str(exc))
            return
        if with_flags:
            c.reply_value([[argv[pos], RespSet(flags)] for pos, flags in keys])
        else:
            c.reply_value([argv[pos] for pos, _ in keys])

    def command_getkeysandflags(self, c, args):
        self.command_getkeys(c, args, with_flags=True)

    def command_help(self, c, args):
        reply_help(c, args[0], [
            "(no subcommand)",
            "    Return details about every command.",
            "COUNT",
            "    Return how many commands the server has.",
            "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
            "    Return the names of the commands, optionally filtered.",
            "INFO [<command-name> ...]",
            "    Return details about the named commands, or about every command when",
            "    no name is given.",
            "DOCS [<command-name> ...]",
            "    Return the documentation of the named commands, or of every command",
            "    when no name is given.",
            "GETKEYS <full-command>",
            "    Return the keys a full command line would access.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys a full command line would access, with their flags.",
        ])


def handlers(server):
    # INFO's sampled state (rates, peak memory) lives on the server, where
    # MEMORY and CONFIG RESETSTAT read it too; the cron samples it.
    server.info_state = info.InfoState(server)
    server.cron_hooks.append(server.info_state.cron)
    s = IntrospectionCommands(server)
    return {
        "info": s.info,
        "command": s.command,
        "command|count": s.command_count,
        "command|list": s.command_list,
        "command|info": s.command_info,
        "command|docs": s.command_docs,
        "command|getkeys": s.command_getkeys,
        "command|getkeysandflags": s.command_getkeysandflags,
        "command|help": s.command_help,
    }
