"""RDB persistence, the daemon's side (Redis's rdb.c outside the format):
SAVE and BGSAVE, the fork child's life cycle, save points, loading at
start-up, saving at shutdown and FLUSHALL, and the state INFO persistence
reports. The format itself (writer, loader) is the engine's cold extensions
in rkvd._core.persist; the append-only file is rkvd.aof's, which shares the
fork child slot kept here.
"""
import errno
import os
import signal
import time

from rkvd import REDIS_VERSION

# rdb_save.pxd's flags
RDB_SAVE_COMPRESS = 1
RDB_SAVE_CHECKSUM = 2
RDB_SAVE_KEEP_LRU = 4
RDB_SAVE_KEEP_LFU = 8
RDB_SAVE_INCREMENTAL_FSYNC = 16
RDB_SAVE_NO_DATA = 32

# The exit status of a fork child that ended on the parent's SIGUSR1 (Redis's
# SERVER_CHILD_NOERROR_RETVAL, see lib/signals.pxd): read as killed by it.
CHILD_NOERROR_EXIT = 255

# Redis retries a failed BGSAVE of the save points after this many seconds.
BGSAVE_RETRY_DELAY = 5

MISCONF = (b"-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
           b"persist to disk. Commands that may modify the data set are disabled, because this "
           b"instance is configured to report errors during writes if RDB snapshotting fails "
           b"(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
           b"the RDB error.")


class _Child:
    """The running fork child."""

    def __init__(self, kind, pid, report_fd, tmp_path):
        self.kind = kind            # "rdb" or "aof" (BGREWRITEAOF)
        self.pid = pid
        self.report_fd = report_fd
        self.tmp_path = tmp_path
        self.start = time.time()
        self.rdb_base = True        # an AOF rewrite's base: RDB preamble or commands
        self.to_replicas = False    # an RDB child writing to the replicas' sockets (diskless)


class Persistence:
    def __init__(self, server):
        self.server = server
        self.engine = server.engine
        self.cfg = server.cfg
        self.log = server.log
        self.lastsave = int(time.time())
        self.lastbgsave_try = 0
        self.lastbgsave_ok = True
        self.child = None
        self.bgsave_scheduled = False
        self.dirty_before_bgsave = 0
        self.rdb_saves = 0
        self.last_bgsave_time_sec = -1
        self.last_cow_size = 0
        self.latest_fork_usec = 0
        self.total_forks = 0
        self.load_keys_loaded = 0
        self.load_keys_expired = 0
        self.loader = None              # the RdbLoader while loading
        # a replica receiving a diskless full sync of the history it holds
        # (repl-diskless-load swapdb): the old data set is served meanwhile
        self.async_loading = False
        self.loading_start = 0
        self.loading_rdb_used_mem = 0
        from rkvd.aof import Aof
        self.aof = Aof(self)

    # The running fork child (RDB or AOF rewrite), or None. Setting it
    # switches the keyspace tables' resizing off or back on.
    @property
    def child(self):
        return self._child

    @child.setter
    def child(self, child):
        from rkvd._core.persist.fork import set_resize_allowed
        self._child = child
        set_resize_allowed(self.engine, child is None)
        self.engine.child_active = child is not None
        # what the child reports as it goes (Redis's resetChildState)
        self.current_cow = self.current_cow_peak = 0
        self.current_cow_updated = 0.0
        self.save_keys_processed = 0
        self.save_keys_total = sum(len(db) for db in self.engine.dbs) if child is not None else 0

    def _child_progress(self):
        """Take the progress the running child reported (once a second)."""
        from rkvd._core.persist.fork import read_child_progress
        rec = read_child_progress(self.child.report_fd)
        if rec is None:
            return
        self.current_cow = rec["cow"]
        self.current_cow_peak = max(self.current_cow_peak, rec["cow"])
        self.current_cow_updated = time.monotonic()
        self.save_keys_processed = rec["keys"]

    # ------------------------------------------------------------ settings

    def rdb_filename(self):
        # The server runs in `dir` (chdir at start-up and on CONFIG SET dir).
        return self.cfg["dbfilename"]

    def save_flags(self):
        flags = 0
        if self.cfg["rdbcompression"]:
            flags |= RDB_SAVE_COMPRESS
        if self.cfg["rdbchecksum"]:
            flags |= RDB_SAVE_CHECKSUM
        if self.cfg["rdb-save-incremental-fsync"]:
            flags |= RDB_SAVE_INCREMENTAL_FSYNC
        policy = self.cfg["maxmemory-policy"]
        if "lru" in policy:
            flags |= RDB_SAVE_KEEP_LRU
        elif "lfu" in policy:
            flags |= RDB_SAVE_KEEP_LFU
        return flags

    def aux(self, aof_base=False, functions=True):
        """What an RDB file holds between its magic and its databases: the
        AUX fields, then the libraries' FUNCTION2 records (rdbSaveRio)."""
        from rkvd._core.persist.rdb_save import rdb_aux_blob, rdb_function_records
        from rkvd.info import used_memory
        return rdb_aux_blob([
            (b"redis-ver", REDIS_VERSION.encode()),
            (b"redis-bits", 64),
            (b"ctime", int(time.time())),
            (b"used-mem", used_memory()),
        ] + self.server.repl.rdb_aux_fields() + [
            (b"aof-base", 1 if aof_base else 0),
        ]) + (rdb_function_records(function_codes(), self.save_flags() & RDB_SAVE_COMPRESS)
              if functions else b"")

    def apply_key_save_delay(self, cfg=None):
        """rdb-key-save-delay (a testing knob Redis's suite uses to slow a
        save down): microseconds of sleep per key written."""
        from rkvd._core.persist.rdb_save import rdb_set_key_save_delay
        rdb_set_key_save_delay(self.cfg["rdb-key-save-delay"])

    def update_disk_error(self, cfg=None):
        """-MISCONF for writes while the last save failed, save points are set
        and stop-writes-on-bgsave-error is on (the config rows' hook too)."""
        deny = (not self.lastbgsave_ok and self.cfg["stop-writes-on-bgsave-error"]
                and bool(self.cfg["save"]))
        self.engine.disk_error = MISCONF if deny else self.aof.disk_error()

    # ------------------------------------------------------------ SAVE

    def save(self):
        """A foreground save (SAVE, SHUTDOWN, FLUSHALL, DEBUG RELOAD): True
        on success; failures are logged as Redis logs them."""
        from rkvd._core.persist.rdb_save import rdb_save_path
        path = self.rdb_filename()
        try:
            rdb_save_path(self.engine, path, self.save_flags(), self.aux())
        except OSError as exc:
            stage = getattr(exc, "stage", "write")
            err = exc.strerror or os.strerror(exc.errno or 0)
            if stage == "open":
                self.log.warning(f"Failed opening the temp RDB file temp-{os.getpid()}.rdb "
                                 f"(in server root dir {_cwd()}) for saving: {err}")
            elif stage == "rename":
                self.log.warning(f"Error moving temp DB file temp-{os.getpid()}.rdb on the final "
                                 f"destination {path} (in server root dir {_cwd()}): {err}")
            else:
                names = {"write": "rdbSaveRio", "close": "fclose", "fsync-dir": "fsyncFileDir"}
                self.log.warning(f"Write error saving DB on disk({names.get(stage, stage)}): {err}")
            return False
        self.log.notice("DB saved on disk")
        self.engine.dirty = 0
        self.lastsave = int(time.time())
        self.lastbgsave_ok = True
        self.update_disk_error()
        return True

    # ------------------------------------------------------------ BGSAVE

    def bgsave(self):
        """Fork the child that writes the snapshot. True if it started."""
        from rkvd._core.persist.fork import fork_rdb_child
        if self.child is not None:
            return False
        self.rdb_saves += 1
        self.dirty_before_bgsave = self.engine.dirty
        self.lastbgsave_try = int(time.time())
        path = self.rdb_filename()
        try:
            pid, fd, fork_usec = self._fork(fork_rdb_child, path)
        except OSError as exc:
            self.lastbgsave_ok = False
            self.update_disk_error()
            self.log.warning(f"Can't save in background: fork: {exc.strerror}")
            return False
        self.latest_fork_usec = fork_usec
        self.server.latency.sample("fork", fork_usec // 1000)
        self.total_forks += 1
        self.child = _Child("rdb", pid, fd, f"temp-{pid}.rdb")
        self.log.notice(f"Background saving started by pid {pid}")
        return True

    def bgsave_to_replicas(self, mark, data=True, functions=True):
        """Fork the diskless replication child (the RDB framed by the EOF
        `mark`, through a pipe; without the keys or the functions when
        told, for REPLCONF rdb-filter-only). Returns the pipe's read end, or
        None after logging why the fork failed."""
        from rkvd._core.persist.fork import fork_rdb_pipe_child
        if self.child is not None:
            return None
        flags = self.save_flags() & ~RDB_SAVE_INCREMENTAL_FSYNC
        if not data:
            flags |= RDB_SAVE_NO_DATA
        listen_fds = [fd for fd in self.server.listening_fds() if fd >= 0]
        try:
            pid, fd, fork_usec, data_fd = fork_rdb_pipe_child(self.engine, mark, flags,
                                                              self.aux(functions=functions),
                                                              listen_fds)
        except OSError as exc:
            self.log.warning(f"Can't save in background: fork: {exc.strerror}")
            return None
        self.latest_fork_usec = fork_usec
        self.server.latency.sample("fork", fork_usec // 1000)
        self.total_forks += 1
        child = _Child("rdb", pid, fd, None)
        child.to_replicas = True
        self.child = child
        self.log.notice(f"Background RDB transfer started by pid {pid}")
        return data_fd

    def _fork(self, fork_fn, path):
        # The child renames temp-<its pid>.rdb onto the file: it learns its
        # pid only after the fork, so the name is given as a pattern.
        flags, aux = self.save_flags(), self.aux()
        listen_fds = [fd for fd in self.server.listening_fds() if fd >= 0]
        return fork_fn(self.engine, "temp-%d.rdb", path, flags, aux, listen_fds)

    def kill_child(self):
        """Stop a running child (FLUSHALL, SHUTDOWN): SIGUSR1, which Redis
        treats as no error, then reap it and remove its temp file."""
        child = self.child
        if child is None:
            return
        try:
            os.kill(child.pid, signal.SIGUSR1)
            os.waitpid(child.pid, 0)
        except ChildProcessError:
            pass
        if child.tmp_path:
            _unlink(child.tmp_path)
        os.close(child.report_fd)
        self.child = None
        if child.kind == "rdb":
            self.server.replication.child_killed()

    def _child_done(self, status):
        from rkvd._core.persist.fork import read_child_report
        child = self.child
        self.child = None
        report = read_child_report(child.report_fd)
        if child.to_replicas:
            self._replicas_child_done(status)
            return
        self.last_bgsave_time_sec = int(time.time() - child.start)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == CHILD_NOERROR_EXIT:
            status = signal.SIGUSR1         # the child's way of saying it was killed
        if os.WIFEXITED(status):
            code = os.WEXITSTATUS(status)
            if report is not None:
                self._log_child(child.pid, report)
            if code == 0:
                self.log.notice("Background saving terminated with success")
                self.engine.dirty -= self.dirty_before_bgsave
                self.lastsave = int(time.time())
                self.lastbgsave_ok = True
                if report is not None:
                    self.last_cow_size = report["cow"]
            else:
                self.log.warning("Background saving error")
                self.lastbgsave_ok = False
        else:
            sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
            self.log.warning(f"Background saving terminated by signal {sig}")
            _unlink(child.tmp_path)
            if sig != signal.SIGUSR1:
                self.lastbgsave_ok = False
        self.update_disk_error()
        # replicas waiting for this snapshot get it, or are dropped
        self.server.replication.bgsave_done(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0)

    def _replicas_child_done(self, status):
        # Redis's backgroundSaveDoneHandlerSocket: no file was written, so
        # lastsave and the change counter stay
        ok = False
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            self.log.notice("Background RDB transfer terminated with success")
            ok = True
        elif os.WIFEXITED(status) and os.WEXITSTATUS(status) != CHILD_NOERROR_EXIT:
            self.log.warning("Background transfer error")
        else:
            sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else signal.SIGUSR1
            self.log.warning(f"Background transfer terminated by signal {sig}")
        self.server.replication.bgsave_done(ok)

    def _log_child(self, pid, report):
        # What Redis's child logs itself; ours runs C only, so its parent
        # writes the lines for it, under the child's pid and role.
        if report["status"] == 0:
            self.log.log_as(pid, "C", "notice", "DB saved on disk")
            mb = report["cow"] >> 20
            self.log.log_as(pid, "C", "notice",
                            f"Fork CoW for RDB: current {mb} MB, peak {mb} MB, average {mb} MB")
            return
        err = os.strerror(report["status"])
        if report["stage"] == "open":
            self.log.log_as(pid, "C", "warning",
                            f"Failed opening the temp RDB file temp-{pid}.rdb (in server root dir "
                            f"{_cwd()}) for saving: {err}")
        elif report["stage"] == "rename":
            self.log.log_as(pid, "C", "warning",
                            f"Error moving temp DB file temp-{pid}.rdb on the final destination "
                            f"{self.rdb_filename()} (in server root dir {_cwd()}): {err}")
        else:
            self.log.log_as(pid, "C", "warning",
                            f"Write error saving DB on disk({report['stage']}): {err}")

    # ------------------------------------------------------------ cron

    def cron(self):
        self.aof.cron_before_children()
        self._cron_children()
        self.aof.cron_flush()

    def reap_child(self):
        """Handle the running child's end now if it has exited (Redis's
        checkChildrenDone outside the cron)."""
        if self.child is None:
            return
        try:
            pid, status = os.waitpid(self.child.pid, os.WNOHANG)
        except ChildProcessError:
            return
        if pid != 0:
            if self.child.kind == "aof":
                self._aof_child_done(status)
            else:
                self._child_done(status)

    def _cron_children(self):
        if self.child is not None:
            try:
                pid, status = os.waitpid(self.child.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.child.pid, 0x100       # lost: count as an error
            if pid != 0:
                if self.child.kind == "aof":
                    self._aof_child_done(status)
                else:
                    self._child_done(status)
            else:
                self._child_progress()
            return
        if self.bgsave_scheduled:
            self.bgsave_scheduled = False
            self.bgsave()
            return
        now = int(time.time())
        dirty = self.engine.dirty
        for seconds, changes in self.cfg["save"]:
            if dirty >= changes and now - self.lastsave > seconds and (
                    now - self.lastbgsave_try > BGSAVE_RETRY_DELAY or self.lastbgsave_ok):
                self.log.notice(f"{changes} changes in {seconds} seconds. Saving...")
                self.bgsave()
                return
        self.aof.cron_no_child()

    def _aof_child_done(self, status):
        from rkvd._core.persist.fork import read_child_report
        child = self.child
        self.child = None
        self.aof.child_done(child, status, read_child_report(child.report_fd))

    # ------------------------------------------------------------ events

    def after_flushall(self):
        """Redis's FLUSHALL: a running snapshot is pointless now; with save
        points, an empty snapshot replaces the file at once (and, as in
        Redis 7.0, leaves no change counted: FLUSHALL is propagated because
        it forces it, not through the counter)."""
        if self.child is not None and self.child.kind == "rdb":
            self.kill_child()
        if self.cfg["save"]:
            self.save()

    def shutdown_save(self, flags):
        """The save of SHUTDOWN and SIGTERM. flags: a set of "save",
        "nosave", "force". True if the server may exit."""
        if self.child is not None and self.child.kind == "rdb":
            self.log.warning("There is a child saving an .rdb. Killing it!")
            self.kill_child()
        if not self.aof.shutdown("force" in flags):
            return False
        want = ("save" in flags or bool(self.cfg["save"])) and "nosave" not in flags
        if not want:
            return True
        self.log.notice("Saving the final RDB snapshot before exiting.")
        if self.save():
            return True
        if "force" in flags:
            self.log.warning("Error trying to save the DB. Exit anyway.")
            return True
        self.log.warning("Error trying to save the DB, can't exit.")
        return False

    # ------------------------------------------------------------ loading

    def start_loading(self, loop, done):
        """Load the RDB file (if any) in chunks from the event loop, clients
        getting -LOADING meanwhile; then call done(). A file that cannot be
        loaded ends the server as Redis ends."""
        from rkvd._core.persist.rdb_load import RDBFLAGS_FEED_REPL, RdbError, RdbLoader, rdb_set_key_load_delay
        if self.cfg["appendonly"]:
            self._start_loading_aof(loop, done)
            return
        path = self.rdb_filename()
        start = time.time()
        # a master lists the keys it drops as expired: their DELs continue
        # the history the file recorded (Redis's RDBFLAGS_FEED_REPL)
        flags = RDBFLAGS_FEED_REPL if self.server.repl.master is None else 0
        try:
            loader = RdbLoader(self.engine, path, flags)
        except FileNotFoundError:
            done()
            return
        except OSError as exc:
            self.log.warning(f"Fatal error loading the DB: {exc.strerror}. Exiting.")
            self.server.abort_start(1)
            return
        self.loader = loader
        self.loading_start = start
        self._set_loading(True)
        first = [True]

        def step():
            if self._shutdown_while_loading():
                return
            try:
                # loading-process-events-interval-bytes: how much is loaded
                # between two turns of the loop (clients get -LOADING then)
                rdb_set_key_load_delay(self.cfg["key-load-delay"])
                more = loader.step(self.cfg["loading-process-events-interval-bytes"])
            except RdbError as exc:
                self._set_loading(False)
                self.loader = None
                for line in getattr(exc, "lines", None) or [str(exc)]:
                    self.log.warning(line)
                self.log.warning("Terminating server after rdb file reading failure.")
                self.server.abort_start(1)
                return
            if first[0]:
                first[0] = False
                self._log_aux(loader.aux)
            if more:
                loop.call_soon(step)
                return
            self._set_loading(False)
            self.loader = None
            self.load_keys_loaded = loader.keys_loaded
            self.load_keys_expired = loader.expired_skipped
            empty = getattr(loader, "empty_keys_skipped", 0)
            if empty:
                self.log.warning(f"Done loading RDB, keys loaded: {loader.keys_loaded}, "
                                 f"keys expired: {loader.expired_skipped}, "
                                 f"empty keys skipped: {empty}.")
            else:
                self.log.notice(f"Done loading RDB, keys loaded: {loader.keys_loaded}, "
                                f"keys expired: {loader.expired_skipped}.")
            self.log.notice(f"DB loaded from disk: {time.time() - start:.3f} seconds")
            self.lastsave = int(time.time())
            self._restore_history(loader.aux, loader.expired_feed)
            done()

        loop.call_soon(step)

    def _start_loading_aof(self, loop, done):
        # With appendonly yes the AOF is the dataset (the RDB file is not
        # read), then the AOF opens for appending.
        from rkvd.aof import LoadFailed
        aof = self.aof
        start = time.time()
        try:
            aof.load_manifest()
        except LoadFailed:
            self.server.abort_start(1)
            return
        gen = aof.load_steps()
        self.engine.loading = True

        def step():
            try:
                next(gen)
                loop.call_soon(step)
                return
            except StopIteration as stop:
                ret = stop.value
            except LoadFailed:
                self.engine.loading = False
                self.server.abort_start(1)
                return
            self.engine.loading = False
            if ret != "not-exist":
                self.log.notice(f"DB loaded from append only file: {time.time() - start:.3f} seconds")
            try:
                aof.open_on_start()
            except LoadFailed:
                self.server.abort_start(1)
                return
            done()

        loop.call_soon(step)

    def load_aof_debug(self):
        """DEBUG LOADAOF: flush the AOF, empty the dataset, load it back
        synchronously; a file that cannot be loaded ends the server."""
        from rkvd.aof import AOF_ON, LoadFailed
        aof = self.aof
        if aof.state == AOF_ON:
            aof.flush(force=True)
        self.engine.flushall()
        try:
            aof.load_manifest()
            aof.del_history_files()
            prop = self.engine.prop_on
            self.engine.prop_on = False
            self.engine.loading = True
            try:
                ret = aof.load_sync()
            finally:
                self.engine.prop_on = prop
                self.engine.loading = False
        except LoadFailed:
            os._exit(1)
        if ret not in ("ok", "empty"):      # as Redis: no AOF, or a truncated one
            os._exit(1)
        self.engine.dirty = 0
        self.log.warning("Append Only File loaded by DEBUG LOADAOF")

    def _set_loading(self, loading):
        from rkvd._core.lib import signals
        self.engine.loading = loading
        signals.set_loading(loading)

    def _shutdown_while_loading(self):
        """A shutdown signal while loading: stop without saving (Redis's
        whileBlockedCron). True if the server is stopping."""
        from rkvd._core.lib import signals
        if not signals.pending():
            return False
        if self.server.prepare_for_shutdown({"nosave"}, signame="SIGTERM"):
            return True
        self.log.warning("SIGTERM received but errors trying to shut down the server, check the "
                         "logs for more information")
        signals.clear()
        return False

    def _restore_history(self, aux, expired):
        # The replication ID and offset the file recorded continue: as the
        # cached master of a replica, as the secondary ID of a master, whose
        # stream then starts with the DELs of the keys the load dropped as
        # expired (replicas loaded them from the same history).
        from rkvd.replication.state import rdb_history
        rsi = rdb_history(aux)
        if rsi is None:
            return
        repl = self.server.repl
        if repl.master is not None:
            self.server.replica.restore_cached(*rsi)
            return
        repl.restore_as_master(rsi[0], rsi[1])
        repl.backlog_no_replicas_since = int(time.time())
        if expired:
            cmd = b"UNLINK" if self.cfg["lazyfree-lazy-expire"] else b"DEL"
            out, selected = [], -1
            for dbid, key in expired:
                if dbid != selected:
                    db = b"%d" % dbid
                    out.append(b"*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n" % (len(db), db))
                    selected = dbid
                out.append(b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(cmd), cmd, len(key), key))
            repl.feed(b"".join(out))
            # no replica holds any of it yet: the backlog keeps its size, as
            # Redis trims on every new block
            repl.backlog.trim()
            self.engine.reset_propagation_db()  # the next write starts with a SELECT
        self.server.stream.update()         # a backlog wants the stream recorded

    def _log_aux(self, aux):
        ver = aux.get(b"redis-ver")
        if ver is not None:
            self.log.notice(f"Loading RDB produced by version {ver.decode(errors='replace')}")
        ctime = aux.get(b"ctime")
        if ctime is not None:
            self.log.notice(f"RDB age {int(time.time()) - int(ctime)} seconds")
        used = aux.get(b"used-mem")
        if used is not None:
            self.loading_rdb_used_mem = int(used)
            self.log.notice(f"RDB memory usage when created {int(used) / (1024 * 1024):.2f} Mb")

    def reload(self, save, flush, merge):
        """DEBUG RELOAD: save, empty, load back synchronously. An error
        text for the client, or None."""
        from rkvd._core.persist.rdb_load import (
            RDBFLAGS_ALLOW_DUP,
            RdbError,
            rdb_load_path,
            rdb_set_key_load_delay,
        )
        if save and not self.save():
            return "ERR"
        if flush:
            # emptyData: the libraries go with the keys
            self.engine.flushall()
            from rkvd._core.scripting.luaengine import functions_flush
            functions_flush()
        try:
            rdb_set_key_load_delay(self.cfg["key-load-delay"])
            rdb_load_path(self.engine, self.rdb_filename(), RDBFLAGS_ALLOW_DUP if merge else 0)
        except (RdbError, OSError) as exc:
            self.log.warning(f"Error loading the RDB: {exc}")
            return "Error trying to load the RDB dump"
        self.log.warning("DB reloaded by DEBUG RELOAD")
        return None

    # ------------------------------------------------------------ INFO

    def info_fields(self):
        e = self.engine
        child = self.child
        now = time.time()
        fields = [
            ("loading", int(bool(e.loading))),
            ("async_loading", int(self.async_loading)),
            ("current_cow_peak", self.current_cow_peak),
            ("current_cow_size", self.current_cow),
            ("current_cow_size_age",
             int(time.monotonic() - self.current_cow_updated) if self.current_cow_updated else 0),
            ("current_fork_perc", "%.2f" % (self.save_keys_processed * 100.0 / self.save_keys_total
                                            if child is not None and self.save_keys_total else 0)),
            ("current_save_keys_processed", self.save_keys_processed),
            ("current_save_keys_total", self.save_keys_total),
            ("rdb_changes_since_last_save", e.dirty),
            ("rdb_bgsave_in_progress", int(child is not None and child.kind == "rdb")),
            ("rdb_last_save_time", self.lastsave),
            ("rdb_last_bgsave_status", "ok" if self.lastbgsave_ok else "err"),
            ("rdb_last_bgsave_time_sec", self.last_bgsave_time_sec),
            ("rdb_current_bgsave_time_sec",
             int(now - child.start) if child is not None and child.kind == "rdb" else -1),
            ("rdb_saves", self.rdb_saves),
            ("rdb_last_cow_size", self.last_cow_size),
            ("rdb_last_load_keys_expired", self.load_keys_expired),
            ("rdb_last_load_keys_loaded", self.load_keys_loaded),
        ]
        return fields + self.aof.info_fields()

    def loading_fields(self):
        """The loading_* fields INFO shows while a file loads."""
        ld = self.loader
        if ld is None:
            return []
        elapsed = time.time() - self.loading_start
        total = ld.total_bytes
        done = ld.bytes_read
        perc = done * 100.0 / total if total else 0.0
        eta = int((total - done) / (done / elapsed)) if done and elapsed > 0 else 1
        return [
            ("loading_start_time", int(self.loading_start)),
            ("loading_total_bytes", total),
            ("loading_rdb_used_mem", self.loading_rdb_used_mem),
            ("loading_loaded_bytes", done),
            ("loading_loaded_perc", f"{perc:.2f}"),
            ("loading_eta_seconds", eta),
        ]


def function_codes():
    """The libraries' codes, as the RDB, the AOF rewrite and DUMP hold them."""
    from rkvd._core.scripting.luaengine import function_codes as codes
    return codes()


def _cwd():
    try:
        return os.getcwd()
    except OSError:
        return "unknown"


def _unlink(path):
    try:
        os.unlink(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
