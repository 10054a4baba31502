# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
#
# The fork child that writes a snapshot (BGSAVE, and the AOF rewrite's base:
# RDB, or commands when aof-use-rdb-preamble is no). The child runs C only:
# it serializes the keyspace straight from the engine's structures
# (rdb_write_fd, aof_rewrite_write_fd), never touching a Python reference
# count, so the pages it shares with the parent stay shared (copy-on-write
# as small as Redis's). It reports through a pipe and leaves with _exit, so
# no Python-level cleanup (atexit, buffered files, the event loop) runs in it.
from libc.errno cimport errno, EINTR, EPIPE
from libc.stdint cimport uint64_t
from libc.stdio cimport rename
from libc.string cimport strncmp
from libc.stdlib cimport strtoull
from posix.fcntl cimport open as c_open, O_WRONLY, O_CREAT, O_TRUNC, O_RDONLY, O_CLOEXEC
from posix.signal cimport sigaction, sigaction_t, sigemptyset, SA_RESTART
from posix.time cimport setitimer, itimerval, ITIMER_REAL
from posix.unistd cimport fork, _exit, close, write, read, fsync, unlink, getpid

from rkvd._core.lib.dict cimport dict_release_deferred
from rkvd._core.server cimport Database, Engine
from rkvd._core.lib.signals cimport child_signal_setup
from rkvd._core.persist.aof_rewrite cimport aof_rewrite_keys_progress, aof_rewrite_write_fd
from rkvd._core.persist.rdb_save cimport RdbSaveStats, rdb_keys_progress, rdb_write_fd

import os as _os

cdef extern from "<signal.h>" nogil:
    ctypedef void (*sighandler_t)(int)
    sighandler_t signal(int signum, sighandler_t handler)
    sighandler_t SIG_DFL
    sighandler_t SIG_IGN
    enum:
        SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD, SIGALRM

cdef extern from "<sys/prctl.h>" nogil:
    int prctl(int option, ...)
    enum:
        PR_SET_NAME

cdef extern from "<unistd.h>" nogil:
    int pipe2(int pipefd[2], int flags)

cdef extern from "<stdio.h>" nogil:
    int snprintf(char* buf, size_t n, const char* fmt, ...)

cdef extern from "<time.h>" nogil:
    ctypedef long time_t
    struct timespec:
        time_t tv_sec
        long tv_nsec
    int clock_gettime(int clk, timespec* ts)
    enum:
        CLOCK_MONOTONIC


# The child's report: one fixed-size record written to the pipe before it
# exits: status 0 on success, else the errno of the failure and the step
# that failed (the names Redis logs: see STAGES). Before it, once a second
# while it writes, an RDB child sends progress records (progress 1: the keys
# written so far and its copy-on-write size), Redis's CHILD_INFO_TYPE_
# CURRENT_INFO.
ctypedef struct ChildReport:
    uint64_t status
    uint64_t stage
    uint64_t bytes_written
    uint64_t keys_written
    uint64_t cow_bytes
    uint64_t progress


cdef long long _monotonic_us() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <long long>ts.tv_sec * 1000000 + ts.tv_nsec // 1000


# The child's private dirty memory, as Redis measures copy-on-write: the sum
# of Private_Dirty over its mappings (one line in smaps_rollup).
cdef uint64_t _private_dirty() noexcept nogil:
    cdef char buf[4096]
    cdef int fd = c_open(b"/proc/self/smaps_rollup", O_RDONLY | O_CLOEXEC)
    cdef Py_ssize_t n, i
    cdef uint64_t total = 0
    if fd < 0:
        return 0
    n = read(fd, buf, sizeof(buf) - 1)
    close(fd)
    if n <= 0:
        return 0
    buf[n] = 0
    i = 0
    while i < n:
        if strncmp(buf + i, b"Private_Dirty:", 14) == 0:
            total += strtoull(buf + i + 14, NULL, 10) * 1024
        while i < n and buf[i] != b'\n':
            i += 1
        i += 1
    return total


cdef enum:
    STAGE_OPEN = 1
    STAGE_WRITE = 2
    STAGE_FSYNC = 3
    STAGE_CLOSE = 4
    STAGE_RENAME = 5
    STAGE_FSYNC_DIR = 6
    STAGE_AOF_WRITE = 7

STAGES = {STAGE_OPEN: "open", STAGE_WRITE: "rdbSaveRio", STAGE_FSYNC: "fsync",
          STAGE_CLOSE: "fclose", STAGE_RENAME: "rename", STAGE_FSYNC_DIR: "fsyncFileDir",
          STAGE_AOF_WRITE: "rewriteAppendOnlyFileRio"}

# What a child writes.
cdef enum:
    KIND_RDB = 0        # rdb_write_fd: BGSAVE, the AOF rewrite's RDB preamble
    KIND_AOF = 1        # aof_rewrite_write_fd: the AOF rewrite's command form


# fsync the directory holding path, so that a rename into it is durable.
cdef int _fsync_dir(const char* path) noexcept nogil:
    cdef char d[4096]
    cdef size_t i, cut = 0
    cdef int fd, rc
    i = 0
    while path[i] != 0 and i < sizeof(d) - 1:
        d[i] = path[i]
        if path[i] == b'/':
            cut = i
        i += 1
    if cut == 0:
        d[0] = b'/' if path[0] == b'/' else b'.'
        d[1] = 0
    else:
        d[cut] = 0
    fd = c_open(d, O_RDONLY | O_CLOEXEC)
    if fd < 0:
        return -1
    rc = fsync(fd)
    close(fd)
    return rc


# Write one report to the parent; 0, or -1 with errno set when the pipe
# cannot take it (EPIPE: the parent is gone; SIGPIPE is ignored here).
cdef int _report(int fd, ChildReport* r) noexcept nogil:
    cdef Py_ssize_t off = 0, w
    while off < <Py_ssize_t>sizeof(ChildReport):
        w = write(fd, (<char*>r) + off, sizeof(ChildReport) - off)
        if w < 0:
            if errno == EINTR:
                continue
            return -1
        off += w
    return 0


cdef int g_progress_fd = -1      # the child's report pipe, for its progress timer
cdef int g_progress_kind = KIND_RDB     # which writer's count it reports


cdef void _progress_tick(int sig) noexcept nogil:
    # SIGALRM, once a second in a child: where the write is
    cdef ChildReport r
    r.status = 0
    r.stage = 0
    r.bytes_written = 0
    r.keys_written = aof_rewrite_keys_progress() if g_progress_kind == KIND_AOF else rdb_keys_progress()
    r.cow_bytes = _private_dirty()
    r.progress = 1
    if _report(g_progress_fd, &r) != 0 and errno == EPIPE:
        # the parent was killed: no one will use what this child writes
        # (Redis's child exits when it cannot report to its parent)
        _exit(1)


cdef void _progress_timer(int report_fd, bint on) noexcept nogil:
    global g_progress_fd
    cdef sigaction_t act
    cdef itimerval t
    t.it_interval.tv_sec = 1 if on else 0
    t.it_interval.tv_usec = 0
    t.it_value.tv_sec = 1 if on else 0
    t.it_value.tv_usec = 0
    if on:
        g_progress_fd = report_fd
        sigemptyset(&act.sa_mask)
        act.sa_flags = SA_RESTART
        act.sa_handler = _progress_tick
        sigaction(SIGALRM, &act, NULL)
    setitimer(ITIMER_REAL, &t, NULL)


cdef enum:
    OOM_UNSET = -100000

# oom-score-adj: what the child writes to its /proc/self/oom_score_adj (the
# bgchild class), OOM_UNSET to leave the parent's value.
cdef int g_child_oom_score = OOM_UNSET


def set_child_oom_score_adj(value):
    """The oom_score_adj later fork children set (None: they keep the
    parent's), as the server computes it from oom-score-adj."""
    global g_child_oom_score
    g_child_oom_score = OOM_UNSET if value is None else int(value)


cdef void _set_oom_score(int value) noexcept nogil:
    # Redis's setOOMScoreAdj(CONFIG_OOM_BGCHILD) in its child; a failure
    # leaves the inherited value, the save goes on
    cdef char buf[32]
    cdef int n = snprintf(buf, sizeof(buf), b"%d\n", value)
    cdef int fd = c_open(b"/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC)
    if fd < 0:
        return
    write(fd, buf, n)
    close(fd)


cdef void _snapshot_child(int kind, Engine eng, const char* tmp_pattern, const char* final, int flags,
                          const unsigned char* aux, size_t auxlen, int report_fd,
                          const int* close_fds, int nclose) noexcept nogil:
    cdef ChildReport r
    cdef RdbSaveStats st
    cdef int fd, i, w
    cdef char tmp[4096]
    cdef char final_buf[4096]
    global g_progress_kind
    snprintf(tmp, sizeof(tmp), tmp_pattern, <int>getpid())
    if kind == KIND_AOF and final != NULL:
        # the AOF child's destination names it too (temp-rewriteaof-bg-<pid>.aof)
        snprintf(final_buf, sizeof(final_buf), final, <int>getpid())
        final = final_buf
    # The parent's handlers write to its wakeup fd (shared with the child):
    # the child takes signals the default way, but for SIGUSR1, the parent
    # killing it, which it logs and exits from as Redis's child does.
    signal(SIGTERM, SIG_DFL)
    signal(SIGINT, SIG_DFL)
    signal(SIGHUP, SIG_DFL)
    child_signal_setup()
    signal(SIGUSR2, SIG_DFL)
    signal(SIGCHLD, SIG_DFL)
    signal(SIGPIPE, SIG_IGN)
    if kind == KIND_AOF:
        prctl(PR_SET_NAME, b"rkvd-aof-rewrite", 0, 0, 0)
    else:
        prctl(PR_SET_NAME, b"rkvd-rdb-bgsave", 0, 0, 0)
    if g_child_oom_score != OOM_UNSET:
        _set_oom_score(g_child_oom_score)
    # Listening sockets: a restarted parent must be able to bind while the
    # child still runs.
    for i in range(nclose):
        close(close_fds[i])
    r.status = 0
    r.stage = 0
    r.bytes_written = 0
    r.keys_written = 0
    r.cow_bytes = 0
    r.progress = 0
    fd = c_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    if fd < 0:
        r.status = errno
        r.stage = STAGE_OPEN
        _report(report_fd, &r)
        _exit(1)
    st.bytes_written = 0
    st.keys_written = 0
    g_progress_kind = kind
    _progress_timer(report_fd, True)
    if kind == KIND_AOF:
        w = aof_rewrite_write_fd(eng, fd, flags, &st)
    else:
        w = rdb_write_fd(eng, fd, flags, aux, auxlen, &st)
    _progress_timer(report_fd, False)
    if w != 0:
        r.stage = STAGE_AOF_WRITE if kind == KIND_AOF else STAGE_WRITE
    elif fsync(fd) != 0:
        r.stage = STAGE_FSYNC
    if r.stage != 0:
        r.status = errno
        close(fd)
    elif close(fd) != 0:
        r.status = errno
        r.stage = STAGE_CLOSE
    elif final != NULL:
        if rename(tmp, final) != 0:
            r.status = errno
            r.stage = STAGE_RENAME
        elif _fsync_dir(final) != 0:
            r.status = errno
            r.stage = STAGE_FSYNC_DIR
    if r.stage != 0:
        if r.stage != STAGE_FSYNC_DIR:
            unlink(tmp)
        _report(report_fd, &r)
        _exit(1)
    r.bytes_written = st.bytes_written
    r.keys_written = st.keys_written
    r.cow_bytes = _private_dirty()
    _report(report_fd, &r)
    _exit(0)


cdef int _write_fully(int fd, const char* p, size_t n) noexcept nogil:
    cdef ssize_t w
    while n:
        w = write(fd, p, n)
        if w < 0:
            if errno == EINTR:
                continue
            return -1
        p += w
        n -= <size_t>w
    return 0


# The diskless replication child (Redis's rdbSaveToSlavesSockets): the RDB
# framed by the EOF mark ("$EOF:<mark>\r\n", the file, "<mark>") written to
# out_fd, a pipe the parent reads and copies to the replicas' sockets.
cdef void _pipe_child(Engine eng, int out_fd, const char* mark, size_t marklen, int flags,
                      const unsigned char* aux, size_t auxlen, int report_fd,
                      const int* close_fds, int nclose) noexcept nogil:
    cdef ChildReport r
    cdef RdbSaveStats st
    cdef int i
    global g_progress_kind
    signal(SIGTERM, SIG_DFL)
    signal(SIGINT, SIG_DFL)
    signal(SIGHUP, SIG_DFL)
    child_signal_setup()
    signal(SIGUSR2, SIG_DFL)
    signal(SIGCHLD, SIG_DFL)
    signal(SIGPIPE, SIG_IGN)        # a replica gone: the write fails, the child reports it
    prctl(PR_SET_NAME, b"rkvd-rdb-to-slaves", 0, 0, 0)
    for i in range(nclose):
        close(close_fds[i])
    r.status = 0
    r.stage = 0
    r.bytes_written = 0
    r.keys_written = 0
    r.cow_bytes = 0
    r.progress = 0
    st.bytes_written = 0
    st.keys_written = 0
    g_progress_kind = KIND_RDB
    _progress_timer(report_fd, True)
    if (_write_fully(out_fd, b"$EOF:", 5) != 0 or _write_fully(out_fd, mark, marklen) != 0
            or _write_fully(out_fd, b"\r\n", 2) != 0
            or rdb_write_fd(eng, out_fd, flags, aux, auxlen, &st) != 0
            or _write_fully(out_fd, mark, marklen) != 0):
        r.status = errno
        r.stage = STAGE_WRITE
    _progress_timer(report_fd, False)
    close(out_fd)
    r.bytes_written = st.bytes_written
    r.keys_written = st.keys_written
    r.cow_bytes = _private_dirty()
    _report(report_fd, &r)
    _exit(1 if r.stage != 0 else 0)


def fork_rdb_pipe_child(Engine eng, bytes mark, int flags, bytes aux, list close_fds):
    """Fork the diskless replication child: it writes "$EOF:<mark>\r\n",
    the RDB (flags as fork_rdb_child's, without incremental fsync) and
    <mark> to a pipe, then exits. Returns (pid, report_fd, fork_usec,
    data_fd): data_fd is the pipe's read end (non-blocking, close-on-exec),
    at EOF once the child is done; the report is read as fork_rdb_child's.
    Raises OSError when the pipe or the fork fails."""
    cdef int data[2]
    cdef int fds[2]
    cdef int cfds[64]
    cdef int ncfds = 0
    cdef long long start
    cdef int pid
    cdef const char* markp = mark
    cdef size_t marklen = len(mark)
    cdef const unsigned char* auxp = aux
    cdef size_t auxlen = len(aux)
    for fd in close_fds[:64]:
        cfds[ncfds] = fd
        ncfds += 1
    if pipe2(data, O_CLOEXEC) != 0:
        raise OSError(errno, "pipe")
    if pipe2(fds, O_CLOEXEC) != 0:
        close(data[0])
        close(data[1])
        raise OSError(errno, "pipe")
    _finals.pop(fds[0], None)
    start = _monotonic_us()
    pid = fork()
    if pid == 0:
        close(fds[0])
        close(data[0])
        _pipe_child(eng, data[1], markp, marklen, flags, auxp, auxlen, fds[1], cfds, ncfds)
        _exit(1)   # not reached
    fork_usec = _monotonic_us() - start
    close(fds[1])
    close(data[1])
    if pid < 0:
        close(fds[0])
        close(data[0])
        raise OSError(errno, "fork")
    _os.set_blocking(fds[0], False)
    _os.set_blocking(data[0], False)
    return pid, fds[0], fork_usec, data[0]


def fork_rdb_child(Engine eng, str tmp_pattern, object final_path, int flags, bytes aux,
                   list close_fds):
    """Fork a child that writes the whole keyspace as an RDB file to
    tmp_pattern % its pid (one %d: "temp-%d.rdb"), fsyncs it and (when
    final_path is given) renames it onto final_path; it closes close_fds
    (the listening sockets) first. Returns (pid, report_fd, fork_usec): read the report from
    report_fd (non-blocking, close-on-exec) with read_child_report once the
    child has exited. Raises OSError when the fork fails."""
    return _fork_child(KIND_RDB, eng, tmp_pattern, final_path, flags, aux, close_fds)


def fork_aof_rewrite_child(Engine eng, str tmp_pattern, object final_pattern, int flags,
                           list close_fds):
    """Fork a child that writes the AOF rewrite's command form (the base
    file when aof-use-rdb-preamble is no; flags: AOF_REWRITE_* of
    persist/aof_rewrite) to tmp_pattern % its pid ("temp-rewriteaof-%d.aof"),
    fsyncs it and (when final_pattern is given) renames it onto
    final_pattern % its pid ("temp-rewriteaof-bg-%d.aof"): both patterns
    hold one %d, and a literal % is written %%. The rest is fork_rdb_child's:
    close_fds closed first, (pid, report_fd, fork_usec) returned, the report
    read with read_child_report (stage "rewriteAppendOnlyFileRio" when the
    writing failed). For the RDB preamble, fork_rdb_child writes the base."""
    return _fork_child(KIND_AOF, eng, tmp_pattern, final_pattern, flags, b"", close_fds)


cdef _fork_child(int kind, Engine eng, str tmp_pattern, object final_path, int flags, bytes aux,
                 list close_fds):
    cdef bytes tmp_b = tmp_pattern.encode()
    cdef bytes final_b = final_path.encode() if final_path is not None else None
    cdef const char* tmp = tmp_b
    cdef const char* final = <const char*>final_b if final_b is not None else NULL
    cdef const unsigned char* auxp = aux
    cdef size_t auxlen = len(aux)
    cdef int fds[2]
    cdef int cfds[64]
    cdef int ncfds = 0
    cdef long long start
    cdef int pid
    for fd in close_fds[:64]:
        cfds[ncfds] = fd
        ncfds += 1
    if pipe2(fds, O_CLOEXEC) != 0:
        raise OSError(errno, "pipe")
    _finals.pop(fds[0], None)           # left by an earlier child with this fd
    start = _monotonic_us()
    pid = fork()
    if pid == 0:
        close(fds[0])
        _snapshot_child(kind, eng, tmp, final, flags, auxp, auxlen, fds[1], cfds, ncfds)
        _exit(1)   # not reached
    fork_usec = _monotonic_us() - start
    close(fds[1])
    if pid < 0:
        close(fds[0])
        raise OSError(errno, "fork")
    _os.set_blocking(fds[0], False)     # progress is read from the cron
    return pid, fds[0], fork_usec


# Final reports met by read_child_progress, kept for read_child_report.
_finals = {}


cdef list _read_records(int fd):
    # the whole records the pipe holds now (it is non-blocking), as dicts
    cdef ChildReport r
    cdef Py_ssize_t n
    out = []
    while True:
        n = read(fd, &r, sizeof(ChildReport))
        if n < 0 and errno == EINTR:
            continue
        if n != sizeof(ChildReport):
            return out
        out.append({"status": r.status, "stage": STAGES.get(r.stage, ""), "bytes": r.bytes_written,
                    "keys": r.keys_written, "cow": r.cow_bytes, "progress": bool(r.progress)})


def read_child_progress(int fd):
    """The latest progress record a running child sent since the last call
    ({"keys": written so far, "cow": its copy-on-write bytes}), or None.
    Never blocks."""
    last = None
    for rec in _read_records(fd):
        if rec["progress"]:
            last = rec
        else:
            _finals[fd] = rec
    return last


def read_child_report(int fd):
    """The exited child's report as a dict (status: 0 or the errno of the
    failure, stage: the step that failed), or None if it wrote none (it was
    killed). Closes fd."""
    final = _finals.pop(fd, None)
    for rec in _read_records(fd):
        if not rec["progress"]:
            final = rec
    close(fd)
    return final


def set_resize_allowed(Engine eng, bint allowed):
    """Redis's updateDictResizePolicy for the keyspace: while a fork child
    shares the parent's pages, the key and expire tables do not grow (each
    bucket array copied would be copy-on-write), unless one gets past the
    forced ratio. Call with False when a child starts, True when none is
    left."""
    cdef Database db
    for db in eng.dbs:
        db.keys.resize_allowed = allowed
        db.expires.resize_allowed = allowed
    if allowed:
        dict_release_deferred()
