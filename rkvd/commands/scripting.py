"""EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis's eval.c), and
FUNCTION / FCALL (functions.c). The scripting engine implements them in C
(rkvd/_core/scripting/luaengine.pyx), registering its handlers when
imported; this module loads it, hands it busy-reply-threshold and makes
it the RDB loader's destination for libraries."""

from rkvd._core.persist import rdb_load
from rkvd._core.scripting import luaengine


def handlers(server):
    luaengine.configure(server.cfg["busy-reply-threshold"])
    # the flags an EVAL or FCALL runs with come from its script (shebang or
    # function flags), for the checks made before it runs
    server.engine.script_flags_hook = luaengine.script_command_flags
    rdb_load.set_function_loader(luaengine.functions_load_code)
    return {}
