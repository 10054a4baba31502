"""DUMP (Redis's cluster.c). The payload is an RDB object, encoded by the
RDB writer, which implements the command in C
(rkvd/_core/persist/rdb_save.pyx); this module binds it to rdbcompression,
which DUMP honours as Redis does."""

from rkvd._core.persist.rdb_save import RDB_SAVE_COMPRESS, dump_command


def handlers(server):
    cfg = server.cfg

    def dump(c, args):
        dump_command(c, RDB_SAVE_COMPRESS if cfg["rdbcompression"] else 0)

    return {"dump": dump}
