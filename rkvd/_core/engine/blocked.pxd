# Blocking commands (engine/blocked.pyx): a client parked on keys until a
# write makes one ready or its timeout fires. signal_key_as_ready is inline
# and private to the unit.

# Redis's getTimeoutFromObjectOrReply: seconds as a float (ceil to ms) or
# milliseconds as an integer; 0 = forever. *out is absolute unix ms or 0.
cdef int get_timeout(Client c, int i, long long* out, bint seconds) except -1

# Park c on the keys argv[first], argv[first+step] ... argv[last]. Where
# blocking is denied (MULTI/EXEC) it replies the timeout's null array at once;
# commands whose immediate answer differs check CF_DENY_BLOCKING first. When c is
# already blocked (its command is being re-run because a key became ready and
# there was still nothing to serve) it keeps its place: no-op.
cdef int block_for_keys(Client c, int first, int last, int step, long long timeout_ms) except -1

# Leave the blocked state. timed_out: reply the null a timeout gives.
# resume: run the client's pending pipeline and flush its replies.
cdef int unblock_client(Client c, bint timed_out, bint resume) except -1

# SWAPDB: every key of db that clients wait on and that now exists is ready.
cdef int scan_database_for_ready_keys(Database db) except -1

# Before FLUSHDB / FLUSHALL (replaced None) or SWAPDB (replaced: the db whose
# keys emptied gets): waited-on keys that stop holding a stream are ready.
cdef int scan_database_for_deleted_streams(Database emptied, Database replaced) except -1

# Serve the clients waiting on the keys made ready, oldest first, by
# re-running their command; what they write may make more keys ready.
cdef int handle_clients_blocked_on_keys(Engine e) except -1
