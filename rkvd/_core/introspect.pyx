# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
#
# Introspection for the Python-level DEBUG and MEMORY commands
# (rkvd/commands/debug.py, memory.py): a cold subsystem, so its own extension,
# reaching the engine through the interface server.pxd declares. Editing it
# rebuilds this file alone, never the engine unit.
from cpython.bytes cimport PyBytes_FromStringAndSize

from rkvd._core.lib.dict cimport (
    ENTRY_KEY, ENTRY_VAL, META_LRU_MASK, VK_INLINE, VK_INT, dictEntry, dictIter, dict_find,
    dict_iter_init, dict_iter_next, dict_iter_release, dict_size, entry_vk,
)
from rkvd._core.server cimport Database, encoding_name, entry_type_name


def db_lookup(Database db, bytes key):
    """(type, encoding, value, expire_ms or -1, lru) for key or None, with no
    side effects. Strings come back as bytes, other types as their object."""
    cdef dictEntry* e = dict_find(db.keys, key, len(key))
    cdef int vk
    if e == NULL:
        return None
    vk = entry_vk(e)
    if vk == VK_INLINE:
        v = PyBytes_FromStringAndSize(ENTRY_VAL(e), e.v.vlen)
    elif vk == VK_INT:
        v = str(e.v.ival).encode()
    else:
        v = <object>e.v.obj
        if type(v) is bytearray:
            v = bytes(v)
    return (entry_type_name(e).decode(), encoding_name(e).decode(), v, db.get_expire(e),
            e.meta & META_LRU_MASK)


def value_address(Database db, bytes key):
    """DEBUG OBJECT's at: the address a value lives at, 0 for no key. An
    inline or integer string lives in the key's entry, so its address holds
    while the value changes in place (INCR); other values are their object."""
    cdef dictEntry* e = dict_find(db.keys, key, len(key))
    if e == NULL:
        return 0
    if entry_vk(e) in (VK_INLINE, VK_INT):
        return <size_t>e
    return <size_t>e.v.obj


def db_keys(Database db):
    """Every key in the table (expired ones included)."""
    cdef dictIter it
    cdef dictEntry* e
    out = []
    dict_iter_init(&it, db.keys, 1)
    while True:
        e = dict_iter_next(&it)
        if e == NULL:
            break
        out.append(PyBytes_FromStringAndSize(ENTRY_KEY(e), e.klen))
    dict_iter_release(&it)
    return out


def db_populate(Database db, long long count, bytes prefix, long long size):
    """DEBUG POPULATE: keys <prefix>:<n> with value "value:<n>" (padded with
    zero bytes or cut to `size` when size > 0). Existing keys are kept.
    Returns the number of keys added."""
    cdef long long j, added = 0
    cdef bytes key, val
    for j in range(count):
        key = prefix + b":" + str(j).encode()
        if dict_find(db.keys, key, len(key)) != NULL:
            continue
        val = b"value:" + str(j).encode()
        if size > 0:
            val = val[:size] if len(val) >= size else val + b"\0" * (size - len(val))
        db.set_string(key, len(key), val, len(val), True, False)
        added += 1
    return added


def db_table_stats(Database db):
    """(buckets0, buckets1, used, rehashing) of the key table (DEBUG HTSTATS)."""
    return (db.keys.ht[0].size, db.keys.ht[1].size, dict_size(db.keys), db.keys.rehashidx != -1)
