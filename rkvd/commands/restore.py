"""RESTORE and RESTORE-ASKING (Redis's cluster.c). The payload is an RDB
object, decoded by the RDB loader, which implements the command in C
(rkvd/_core/persist/rdb_load.pyx); this module only binds it."""

from rkvd._core.persist.rdb_load import restore_command


def handlers(server):
    return {"restore": restore_command, "restore-asking": restore_command}
