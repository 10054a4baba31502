"""Command line entry point: ``rkvd [configfile] [-] [--directive value ...]``.

Arguments mean what they mean to redis-server, and bad configuration fails
the same way (same stderr text, exit status 1) before anything listens.
"""

import importlib.machinery
import os
import sys

from rkvd import REDIS_VERSION, __version__

USAGE = """\
Usage: rkvd [/path/to/redis.conf] [options] [-]
       rkvd - (read config from stdin)
       rkvd -v or --version
       rkvd -h or --help

Examples:
       rkvd (run the server with default conf)
       echo 'port 7777' | rkvd -
       rkvd /etc/redis/6379.conf
       rkvd --port 7777
       rkvd --port 7777 --requirepass secret
       rkvd /etc/myredis.conf --loglevel verbose -
       rkvd /etc/myredis.conf --loglevel verbose
"""


def version_line():
    return "Redis server v=%s sha=00000000:0 malloc=libc bits=64 build=rkvd-%s" % (
        REDIS_VERSION, __version__)


# The engine is compiled; a source tree found first on sys.path (the working
# directory of `python -m`) has only its .pyx files.
_ENGINE_PARTS = ("rkvd", "_core", "server")

# What the re-executed interpreter runs: import rkvd from exactly the sys.path
# entry the first process chose, ahead of the working directory, with the
# first process's launcher back in argv[0] (INFO's `executable`).
_BOOT = (
    "import sys\n"
    "root = sys.argv.pop(1)\n"
    "sys.argv[0] = sys.argv.pop(1)\n"
    "if sys.path and sys.path[0] in ('', '.'):\n"
    "    del sys.path[0]\n"
    "sys.path.insert(0, root)\n"
    "from rkvd.cli import main\n"
    "main()\n"
)


def _has_engine(entry):
    """True when sys.path entry `entry` holds an rkvd with the compiled engine."""
    base = os.path.join(entry or os.curdir, *_ENGINE_PARTS)
    return any(os.path.isfile(base + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES)


def _imported_root():
    """The sys.path entry this process imported rkvd from."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def package_root():
    """Where rkvd must be imported from: the package this process imported,
    unless that is a bare source tree shadowing an installed package, then
    the first sys.path entry whose rkvd has the compiled engine."""
    here = _imported_root()
    if _has_engine(here):
        return here
    for entry in sys.path:
        entry = os.path.abspath(entry or os.curdir)
        if entry != here and _has_engine(entry):
            return entry
    return here       # nothing better: the engine import will say what is missing


def _reexec(argv, root):
    """Restart this very process (exec keeps the PID) with Python's allocator
    routed to malloc, so glibc's mallinfo2() sees every allocation, importing
    rkvd from `root` whatever the working directory holds."""
    os.environ["PYTHONMALLOC"] = "malloc"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-c", _BOOT, root, launcher(), *argv])


def launcher():
    """What started this server, as an absolute path: the `rkvd` script, or
    the interpreter for `python -m rkvd` (whose argv[0] is __main__.py)."""
    path = sys.argv[0]
    if not path or path == "-c" or os.path.basename(path) == "__main__.py":
        return sys.executable
    return os.path.abspath(path)


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
    root = package_root()
    if os.environ.get("PYTHONMALLOC") != "malloc" or root != _imported_root():
        _reexec(argv, root)
    # used_memory's running counter: hooks on Python's allocator, in place
    # before the server allocates its state (lib/mem)
    from rkvd._core.lib import mem
    mem.install()

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

    from rkvd.config import DEFAULT_PID_FILE, Config, ConfigFileError, ConfigOpenError, parse_command_line
    from rkvd.log import Logger

    cfg = Config()
    log = Logger(cfg)
    cfg.logger = log
    from rkvd.acl import validate_config_user
    cfg.validate_user = validate_config_user
    from rkvd.commandspec import SPECS
    cfg.command_names = set(SPECS)
    try:
        parse_command_line(argv, cfg)
    except ConfigFileError as e:
        sys.stderr.buffer.write(e.fatal_text())
        sys.stderr.flush()
        sys.exit(1)
    except ConfigOpenError as e:
        log.warning(str(e))
        sys.exit(1)

    from rkvd.systemd import Supervisor
    supervisor = Supervisor(log)
    # Redis decides supervision first: a supervised server never forks.
    if not supervisor.setup(cfg["supervised"]) and cfg["daemonize"]:
        _daemonize()
        cfg.logger = Logger(cfg)        # a fresh one knows the new PID
        if not cfg["pidfile"]:
            cfg.set_value("pidfile", DEFAULT_PID_FILE)

    from rkvd.server import run
    sys.exit(run(cfg, supervisor))
