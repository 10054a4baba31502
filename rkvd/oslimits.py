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
