# The declared interface of the engine unit (server.pyx and the fragments it
# includes), in uvloop's loop.pxd way: each fragment with an interface has a
# .pxd next to it, included here in dependency order. Other extensions
# `from rkvd._core.server cimport ...` what is declared below:
#
#   net/reply.pxd        ReplyWriter, reply_error_hook
#   net/reader.pxd       RequestReader, Arg, PROTO_ERR_*, parse_requests
#   net/client.pxd       Client, cmd_fn
#   engine/db.pxd        Database
#   engine/commands.pxd  Command, register_c, the command table
#   engine/acl.pxd       AclGuard, AclSelector, the ACL check
#   engine/engine.pxd    Engine
#   engine/propagate.pxd the propagation point
#   engine/multi.pxd     MULTI/EXEC queue and WATCH
#   engine/blocked.pxd   blocking on keys
#   engine/pubsub.pxd    publish/subscribe, keyspace event delivery, MONITOR
#   engine/tracking.pxd  client-side caching
#   types/t_keys.pxd     entry_type_name, encoding_name, SCAN argument parsing
#   types/t_string.pxd   string_make_raw, add_expire_time_error
#   types/t_hash.pxd     HashValue and building one
#   types/t_list.pxd     ListValue
#   types/t_set.pxd      SetValue, its encodings, building one
#   types/t_zset.pxd     ZsetValue, building one
#   types/bitops.pxd     arg_cstr_is
#   types/t_stream.pxd   StreamValue, its groups and consumers
#
# Inside the unit every call stays direct (a final class's methods are not
# reached through its vtable) and `inline` ones are inlined; `cdef inline`
# module-level helpers (notify, rewrite_propagated, lookups of the command
# table, the data types' value classes ...) have no declaration here and stay
# private to the unit. The fragment folders are not packages: a fragment's
# .pxd is only ever read through the includes below.
cimport cython
from libc.stdint cimport int64_t, uint32_t, uint64_t

from rkvd._core.lib.dict cimport dict as kvdict, dictEntry
from rkvd._core.lib.hdrhist cimport (
    hdr_hist, hdr_new, hdr_free, hdr_record, hdr_value_at_percentile, hdr_cdf_usec)

cdef class Client
cdef class Database
cdef class Command
cdef class Engine
cdef class AclGuard

include "net/reply.pxd"
include "net/reader.pxd"
include "net/client.pxd"
include "engine/db.pxd"
include "engine/commands.pxd"
include "engine/acl.pxd"
include "engine/evict.pxd"
include "engine/client_evict.pxd"
include "engine/engine.pxd"
include "engine/propagate.pxd"
include "engine/multi.pxd"
include "engine/blocked.pxd"
include "engine/pubsub.pxd"
include "engine/tracking.pxd"
include "types/t_keys.pxd"
include "types/t_string.pxd"
include "types/t_hash.pxd"
include "types/t_list.pxd"
include "types/t_set.pxd"
include "types/t_zset.pxd"
include "types/bitops.pxd"
include "types/t_stream.pxd"
