# cython: language_level=3
#
# MIGRATE's side of the keyspace (Redis's migrateCommand, cluster.c): which
# of the named keys exist, their DUMP payloads with the TTL left, and the
# deletion of the keys the target acknowledged. The network part (the cached
# connections, the blocking I/O with its timeout, the replies) is Python, in
# rkvd/commands/migrate.py; this module only touches the engine.
from posix.time cimport CLOCK_REALTIME, clock_gettime, timespec

from rkvd._core.lib.dict cimport dictEntry
from rkvd._core.persist.rdb_save cimport dump_payload
from rkvd._core.server cimport Client, Database, Engine

cdef enum:
    NOTIFY_GENERIC = 1 << 2     # Redis's keyspace event class 'g'


cdef long long mstime() noexcept:
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return ts.tv_sec * 1000 + ts.tv_nsec // 1000000


def migrate_present(Client c, list keys):
    """The keys of `keys` that exist in c's database, looked up as reads (lazy
    expiry, keyspace hits and misses), in their order: MIGRATE's first pass."""
    cdef Database db = c.db
    cdef bytes k
    found = []
    for k in keys:
        if db.lookup_read(k, len(k)) != NULL:
            found.append(k)
    return found


def migrate_payloads(Client c, list keys, int flags):
    """[(key, ttl, payload)] for the keys of `keys` still in c's database:
    ttl is the milliseconds left (at least 1), 0 for a key without expire.
    A key whose time has passed since the first pass is left out, not
    deleted (Redis reads the expire without expiring). flags: the writer's,
    only RDB_SAVE_COMPRESS matters."""
    cdef Database db = c.db
    cdef dictEntry* e
    cdef long long when, ttl
    cdef bytes k
    out = []
    for k in keys:
        e = db.peek(k, len(k))
        if e == NULL:
            continue
        ttl = 0
        when = db.get_expire(e)
        if when != -1:
            ttl = when - mstime()
            if ttl < 0:
                continue
            if ttl < 1:
                ttl = 1
        out.append((k, ttl, dump_payload(e, flags)))
    return out


def migrate_delete(Client c, list keys):
    """Delete the keys the target acknowledged (MIGRATE without COPY): each a
    'del' event and a change; what replicas and the AOF receive is one DEL of
    them in place of the MIGRATE (WATCH is touched by the call, as for every
    write command). Returns how many were deleted."""
    cdef Engine eng = c.engine
    cdef Database db = c.db
    cdef bytes k
    cdef int n = 0
    for k in keys:
        if db.delete_key(k, len(k)):
            eng.notify_keyspace_event(NOTIFY_GENERIC, b"del", k, db.id)
            eng.dirty += 1
            n += 1
    if n and eng.prop_on:
        eng.prop_argv = [b"DEL"] + keys
    return n
