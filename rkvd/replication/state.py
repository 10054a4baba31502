"""The replication history both sides share: IDs, the offset and the backlog.

A master feeds every byte of its replication stream through `feed`; a replica
feeds the bytes its master sent, unchanged, so that its own replicas (a chain)
and a later promotion can serve partial resyncs from the same history.
PSYNC2's two IDs live here: `replid` names the history the offset counts,
`replid2` the history this one continued from, valid up to
`second_replid_offset` (Redis's shiftReplicationId after a promotion).
"""

import bisect
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


# The replication buffer's blocks (Redis 7's replBufBlock): at least
# PROTO_REPLY_CHUNK_BYTES, at most a sixteenth of the backlog size, so a
# replica that is caught up never pins more than one small block. Each block
# is counted with what it costs here beyond its bytes, as used_memory counts
# it: the bytearray object and its terminating NUL, the _Block and its int
# offsets, the list slot and the allocator's chunk headers (248 bytes in
# glibc's in-use figure, which used_memory follows; Redis's header and list
# node are 72). Counting less let used_memory outgrow
# mem_not_counted_for_evict by that much per block while a replica lags, and
# eviction took keys for it (tests/replication/test_repl_buffer.py measures
# it).
BLOCK_MIN = 16 * 1024
BLOCK_OVERHEAD = 248


class _Block:
    __slots__ = ("buf", "used", "offset")

    def __init__(self, size, offset):
        self.buf = bytearray(size)
        self.used = 0
        self.offset = offset        # the stream offset of buf[0] (1-based)


class Backlog:
    """The replication buffer Redis 7 shares between the backlog and the
    replicas: a list of blocks holding the stream once. The backlog is the
    whole list (histlen bytes, normally trimmed to `size`); a replica is an
    offset into it (the next byte to send), and the blocks from the oldest
    such offset on are kept however large they grow. So N replicas behind
    the stream cost the memory of one copy, and a slow replica lets the
    backlog outgrow its configured size (and serve partial resyncs from
    there) until it catches up or is dropped. Offsets are absolute stream
    offsets (the stream's first byte is offset 1)."""

    __slots__ = ("size", "blocks", "histlen", "offset", "mem")

    def __init__(self, size, offset):
        self.size = size
        self.blocks = []
        self.histlen = 0
        self.offset = offset        # the stream offset of the first byte held, minus 1
        self.mem = 0                # Redis's repl_buffer_mem

    @property
    def first_byte_offset(self):
        return self.offset + 1

    @property
    def excess(self):
        """What the buffer holds beyond the backlog size: the replicas' share
        (Redis's split of repl_buffer_mem), 0 while within it."""
        return max(self.mem - self.size, 0)

    @property
    def end_offset(self):
        """The offset of the newest byte held."""
        return self.offset + self.histlen

    def feed(self, data):
        """Append the stream bytes `data`; True when a block was added (when
        Redis checks the replicas' output limits and trims)."""
        n = len(data)
        pos = 0
        added = False
        blocks = self.blocks
        tail = blocks[-1] if blocks else None
        end = self.end_offset
        while pos < n:
            if tail is not None and tail.used < len(tail.buf):
                take = min(len(tail.buf) - tail.used, n - pos)
            else:
                limit = max(self.size // 16, BLOCK_MIN)
                tail = _Block(min(max(n - pos, BLOCK_MIN), limit), end + pos + 1)
                blocks.append(tail)
                self.mem += len(tail.buf) + BLOCK_OVERHEAD
                added = True
                take = min(len(tail.buf), n - pos)
            tail.buf[tail.used:tail.used + take] = data[pos:pos + take]
            tail.used += take
            pos += take
        self.histlen += n
        return added

    def _index(self, offset):
        # the block holding stream offset `offset` (offset within the buffer)
        blocks = self.blocks
        i = bisect.bisect_right(blocks, offset, key=_block_offset) - 1
        return max(i, 0)

    def read(self, offset, limit):
        """Up to `limit` bytes from stream offset `offset` (within the
        buffer), never across a block."""
        if offset <= self.offset or offset > self.end_offset:
            return b""
        b = self.blocks[self._index(offset)]
        start = offset - b.offset
        return bytes(b.buf[start:min(b.used, start + limit)])

    def since(self, offset):
        """Every byte from stream offset `offset` to the newest."""
        parts = []
        while offset <= self.end_offset:
            chunk = self.read(offset, 1 << 30)
            if not chunk:
                break
            parts.append(chunk)
            offset += len(chunk)
        return b"".join(parts)

    def held_from(self, offset):
        """What a replica whose next byte is `offset` holds of the buffer,
        as Redis measures it (getClientOutputBufferMemoryUsage): from the
        start of its block to the end of the last block, plus the blocks'
        bookkeeping."""
        if not self.blocks:
            return 0
        if offset > self.end_offset:                # caught up: it still holds the tail block
            return len(self.blocks[-1].buf) + BLOCK_OVERHEAD
        i = self._index(offset)
        last = self.blocks[-1]
        return (last.offset + len(last.buf) - self.blocks[i].offset
                + BLOCK_OVERHEAD * (len(self.blocks) - i))

    def trim(self, oldest_ref=None):
        """Free the oldest blocks beyond `size` that no replica still needs
        (oldest_ref: the lowest next-byte offset of the replicas holding
        the buffer, or None). Redis's incrementalTrimReplicationBacklog."""
        blocks = self.blocks
        drop = 0
        hist = self.histlen
        while hist > self.size and len(blocks) - drop > 1:
            b = blocks[drop]
            if oldest_ref is not None and oldest_ref < b.offset + b.used:
                break
            if hist - b.used <= self.size:
                break
            hist -= b.used
            self.mem -= len(b.buf) + BLOCK_OVERHEAD
            drop += 1
        if drop:
            del blocks[:drop]
            self.offset += self.histlen - hist
            self.histlen = hist

    def rebase(self, delta):
        """The stream's offsets moved by `delta` (a history restored from a
        file): the blocks held keep their bytes at the new offsets."""
        self.offset += delta
        for b in self.blocks:
            b.offset += delta

    def resize(self, size):
        """A new repl-backlog-size: the history beyond it goes as blocks
        free (Redis's resizeReplicationBacklog)."""
        self.size = size


def _block_offset(b):
    return b.offset


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
        the backlog when there is one. True when the buffer took a new block."""
        added = False
        if self.backlog is not None:
            added = self.backlog.feed(data)
        self.master_repl_offset += len(data)
        return added

    def can_continue(self, replid, offset):
        """Whether a PSYNC `replid` `offset` can be served from the backlog
        (Redis's masterTryPartialResynchronization checks)."""
        if replid != self.replid and not (replid == self.replid2 and offset <= self.second_replid_offset):
            return False
        bl = self.backlog
        if bl is None:
            return False
        return bl.first_byte_offset <= offset <= self.master_repl_offset + 1

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

    def set_offset(self, offset):
        """Move the stream's offset (a history restored from a file); a
        backlog already held moves with it."""
        if self.backlog is not None:
            self.backlog.rebase(offset - self.master_repl_offset)
        self.master_repl_offset = offset

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
            self.backlog.rebase(offset)

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
