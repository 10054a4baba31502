"""The append-only file, Redis 7.0's multi-part layout (Redis's aof.c): the
manifest, the base and incremental files, writing the propagation stream
after each event-loop turn with the appendfsync policies, BGREWRITEAOF's
fork child and its completion, CONFIG SET appendonly, and loading at
start-up. The stream itself is the engine's (engine/propagate.pyx); the
base file is written by the RDB writer (aof-use-rdb-preamble yes) or by the
command-form writer (persist/aof_rewrite.pyx).
"""
import errno
import os
import signal
import threading
import time

from rkvd.config.text import quote, split_args

AOF_OFF, AOF_ON, AOF_WAIT_REWRITE = 0, 1, 2

# Redis's aofRewriteLimited: after this many failures in a row, automatic
# rewrites wait 1, 2, 4 ... 60 minutes.
REWRITE_LIMIT_THRESHOLD = 3
REWRITE_LIMIT_MAX_MINUTES = 60
WRITE_ERROR_LOG_RATE = 30           # seconds between two write-error log lines
# Commands replayed per turn of the event loop while loading (clients get
# -LOADING in between), and bytes of an RDB base per turn.
LOAD_BATCH_COMMANDS = 1024
LOAD_RDB_CHUNK = 2 * 1024 * 1024


class LoadFailed(Exception):
    """The AOF cannot be loaded: the lines were logged, the server exits."""


# ---------------------------------------------------------------- manifest

class Manifest:
    """The list of files (Redis's aofManifest): one base, history files,
    incremental files in order, and the last sequence numbers used."""

    def __init__(self):
        self.base = None            # (name, seq) or None
        self.history = []           # [(name, seq)]
        self.incrs = []             # [(name, seq)]
        self.base_seq = 0
        self.incr_seq = 0
        self.dirty = False

    def copy(self):
        m = Manifest()
        m.base, m.history, m.incrs = self.base, list(self.history), list(self.incrs)
        m.base_seq, m.incr_seq, m.dirty = self.base_seq, self.incr_seq, self.dirty
        return m

    def text(self):
        lines = []
        if self.base is not None:
            lines.append(_manifest_line(self.base, "b"))
        lines += [_manifest_line(h, "h") for h in self.history]
        lines += [_manifest_line(i, "i") for i in self.incrs]
        return "".join(lines)

    def new_base(self, filename, rdb):
        """The next base file's name; the current base becomes history."""
        if self.base is not None:
            self.history.insert(0, self.base)
        self.base_seq += 1
        self.base = (f"{filename}.{self.base_seq}.base.{'rdb' if rdb else 'aof'}", self.base_seq)
        self.dirty = True
        return self.base[0]

    def new_incr(self, filename):
        self.incr_seq += 1
        name = f"{filename}.{self.incr_seq}.incr.aof"
        self.incrs.append((name, self.incr_seq))
        self.dirty = True
        return name

    def last_incr(self, filename):
        return self.incrs[-1][0] if self.incrs else self.new_incr(filename)

    def incrs_to_history(self, keep_last):
        """After a rewrite: the rewritten incremental files become history
        (all of them, or all but the one being written)."""
        done = self.incrs[:-1] if keep_last and self.incrs else self.incrs
        self.incrs = self.incrs[len(done):]
        for ai in done:
            self.history.insert(0, ai)
        self.dirty = True

    @classmethod
    def parse(cls, raw):
        """A Manifest from the file's bytes; raises LoadFailed's message as
        (err, line number, line) through ValueError."""
        m = cls()
        maxseq = 0
        lines = raw.split(b"\n")
        ended = lines[-1] == b""        # the last line has its newline
        if ended:
            lines.pop()
        if not lines:
            raise ValueError(("Found an empty AOF manifest", 0, None))
        for num, rawline in enumerate(lines, 1):
            if rawline.startswith(b"#"):
                continue
            # Redis reads lines of at most 1024 bytes and wants each to end
            # with a newline
            if len(rawline) + 1 > 1024 or (num == len(lines) and not ended):
                raise ValueError(("The AOF manifest file contains too long line", num, None))
            line = rawline.decode("latin-1").strip(" \t\r\n")
            if not line:
                raise ValueError(("Invalid AOF manifest file format", num, line))
            argv = split_args(line.encode("latin-1"))
            if argv is not None:
                argv = [a.decode("latin-1") for a in argv]
            if argv is None or len(argv) < 6 or len(argv) % 2:
                raise ValueError(("Invalid AOF manifest file format", num, line))
            name = seq = typ = None
            for k, v in zip(argv[0::2], argv[1::2]):
                k = k.lower()
                if k == "file":
                    name = v
                    if "/" in v:
                        raise ValueError(("File can't be a path, just a filename", num, line))
                elif k == "seq":
                    seq = _atoll(v)
                elif k == "type":
                    typ = v[:1]
            if not name or not seq or not typ:
                raise ValueError(("Invalid AOF manifest file format", num, line))
            if typ == "b":
                if m.base is not None:
                    raise ValueError(("Found duplicate base file information", num, line))
                m.base = (name, seq)
                m.base_seq = seq
            elif typ == "h":
                m.history.append((name, seq))
            elif typ == "i":
                if seq <= maxseq:
                    raise ValueError(("Found a non-monotonic sequence number", num, line))
                m.incrs.append((name, seq))
                m.incr_seq = maxseq = seq
            else:
                raise ValueError(("Unknown AOF file type", num, line))
        return m


def _needs_repr(name):
    return any(ch in '\\"' or not ch.isprintable() or ch.isspace() or ord(ch) > 126
               for ch in name)


def _manifest_line(ai, typ):
    name, seq = ai
    if _needs_repr(name):
        name = quote(name.encode("latin-1", "replace")).decode("latin-1")
    return f"file {name} seq {seq} type {typ}\n"


def _atoll(s):
    i = 0
    sign = 1
    s = s.lstrip()
    if s[:1] in "+-":
        sign = -1 if s[0] == "-" else 1
        i = 1
    j = i
    while j < len(s) and s[j].isdigit():
        j += 1
    return sign * int(s[i:j]) if j > i else 0


# ---------------------------------------------------------------- bio

class _Bio:
    """Redis's background fsync / close jobs (bio.c): one thread, so that an
    fsync never blocks the event loop (appendfsync everysec)."""

    def __init__(self, aof):
        self.aof = aof
        self.cond = threading.Condition()
        self.jobs = []
        self.pending_fsync = 0
        self.fsync_failed = False
        self.fsync_errno = 0
        self.thread = None

    def submit(self, kind, fd):
        with self.cond:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="rkvd-bio-aof", daemon=True)
                self.thread.start()
            self.jobs.append((kind, fd))
            if kind == "fsync":
                self.pending_fsync += 1
            self.cond.notify()

    def _run(self):
        while True:
            with self.cond:
                while not self.jobs:
                    self.cond.wait()
                kind, fd = self.jobs[0]
            try:
                os.fdatasync(fd)
            except OSError as exc:
                if kind == "fsync" and exc.errno not in (errno.EBADF, errno.EINVAL):
                    self.fsync_errno = exc.errno
                    self.fsync_failed = True
            else:
                if kind == "fsync":
                    self.fsync_failed = False
            if kind == "close":
                try:
                    os.close(fd)
                except OSError:
                    pass
            with self.cond:
                self.jobs.pop(0)
                if kind == "fsync":
                    self.pending_fsync -= 1
                self.cond.notify_all()

    def drain(self):
        with self.cond:
            while self.jobs:
                self.cond.wait()


# ---------------------------------------------------------------- replay

class _NullTransport:
    """The replay client's connection: replies go nowhere (Redis's AOF
    client has no socket)."""

    def write(self, data):
        pass

    def get_extra_info(self, name, default=None):
        return default

    def set_write_buffer_limits(self, high=None, low=None):
        pass

    def get_write_buffer_size(self):
        return 0

    def close(self):
        pass

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


class _Progress:
    """What INFO's loading_* fields read while an AOF loads."""

    def __init__(self, total):
        self.total_bytes = total
        self.bytes_read = 0


# ---------------------------------------------------------------- the AOF

class Aof:
    def __init__(self, persistence):
        self.p = persistence
        self.server = persistence.server
        self.engine = persistence.engine
        self.cfg = persistence.cfg
        self.log = persistence.log
        self.state = AOF_OFF
        self.fd = -1
        self.manifest = Manifest()
        self.buf = bytearray()              # taken from the stream, not yet written
        self.current_size = 0
        self.base_size = 0                  # aof_rewrite_base_size
        self.last_incr_size = 0
        self.last_incr_fsync_offset = 0
        self.last_fsync = int(time.time())
        self.flush_postponed_start = 0
        self.delayed_fsync = 0
        self.write_ok = True
        self.write_errno = 0
        self.last_write_error_log = 0
        self.rewrite_scheduled = False
        self.rewrite_time_start = -1
        self.rewrite_time_last = -1
        self.lastbgrewrite_ok = True
        self.rewrites = 0
        self.consecutive_failures = 0
        self.next_delay_minutes = 0
        self.next_rewrite_time = 0
        self.last_cow_size = 0
        self.cur_timestamp = 0
        self.bio = _Bio(self)
        self.synced_for_exit = False

    # ------------------------------------------------------------ names

    @property
    def dirname(self):
        return self.cfg["appenddirname"]

    @property
    def filename(self):
        return self.cfg["appendfilename"]

    def path(self, name):
        return os.path.join(self.dirname, name)

    def temp_incr_name(self):
        return f"temp-{self.filename}.incr"

    # ------------------------------------------------------------ manifest I/O

    def load_manifest(self):
        """Redis's aofLoadManifestFromDisk: the manifest, or an empty one
        when the directory or the file is missing. Raises LoadFailed."""
        self.manifest = Manifest()
        if not os.path.isdir(self.dirname):
            return
        name = self.filename + ".manifest"
        path = self.path(name)
        if not os.path.exists(path):
            return
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as exc:
            self.log.warning(f"Fatal error: can't open the AOF manifest file {path} for reading: "
                             f"{exc.strerror}")
            raise LoadFailed() from None
        try:
            self.manifest = Manifest.parse(raw)
        except ValueError as exc:
            err, num, line = exc.args[0]
            self.log.warning("\n*** FATAL AOF MANIFEST FILE ERROR ***\n")
            if line is not None:
                self.log.warning(f"Reading the manifest file, at line {num}\n")
                self.log.warning(f">>> '{line}'\n")
            self.log.warning(f"{err}\n")
            raise LoadFailed() from None

    def persist_manifest(self, am):
        """Redis's persistAofManifest: temp file, fsync, rename, fsync the
        directory. True on success (failures logged)."""
        if not am.dirty:
            return True
        name = self.filename + ".manifest"
        tmp_name = "temp-" + name
        tmp, final = self.path(tmp_name), self.path(name)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o644)
        except OSError as exc:
            self.log.warning(f"Can't open the AOF manifest file {tmp_name}: {exc.strerror}")
            return False
        try:
            data = am.text().encode("latin-1")
            try:
                _write_all(fd, data)
            except OSError as exc:
                self.log.warning(f"Error trying to write the temporary AOF manifest file "
                                 f"{tmp_name}: {exc.strerror}")
                return False
            try:
                os.fdatasync(fd)
            except OSError as exc:
                self.log.warning(f"Fail to fsync the temp AOF file {tmp_name}: {exc.strerror}.")
                return False
            try:
                os.rename(tmp, final)
            except OSError as exc:
                self.log.warning(f"Error trying to rename the temporary AOF manifest file "
                                 f"{tmp_name} into {name}: {exc.strerror}")
                return False
            try:
                _fsync_dir(final)
            except OSError as exc:
                self.log.warning(f"Fail to fsync AOF directory {final}: {exc.strerror}.")
                return False
        finally:
            os.close(fd)
        am.dirty = False
        return True

    def _mkdir(self):
        try:
            os.mkdir(self.dirname)
        except FileExistsError:
            pass
        except OSError as exc:
            self.log.warning(f"Can't open or create append-only dir {self.dirname}: {exc.strerror}")
            return False
        return True

    def del_history_files(self):
        am = self.manifest
        if self.cfg["aof-disable-auto-gc"] or not am.history:
            return True
        for name, _seq in am.history:
            self.log.notice(f"Removing the history file {name} in the background")
            _unlink_quiet(self.path(name))
        am.history = []
        am.dirty = True
        return self.persist_manifest(am)

    # ------------------------------------------------------------ the stream

    def _set_hooks(self):
        self.server.stream.update()

    def _take(self):
        self.server.stream.pump()

    def accept(self, data):
        """The stream's consumer point (rkvd.stream) hands over what the
        engine recorded."""
        if self.state == AOF_ON or (self.state == AOF_WAIT_REWRITE and self._rewriting()):
            if self.cfg["aof-timestamp-enabled"]:
                now = int(time.time())
                if self.cur_timestamp < now:
                    self.cur_timestamp = now
                    self.buf += b"#TS:%d\r\n" % now
            self.buf += data

    def _rewriting(self):
        child = self.p.child
        return child is not None and child.kind == "aof"

    def flush(self, force=False):
        """Redis's flushAppendOnlyFile: write what the stream holds to the
        incremental file, then fsync by the appendfsync policy."""
        if self.state == AOF_OFF:
            return
        if self.engine.propagation_pending:
            self._take()
        policy = self.cfg["appendfsync"]
        now = int(time.time())
        sync_in_progress = False
        if not self.buf:
            if policy == "everysec" and self.last_incr_fsync_offset != self.last_incr_size \
                    and now > self.last_fsync and not self.bio.pending_fsync:
                pass
            elif policy == "always" and self.last_incr_fsync_offset != self.last_incr_size:
                pass
            else:
                return
        else:
            if policy == "everysec":
                sync_in_progress = self.bio.pending_fsync > 0
            if policy == "everysec" and not force and sync_in_progress:
                if self.flush_postponed_start == 0:
                    self.flush_postponed_start = now
                    return
                if now - self.flush_postponed_start < 2:
                    return
                self.delayed_fsync += 1
                self.log.notice("Asynchronous AOF fsync is taking too long (disk is busy?). "
                                "Writing the AOF buffer without waiting for fsync to complete, "
                                "this may slow down Redis.")
            if not self._write(policy, now, sync_in_progress):
                return
        self._fsync(policy, now, sync_in_progress)

    def _write(self, policy, now, sync_in_progress=False):
        want = len(self.buf)
        start = time.monotonic_ns()
        written, err = _write_some(self.fd, self.buf)
        self._write_latency((time.monotonic_ns() - start) // 1000000, sync_in_progress)
        self.flush_postponed_start = 0
        if written == want:
            if not self.write_ok:
                self.log.warning("AOF write error looks solved, Redis can write again.")
                self.write_ok = True
                self.p.update_disk_error()
            self.current_size += written
            self.last_incr_size += written
            self.buf = bytearray()
            return True
        can_log = now - self.last_write_error_log > WRITE_ERROR_LOG_RATE
        if can_log:
            self.last_write_error_log = now
        if written == 0 and err:
            if can_log:
                self.log.warning(f"Error writing to the AOF file: {os.strerror(err)}")
            self.write_errno = err
        else:
            if can_log:
                self.log.warning(f"Short write while writing to the AOF file: "
                                 f"(nwritten={written}, expected={want})")
            try:
                os.ftruncate(self.fd, self.last_incr_size)
            except OSError as exc:
                if can_log:
                    self.log.warning("Could not remove short write from the append-only file.  "
                                     "Redis may refuse to load the AOF the next time it starts.  "
                                     f"ftruncate: {exc.strerror}")
            else:
                written = 0
            self.write_errno = errno.ENOSPC
        if policy == "always":
            self.log.warning("Can't recover from AOF write error when the AOF fsync policy is "
                             "'always'. Exiting...")
            os._exit(1)
        self.write_ok = False
        if written > 0:
            self.current_size += written
            self.last_incr_size += written
            del self.buf[:written]
        self.p.update_disk_error()
        return False

    def _write_latency(self, ms, sync_in_progress):
        # Redis's latency events of an AOF write: what else was going on,
        # then the write itself
        lat = self.server.latency
        if sync_in_progress:
            lat.sample("aof-write-pending-fsync", ms)
        elif self.p.child is not None:
            lat.sample("aof-write-active-child", ms)
        else:
            lat.sample("aof-write-alone", ms)
        lat.sample("aof-write", ms)

    def _fsync(self, policy, now, sync_in_progress):
        if self.cfg["no-appendfsync-on-rewrite"] and self.p.child is not None:
            return
        if policy == "always":
            start = time.monotonic_ns()
            try:
                os.fdatasync(self.fd)
            except OSError as exc:
                self.log.warning("Can't persist AOF for fsync error when the AOF fsync policy is "
                                 f"'always': {exc.strerror}. Exiting...")
                os._exit(1)
            self.server.latency.sample("aof-fsync-always", (time.monotonic_ns() - start) // 1000000)
            self.last_incr_fsync_offset = self.last_incr_size
            self.last_fsync = now
        elif policy == "everysec" and now > self.last_fsync:
            if not sync_in_progress:
                self.bio.submit("fsync", self.fd)
                self.last_incr_fsync_offset = self.last_incr_size
            self.last_fsync = now

    def disk_error(self):
        """The -MISCONF text while AOF writes fail, or None."""
        if self.state == AOF_OFF:
            return None
        if not self.write_ok:
            err = self.write_errno
        elif self.bio.fsync_failed:
            err = self.write_errno = self.bio.fsync_errno
        else:
            return None
        return b"-MISCONF Errors writing to the AOF file: " + os.strerror(err).encode()

    # ------------------------------------------------------------ start / stop

    def open_on_start(self):
        """After loading with appendonly yes (aofOpenIfNeededOnServerStart):
        a base file for an empty start, the last incremental file opened for
        appending, the manifest persisted. Raises LoadFailed."""
        am = self.manifest
        if not self._mkdir():
            raise LoadFailed()
        had_incr = bool(am.incrs)
        if am.base is None and not am.incrs:
            rdb = self._base_is_rdb()
            base = am.new_base(self.filename, rdb)
            if not self._rewrite_foreground(self.path(base), rdb):
                raise LoadFailed()
            self.log.notice(f"Creating AOF base file {base} on server start")
        name = am.last_incr(self.filename)
        try:
            self.fd = os.open(self.path(name), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
                              0o644)
        except OSError as exc:
            self.log.warning(f"Can't open the append-only file {name}: {exc.strerror}")
            raise LoadFailed() from None
        if not self.persist_manifest(am):
            raise LoadFailed()
        self.last_incr_size = _size(self.path(name))
        self.last_incr_fsync_offset = self.last_incr_size
        if had_incr:
            self.log.notice(f"Opening AOF incr file {name} on server start")
        else:
            self.log.notice(f"Creating AOF incr file {name} on server start")
        self.state = AOF_ON
        self._set_hooks()
        self.engine.reset_propagation_db()      # the file's next command starts with a SELECT
        self.del_history_files()

    def start(self):
        """CONFIG SET appendonly yes (startAppendOnly): a rewrite makes the
        base; the AOF turns on when it succeeds. False if it cannot start."""
        p = self.p
        self.state = AOF_WAIT_REWRITE
        if p.child is not None and p.child.kind != "aof":
            self.rewrite_scheduled = True
            self.log.warning("AOF was enabled but there is already another background operation. "
                             "An AOF background was scheduled to start when possible.")
        else:
            if p.child is not None:
                self.log.warning("AOF was enabled but there is already an AOF rewriting in "
                                 "background. Stopping background AOF and starting a rewrite now.")
                self.kill_child()
            if not self.rewrite_background():
                self.state = AOF_OFF
                self._set_hooks()
                self.log.warning("Redis needs to enable the AOF but can't trigger a background "
                                 "AOF rewrite operation. Check the above logs for more info about "
                                 "the error.")
                return False
        self.last_fsync = int(time.time())
        if self.bio.fsync_failed:
            self.log.warning("AOF reopen, just ignore the AOF fsync error in bio job")
            self.bio.fsync_failed = False
        if not self.write_ok:
            self.log.warning("AOF reopen, just ignore the last error.")
            self.write_ok = True
        self.p.update_disk_error()
        return True

    def stop(self):
        """CONFIG SET appendonly no (stopAppendOnly)."""
        self.flush(force=True)
        if self.fd != -1:
            try:
                os.fdatasync(self.fd)
            except OSError as exc:
                self.log.warning(f"Fail to fsync the AOF file: {exc.strerror}")
            else:
                self.last_fsync = int(time.time())
            os.close(self.fd)
        self.fd = -1
        self.state = AOF_OFF
        self.rewrite_scheduled = False
        self.last_incr_size = 0
        self.last_incr_fsync_offset = 0
        if self._rewriting():
            self.kill_child()
        self.buf = bytearray()
        self._set_hooks()
        self.p.update_disk_error()

    def apply_appendonly(self, cfg=None):
        """The appendonly row's hook (CONFIG SET): start or stop."""
        from rkvd.config import ConfigError
        if self.server.loop is None or self.engine.loading:
            return
        on = self.cfg["appendonly"]
        if not on and self.state != AOF_OFF:
            self.stop()
        elif on and self.state == AOF_OFF:
            if not self.start():
                raise ConfigError("Unable to turn on AOF. Check server logs.")

    def apply_auto_gc(self, cfg=None):
        """The aof-disable-auto-gc row's hook: turning it off deletes the
        history files kept meanwhile."""
        if not self.cfg["aof-disable-auto-gc"]:
            self.del_history_files()

    def shutdown(self, force):
        """prepareForShutdown's AOF part: kill a rewrite, flush and fsync.
        False when the server must not exit (the first base is not written)."""
        if self._rewriting():
            if self.state == AOF_WAIT_REWRITE:
                if force:
                    self.log.warning("Writing initial AOF. Exit anyway.")
                else:
                    self.log.warning("Writing initial AOF, can't exit.")
                    return False
            self.log.warning("There is a child rewriting the AOF. Killing it!")
            self.kill_child()
        if self.state != AOF_OFF and not (self.synced_for_exit and not self.buf
                                              and not self.engine.propagation_pending):
            # (SHUTDOWN asks once from the command and once on the way out)
            self.synced_for_exit = True
            self.log.notice("Calling fsync() on the AOF file.")
            self.flush(force=True)
            try:
                os.fdatasync(self.fd)
            except OSError as exc:
                self.log.warning(f"Fail to fsync the AOF file: {exc.strerror}.")
        return True

    # ------------------------------------------------------------ rewrite

    def _base_is_rdb(self):
        return bool(self.cfg["aof-use-rdb-preamble"])

    def _rdb_flags(self):
        from rkvd.persistence import RDB_SAVE_INCREMENTAL_FSYNC
        flags = self.p.save_flags() & ~RDB_SAVE_INCREMENTAL_FSYNC
        if self.cfg["aof-rewrite-incremental-fsync"]:
            flags |= RDB_SAVE_INCREMENTAL_FSYNC
        return flags

    def _command_flags(self):
        from rkvd._core.persist import aof_rewrite
        flags = 0
        if self.cfg["aof-timestamp-enabled"]:
            flags |= aof_rewrite.AOF_REWRITE_TIMESTAMP
        if self.cfg["aof-rewrite-incremental-fsync"]:
            flags |= aof_rewrite.AOF_REWRITE_INCREMENTAL_FSYNC
        return flags

    def _stage_functions(self):
        """A command-form rewrite starts with FUNCTION LOAD per library."""
        from rkvd._core.persist.aof_rewrite import aof_rewrite_set_functions
        from rkvd.persistence import function_codes
        aof_rewrite_set_functions(function_codes())

    def _rewrite_foreground(self, path, rdb):
        """rewriteAppendOnlyFile: the whole dataset into path (the writers
        go through a temp file and rename it). True on success (failures
        logged)."""
        try:
            if rdb:
                from rkvd._core.persist.rdb_save import rdb_save_path
                rdb_save_path(self.engine, path, self._rdb_flags(), self.p.aux(aof_base=True))
            else:
                from rkvd._core.persist.aof_rewrite import aof_rewrite_path
                self._stage_functions()
                aof_rewrite_path(self.engine, path, self._command_flags())
        except OSError as exc:
            stage = getattr(exc, "stage", "write")
            if stage == "open":
                self.log.warning("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): "
                                 f"{exc.strerror}")
            elif stage == "rename":
                self.log.warning("Error moving temp append only file on the final destination: "
                                 f"{exc.strerror}")
            else:
                self.log.warning(f"Write error writing append only file on disk: {exc.strerror}")
            return False
        return True

    def _open_new_incr(self):
        """openNewIncrAofForAppend: the file the parent writes while the
        child rewrites. True on success."""
        if self.state == AOF_OFF:
            return True
        temp_am = None
        if self.state == AOF_WAIT_REWRITE:
            name = self.temp_incr_name()
        else:
            temp_am = self.manifest.copy()
            name = temp_am.new_incr(self.filename)
        try:
            fd = os.open(self.path(name), os.O_WRONLY | os.O_TRUNC | os.O_CREAT | os.O_CLOEXEC,
                         0o644)
        except OSError as exc:
            self.log.warning(f"Can't open the append-only file {name}: {exc.strerror}")
            return False
        if temp_am is not None and not self.persist_manifest(temp_am):
            os.close(fd)
            return False
        self.log.notice(f"Creating AOF incr file {name} on background rewrite")
        if self.fd != -1:
            self.bio.submit("close", self.fd)
            self.last_fsync = int(time.time())
        self.fd = fd
        self.last_incr_size = 0
        self.last_incr_fsync_offset = 0
        if temp_am is not None:
            self.manifest = temp_am
        return True

    def rewrite_background(self):
        """rewriteAppendOnlyFileBackground. True if the child started."""
        from rkvd.persistence import _Child
        p = self.p
        if p.child is not None:
            return False
        if not self._mkdir():
            self.lastbgrewrite_ok = False
            return False
        # The new incremental file starts with a SELECT.
        self.engine.reset_propagation_db()
        self.flush(force=True)
        if not self._open_new_incr():
            self.lastbgrewrite_ok = False
            return False
        if self.state != AOF_OFF:
            self._set_hooks()
        self.rewrites += 1
        rdb = self._base_is_rdb()
        listen_fds = [fd for fd in self.server.listening_fds() if fd >= 0]
        try:
            if rdb:
                from rkvd._core.persist.fork import fork_rdb_child
                pid, fd, fork_usec = fork_rdb_child(
                    self.engine, "temp-rewriteaof-bg-%d.aof", None, self._rdb_flags(),
                    self.p.aux(aof_base=True), listen_fds)
            else:
                from rkvd._core.persist.aof_rewrite import fork_aof_child
                self._stage_functions()
                pid, fd, fork_usec = fork_aof_child(
                    self.engine, "temp-rewriteaof-bg-%d.aof", self._command_flags(), listen_fds)
        except OSError as exc:
            self.lastbgrewrite_ok = False
            self.log.warning(f"Can't rewrite append only file in background: fork: {exc.strerror}")
            return False
        p.latest_fork_usec = fork_usec
        self.server.latency.sample("fork", fork_usec // 1000)
        p.total_forks += 1
        child = _Child("aof", pid, fd, f"temp-rewriteaof-bg-{pid}.aof")
        child.rdb_base = rdb
        p.child = child
        self.log.notice(f"Background append only file rewriting started by pid {pid}")
        self.rewrite_scheduled = False
        self.rewrite_time_start = int(time.time())
        return True

    def kill_child(self):
        child = self.p.child
        if child is None or child.kind != "aof":
            return
        self.log.notice(f"Killing running AOF rewrite child: {child.pid}")
        try:
            os.kill(child.pid, signal.SIGUSR1)
            os.waitpid(child.pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
        _unlink_quiet(child.tmp_path)
        _unlink_quiet(f"temp-rewriteaof-{child.pid}.aof")
        os.close(child.report_fd)
        self.p.child = None
        self.rewrite_time_start = -1

    def child_done(self, child, status, report):
        """backgroundRewriteDoneHandler."""
        ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        if report is not None:
            self._log_child(child, report)
        if ok:
            self._rewrite_succeeded(child)
        elif os.WIFEXITED(status):
            self.lastbgrewrite_ok = False
            self.consecutive_failures += 1
            self.log.warning("Background AOF rewrite terminated with error")
        else:
            sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
            if sig != signal.SIGUSR1:
                self.lastbgrewrite_ok = False
                self.consecutive_failures += 1
            self.log.warning(f"Background AOF rewrite terminated by signal {sig}")
        _unlink_quiet(child.tmp_path)
        _unlink_quiet(f"temp-rewriteaof-{child.pid}.aof")
        if self.state == AOF_WAIT_REWRITE:
            self.buf = bytearray()
            name = self.temp_incr_name()
            self.log.notice(f"Removing the temp incr aof file {name} in the background")
            _unlink_quiet(self.path(name))
        if self.rewrite_time_start != -1:
            self.rewrite_time_last = int(time.time()) - self.rewrite_time_start
        self.rewrite_time_start = -1
        if self.state == AOF_WAIT_REWRITE:
            self.rewrite_scheduled = True

    def _log_child(self, child, report):
        if report["status"] == 0:
            self.log.log_as(child.pid, "C", "notice",
                            f"Successfully created the temporary AOF base file {child.tmp_path}")
            mb = report["cow"] >> 20
            self.log.log_as(child.pid, "C", "notice",
                            f"Fork CoW for AOF rewrite: current {mb} MB, peak {mb} MB, "
                            f"average {mb} MB")
            self.last_cow_size = report["cow"]
        elif report["stage"] == "open":
            self.log.log_as(child.pid, "C", "warning",
                            "Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): "
                            f"{os.strerror(report['status'])}")
        else:
            self.log.log_as(child.pid, "C", "warning",
                            "Write error writing append only file on disk: "
                            f"{os.strerror(report['status'])}")

    def _fail_rewrite(self):
        self.lastbgrewrite_ok = False
        self.consecutive_failures += 1

    def _rewrite_succeeded(self, child):
        self.log.notice("Background AOF rewrite terminated with success")
        tmp = child.tmp_path
        temp_am = self.manifest.copy()
        base = temp_am.new_base(self.filename, child.rdb_base)
        base_path = self.path(base)
        try:
            os.rename(tmp, base_path)
        except OSError as exc:
            self.log.warning(f"Error trying to rename the temporary AOF base file {tmp} into "
                             f"{base_path}: {exc.strerror}")
            return self._fail_rewrite()
        self.log.notice(f"Successfully renamed the temporary AOF base file {tmp} into {base}")
        new_incr_path = None
        if self.state == AOF_WAIT_REWRITE:
            tmp_incr = self.temp_incr_name()
            new_incr = temp_am.new_incr(self.filename)
            new_incr_path = self.path(new_incr)
            try:
                os.rename(self.path(tmp_incr), new_incr_path)
            except OSError as exc:
                self.log.warning(f"Error trying to rename the temporary AOF incr file "
                                 f"{self.path(tmp_incr)} into {new_incr_path}: {exc.strerror}")
                _unlink_quiet(base_path)
                return self._fail_rewrite()
            self.log.notice(f"Successfully renamed the temporary AOF incr file {tmp_incr} into "
                            f"{new_incr}")
        temp_am.incrs_to_history(keep_last=self.fd != -1)
        if not self.persist_manifest(temp_am):
            _unlink_quiet(base_path)
            if new_incr_path:
                _unlink_quiet(new_incr_path)
            return self._fail_rewrite()
        self.manifest = temp_am
        if self.state != AOF_OFF:
            self.current_size = _size(base_path) + self.last_incr_size
            self.base_size = self.current_size
        self.del_history_files()
        self.lastbgrewrite_ok = True
        self.consecutive_failures = 0
        self.log.notice("Background AOF rewrite finished successfully")
        if self.state == AOF_WAIT_REWRITE:
            self.state = AOF_ON
        return None

    def rewrite_limited(self):
        """aofRewriteLimited: automatic rewrites back off after failures."""
        if self.consecutive_failures < REWRITE_LIMIT_THRESHOLD:
            self.next_delay_minutes = 0
            self.next_rewrite_time = 0
            return False
        now = int(time.time())
        if self.next_rewrite_time:
            if now < self.next_rewrite_time:
                return True
            self.next_rewrite_time = 0
            return False
        self.next_delay_minutes = min(REWRITE_LIMIT_MAX_MINUTES,
                                      1 if self.next_delay_minutes == 0 else self.next_delay_minutes * 2)
        self.next_rewrite_time = now + self.next_delay_minutes * 60
        self.log.warning("Background AOF rewrite has repeatedly failed and triggered the limit, "
                         f"will retry in {self.next_delay_minutes} minutes")
        return True

    def bgrewriteaof(self, c):
        """The BGREWRITEAOF command."""
        p = self.p
        if self._rewriting():
            c.reply_error("Background append only file rewriting already in progress")
        elif p.child is not None:
            self.rewrite_scheduled = True
            self.consecutive_failures = 0
            c.reply_value("Background append only file rewriting scheduled")
        elif self.rewrite_background():
            c.reply_value("Background append only file rewriting started")
        else:
            c.reply_error("Can't execute an AOF background rewriting. Please check the server "
                          "logs for more information.")

    # ------------------------------------------------------------ cron

    def cron_before_children(self):
        """serverCron's scheduled rewrite (before children are checked)."""
        if self.p.child is None and self.rewrite_scheduled and not self.rewrite_limited():
            self.rewrite_background()

    def cron_no_child(self):
        """serverCron's automatic rewrite, with no child running."""
        perc = self.cfg["auto-aof-rewrite-percentage"]
        if self.state == AOF_ON and perc and self.current_size > self.cfg["auto-aof-rewrite-min-size"]:
            base = self.base_size or 1
            growth = self.current_size * 100 // base - 100
            if growth >= perc and not self.rewrite_limited():
                self.log.notice(f"Starting automatic rewriting of AOF on {growth}% growth")
                self.rewrite_background()

    def cron_flush(self):
        # beforeSleep's flush for what no reply triggered (active expiry,
        # CLIENT REPLY OFF), the postponed write, the everysec fsync of an
        # idle file, and retrying after a write error.
        if self.state != AOF_OFF:
            self.flush()

    # ------------------------------------------------------------ loading

    def load_steps(self):
        """A generator that loads the AOF (loadAppendOnlyFiles), yielding
        between slices; returns "not-exist", "empty", "ok" or "truncated".
        Raises LoadFailed after logging why."""
        am = self.manifest
        fname = self.filename
        if os.path.exists(fname):
            if (not os.path.isdir(self.dirname) or (am.base is None and not am.incrs)
                    or (am.base is not None and not am.incrs and am.base[0] == fname
                        and not os.path.exists(self.path(fname)))):
                self._upgrade(am)
        if am.base is None and not am.incrs:
            return "not-exist"
        files = ([(am.base[0], "base")] if am.base is not None else []) + \
            [(name, "incr") for name, _seq in am.incrs]
        total = 0
        for name, _kind in files:
            try:
                total += os.stat(self.path(name)).st_size
            except OSError as exc:
                self.log.warning(f"Unable to obtain the AOF file {name} length. stat: {exc.strerror}")
                raise LoadFailed() from None
        if total == 0:
            return "empty"
        progress = _Progress(total)
        self.p.loader = progress
        self.p.loading_start = time.time()
        base_size = 0
        result = "ok"
        try:
            for i, (name, kind) in enumerate(files):
                last = i == len(files) - 1
                if kind == "base":
                    base_size = _size(self.path(name))
                start = time.time()
                ret = yield from self._load_file(name, progress)
                if ret in ("ok", "empty") or (ret == "truncated" and last):
                    if ret != "empty" or kind == "base":
                        if ret != "empty":
                            self.log.notice(f"DB loaded from {kind} file {name}: "
                                            f"{time.time() - start:.3f} seconds")
                if ret == "truncated" and not last:
                    self.log.warning("Fatal error: the truncated file is not the last file")
                    raise LoadFailed()
                if ret == "truncated":
                    result = "truncated"
        finally:
            self.p.loader = None
        self.current_size = total
        self.base_size = base_size
        return result

    def _upgrade(self, am):
        """aofUpgradePrepare: an old single appendonly.aof moves into the
        directory as the base file."""
        fname = self.filename
        if not self._mkdir():
            raise LoadFailed()
        am.base = (fname, 1)
        am.base_seq = 1
        am.dirty = True
        if not self.persist_manifest(am):
            raise LoadFailed()
        try:
            os.rename(fname, self.path(fname))
        except OSError as exc:
            self.log.warning(f"Error trying to move the old AOF file {fname} into dir "
                             f"{self.dirname}: {exc.strerror}")
            raise LoadFailed() from None
        self.log.notice(f"Successfully migrated an old-style AOF file ({fname}) into the AOF "
                        f"directory ({self.dirname}).")

    def _load_file(self, name, progress):
        """loadSingleAppendOnlyFile, as a generator: "ok", "empty" or
        "truncated"; raises LoadFailed."""
        from rkvd._core.persist.rdb_load import RDBFLAGS_AOF_PREAMBLE, RdbError, RdbLoader
        path = self.path(name)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError as exc:
            self.log.warning(f"The append log file {name} doesn't exist: {exc.strerror}")
            raise LoadFailed() from None
        except OSError as exc:
            self.log.warning(f"Fatal error: can't open the append log file {name} for reading: "
                             f"{exc.strerror}")
            raise LoadFailed() from None
        if not data:
            return "empty"
        base_done = progress.bytes_read
        pos = 0
        if data[:5] == b"REDIS":
            old_style = name == self.filename
            if old_style:
                self.log.notice("Reading RDB preamble from AOF file...")
            else:
                self.log.notice("Reading RDB base file on AOF loading...")
            loader = RdbLoader.from_bytes(self.engine, data, RDBFLAGS_AOF_PREAMBLE)
            first = True
            while True:
                try:
                    more = loader.step(LOAD_RDB_CHUNK)
                except RdbError as exc:
                    for line in getattr(exc, "lines", None) or [str(exc)]:
                        self.log.warning(line)
                    if old_style:
                        self.log.warning(f"Error reading the RDB preamble of the AOF file {name}, "
                                         "AOF loading aborted")
                    else:
                        self.log.warning(f"Error reading the RDB base file {name}, AOF loading "
                                         "aborted")
                    raise LoadFailed() from None
                if first:
                    first = False
                    self.p._log_aux(loader.aux)
                progress.bytes_read = base_done + loader.bytes_read
                if not more:
                    break
                yield
            self.p.load_keys_loaded = loader.keys_loaded
            self.p.load_keys_expired = loader.expired_skipped
            pos = loader.rdb_end
            if old_style:
                self.log.notice("Reading the remaining AOF tail...")
        ret = yield from self._replay(name, path, data, pos, progress, base_done)
        return ret

    def _replay(self, name, path, data, pos, progress, base_done):
        from rkvd._core.persist.aof_load import SCAN_BAD_FORMAT, SCAN_END, SCAN_MORE, SCAN_TRUNCATED, scan_commands
        e = self.engine
        truncated_ok = self.cfg["aof-load-truncated"]
        client = e.new_client()
        client.connection_made(_NullTransport())
        e.stat_numconnections -= 1
        client.authenticated = True
        e.replay_client = client
        valid_up_to = pos
        valid_before_multi = pos
        in_multi = False
        outcome = None
        known = {}
        try:
            while True:
                status, end, spans = scan_commands(data, pos, LOAD_BATCH_COMMANDS)
                batch_start = pos
                for start, stop, argv0 in spans:
                    if argv0 is None:           # an annotation
                        self._feed(client, data, batch_start, start)
                        batch_start = pos = stop
                        continue
                    ok = known.get(argv0)
                    if ok is None:
                        ok = known[argv0] = e.lookup_command(argv0) is not None
                    if not ok:
                        self._feed(client, data, batch_start, start)
                        self.log.warning(f"Unknown command '{argv0.decode('latin-1')}' reading "
                                         f"the append only file {name}")
                        raise LoadFailed()
                    low = argv0.lower()
                    if low == b"multi":
                        valid_before_multi = valid_up_to
                        in_multi = True
                    elif low == b"exec":
                        in_multi = False
                    pos = stop
                    if truncated_ok:
                        valid_up_to = pos
                self._feed(client, data, batch_start, pos)
                progress.bytes_read = base_done + pos
                if status == SCAN_MORE:
                    yield
                    continue
                if status == SCAN_TRUNCATED:
                    outcome = "uxeof"
                elif status == SCAN_BAD_FORMAT:
                    outcome = "fmterr"
                elif status == SCAN_END and in_multi:
                    self.log.warning(f"Revert incomplete MULTI/EXEC transaction in AOF file {name}")
                    valid_up_to = valid_before_multi
                    outcome = "uxeof"
                break
        finally:
            e.replay_client = None
            client.reset_multi()
            client.close()
        if outcome is None:
            return "ok"
        if outcome == "fmterr":
            self.log.warning(f"Bad file format reading the append only file {name}: make a backup "
                             "of your AOF file, then use ./redis-check-aof --fix <filename.manifest>")
            raise LoadFailed()
        if truncated_ok:
            self.log.warning(f"!!! Warning: short read while loading the AOF file {name}!!!")
            self.log.warning(f"!!! Truncating the AOF {name} at offset {valid_up_to} !!!")
            try:
                os.truncate(path, valid_up_to)
            except OSError as exc:
                self.log.warning(f"Error truncating the AOF file {name}: {exc.strerror}")
            else:
                self.log.warning(f"AOF {name} loaded anyway because aof-load-truncated is enabled")
                return "truncated"
        self.log.warning(f"Unexpected end of file reading the append only file {name}. You can: "
                         "1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
                         "<filename.manifest>. 2) Alternatively you can set the "
                         "'aof-load-truncated' configuration option to yes and restart the server.")
        raise LoadFailed()

    def _feed(self, client, data, start, end):
        # The replayed commands run as the replay client's requests, with
        # the engine loading (no expiry on lookups, past expire times kept,
        # as Redis loads); the engine lets this client past -LOADING.
        if end <= start:
            return
        mv = memoryview(data)
        while start < end:
            buf = memoryview(client.get_buffer(end - start))
            k = min(len(buf), end - start)
            buf[:k] = mv[start:start + k]
            buf.release()
            client.buffer_updated(k)
            start += k
        mv.release()

    def load_sync(self):
        """Run the loader to its end (DEBUG LOADAOF). Returns its result."""
        gen = self.load_steps()
        while True:
            try:
                next(gen)
            except StopIteration as stop:
                return stop.value

    # ------------------------------------------------------------ INFO

    def info_fields(self):
        child = self.p.child
        rewriting = child is not None and child.kind == "aof"
        fields = [
            ("aof_enabled", int(self.state != AOF_OFF)),
            ("aof_rewrite_in_progress", int(rewriting)),
            ("aof_rewrite_scheduled", int(self.rewrite_scheduled)),
            ("aof_last_rewrite_time_sec", self.rewrite_time_last),
            ("aof_current_rewrite_time_sec",
             int(time.time()) - self.rewrite_time_start if rewriting else -1),
            ("aof_last_bgrewrite_status", "ok" if self.lastbgrewrite_ok else "err"),
            ("aof_rewrites", self.rewrites),
            ("aof_rewrites_consecutive_failures", self.consecutive_failures),
            ("aof_last_write_status", "ok" if self.write_ok and not self.bio.fsync_failed else "err"),
            ("aof_last_cow_size", self.last_cow_size),
            ("module_fork_in_progress", 0),
            ("module_fork_last_cow_size", 0),
        ]
        if self.cfg["appendonly"]:
            fields += [
                ("aof_current_size", self.current_size),
                ("aof_base_size", self.base_size),
                ("aof_pending_rewrite", int(self.rewrite_scheduled)),
                ("aof_buffer_length", len(self.buf)),
                ("aof_pending_bio_fsync", self.bio.pending_fsync),
                ("aof_delayed_fsync", self.delayed_fsync),
            ]
        return fields


def _write_all(fd, data):
    mv = memoryview(data)
    off = 0
    while off < len(mv):
        off += os.write(fd, mv[off:])


def _write_some(fd, buf):
    """aofWrite: (bytes written, errno or 0); retries short writes."""
    mv = memoryview(buf)
    off = 0
    err = 0
    try:
        while off < len(mv):
            off += os.write(fd, mv[off:])
    except OSError as exc:
        err = exc.errno
    finally:
        mv.release()
    return off, err


def _fsync_dir(path):
    fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _unlink_quiet(path):
    try:
        os.unlink(path)
    except OSError:
        pass
