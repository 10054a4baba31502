"""systemd integration: supervision (sd_notify) and the service installer.

rkvd speaks the sd_notify datagram protocol itself (no libsystemd): one
datagram per message to the AF_UNIX socket named by NOTIFY_SOCKET. The
messages and the moments they are sent follow redis-server 7.0.15:
``STATUS=Redis is loading...`` when supervision is set up, ``STATUS=Ready to
accept connections`` then ``READY=1`` once listening, ``STOPPING=1`` when a
shutdown starts. rkvd also reloads on SIGHUP, announced with
``RELOADING=1`` and closed with ``READY=1``.
"""
import errno
import os
import signal
import socket
import time

SYSTEMD = "systemd"
UPSTART = "upstart"


def _send(message):
    """Send one sd_notify datagram, with sd_notify()'s result: 0 when
    NOTIFY_SOCKET is not set, 1 when sent, minus the errno on failure."""
    path = os.environ.get("NOTIFY_SOCKET")
    if path is None:
        return 0
    if path[:1] == "@":                 # abstract namespace
        path = "\0" + path[1:]
    elif path[:1] != "/":               # as libsystemd: only absolute or abstract
        return -errno.EINVAL
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.connect(path)
            s.sendall(message.encode())
    except OSError as exc:
        return -(exc.errno or 1)
    return 1


class Supervisor:
    """What supervises this process, decided once at start as Redis does.

    ``mode`` is the supervision in force (``"systemd"``, ``"upstart"`` or
    None); ``active`` is True when it was set up, which is what keeps
    ``daemonize yes`` from forking under a supervisor.
    """

    def __init__(self, log):
        self.log = log
        self.mode = None
        self.active = False

    def setup(self, requested):
        """Apply the ``supervised`` directive (``no|upstart|systemd|auto``)."""
        mode = requested
        if mode == "auto":
            if os.environ.get("UPSTART_JOB"):
                self.log.verbose("Upstart supervision detected.")
                mode = UPSTART
            elif os.environ.get("NOTIFY_SOCKET"):
                self.log.verbose("Systemd supervision detected.")
                mode = SYSTEMD
        if mode == UPSTART:
            self.mode = UPSTART
            self.active = self._setup_upstart()
        elif mode == SYSTEMD:
            # Redis keeps the mode even when the socket is missing, so every
            # later notification logs that supervision is broken.
            self.mode = SYSTEMD
            self.active = self.notify("STATUS=Redis is loading...")
            if self.active:
                self.log.notice("Supervised by systemd. Please make sure you set appropriate "
                                "values for TimeoutStartSec and TimeoutStopSec in your service "
                                "unit.")
        return self.active

    def _setup_upstart(self):
        if not os.environ.get("UPSTART_JOB"):
            self.log.warning("upstart supervision requested, but UPSTART_JOB not found!")
            return False
        self.log.notice("supervised by upstart, will stop to signal readiness.")
        os.kill(os.getpid(), signal.SIGSTOP)
        del os.environ["UPSTART_JOB"]
        return True

    def notify(self, *messages):
        """Send each message as its own datagram when supervised by systemd.

        Returns True when all were delivered; each failure is logged the way
        redis-server logs it and never stops the server.
        """
        if self.mode != SYSTEMD:
            return False
        delivered = True
        for message in messages:
            ret = _send(message + "\n")
            if ret == 0:
                self.log.warning("systemd supervision error: NOTIFY_SOCKET not found!")
            elif ret < 0:
                self.log.warning(f"systemd supervision error: sd_notify: {ret}")
            delivered = delivered and ret > 0
        return delivered

    # The moments of a server's life that systemd hears about.

    def ready(self):
        self.notify("STATUS=Ready to accept connections", "READY=1")

    def stopping(self):
        self.notify("STOPPING=1")

    def reloading(self):
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        self.notify(f"RELOADING=1\nMONOTONIC_USEC={usec}",
                    "STATUS=Reopening the log file")

    def reloaded(self):
        self.ready()
