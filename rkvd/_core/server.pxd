# C entry points of the engine unit (server.pyx and the files it includes)
# that other extensions may cimport: the two protocol types, which need
# neither a client nor an Engine, and the parser benchmark. The unit's other
# classes (Client, Engine, Database, ...) stay private to it.
#
# The attributes and methods below are the types' whole declaration: their
# bodies are in net/reply.pyx and net/reader.pyx, which declare no attribute.
# Other modules reach the methods through the type's vtable; inside the unit
# the calls are direct, and the `inline` ones are inlined.
cimport cython
from libc.stdint cimport uint64_t


# One argument of a request: `len` bytes at `ptr` (not NUL-terminated).
ctypedef struct Arg:
    char* ptr
    Py_ssize_t len


# Called by ReplyWriter.add_error after it wrote an error reply, with the
# text it was given (for the error statistics of whoever owns the writer).
ctypedef int (*reply_error_hook)(void* ctx, const char* p, Py_ssize_t n) except -1


# The reply buffer (net/reply.pyx): RESP2/RESP3 encoding of every reply type
# into one growing byte buffer, which its owner hands to the transport.
@cython.final
cdef class ReplyWriter:
    cdef char* buf
    cdef Py_ssize_t len, cap          # [0, len) written, [len, cap) free
    cdef public int resp              # protocol version: 2 or 3
    cdef reply_error_hook on_error    # or NULL
    cdef void* on_error_ctx

    cdef inline char* _reserve(self, Py_ssize_t n) except NULL
    cdef inline int add_raw(self, const char* p, Py_ssize_t n) except -1
    cdef inline int add_canned(self, bytes r) except -1
    cdef inline int add_len(self, char prefix, long long n) except -1
    cdef inline int add_ok(self) except -1
    cdef inline int add_int(self, long long v) except -1
    cdef inline int add_bulk(self, const char* p, Py_ssize_t n) except -1
    cdef inline int add_bulk_obj(self, object b) except -1
    cdef inline int add_bulk_ll(self, long long v) except -1
    cdef inline int add_null(self) except -1
    cdef inline int add_null_array(self) except -1
    cdef inline int add_array_len(self, long long n) except -1
    cdef inline int add_map_len(self, long long n) except -1
    cdef inline int add_set_len(self, long long n) except -1
    cdef inline int add_status(self, const char* s, Py_ssize_t n) except -1
    cdef int add_double(self, double d) except -1
    cdef int add_bool(self, bint v) except -1
    cdef int add_verbatim(self, const char* p, Py_ssize_t n, const char* ext) except -1
    cdef int add_error(self, const char* p, Py_ssize_t n) except -1
    cdef inline int add_error_bytes(self, bytes msg) except -1
    cdef inline int add_error_str(self, str msg) except -1
    cdef int add_wrongtype(self) except -1
    cdef int add_syntax_error(self) except -1
    cdef int add_not_integer(self) except -1
    cdef inline Py_ssize_t add_deferred(self) except -1
    cdef int set_deferred(self, Py_ssize_t pos, char prefix, long long n) except -1
    cdef int set_deferred_array(self, Py_ssize_t pos, long long n) except -1
    cdef int set_deferred_map(self, Py_ssize_t pos, long long n) except -1
    cdef int set_deferred_set(self, Py_ssize_t pos, long long n) except -1
    cdef int add_value(self, object v) except -1
    cdef bytes take(self)


# Protocol errors of RequestReader.parse (RequestReader.error; the text is
# in RequestReader.errmsg).
cdef enum:
    PROTO_ERR_NONE = 0
    PROTO_ERR_MBULK_COUNT_TOO_BIG = 1    # too big mbulk count string
    PROTO_ERR_MBULK_LEN = 2              # invalid multibulk length
    PROTO_ERR_MBULK_LEN_UNAUTH = 3       # unauthenticated multibulk length
    PROTO_ERR_BULK_COUNT_TOO_BIG = 4     # too big bulk count string
    PROTO_ERR_EXPECTED_DOLLAR = 5        # expected '$', got 'X'
    PROTO_ERR_BULK_LEN = 6               # invalid bulk length
    PROTO_ERR_BULK_LEN_UNAUTH = 7        # unauthenticated bulk length
    PROTO_ERR_INLINE_TOO_BIG = 8         # too big inline request
    PROTO_ERR_UNBALANCED_QUOTES = 9      # unbalanced quotes in request


# The request reader (net/reader.pyx): the query buffer the transport reads
# into and the resumable RESP request parser (multibulk and inline).
@cython.final
cdef class RequestReader:
    # [0, start) consumed, [start, pos) parsed part of the current request,
    # [pos, len) unparsed, [len, cap) free for the next read
    cdef char* buf
    cdef Py_ssize_t cap, len, pos, start
    cdef Py_ssize_t peak               # largest len - start since the last shrink()
    cdef int reqtype                   # REQ_NONE / REQ_INLINE / REQ_MULTIBULK
    cdef long multibulklen             # bulks of the current request still to parse
    cdef long long bulklen             # length of the bulk being read, -1 before its header
    # arguments of the request, pointing into buf (multibulk) or ibuf
    # (inline); complete once parse() returned 1
    cdef Arg* argv
    cdef Py_ssize_t* aoff              # scratch: argv as offsets while buf moves
    cdef int argc, argcap
    cdef char* ibuf                    # unescaped inline arguments
    cdef Py_ssize_t ibufcap
    # limits, set by the owner: proto-max-bulk-len, client-query-buffer-limit,
    # and whether the tighter limits of unauthenticated connections apply
    cdef long long max_bulk_len
    cdef long long max_querybuf_len
    cdef bint authenticated
    # the protocol error parse() returned -1 for
    cdef int error
    cdef char errmsg[64]               # "Protocol error: ...", NUL-terminated
    cdef Py_ssize_t errlen

    cdef inline int parse(self) except -2
    cdef inline void next_request(self) noexcept
    cdef inline void batch_done(self) noexcept
    cdef void rewind(self) noexcept
    cdef void reset(self) noexcept
    cdef int prepare_read(self) except -1
    cdef inline void filled(self, Py_ssize_t n) noexcept
    cdef inline bint over_limit(self) noexcept
    cdef int feed(self, const char* p, Py_ssize_t n) except -1
    cdef int shrink(self, bint idle) except -1
    cdef bytes head(self, Py_ssize_t n)
    cdef int _grow_argv(self, long n) except -1
    cdef inline void _args_to_offsets(self) noexcept
    cdef inline void _args_from_offsets(self) noexcept
    cdef int _error(self, int code, const char* what) noexcept
    cdef int _parse_multibulk(self) except -2
    cdef int _parse_inline(self) except -2
    cdef Py_ssize_t _split_inline(self, const char* line, Py_ssize_t n) except -2


# Parse dl bytes of RESP requests `repeat` times with a RequestReader,
# executing nothing; returns the requests parsed (perf).
cdef long long parse_requests(const char* data, Py_ssize_t dl, long long repeat) except -1
