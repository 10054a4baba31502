# The RDB format's numbers (version 10, what redis-server 7.0.15 writes and
# reads), shared by the writer (rdb_save.pyx) and the loader (rdb_load.pyx).
# These are fixed by the file format, not by rkvd's in-memory layout.

cdef enum:
    RDB_VERSION = 10

    # Length prefix: the two high bits of the first byte.
    RDB_6BITLEN = 0
    RDB_14BITLEN = 1
    RDB_32BITLEN = 0x80
    RDB_64BITLEN = 0x81
    RDB_ENCVAL = 3
    # 11|kind: a specially encoded string follows.
    RDB_ENC_INT8 = 0
    RDB_ENC_INT16 = 1
    RDB_ENC_INT32 = 2
    RDB_ENC_LZF = 3

    # Value types (the byte before each key).
    RDB_TYPE_STRING = 0
    RDB_TYPE_LIST = 1
    RDB_TYPE_SET = 2
    RDB_TYPE_ZSET = 3
    RDB_TYPE_HASH = 4
    RDB_TYPE_ZSET_2 = 5                 # scores as binary doubles
    RDB_TYPE_MODULE = 6
    RDB_TYPE_MODULE_2 = 7
    RDB_TYPE_HASH_ZIPMAP = 9            # older files only
    RDB_TYPE_LIST_ZIPLIST = 10          # older files only
    RDB_TYPE_SET_INTSET = 11
    RDB_TYPE_ZSET_ZIPLIST = 12          # older files only
    RDB_TYPE_HASH_ZIPLIST = 13          # older files only
    RDB_TYPE_LIST_QUICKLIST = 14        # quicklist of ziplists, older files only
    RDB_TYPE_STREAM_LISTPACKS = 15      # streams: their own issue
    RDB_TYPE_HASH_LISTPACK = 16
    RDB_TYPE_ZSET_LISTPACK = 17
    RDB_TYPE_LIST_QUICKLIST_2 = 18      # quicklist of listpacks (7.0)
    RDB_TYPE_STREAM_LISTPACKS_2 = 19

    # Opcodes.
    RDB_OPCODE_FUNCTION2 = 245          # functions: their own issue
    RDB_OPCODE_FUNCTION = 246
    RDB_OPCODE_MODULE_AUX = 247
    RDB_OPCODE_IDLE = 248
    RDB_OPCODE_FREQ = 249
    RDB_OPCODE_AUX = 250
    RDB_OPCODE_RESIZEDB = 251
    RDB_OPCODE_EXPIRETIME_MS = 252
    RDB_OPCODE_EXPIRETIME = 253
    RDB_OPCODE_SELECTDB = 254
    RDB_OPCODE_EOF = 255

    # quicklist-2 node containers
    QUICKLIST_NODE_CONTAINER_PLAIN = 1
    QUICKLIST_NODE_CONTAINER_PACKED = 2

    # Inside module values and MODULE_AUX: the opcodes of the module's own
    # serialization (only the ones a loader without modules must know).
    RDB_MODULE_OPCODE_EOF = 0
    RDB_MODULE_OPCODE_UINT = 2

    # How a file is loaded (Redis's RDBFLAGS_*; the numbers are Redis's).
    RDBFLAGS_NONE = 0
    RDBFLAGS_AOF_PREAMBLE = 1 << 0      # the base of an AOF: keep keys already expired
    RDBFLAGS_REPLICATION = 1 << 1       # a replica's full sync
    RDBFLAGS_ALLOW_DUP = 1 << 2         # a key loaded twice replaces the first (DEBUG RELOAD MERGE)
    RDBFLAGS_FEED_REPL = 1 << 3         # a master's start-up: keys already expired are listed for DELs

# A value type byte Redis 7.0 accepts as an object type.
cdef inline bint rdb_is_object_type(int t) noexcept nogil:
    return (0 <= t <= 7) or (9 <= t <= 19)
