"""Command line entry point: ``rkvd [configfile] [-] [--directive value ...]``.

Arguments mean what they mean to redis-server, and bad configuration fails
the same way (same stderr text, exit status 1) before anything listens.
"""

import os
import site
import sys

from rkvd import __version__, REDIS_VERSION

USAGE = """\
Usage: rkvd [/path/to/redis.conf] [options] [-]
       rkvd - (read config from stdin)
       rkvd -v or --version
       rkvd -h or --help

Examples:
       rkvd (run the server with default conf)
       echo 'maxmemory 128mb' | rkvd -
       rkvd /etc/redis/6379.conf
       rkvd --port 7777
       rkvd --port 7777 --replicaof 127.0.0.1 8888
       rkvd /etc/myredis.conf --loglevel verbose -
       rkvd /etc/myredis.conf --loglevel verbose
"""


def version_line():
    return "Redis server v=%s sha=00000000:0 malloc=libc bits=64 build=rkvd-%s" % (
        REDIS_VERSION, __version__)


def _reexec_with_malloc(argv):
    """Restart this very process (exec keeps the PID) with Python's allocator
    routed to malloc, so glibc's mallinfo2() sees every allocation."""
    os.environ["PYTHONMALLOC"] = "malloc"
    # The package must stay importable after exec even when it was found
    # through the script's directory rather than an installed location.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    installed = set(site.getsitepackages() + [site.getusersitepackages()])
    if root not in installed:
        paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        if root not in paths:
            os.environ["PYTHONPATH"] = os.pathsep.join([root] + paths)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "rkvd", *argv])


def _supervised(mode):
    if mode == "systemd":
        return bool(os.environ.get("NOTIFY_SOCKET"))
    if mode == "upstart":
        return bool(os.environ.get("UPSTART_JOB"))
    if mode == "auto":
        return bool(os.environ.get("UPSTART_JOB") or os.environ.get("NOTIFY_SOCKET"))
    return False


def _daemonize():
    """Detach: fork, new session, fork again, stdio to /dev/null."""
    if os.fork():
        os._exit(0)
    os.setsid()
    if os.fork():
        os._exit(0)
    fd = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(fd, target)
    if fd > 2:
        os.close(fd)


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    argv = list(argv)
    if os.environ.get("PYTHONMALLOC") != "malloc":
        _reexec_with_malloc(argv)

    if argv and argv[0] in ("-v", "--version"):
        print(version_line())
        sys.exit(0)
    if argv and argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        sys.exit(0)
    if argv and argv[0] in ("--test-memory", "--check-system"):
        sys.stderr.write("rkvd does not implement %s.\n" % argv[0])
        sys.exit(1)
    if any(a == "--sentinel" or a.startswith("--sentinel ") for a in argv):
        sys.stderr.write("rkvd does not implement Sentinel mode.\n")
        sys.exit(1)

    from rkvd.config import Config, ConfigFileError, ConfigOpenError, DEFAULT_PID_FILE, \
        parse_command_line
    from rkvd.log import Logger

    cfg = Config()
    log = Logger(cfg)
    cfg.logger = log
    try:
        parse_command_line(argv, cfg)
    except ConfigFileError as e:
        sys.stderr.buffer.write(e.fatal_text())
        sys.stderr.flush()
        sys.exit(1)
    except ConfigOpenError as e:
        log.warning(str(e))
        sys.exit(1)

    if cfg["daemonize"] and not _supervised(cfg["supervised"]):
        _daemonize()
        cfg.logger = Logger(cfg)        # a fresh one knows the new PID
        if not cfg["pidfile"]:
            cfg.set_value("pidfile", DEFAULT_PID_FILE)

    from rkvd.server import run
    sys.exit(run(cfg))
