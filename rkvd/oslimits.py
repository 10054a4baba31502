"""What the operating system allows the server: open files for maxclients,
the listen backlog. Redis's adjustOpenFilesLimit / checkTcpBacklogSettings,
with its log lines, so an operator reads the same advice."""

import os
import resource

# Descriptors kept for listeners, log, persistence files and the like.
RESERVED_FDS = 32


def adjust_open_files_limit(maxclients, log):
    """Raise RLIMIT_NOFILE to maxclients + RESERVED_FDS when it is lower, as
    far as the system permits. Returns the maxclients the limit obtained
    allows (maxclients itself when it was enough); None when the limit is too
    low to run at all (logged)."""
    wanted = maxclients + RESERVED_FDS
    try:
        old, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except OSError as exc:
        log.warning(f"Unable to obtain the current NOFILE limit ({exc.strerror}), assuming 1024 and "
                    "setting the max clients configuration accordingly.")
        return 1024 - RESERVED_FDS
    if old == resource.RLIM_INFINITY or old >= wanted:
        return maxclients
    best, error = wanted, 0
    # as Redis: soft and hard both, stepping down until the system agrees
    while best > old:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (best, best))
            break
        except (OSError, ValueError) as exc:
            error = getattr(exc, "errno", None) or 1
            if best < 16:
                best = old
                break
            best -= 16
    best = max(best, old)
    if best >= wanted:
        log.notice(f"Increased maximum number of open files to {wanted} (it was originally set to {old}).")
        return maxclients
    if best <= RESERVED_FDS:
        log.warning(f"Your current 'ulimit -n' of {old} is not enough for the server to start. Please "
                    f"increase your open file limit to at least {wanted}. Exiting.")
        return None
    reduced = best - RESERVED_FDS
    log.warning(f"You requested maxclients of {maxclients} requiring at least {wanted} max file "
                "descriptors.")
    log.warning(f"Server can't set maximum open files to {wanted} because of OS error: "
                f"{os.strerror(error)}.")
    log.warning(f"Current maximum open files is {best}. maxclients has been reduced to {reduced} to "
                "compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.")
    return reduced


def check_tcp_backlog(backlog, log, path="/proc/sys/net/core/somaxconn"):
    """Warn when the kernel caps the listen backlog below tcp-backlog."""
    try:
        with open(path) as f:
            somaxconn = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return
    if 0 < somaxconn < backlog:
        log.warning(f"WARNING: The TCP backlog setting of {backlog} cannot be enforced because {path} "
                    f"is set to the lower value of {somaxconn}.")


# oom-score-adj modes and the classes of oom-score-adj-values
OOM_NO, OOM_RELATIVE, OOM_ABSOLUTE = 0, 1, 2
OOM_MODES = {"no": OOM_NO, "yes": OOM_RELATIVE, "relative": OOM_RELATIVE, "absolute": OOM_ABSOLUTE}
OOM_MASTER, OOM_REPLICA, OOM_BGCHILD = 0, 1, 2
OOM_SCORE_ADJ = "/proc/self/oom_score_adj"


class OOMScoreAdj:
    """Redis's setOOMScoreAdj: with oom-score-adj on, the process's
    oom_score_adj is its class's value from oom-score-adj-values, added to
    the value it had before rkvd first changed it (relative, the same as
    yes) or as is (absolute), within [-1000, 1000]; turned off, the value it
    had before is written back. Nothing is touched while it stays off."""

    def __init__(self, log, path=OOM_SCORE_ADJ):
        self.log = log
        self.path = path
        self.adjusted = False       # rkvd changed the value: base is what it was
        self.base = 0

    def _value(self, mode, values, process_class):
        value = values[process_class]
        if mode == OOM_RELATIVE:
            value += self.base
        return max(-1000, min(1000, value))

    def apply(self, mode, values, process_class=OOM_MASTER):
        """Write the value for mode (an OOM_* or its config name) and
        values. False when /proc could not be read or written (logged as
        Redis logs it)."""
        mode = OOM_MODES.get(mode, mode)
        if mode != OOM_NO:
            if not self.adjusted:
                try:
                    with open(self.path) as f:
                        self.base = int(f.read().strip() or 0)
                except (OSError, ValueError) as exc:
                    self.log.warning(f"Unable to read oom_score_adj: {getattr(exc, 'strerror', exc)}")
                    return False
                self.adjusted = True
            value = self._value(mode, values, process_class)
        elif self.adjusted:
            self.adjusted = False
            value = self.base
        else:
            return True
        try:
            with open(self.path, "w") as f:
                f.write("%d\n" % value)
        except OSError as exc:
            self.log.warning(f"Unable to write oom_score_adj: {exc.strerror}")
            return False
        return True

    def child_value(self, mode, values):
        """What a fork child writes (its bgchild class), None to keep the
        parent's."""
        mode = OOM_MODES.get(mode, mode)
        if mode == OOM_NO:
            return None
        return self._value(mode, values, OOM_BGCHILD)
