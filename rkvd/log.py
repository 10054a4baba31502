"""The server log, in redis-server's format.

    <pid>:<role> <dd Mon yyyy HH:MM:SS.mmm> <level> <message>

role: C before the server is initialised and in fork children, M for a
master, S for a replica; level: '.' debug, '-' verbose, '*' notice,
'#' warning.  Tools and the Redis test suite grep these lines, so keep them
byte-compatible.
"""

import os
import time

from rkvd import REDIS_VERSION, __version__

DEBUG, VERBOSE, NOTICE, WARNING = 0, 1, 2, 3
LEVELS = {"debug": DEBUG, "verbose": VERBOSE, "notice": NOTICE, "warning": WARNING}
_LEVEL_CHARS = ".-*#"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_MESSAGE = 1023      # Redis formats messages into a 1024-byte buffer

_SYSLOG_FACILITIES = ("user", "local0", "local1", "local2", "local3", "local4",
                      "local5", "local6", "local7")


def timestamp(now=None):
    """'26 Nov 2026 01:55:41.696' in local time (month names never localised)."""
    if now is None:
        now = time.time()
    tm = time.localtime(now)
    return "%02d %s %d %02d:%02d:%02d.%03d" % (
        tm.tm_mday, _MONTHS[tm.tm_mon - 1], tm.tm_year, tm.tm_hour, tm.tm_min, tm.tm_sec,
        int(now * 1000) % 1000)


class Logger:
    """Writes log lines to the configured logfile ('' = stdout).

    `cfg` is read on every call (loglevel and logfile may change), so one
    Logger serves from the first config line to shutdown.  Set ``role = 'M'``
    once the server is initialised; a replica (replicaof set) then logs 'S',
    and a forked child always logs 'C'.
    """

    def __init__(self, cfg=None):
        self.cfg = cfg
        self.role = "C"
        self._pid = os.getpid()
        self._fd = None
        self._path = None
        self._syslog = None

    # -- plumbing ------------------------------------------------------------

    def _setting(self, name, default):
        cfg = self.cfg
        if cfg is None:
            return default
        try:
            return cfg[name]
        except KeyError:
            return default

    def enabled(self, level):
        """True if a message at `level` would be written."""
        return level >= LEVELS.get(self._setting("loglevel", "notice"), NOTICE)

    def current_role(self):
        if os.getpid() != self._pid or self.role == "C":
            return "C"
        if self.role == "M" and self._setting("replicaof", None):
            return "S"
        return self.role

    def _target(self):
        path = self._setting("logfile", "") or ""
        if not path:
            return 1
        if self._fd is None or path != self._path:
            self._close()
            try:
                self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
            except OSError:
                return None
            self._path = path
        return self._fd

    def _close(self):
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
        self._fd = self._path = None

    def _write(self, data):
        fd = self._target()
        if fd is None:
            return
        try:
            while data:
                n = os.write(fd, data)
                data = data[n:]
        except OSError:
            pass

    def reopen(self):
        """Close and reopen the logfile (SIGHUP, after log rotation)."""
        self._close()

    def close(self):
        self._close()

    # -- API -----------------------------------------------------------------

    def log(self, level, msg, pid=None, role=None):
        if not self.enabled(level):
            return
        body = msg.encode("utf-8", "surrogateescape") if isinstance(msg, str) else bytes(msg)
        body = body[:MAX_MESSAGE]
        head = "%d:%s %s %s " % (pid or os.getpid(), role or self.current_role(), timestamp(),
                                 _LEVEL_CHARS[level])
        self._write(head.encode() + body + b"\n")
        self._to_syslog(level, body)

    def debug(self, msg):
        self.log(DEBUG, msg)

    def verbose(self, msg):
        self.log(VERBOSE, msg)

    def notice(self, msg):
        self.log(NOTICE, msg)

    def warning(self, msg):
        self.log(WARNING, msg)

    def log_as(self, pid, role, level, msg):
        """A line on behalf of another process (a fork child that runs C
        only): its pid and role, level by name ("notice", "warning")."""
        self.log(LEVELS[level], msg, pid, role)

    def raw(self, text, level=NOTICE):
        """Write text as is, without the prefix (the logo, crash reports)."""
        if not self.enabled(level):
            return
        data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else bytes(text)
        self._write(data)
        self._to_syslog(level, data)

    def _to_syslog(self, level, data):
        if not self._setting("syslog-enabled", False):
            return
        import syslog
        if self._syslog is None:
            facility = self._setting("syslog-facility", "local0")
            code = getattr(syslog, "LOG_" + facility.upper(), syslog.LOG_LOCAL0)
            syslog.openlog(self._setting("syslog-ident", "redis"),
                           syslog.LOG_PID | syslog.LOG_NDELAY | syslog.LOG_NOWAIT, code)
            self._syslog = syslog
        prio = (syslog.LOG_DEBUG, syslog.LOG_INFO, syslog.LOG_NOTICE, syslog.LOG_WARNING)[level]
        syslog.syslog(prio, data.decode("utf-8", "replace"))

    # -- start-up ------------------------------------------------------------

    def starting(self, argv0="rkvd"):
        """The first lines redis-server logs, before initialising (role C)."""
        for level, text, _ in starting_lines(self.cfg, os.getpid(), argv0):
            self.log(level, text)

    def banner(self, port=None):
        """The ASCII logo, or a one-line summary; both carry ' PID: <pid>'."""
        level, text, raw = banner_line(self.cfg, os.getpid(), port, self._logo_wanted())
        if raw:
            self.raw(text, level)
        else:
            self.log(level, text)

    def startup_banner(self, port=None, argv0="rkvd"):
        """starting() and banner() together; switches the role to M in between."""
        self.starting(argv0)
        if self.role == "C":
            self.role = "M"
        self.banner(port)

    def _logo_wanted(self):
        if self._setting("always-show-logo", False):
            return True
        if self._setting("syslog-enabled", False) or self._setting("logfile", ""):
            return False
        try:
            return os.isatty(1)
        except OSError:
            return False


def starting_lines(cfg, pid, argv0="rkvd"):
    """[(level, message, raw)] for the lines logged before initialisation."""
    lines = [
        (WARNING, "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo", False),
        (WARNING, "Redis version=%s, bits=64, commit=00000000, modified=0, pid=%d, "
                  "just started" % (REDIS_VERSION, pid), False),
    ]
    if cfg is not None and getattr(cfg, "args", None):
        lines.append((WARNING, "Configuration loaded", False))
    else:
        lines.append((WARNING, "Warning: no config file specified, using the default config. "
                               "In order to specify a config file use %s /path/to/redis.conf"
                               % argv0, False))
    return lines


def _mode(cfg):
    try:
        return "cluster" if cfg is not None and cfg["cluster-enabled"] else "standalone"
    except KeyError:
        return "standalone"


def _port(cfg, port):
    if port is not None or cfg is None:
        return port or 0
    return cfg["port"] or cfg["tls-port"]


def ascii_logo(pid, port, mode="standalone"):
    """rkvd's start-up picture: a key/value table seen in perspective."""
    return (
        "        _________________________\n"
        "       /                        /|      rkvd %s, compatible with\n"
        "      /     r  k  v  d         / |      Redis %s (00000000/0) 64 bit\n"
        "     /________________________/  |\n"
        "     |  key        |  value   |  |      Running in %s mode\n"
        "     |-------------+----------|  |      Port: %d\n"
        "     |  key        |  value   |  /      PID: %d\n"
        "     |-------------+----------| /\n"
        "     |  key        |  value   |/\n"
        "     '------------------------'\n"
        "\n" % (__version__, REDIS_VERSION, mode, port, pid))


def banner_line(cfg, pid, port=None, logo=True):
    """(level, text, raw) for the logo, or the summary line when logo is False."""
    port = _port(cfg, port)
    mode = _mode(cfg)
    if logo:
        return NOTICE, ascii_logo(pid, port, mode), True
    return NOTICE, "Running mode=%s, port=%d, PID: %d." % (mode, port, pid), False


def startup_banner(cfg, pid, port=None, argv0="rkvd", logo=None):
    """Everything redis-server logs about itself at start, as [(level, text, raw)].

    `logo` None decides like Redis: always-show-logo, or stdout being a tty
    while logging to stdout without syslog.  Either form contains ' PID: <pid>',
    which the Redis test suite looks for.
    """
    if logo is None:
        logo = Logger(cfg)._logo_wanted()
    return starting_lines(cfg, pid, argv0) + [banner_line(cfg, pid, port, logo)]

