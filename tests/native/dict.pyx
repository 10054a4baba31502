# cython: language_level=3, cdivision=True, boundscheck=False, wraparound=False
# DictForTest: the keyspace table (rkvd._core.lib.dict) behind a bytes-keyed
# Python interface, for tests/test_dict.py and perf/bench_micro.py. Test-only:
# built by tests/native/build.py, never part of the installed package. It
# goes through dict.pxd's API only, plus the struct fields that .pxd exposes.
from libc.stdint cimport uint32_t, uint64_t, int64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from cpython.object cimport PyObject
from cpython.ref cimport Py_XDECREF
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE

from rkvd._core.lib.dict cimport (
    dict, dictEntry, dictIter, ENTRY_KEY, ENTRY_VAL, META_VK_SHIFT, META_VK_MASK,
    VK_INLINE, VK_INT, VK_OBJ, entry_vk, entry_set_obj, dict_size, dict_create,
    dict_release, dict_empty, dict_find, dict_find_link, dict_add_new, dict_resize_entry,
    dict_delete, dict_unlink_at, dict_free_entry, dict_random_entry, dict_fair_random_entry,
    dict_some_entries, dict_scan, dict_rehash, dict_rehash_ms, dict_try_shrink, dict_expand,
    dict_buckets_bytes, dict_iter_init, dict_iter_next, dict_iter_release,
)


cdef void _collect_key(void* privdata, dictEntry* e) noexcept:
    (<list>privdata).append(PyBytes_FromStringAndSize(ENTRY_KEY(e), e.klen))


cdef object _entry_key(dictEntry* e):
    return PyBytes_FromStringAndSize(ENTRY_KEY(e), e.klen)


cdef object _entry_value(dictEntry* e):
    cdef int vk = entry_vk(e)
    if vk == VK_OBJ:
        return <object>e.v.obj
    if vk == VK_INT:
        return e.v.ival
    return PyBytes_FromStringAndSize(ENTRY_VAL(e), <Py_ssize_t>e.v.vlen)


cdef class DictForTest:
    """A bytes-keyed map over the keyspace table, for tests and benchmarks."""
    cdef dict* d

    def __cinit__(self):
        self.d = dict_create()

    def __dealloc__(self):
        dict_release(self.d)
        self.d = NULL

    def set(self, bytes key, bytes value):
        """Store value inline in the entry (resizing an existing entry)."""
        cdef const char* k = PyBytes_AS_STRING(key)
        cdef size_t klen = PyBytes_GET_SIZE(key)
        cdef size_t vlen = PyBytes_GET_SIZE(value)
        cdef dictEntry** link = dict_find_link(self.d, k, klen)
        cdef dictEntry* e
        cdef PyObject* old = NULL
        if link != NULL:
            e = link[0]
            if entry_vk(e) == VK_OBJ:
                old = e.v.obj
            e = dict_resize_entry(link, vlen)
            if e == NULL:
                raise MemoryError()
            e.meta = (e.meta & ~<uint32_t>META_VK_MASK) | (<uint32_t>VK_INLINE << META_VK_SHIFT)
        else:
            e = dict_add_new(self.d, k, klen, vlen)
            if e == NULL:
                raise MemoryError()
        memcpy(ENTRY_VAL(e), PyBytes_AS_STRING(value), vlen)
        e.v.vlen = vlen
        Py_XDECREF(old)

    def set_obj(self, bytes key, obj):
        """Store a reference to obj (the entry drops any inline bytes)."""
        cdef const char* k = PyBytes_AS_STRING(key)
        cdef size_t klen = PyBytes_GET_SIZE(key)
        cdef dictEntry** link = dict_find_link(self.d, k, klen)
        cdef dictEntry* e
        if link != NULL:
            e = link[0]
            if entry_vk(e) == VK_INLINE and e.v.vlen:
                e = dict_resize_entry(link, 0)
                if e == NULL:
                    raise MemoryError()
                e.v.vlen = 0
        else:
            e = dict_add_new(self.d, k, klen, 0)
            if e == NULL:
                raise MemoryError()
        entry_set_obj(e, obj)

    def set_int(self, bytes key, int64_t value):
        cdef dictEntry** link = dict_find_link(self.d, PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key))
        cdef dictEntry* e
        if link != NULL:
            e = dict_resize_entry(link, 0)
            if e == NULL:
                raise MemoryError()
            if entry_vk(e) == VK_OBJ:
                Py_XDECREF(e.v.obj)
        else:
            e = dict_add_new(self.d, PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key), 0)
            if e == NULL:
                raise MemoryError()
        e.v.ival = value
        e.meta = (e.meta & ~<uint32_t>META_VK_MASK) | (<uint32_t>VK_INT << META_VK_SHIFT)

    def get(self, bytes key):
        cdef dictEntry* e = dict_find(self.d, PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key))
        if e == NULL:
            return None
        return _entry_value(e)

    def delete(self, bytes key):
        return dict_delete(self.d, PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key)) == 1

    def unlink(self, bytes key):
        """Unlink then free in two steps (the lazy-free path); returns the value."""
        cdef dictEntry** link = dict_find_link(self.d, PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key))
        if link == NULL:
            return None
        cdef dictEntry* e = dict_unlink_at(self.d, link)
        value = _entry_value(e)
        dict_free_entry(e)
        return value

    def __len__(self):
        return dict_size(self.d)

    def clear(self):
        return dict_empty(self.d)

    def scan(self, uint64_t cursor):
        cdef list keys = []
        cursor = dict_scan(self.d, cursor, _collect_key, <void*>keys)
        return cursor, keys

    def random_key(self):
        cdef dictEntry* e = dict_random_entry(self.d)
        return None if e == NULL else _entry_key(e)

    def fair_random_key(self):
        cdef dictEntry* e = dict_fair_random_entry(self.d)
        return None if e == NULL else _entry_key(e)

    def some_keys(self, unsigned long count):
        cdef dictEntry** des = <dictEntry**>malloc((count or 1) * sizeof(dictEntry*))
        cdef unsigned long n, i
        if des == NULL:
            raise MemoryError()
        try:
            n = dict_some_entries(self.d, des, count)
            return [_entry_key(des[i]) for i in range(n)]
        finally:
            free(des)

    def rehash_step(self, int n=1):
        return dict_rehash(self.d, n)

    def rehash_ms(self, int ms):
        return dict_rehash_ms(self.d, ms)

    def is_rehashing(self):
        return self.d.rehashidx != -1

    def table_sizes(self):
        return (self.d.ht[0].size, self.d.ht[1].size)

    def table_used(self):
        return (self.d.ht[0].used, self.d.ht[1].used)

    def try_shrink(self):
        return dict_try_shrink(self.d) == 1

    def expand(self, uint64_t size):
        return dict_expand(self.d, size) == 1

    def set_resize_allowed(self, bint allowed):
        self.d.resize_allowed = allowed

    def buckets_bytes(self):
        return dict_buckets_bytes(self.d)

    def keys(self):
        cdef dictIter it
        cdef dictEntry* e
        cdef list out = []
        dict_iter_init(&it, self.d, 0)
        e = dict_iter_next(&it)
        while e != NULL:
            out.append(_entry_key(e))
            e = dict_iter_next(&it)
        dict_iter_release(&it)
        return out

    def keys_deleting(self, doomed):
        """Safe iteration deleting each key found in `doomed`; returns keys seen."""
        cdef dictIter it
        cdef dictEntry* e
        cdef list out = []
        dict_iter_init(&it, self.d, 1)
        try:
            e = dict_iter_next(&it)
            while e != NULL:
                k = _entry_key(e)
                out.append(k)
                if k in doomed:
                    dict_delete(self.d, ENTRY_KEY(e), e.klen)
                e = dict_iter_next(&it)
        finally:
            dict_iter_release(&it)
        return out

    def fill(self, uint64_t n, bytes prefix, size_t vlen, uint64_t start=0):
        """Insert keys prefix+%07d for i in [start, start+n), values b"v" * vlen."""
        cdef char buf[256]
        cdef size_t plen = PyBytes_GET_SIZE(prefix)
        cdef size_t klen
        cdef uint64_t i, x
        cdef int j
        cdef dictEntry* e
        if plen > 200:
            raise ValueError("prefix too long")
        memcpy(buf, PyBytes_AS_STRING(prefix), plen)
        for i in range(start, start + n):
            x = i
            klen = plen + 7
            for j in range(6, -1, -1):
                buf[plen + j] = <char>(48 + x % 10)
                x //= 10
            if dict_find(self.d, buf, klen) != NULL:
                continue
            e = dict_add_new(self.d, buf, klen, vlen)
            if e == NULL:
                raise MemoryError()
            memset(ENTRY_VAL(e), 118, vlen)   # 'v'
            e.v.vlen = vlen

    def pause_rehash(self):
        self.d.pauserehash += 1

    def resume_rehash(self):
        self.d.pauserehash -= 1
