"""The replication history both sides share: IDs, the offset and the backlog.

A master feeds every byte of its replication stream through `feed`; a replica
feeds the bytes its master sent, unchanged, so that its own replicas (a chain)
and a later promotion can serve partial resyncs from the same history.
PSYNC2's two IDs live here: `replid` names the history the offset counts,
`replid2` the history this one continued from, valid up to
`second_replid_offset` (Redis's shiftReplicationId after a promotion).
"""

import os

NULL_REPLID = "0" * 40


def rdb_history(aux):
    """(replid, offset, stream db) from an RDB's AUX fields, or None when the
    file records no history to continue (rdbLoadRio's rsi checks)."""
    replid, offset, db = aux.get(b"repl-id"), aux.get(b"repl-offset"), aux.get(b"repl-stream-db")
    if replid is None or len(replid) != 40 or offset is None or db is None:
        return None
    try:
        offset, db = int(offset), int(db)
    except ValueError:
        return None
    if offset == -1 or db == -1:
        return None
    return replid.decode(errors="replace"), offset, db


def new_replid():
    return os.urandom(20).hex()


class Backlog:
    """A ring of the last `size` stream bytes; offsets are absolute stream
    offsets (the first byte of the stream is offset 1, as in Redis)."""

    __slots__ = ("size", "_buf", "_end", "histlen", "offset")

    def __init__(self, size, offset):
        self.size = size
        self._buf = bytearray(size)
        self._end = 0               # ring index one past the newest byte
        self.histlen = 0
        self.offset = offset        # the stream offset of the first byte held, minus 1

    @property
    def first_byte_offset(self):
        return self.offset + 1

    def feed(self, data):
        n = len(data)
        if n >= self.size:
            self._buf[:] = data[n - self.size:]
            self._end = 0
        else:
            head = min(n, self.size - self._end)
            self._buf[self._end:self._end + head] = data[:head]
            if head < n:
                self._buf[:n - head] = data[head:]
            self._end = (self._end + n) % self.size
        self.histlen = min(self.histlen + n, self.size)

    def tail(self, n):
        """The newest `n` bytes held (n <= histlen)."""
        if n <= 0:
            return b""
        start = (self._end - n) % self.size
        if start + n <= self.size:
            return bytes(self._buf[start:start + n])
        return bytes(self._buf[start:]) + bytes(self._buf[:n - (self.size - start)])

    def resize(self, size):
        """Keep the newest bytes that fit in the new size."""
        if size == self.size:
            return
        keep = min(self.histlen, size)
        tail = self.tail(keep)
        self.size = size
        self._buf = bytearray(size)
        self._buf[:keep] = tail
        self._end = keep % size
        self.histlen = keep


class ReplState:
    """server.repl: one per process, whatever its role."""

    def __init__(self, backlog_size):
        self.replid = new_replid()
        self.replid2 = NULL_REPLID
        self.second_replid_offset = -1
        self.master_repl_offset = 0
        self.backlog_size = backlog_size
        self.backlog = None             # created when the first replica attaches (or on a replica)
        self.backlog_no_replicas_since = None
        # The link to this server's master while it is a replica (its host,
        # port, link_status and state; rkvd.replication.replica), else None.
        self.master = None

    # --- history -----------------------------------------------------------

    def create_backlog(self):
        """Start keeping history from the current offset (Redis's
        createReplicationBacklog). A master with no backlog yet also takes a
        fresh replid2-free history so old offsets are never matched."""
        if self.backlog is None:
            self.backlog = Backlog(self.backlog_size, self.master_repl_offset)

    def free_backlog(self):
        self.backlog = None

    def resize_backlog(self, size):
        self.backlog_size = size
        if self.backlog is not None:
            self.backlog.resize(size)

    def feed(self, data):
        """Account `data` as stream bytes: advance the offset and keep them in
        the backlog when there is one."""
        if self.backlog is not None:
            self.backlog.feed(data)
            self.backlog.offset = self.master_repl_offset + len(data) - self.backlog.histlen
        self.master_repl_offset += len(data)

    def can_continue(self, replid, offset):
        """Whether a PSYNC `replid` `offset` can be served from the backlog
        (Redis's masterTryPartialResynchronization checks)."""
        if replid != self.replid and not (replid == self.replid2 and offset <= self.second_replid_offset):
            return False
        bl = self.backlog
        if bl is None:
            return False
        return bl.first_byte_offset <= offset <= self.master_repl_offset + 1

    def backlog_since(self, offset):
        """The stream from `offset` (1-based) to the current offset."""
        return self.backlog.tail(self.master_repl_offset - offset + 1)

    def rdb_aux_fields(self):
        """The AUX fields an RDB records of this history (Redis's
        rdbPopulateSaveInfo): where the stream stood when the snapshot was
        taken, so a server restarted from it can continue it. A master
        records it while it keeps a backlog (it is in a replication chain), a
        replica while it has a master client or a cached one, with the
        database that client had selected. Empty otherwise."""
        if self.master is None:
            if self.backlog is None:
                return []
            db = 0      # our next write starts with a SELECT anyway
        else:
            db = self.master.stream_db()
            if db is None:
                return []
        return [(b"repl-stream-db", db), (b"repl-id", self.replid.encode()),
                (b"repl-offset", self.master_repl_offset)]

    def restore_as_master(self, replid, offset):
        """A master restarted from an RDB holding history (Redis's
        loadDataFromDisk): its own ID stays new, the loaded one becomes the
        secondary ID valid up to the loaded offset, and the backlog starts
        there, so replicas of the previous run continue with +CONTINUE."""
        self.replid2 = replid
        self.second_replid_offset = offset + 1
        self.master_repl_offset += offset
        if self.backlog is None:
            self.backlog = Backlog(self.backlog_size, self.master_repl_offset)
        else:
            self.backlog.offset = self.master_repl_offset - self.backlog.histlen

    # --- IDs ---------------------------------------------------------------

    def change_replid(self):
        """A new history (a full sync loaded, DEBUG CHANGE-REPL-ID)."""
        self.replid = new_replid()

    def clear_replid2(self):
        self.replid2 = NULL_REPLID
        self.second_replid_offset = -1

    def shift_replid(self):
        """On promotion: the old history becomes the secondary one, valid up to
        the offset reached, and a new one starts (Redis's shiftReplicationId)."""
        self.replid2 = self.replid
        self.second_replid_offset = self.master_repl_offset + 1
        self.change_replid()
