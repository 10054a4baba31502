# The propagation point (engine/propagate.pyx): every write reaches the AOF
# and replica stream as commands through these functions. The per-command
# helpers a handler calls (rewrite_propagated, prevent_propagation,
# force_propagation) are inline and so private to the unit.

# Queue argv (a list of bytes) to be fed for database dbid when the outermost
# call returns (or at once by propagate_pending outside any call). No-op while
# propagation is off.
cdef int also_propagate(Engine e, int dbid, list argv) except -1

# After c's current command ran: record it when it changed the dataset.
# Called by Engine.call and by the serving of blocked clients.
cdef int propagate_current(Engine e, Client c, Command cmd, long long dirty_before) except -1

# Feed the pending commands to the stream (Redis's propagatePendingCommands).
# no_multi: never wrap (active expiry, whose DELs are independent).
cdef int propagate_pending(Engine e, bint no_multi) except -1

# Append argv to the stream as a RESP array of bulk strings, preceded by a
# SELECT when dbid is not the database of the previous command (Redis's
# replicationFeedSlaves / feedAppendOnlyFile).
cdef int feed_command(Engine e, int dbid, list argv) except -1

# Start recording into a fresh stream; the first command fed selects its
# database, as the stream a new replica receives does.
cdef int propagation_start(Engine e) except -1

# Stop recording and drop what was not taken.
cdef int propagation_stop(Engine e) except -1

# The stream fed since the last take; the engine keeps nothing of it.
cdef bytes propagation_take(Engine e)

# The same as (stream, repl_only, aof_only): the [(start, end)] byte ranges
# of the commands meant for replicas only (PUBLISH), which the AOF leaves
# out, and of those meant for the AOF only (redis.set_repl in a script),
# which the replicas do not get.
cdef tuple propagation_take_split(Engine e)
