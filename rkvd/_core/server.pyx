# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
#
# The engine: one compilation unit assembled from the fragments below (uvloop's
# layout), so reply helpers, lookups and handlers inline across files. The
# standalone libraries it builds on (lib/: dict, listpack, quicklist, ...) are
# separate extensions that know nothing of clients or commands. Each fragment
# with an interface declares it in a .pxd next to it (its classes' fields and
# methods, its functions other fragments call), and server.pxd includes them:
# that is what other extensions (introspect.pyx) may cimport. The fragment
# folders are not packages, so Cython never takes such a .pxd for a module's.
#
#   engine/consts.pxi    limits, flags and canned replies
#   net/reply.pyx        ReplyWriter: the reply buffer, RESP2/RESP3 encoding
#   net/reader.pyx       RequestReader: the query buffer and the request parser
#   net/client.pyx       Client: a connection, its state and its dispatch loop
#   engine/db.pyx        Database: keyspace + expires tables, lazy/active expiry
#   engine/commands.pyx  the command table: Command, lookup, flags
#   engine/notify.pyx    keyspace notifications
#   engine/pubsub.pyx    publish/subscribe and the delivery of notifications
#   engine/monitor.pyx   MONITOR
#   engine/tracking.pyx  client-side caching (CLIENT TRACKING)
#   engine/blocked.pyx   blocking commands
#   engine/multi.pyx     MULTI/EXEC/WATCH
#   engine/propagate.pyx the propagation point: writes as commands for AOF/replicas
#   types/*.pyx          one fragment per data type and its commands
#   engine/evict.pyx     maxmemory: the eviction policies
#   engine/engine.pyx    Engine: databases, dispatch (call), stats, cron
cimport cython
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.bytearray cimport (
    PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize, PyByteArray_FromStringAndSize,
)
from cpython.object cimport PyObject
from cpython.ref cimport Py_XDECREF
from rkvd._core.lib.mem cimport malloc, realloc, free     # counted (used_memory)
from rkvd._core.lib.mem cimport rk_mem_t, mem_state, mem_used
from libc.string cimport memcpy, memmove, memcmp, memchr, strlen, memset
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t, INT64_MAX
from libc.limits cimport LLONG_MAX, LLONG_MIN, INT_MAX
from libc.math cimport isnan

from rkvd._core.lib.dict cimport dict as kvdict, dictEntry, dictIter, dict_scan_fn
from rkvd._core.lib.dict cimport (
    ENTRY_KEY, ENTRY_VAL, META_LRU_MASK, META_HAS_EXPIRE, VK_INLINE, VK_INT, VK_OBJ, entry_vk, entry_type,
    entry_set_kind, entry_set_obj, dict_size, dict_create, dict_release, dict_empty,
    dict_find, dict_find_link, dict_add_new, dict_resize_entry, dict_renew_entry, dict_delete,
    dict_unlink_at, dict_free_entry, dict_random_entry, dict_fair_random_entry, dict_some_entries,
    dict_scan, dict_rehash_ms, dict_try_shrink,
    dict_expand, dict_buckets_bytes, dict_iter_init, dict_iter_next, dict_iter_release,
)
from rkvd._core.lib.util cimport *

import os as _os
import socket as _socket

include "engine/consts.pxi"
include "net/reply.pyx"
include "net/reader.pyx"
include "net/client.pyx"
include "engine/db.pyx"
include "engine/commands.pyx"
include "engine/acl.pyx"
include "engine/notify.pyx"
include "engine/pubsub.pyx"
include "engine/monitor.pyx"
include "engine/tracking.pyx"
include "engine/blocked.pyx"
include "engine/multi.pyx"
include "engine/propagate.pyx"
include "types/t_string.pyx"
include "types/t_keys.pyx"
include "types/t_conn.pyx"
include "types/t_hash.pyx"
include "types/t_set.pyx"
include "types/bitops.pyx"
include "types/hyperloglog.pyx"
include "types/t_list.pyx"
include "types/t_zset.pyx"
include "types/geo.pyx"
include "types/sort.pyx"
include "types/t_stream.pyx"
include "engine/lazyfree.pyx"
include "engine/evict.pyx"
include "engine/client_evict.pyx"
include "engine/engine.pyx"
