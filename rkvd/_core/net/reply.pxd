# The reply writer (net/reply.pyx). Inside the engine unit the calls are
# direct and the `inline` ones are inlined (an inline method is final: the
# pyx must declare it inline too); other extensions reach the methods
# through the type's vtable.

# Called by ReplyWriter.add_error after it wrote an error reply, with the
# text it was given (for the error statistics of whoever owns the writer).
ctypedef int (*reply_error_hook)(void* ctx, const char* p, Py_ssize_t n) except -1


# The reply buffer (net/reply.pyx): RESP2/RESP3 encoding of every reply type
# into one growing byte buffer, which its owner hands to the transport.


@cython.final
cdef class ReplyWriter:
    cdef char* buf
    cdef Py_ssize_t len, cap          # [0, len) written, [len, cap) free
    # Redis's buf_usable_size and buf_peak: the size the buffer is allocated
    # with (it grows past it within one reply and goes back after the write)
    # and the largest reply part it held since the peak was last reset.
    cdef public Py_ssize_t size, peak
    cdef long long peak_reset_ms
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
    # The reply from offset skip on as bytes, and the buffer emptied (taken).
    cdef bytes take(self, Py_ssize_t skip=*)
    # The reply went out: empty the buffer, giving back what a big one grew.
    cdef void taken(self) noexcept

    # Redis's clientsCronResizeOutputBuffer: shrink `size` toward the peak
    # (to PROTO_REPLY_MIN_BYTES at least) or double it (up to
    # PROTO_IOBUF_LEN) when the buffer filled; the peak is reset every
    # reset_ms (-1 never). Returns 1 shrunk, 2 expanded, 0 neither.
    cdef int cron_resize(self, long long now_ms, long long reset_ms) except -1
