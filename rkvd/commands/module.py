"""MODULE (Redis's module.c front end): rkvd loads no modules, so LIST is
empty, LOAD/LOADEX fail as a module that cannot be loaded fails (logged,
Redis's error), UNLOAD finds nothing; LOAD, LOADEX and UNLOAD (Redis's
protected subcommands) are behind enable-module-command."""

from rkvd.commands.common import is_local_client, reply_help, reply_subcommand_syntax_error

_NOT_ALLOWED = ('MODULE command not allowed. If the enable-module-command option is set to '
                '"local", you can run it from a local connection, otherwise you need to set this '
                'option in the configuration file, and then restart the server.')


class ModuleCommands:
    def __init__(self, server):
        self.server = server

    def _allowed(self, c):
        mode = self.server.cfg["enable-module-command"]
        if mode == "yes" or (mode == "local" and is_local_client(c)):
            return True
        c.reply_error(_NOT_ALLOWED)
        return False

    def container(self, c, args):
        reply_subcommand_syntax_error(c, args)

    def list(self, c, args):
        c.reply_value([])

    def load(self, c, args):
        if self._allowed(c):
            path = bytes(args[2]).decode("utf-8", "surrogateescape")
            self.server.log.warning(f"Module {path} failed to load: module loading is not built "
                                    "in rkvd yet")
            c.reply_error("Error loading the extension. Please check the server logs.")

    def unload(self, c, args):
        if self._allowed(c):
            c.reply_error("Error unloading module: no such module with that name")

    def help(self, c, args):
        reply_help(c, args[0], [
            "LIST",
            "    Return a list of loaded modules (rkvd loads none).",
            "LOAD <path> [<arg> ...]",
            "    Load a module library from <path> (not built in rkvd: fails).",
            "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
            "    Load a module library with configurations (not built in rkvd: fails).",
            "UNLOAD <name>",
            "    Unload a module.",
        ])


def handlers(server):
    s = ModuleCommands(server)
    return {"module": s.container, "module|list": s.list, "module|load": s.load,
            "module|loadex": s.load, "module|unload": s.unload, "module|help": s.help}
