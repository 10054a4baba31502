"""EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis's eval.c), and
FUNCTION / FCALL (functions.c). The scripting engine implements them in C
(rkvd/_core/scripting/luaengine.pyx), registering its handlers when
imported; this module loads it and hands it busy-reply-threshold."""

from rkvd._core.scripting import luaengine


def handlers(server):
    luaengine.configure(server.cfg["busy-reply-threshold"])
    return {}
