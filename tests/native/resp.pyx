# cython: language_level=3
# ReplyWriterForTest / RequestReaderForTest: the engine's two protocol types
# (rkvd._core.server's ReplyWriter and RequestReader) behind a Python
# interface, with no Engine and no connection, for tests/test_reply_writer.py
# and tests/test_resp_reader.py. Test-only: built by tests/native/build.py,
# never part of the installed package. It goes through server.pxd only.
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.string cimport memcpy

from rkvd._core.server cimport ReplyWriter, RequestReader


cdef int _record_error(void* ctx, const char* p, Py_ssize_t n) except -1:
    (<ReplyWriterForTest>ctx).errors.append(PyBytes_FromStringAndSize(p, n))
    return 0


cdef class ReplyWriterForTest:
    """A ReplyWriter; every add_* / set_deferred_* method of the C type
    under the same name. getvalue() is the reply so far; errors lists the
    texts the on_error hook saw."""
    cdef ReplyWriter w
    cdef public list errors

    def __init__(self, int resp=2, bint hook=True):
        self.w = ReplyWriter()
        self.w.resp = resp
        self.errors = []
        if hook:
            self.w.on_error = _record_error
            self.w.on_error_ctx = <void*>self

    property resp:
        def __get__(self):
            return self.w.resp

        def __set__(self, int v):
            self.w.resp = v

    property capacity:
        def __get__(self):
            return self.w.cap

    def __len__(self):
        return self.w.len

    def getvalue(self):
        return PyBytes_FromStringAndSize(self.w.buf, self.w.len)

    def take(self):
        return self.w.take()

    def truncate(self, Py_ssize_t n):
        """Drop the reply bytes past n (what CLIENT REPLY SKIP does)."""
        assert 0 <= n <= self.w.len
        self.w.len = n

    def reserve_write(self, bytes data):
        """_reserve(len(data)), then write data at the returned pointer."""
        cdef char* p = self.w._reserve(len(data))
        memcpy(p, PyBytes_AS_STRING(data), len(data))
        self.w.len += len(data)

    def add_raw(self, bytes data):
        self.w.add_raw(data, len(data))

    def add_len(self, bytes prefix, long long n):
        self.w.add_len(prefix[0], n)

    def add_ok(self):
        self.w.add_ok()

    def add_int(self, long long v):
        self.w.add_int(v)

    def add_bulk(self, bytes data):
        self.w.add_bulk(data, len(data))

    def add_bulk_obj(self, data):
        self.w.add_bulk_obj(data)

    def add_bulk_ll(self, long long v):
        self.w.add_bulk_ll(v)

    def add_null(self):
        self.w.add_null()

    def add_null_array(self):
        self.w.add_null_array()

    def add_array_len(self, long long n):
        self.w.add_array_len(n)

    def add_map_len(self, long long n):
        self.w.add_map_len(n)

    def add_set_len(self, long long n):
        self.w.add_set_len(n)

    def add_status(self, bytes s):
        self.w.add_status(s, len(s))

    def add_double(self, double d):
        self.w.add_double(d)

    def add_bool(self, bint v):
        self.w.add_bool(v)

    def add_verbatim(self, bytes data, bytes ext=b"txt"):
        assert len(ext) == 3
        self.w.add_verbatim(data, len(data), ext)

    def add_error(self, bytes text):
        self.w.add_error(text, len(text))

    def add_error_bytes(self, bytes text):
        self.w.add_error_bytes(text)

    def add_error_str(self, str text):
        self.w.add_error_str(text)

    def add_wrongtype(self):
        self.w.add_wrongtype()

    def add_syntax_error(self):
        self.w.add_syntax_error()

    def add_not_integer(self):
        self.w.add_not_integer()

    def add_deferred(self):
        return self.w.add_deferred()

    def set_deferred(self, Py_ssize_t pos, bytes prefix, long long n):
        self.w.set_deferred(pos, prefix[0], n)

    def set_deferred_array(self, Py_ssize_t pos, long long n):
        self.w.set_deferred_array(pos, n)

    def set_deferred_map(self, Py_ssize_t pos, long long n):
        self.w.set_deferred_map(pos, n)

    def set_deferred_set(self, Py_ssize_t pos, long long n):
        self.w.set_deferred_set(pos, n)

    def add_value(self, v):
        self.w.add_value(v)


cdef class RequestReaderForTest:
    """A RequestReader. read() delivers bytes the way the transport does
    (prepare_read, the free part through the buffer protocol, filled);
    parse() runs the parser over everything buffered."""
    cdef RequestReader r
    cdef public object error      # (code, text) of the last protocol error, or None

    def __init__(self, bint authenticated=True, max_bulk_len=None, max_querybuf_len=None):
        self.r = RequestReader()
        self.r.authenticated = authenticated
        if max_bulk_len is not None:
            self.r.max_bulk_len = max_bulk_len
        if max_querybuf_len is not None:
            self.r.max_querybuf_len = max_querybuf_len
        self.error = None

    property authenticated:
        def __get__(self):
            return self.r.authenticated

        def __set__(self, bint v):
            self.r.authenticated = v

    property max_bulk_len:
        def __get__(self):
            return self.r.max_bulk_len

        def __set__(self, long long v):
            self.r.max_bulk_len = v

    property max_querybuf_len:
        def __get__(self):
            return self.r.max_querybuf_len

        def __set__(self, long long v):
            self.r.max_querybuf_len = v

    property state:
        def __get__(self):
            """The buffer offsets and parser state, as a dict."""
            r = self.r
            return dict(cap=r.cap, len=r.len, pos=r.pos, start=r.start, peak=r.peak,
                        reqtype=r.reqtype, multibulklen=r.multibulklen, bulklen=r.bulklen,
                        argc=r.argc, argcap=r.argcap)

    def read(self, bytes data):
        """Deliver data as the transport would, in as many reads as the
        free space asks for. Returns the sizes of the reads."""
        cdef Py_ssize_t n = len(data), off = 0, k
        sizes = []
        while off < n:
            self.r.prepare_read()
            view = memoryview(self.r)
            assert not view.readonly and view.nbytes == self.r.cap - self.r.len
            k = min(view.nbytes, n - off)
            view[:k] = data[off:off + k]
            view.release()
            self.r.filled(k)
            sizes.append(k)
            off += k
        return sizes

    def feed(self, bytes data):
        self.r.feed(data, len(data))

    def free_space(self):
        """prepare_read(), then the size of the free part."""
        self.r.prepare_read()
        return self.r.cap - self.r.len

    def parse_one(self, bint advance=True):
        """One parse() call: (1, [args]) for a complete request, (0, None)
        when more bytes are needed, (-1, None) on a protocol error. After a
        request, next_request() unless advance is false."""
        cdef int st
        cdef int i
        if self.r.pos >= self.r.len:
            return 0, None
        st = self.r.parse()
        if st == 1:
            args = [PyBytes_FromStringAndSize(self.r.argv[i].ptr, self.r.argv[i].len)
                    for i in range(self.r.argc)]
            if advance:
                self.r.next_request()
            return 1, args
        if st < 0:
            self.error = (self.r.error, PyBytes_FromStringAndSize(self.r.errmsg, self.r.errlen))
        return st, None

    def parse(self):
        """Every complete request buffered, as lists of bytes (an empty
        list for "*0" or a blank line); stops at incomplete input or a
        protocol error (then self.error is set)."""
        out = []
        while True:
            st, args = self.parse_one()
            if st != 1:
                self.r.batch_done()
                return out
            out.append(args)

    def rewind(self):
        self.r.rewind()

    def over_limit(self):
        return self.r.over_limit()

    def head(self, Py_ssize_t n):
        return self.r.head(n)

    def shrink(self, bint idle):
        self.r.shrink(idle)
