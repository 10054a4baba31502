# Client-side caching (engine/tracking.pyx): CLIENT TRACKING's state and the
# invalidation messages. The engine keeps the tracking table (key -> ids of
# the clients that read it), the BCAST prefix table and the invalidations
# held for the running client; a client keeps its redirection and prefixes
# (Client.tracking_redir, tracking_prefixes) and its CF_TRACKING* flags.
#
# Hooks, each behind one test of Engine.tracking_clients (or track_cur) so a
# server without tracking clients pays a branch: Engine.call (the running
# client, the keys a read remembers, the keys a write modified),
# Engine.execute (the table's size limit), the expiry, eviction and flush
# paths, and the clients served by a blocking command.

# The BCAST state of one prefix: the keys modified under it since the last
# broadcast (key -> the Client that modified it last, or None) and the
# clients subscribed to it (Client -> None, in subscription order).
@cython.final
cdef class BcastState:
    cdef dict keys
    cdef dict clients

# Turn tracking on for c (CLIENT TRACKING ON, options already checked):
# redir is the id invalidations go to (0: c itself), options the CF_TRACKING_*
# option bits (BCAST, OPTIN, OPTOUT, NOLOOP), prefixes the BCAST prefixes
# (bytes; none means the empty prefix).
cdef int tracking_enable(Client c, long long redir, int options, list prefixes) except -1

# Turn tracking off for c (CLIENT TRACKING OFF, RESET, disconnect): leave
# its BCAST prefixes and clear its flags. Its ids in the tracking table go
# lazily, when their keys are invalidated.
cdef int tracking_disable(Client c) except -1

# A key was modified (or, with bcast false, dropped from the table by the
# size limit): invalidate it for the clients that may cache it, and with
# bcast, record it for the BCAST clients of its prefixes. `by` is the
# client that modified it (NOLOOP in BCAST mode), or None.
cdef int tracking_invalidate_key(Engine e, object key, Client by, bint bcast) except -1

# A write command of c changed the dataset: invalidate the keys it wrote (its
# key specs, leaving out the read-only ones of commands that also name
# sources, as Redis signals only the keys it modifies).
cdef int tracking_command_keys(Client c, Command cmd) except -1

# FLUSHDB/FLUSHALL: every tracking client gets a null invalidation (after
# the reply for the client running the flush) and the table empties.
cdef int tracking_on_flush(Engine e) except -1

# Redis's trackingLimitUsedSlots: while the table holds more keys than
# tracking-table-max-keys, invalidate random ones, with an effort that grows
# each time the limit could not be reached.
cdef int tracking_limit_used_slots(Engine e) except -1

# After call() ran cmd for c with track_cur set: remember the keys of a read
# for c, and at the outermost call send c the invalidations held for it
# (after its reply) and end the CLIENT CACHING window.
cdef int tracking_after_call(Engine e, Client c, Command cmd) except -1

# A blocked client c was served cmd, which changed the dataset: its keys are
# invalidated with c as the running client (held and sent after the reply).
cdef int tracking_served(Engine e, Client c, Command cmd) except -1

# Send the BCAST invalidations gathered since the last call (Redis's
# trackingBroadcastInvalidationMessages, once per loop iteration).
cdef int tracking_broadcast(Engine e) except -1
