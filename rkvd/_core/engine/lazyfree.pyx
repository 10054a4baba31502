# Lazy free (Redis's lazyfree.c): UNLINK, and DEL, eviction and expiry under
# their lazyfree-lazy-* switches, hand a big value's memory to the worker
# thread of lib/bio instead of freeing it inline. The value object itself
# (a Python object: freed under the GIL) is emptied here, on the engine's
# thread: its C payload (hash table, quicklist, skiplist, stream nodes)
# moves to a job, so what the worker frees is plain C memory no other code
# can reach. Small values (effort at most LAZYFREE_THRESHOLD allocations)
# and values something else still references are freed at once, as Redis
# does with a shared object. So are sorted sets, for now: their skiplist
# nodes come from lib/skiplist's slabs, whose free lists only the engine's
# thread may touch.
from rkvd._core.lib.bio cimport bio_free_fn, bio_submit_free
from rkvd._core.lib.dict cimport dict_prepare_free, dict_free_plain
from cpython.ref cimport Py_REFCNT

cdef enum:
    LAZYFREE_THRESHOLD = 64


cdef void _bg_free_dict(void* arg) noexcept nogil:
    dict_free_plain(<kvdict*>arg)


cdef void _bg_free_quicklist(void* arg) noexcept nogil:
    ql_clear(<quicklist*>arg)
    free(arg)


cdef void _bg_free_stream_nodes(void* arg) noexcept nogil:
    rax_free(<rax*>arg, _free_lp)


# Redis's lazyfreeGetFreeEffort: about how many allocations freeing v takes.
cdef size_t lazyfree_effort(int otype, object v) except? 0:
    cdef list groups
    cdef size_t effort
    if otype == OBJ_LIST:
        return (<ListValue>v).ql.len
    if otype == OBJ_SET:
        if set_is_ht(<SetValue>v):
            return dict_size(set_ht(<SetValue>v))
        return 1
    if otype == OBJ_ZSET:
        if (<ZsetValue>v).zsl != NULL:
            return (<ZsetValue>v).zsl.length
        return 1
    if otype == OBJ_HASH:
        if (<HashValue>v).ht != NULL:
            return dict_size((<HashValue>v).ht)
        return 1
    if otype == OBJ_STREAM:
        effort = (<StreamValue>v).rax.numnodes if (<StreamValue>v).rax != NULL else 0
        if objrax_size((<StreamValue>v).cgroups):
            # the first group's PEL stands for every group's, as in Redis
            groups = objrax_items((<StreamValue>v).cgroups)
            effort += len(groups) * (1 + rax_size((<StreamGroup>groups[0][1]).pel))
        return effort
    return 1


# Detach v's C payload and queue its free. 1 when queued, 0 when v stays
# for the caller to free now (small, shared, or the queue refused it).
# `refs`: the references to v the caller itself holds beyond the keyspace's.
cdef int lazyfree_value(int otype, object v, Py_ssize_t refs) except -1:
    cdef void* payload = NULL
    cdef bio_free_fn fn = NULL
    cdef quicklist* ql
    if Py_REFCNT(v) > 1 + refs or lazyfree_effort(otype, v) <= LAZYFREE_THRESHOLD:
        return 0
    if otype == OBJ_LIST:
        ql = <quicklist*>malloc(sizeof(quicklist))
        if ql == NULL:
            return 0
        memcpy(ql, &(<ListValue>v).ql, sizeof(quicklist))
        ql_init(&(<ListValue>v).ql, ql.fill, ql.compress)
        payload, fn = ql, _bg_free_quicklist
    elif otype == OBJ_SET:
        payload, fn = set_ht(<SetValue>v), _bg_free_dict
        dict_prepare_free(<kvdict*>payload)
        (<SetValue>v).p = NULL          # an empty intset to __dealloc__
    elif otype == OBJ_HASH:
        payload, fn = (<HashValue>v).ht, _bg_free_dict
        dict_prepare_free(<kvdict*>payload)
        (<HashValue>v).ht = NULL
    elif otype == OBJ_STREAM:
        # the consumer groups are Python objects: they go with v, here
        payload, fn = (<StreamValue>v).rax, _bg_free_stream_nodes
        (<StreamValue>v).rax = NULL
    else:
        return 0
    if bio_submit_free(fn, payload) < 0:
        fn(payload)
    return 1
