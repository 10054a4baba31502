# cython: language_level=3
#
# The shutdown signals, handled in C the way Redis's sigShutdownHandler
# (server.c) handles them: SIGTERM and SIGINT only log a line and raise a
# flag, which the server's cron turns into a shutdown. Being C, the handler
# also runs while the interpreter is busy in a long C call (the final save
# of a shutdown): a second SIGINT then removes that save's temp file and
# exits at once with status 1 ("You insist..."), as Redis does.
#
# Lines are written the way Redis logs from a signal handler, with
# async-signal-safe calls only: "<pid>:signal-handler (<unix time>) <msg>",
# appended to the log file, or to stdout when the log file is "".
#
# Also Redis's crash report on SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT
# (debug.c's sigsegvHandler): its frame and the "crashed by signal" lines,
# then the signal's default action.
#
# And Redis's software watchdog (watchdog-period): a one-shot SIGALRM timer
# the server's cron re-arms on every run, so it fires only when the cron has
# not run for the period. Its handler logs Redis's banner around the stacks
# of every Python thread, which the interpreter's faulthandler (registered
# for SIGALRM beneath it) writes with async-signal-safe calls.
from libc.signal cimport SIGABRT, SIGALRM, SIGFPE, SIGILL, SIGINT, SIGSEGV, SIGTERM, SIGUSR1, sig_atomic_t
from libc.string cimport strlen
from posix.signal cimport (
    SA_NODEFER, SA_RESETHAND, SA_RESTART, SA_SIGINFO, kill, sigaction, sigaction_t, sigemptyset,
    siginfo_t,
)

cdef extern from "<signal.h>" nogil:
    enum: SIGBUS
    enum: SI_USER
    void (*SIG_DFL)(int)
    void (*SIG_IGN)(int)

cdef extern from "<fcntl.h>" nogil:
    int open(const char* path, int flags, int mode)
    int O_APPEND, O_CREAT, O_WRONLY

cdef extern from "<unistd.h>" nogil:
    ssize_t write(int fd, const void* buf, size_t n)
    int close(int fd)
    int unlink(const char* path)
    int getpid()
    void _exit(int status)

cdef extern from "<time.h>" nogil:
    ctypedef long time_t
    struct tm:
        int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year
    time_t time(time_t* t)
    tm* localtime_r(const time_t* t, tm* out)

cdef extern from "<sys/time.h>" nogil:
    struct timeval:
        long tv_sec
        long tv_usec
    struct itimerval:
        timeval it_interval
        timeval it_value
    enum: ITIMER_REAL
    int gettimeofday(timeval* tv, void* tz)
    int setitimer(int which, const itimerval* new_value, itimerval* old_value)

cdef enum:
    PATH_MAX_LEN = 4096
    LINE_MAX_LEN = 1024

cdef volatile sig_atomic_t g_asap = 0        # a shutdown signal is pending
cdef volatile sig_atomic_t g_last_sig = 0    # the last one received
cdef volatile sig_atomic_t g_loading = 0     # the dataset is being loaded
cdef volatile sig_atomic_t g_quiet = 0       # no log line (stdout of a daemon)
cdef char g_logfile[PATH_MAX_LEN]            # "" = stdout
cdef char g_version[32]                      # Redis's version, for the crash report
cdef char g_role = b'M'
cdef sigaction_t g_crash_prev[65]            # the handlers the crash report replaced
cdef bint g_crash_installed = False
cdef sigaction_t g_watchdog_next             # faulthandler's SIGALRM handler, beneath ours
CRASH_SIGNALS = (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT)

cdef const char* MONTHS = b"JanFebMarAprMayJunJulAugSepOctNovDec"
cdef const char* HEX = b"0123456789abcdef"


# A line being assembled in a fixed buffer (no allocation in a handler).
ctypedef struct Line:
    char data[LINE_MAX_LEN]
    int n


cdef void put(Line* ln, const char* s, int n) noexcept nogil:
    cdef int i
    for i in range(n):
        if ln.n < LINE_MAX_LEN:
            ln.data[ln.n] = s[i]
            ln.n += 1


cdef void puts_(Line* ln, const char* s) noexcept nogil:
    put(ln, s, strlen(s))


cdef void put_ll(Line* ln, long long v, int width) noexcept nogil:
    """Decimal text of v, zero-padded to width digits."""
    cdef char tmp[24]
    cdef int n = 0
    cdef unsigned long long u
    if v < 0:
        put(ln, b"-", 1)
        u = <unsigned long long>(-(v + 1)) + 1
    else:
        u = <unsigned long long>v
    while True:
        tmp[n] = <char>(48 + u % 10)
        n += 1
        u //= 10
        if u == 0:
            break
    while n < width:
        tmp[n] = b'0'
        n += 1
    while n > 0:
        n -= 1
        put(ln, &tmp[n], 1)


cdef void put_hex(Line* ln, unsigned long long v) noexcept nogil:
    cdef char tmp[24]
    cdef int n = 0
    put(ln, b"0x", 2)
    while True:
        tmp[n] = HEX[v & 15]
        n += 1
        v >>= 4
        if v == 0:
            break
    while n > 0:
        n -= 1
        put(ln, &tmp[n], 1)


cdef int log_fd(bint* close_after) noexcept nogil:
    if g_quiet:
        return -1
    if g_logfile[0] == 0:
        close_after[0] = False
        return 1
    close_after[0] = True
    return open(g_logfile, O_APPEND | O_CREAT | O_WRONLY, 0o644)


cdef void emit(Line* ln) noexcept nogil:
    cdef bint close_after = False
    cdef int fd = log_fd(&close_after)
    if fd == -1:
        return
    write(fd, ln.data, ln.n)
    if close_after:
        close(fd)


cdef void log_from_handler(const char* msg) noexcept nogil:
    # Redis's serverLogFromHandler: no timestamp formatting, which is not
    # async-signal-safe
    cdef Line ln
    ln.n = 0
    put_ll(&ln, getpid(), 0)
    puts_(&ln, b":signal-handler (")
    put_ll(&ln, time(NULL), 0)
    puts_(&ln, b") ")
    puts_(&ln, msg)
    puts_(&ln, b"\n")
    emit(&ln)


cdef void start_line(Line* ln) noexcept nogil:
    # the log's usual prefix: "<pid>:<role> <dd Mon yyyy HH:MM:SS.mmm> # "
    cdef timeval tv
    cdef time_t secs
    cdef tm t
    ln.n = 0
    gettimeofday(&tv, NULL)
    secs = tv.tv_sec
    localtime_r(&secs, &t)
    put_ll(ln, getpid(), 0)
    put(ln, b":", 1)
    put(ln, &g_role, 1)
    put(ln, b" ", 1)
    put_ll(ln, t.tm_mday, 2)
    put(ln, b" ", 1)
    put(ln, MONTHS + 3 * t.tm_mon, 3)
    put(ln, b" ", 1)
    put_ll(ln, t.tm_year + 1900, 0)
    put(ln, b" ", 1)
    put_ll(ln, t.tm_hour, 2)
    put(ln, b":", 1)
    put_ll(ln, t.tm_min, 2)
    put(ln, b":", 1)
    put_ll(ln, t.tm_sec, 2)
    put(ln, b".", 1)
    put_ll(ln, tv.tv_usec // 1000, 3)
    puts_(ln, b" # ")


cdef void log_raw(const char* text) noexcept nogil:
    cdef Line ln
    ln.n = 0
    puts_(&ln, text)
    emit(&ln)


cdef void crash_handler(int sig, siginfo_t* info, void* secret) noexcept nogil:
    # Redis's sigsegvHandler, without the parts a Python process cannot
    # give (stack trace of C frames, INFO, client list): the report's frame
    # and its first lines, then the signal's default action.
    cdef Line ln
    cdef sigaction_t act
    log_raw(b"\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n")
    start_line(&ln)
    puts_(&ln, b"Redis ")
    puts_(&ln, g_version)
    puts_(&ln, b" crashed by signal: ")
    put_ll(&ln, sig, 0)
    puts_(&ln, b", si_code: ")
    put_ll(&ln, info.si_code, 0)
    puts_(&ln, b"\n")
    emit(&ln)
    if sig == SIGSEGV or sig == SIGBUS:
        start_line(&ln)
        puts_(&ln, b"Accessing address: ")
        put_hex(&ln, <unsigned long long>info.si_addr)
        puts_(&ln, b"\n")
        emit(&ln)
    if info.si_code == SI_USER and info.si_pid != -1:
        start_line(&ln)
        puts_(&ln, b"Killed by PID: ")
        put_ll(&ln, info.si_pid, 0)
        puts_(&ln, b", UID: ")
        put_ll(&ln, info.si_uid, 0)
        puts_(&ln, b"\n")
        emit(&ln)
    log_raw(b"\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n"
            b"       Please report the crash by opening an issue on github:\n\n"
            b"           http://github.com/redis/redis/issues\n\n"
            b"  If a Redis module was involved, please open in the module's repo instead.\n\n"
            b"  Suspect RAM error? Use redis-server --test-memory to verify it.\n\n"
            b"  Some other issues could be detected by redis-server --check-system\n")
    # on to the handler this one replaced (the interpreter's faulthandler
    # when enabled, which adds the Python stack), else die of the signal
    if g_crash_prev[sig].sa_handler == SIG_IGN:
        sigemptyset(&act.sa_mask)
        act.sa_flags = SA_NODEFER | SA_RESETHAND
        act.sa_handler = SIG_DFL
        sigaction(sig, &act, NULL)
    else:
        sigaction(sig, &g_crash_prev[sig], NULL)
    kill(getpid(), sig)


ctypedef void (*handler_fn)(int) noexcept nogil


cdef void watchdog_handler(int sig) noexcept nogil:
    # Redis's watchdogSignalHandler, with the Python stacks for its C one
    log_from_handler(b"\n--- WATCHDOG TIMER EXPIRED ---")
    if g_watchdog_next.sa_handler != SIG_DFL and g_watchdog_next.sa_handler != SIG_IGN and \
            g_watchdog_next.sa_handler != NULL:
        (<handler_fn>g_watchdog_next.sa_handler)(sig)
    log_from_handler(b"--------\n")


cdef void remove_temp_rdb() noexcept nogil:
    # temp-<pid>.rdb in the working directory (the server runs in `dir`):
    # the name a foreground save writes to.
    cdef Line ln
    ln.n = 0
    puts_(&ln, b"temp-")
    put_ll(&ln, getpid(), 0)
    puts_(&ln, b".rdb")
    ln.data[ln.n] = 0
    unlink(ln.data)


cdef void shutdown_handler(int sig) noexcept nogil:
    global g_asap, g_last_sig
    cdef const char* msg
    if sig == SIGINT:
        msg = b"Received SIGINT scheduling shutdown..."
    elif sig == SIGTERM:
        msg = b"Received SIGTERM scheduling shutdown..."
    else:
        msg = b"Received shutdown signal, scheduling shutdown..."
    if g_asap and sig == SIGINT:
        log_from_handler(b"You insist... exiting now.")
        remove_temp_rdb()
        _exit(1)
    elif g_loading:
        msg = b"Received shutdown signal during loading, scheduling shutdown."
    log_from_handler(msg)
    g_asap = 1
    g_last_sig = sig


cdef void child_sigusr1_handler(int sig) noexcept nogil:
    log_from_handler(b"Received SIGUSR1 in child, exiting now.")
    _exit(255)


cdef void child_signal_setup() noexcept nogil:
    cdef sigaction_t act
    sigemptyset(&act.sa_mask)
    act.sa_flags = 0
    act.sa_handler = child_sigusr1_handler
    sigaction(SIGUSR1, &act, NULL)


def install(logfile, bint quiet=False):
    """Handle SIGTERM and SIGINT from now on (replacing any handler, the
    interpreter's KeyboardInterrupt included). logfile: the log file's path
    (str or bytes), "" for stdout; quiet: write no line at all."""
    cdef sigaction_t act
    set_logfile(logfile, quiet)
    sigemptyset(&act.sa_mask)
    act.sa_flags = SA_RESTART
    act.sa_handler = shutdown_handler
    for sig in (SIGTERM, SIGINT):
        if sigaction(sig, &act, NULL) != 0:
            raise OSError("sigaction failed")


def install_crash_report(version):
    """Write Redis's crash report frame to the log on SIGSEGV, SIGBUS,
    SIGFPE, SIGILL and SIGABRT (crash-log-enabled yes), then pass the signal
    on to the handler there was before (or die of it). A no-op when on."""
    global g_crash_installed
    cdef sigaction_t act
    cdef bytes v = version.encode() if isinstance(version, str) else bytes(version)
    cdef int i
    if g_crash_installed:
        return
    v = v[:31]
    for i in range(len(v)):
        g_version[i] = v[i]
    g_version[len(v)] = 0
    sigemptyset(&act.sa_mask)
    act.sa_flags = SA_NODEFER | SA_RESETHAND | SA_SIGINFO
    act.sa_sigaction = crash_handler
    for sig in CRASH_SIGNALS:
        if sigaction(sig, &act, &g_crash_prev[<int>sig]) != 0:
            raise OSError("sigaction failed")
    g_crash_installed = True


def remove_crash_report():
    """crash-log-enabled no: the handlers there were before. A no-op when off."""
    global g_crash_installed
    if not g_crash_installed:
        return
    for sig in CRASH_SIGNALS:
        sigaction(sig, &g_crash_prev[<int>sig], NULL)
    g_crash_installed = False


def watchdog_install():
    """Take SIGALRM for the watchdog, keeping the handler installed before
    (faulthandler's, registered by the caller for the stacks) beneath."""
    cdef sigaction_t act
    sigemptyset(&act.sa_mask)
    act.sa_flags = 0                # no SA_RESTART: a blocked read sees EINTR, as in Redis
    act.sa_handler = watchdog_handler
    if sigaction(SIGALRM, &act, &g_watchdog_next) != 0:
        raise OSError("sigaction failed")


def watchdog_schedule(long long period_ms):
    """(Re)arm the one-shot timer; 0 stops it."""
    cdef itimerval it
    it.it_interval.tv_sec = 0
    it.it_interval.tv_usec = 0
    it.it_value.tv_sec = period_ms // 1000
    it.it_value.tv_usec = (period_ms % 1000) * 1000
    setitimer(ITIMER_REAL, &it, NULL)


def watchdog_remove():
    """Stop the timer and ignore SIGALRM (dropping one still pending)."""
    cdef sigaction_t act
    watchdog_schedule(0)
    sigemptyset(&act.sa_mask)
    act.sa_flags = 0
    act.sa_handler = SIG_IGN
    sigaction(SIGALRM, &act, NULL)
    g_watchdog_next.sa_handler = SIG_DFL


def set_logfile(logfile, bint quiet=False):
    global g_quiet
    cdef bytes b = logfile.encode() if isinstance(logfile, str) else bytes(logfile)
    cdef int i
    if len(b) >= PATH_MAX_LEN:
        b = b[:PATH_MAX_LEN - 1]
    g_quiet = 1     # no line from a handler while the path is half copied
    for i in range(len(b)):
        g_logfile[i] = b[i]
    g_logfile[len(b)] = 0
    g_quiet = quiet


def set_loading(bint loading):
    """While loading, a signal is logged as received during loading."""
    global g_loading
    g_loading = loading


def pending():
    """The signal of a shutdown not yet acted on (SIGTERM or SIGINT), or 0."""
    return g_last_sig if g_asap else 0


def clear():
    """Forget the pending shutdown (SHUTDOWN ABORT, a shutdown that failed).
    True if one was pending."""
    global g_asap, g_last_sig
    was = g_asap != 0
    g_asap = 0
    g_last_sig = 0
    return was


def clear_flag_only():
    """Forget that a shutdown is pending but keep which signal it was."""
    global g_asap
    was = g_asap != 0
    g_asap = 0
    return was
