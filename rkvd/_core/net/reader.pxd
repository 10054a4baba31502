# The request reader (net/reader.pyx): the query buffer and the resumable
# RESP parser. argv entries point into buf or ibuf: valid until the next
# parse(), prepare_read(), feed(), shrink() or next_request().

# One argument of a request: `len` bytes at `ptr` (not NUL-terminated).
ctypedef struct Arg:
    char* ptr
    Py_ssize_t len


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
    # Free the argument table (argv and its offsets scratch); the next parse
    # grows it again. Only while no parsed argument is held (argc == 0).
    cdef void release_argv(self) noexcept
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
