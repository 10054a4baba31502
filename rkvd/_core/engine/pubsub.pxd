# Publish/subscribe and MONITOR (engine/pubsub.pyx, engine/monitor.pyx): what
# other fragments and extensions may call. A client's subscriptions live in
# its sub_* fields and the engine's ps_* tables; MONITOR clients in
# Engine.monitors.

# Have c's reply buffer written in this loop iteration's batched flush (at
# once outside the loop). For anything that pushes to a client other than
# the one running (messages, invalidations).
cdef int schedule_write(Engine e, Client c) except -1

# Deliver message on channel (a shard channel when shard) to its
# subscribers and, for a classic channel, to every matching pattern's;
# returns the number of receivers (Redis's pubsubPublishMessage).
cdef long long pubsub_publish(Engine e, bytes channel, bytes message, bint shard) except -1

# Leave every channel (shard channels when shard) / every pattern; with
# notify, the confirmations Redis sends (a null name when there were none).
# Returns how many were left.
cdef int unsubscribe_all(Client c, bint shard, bint notify) except -1

cdef int punsubscribe_all(Client c, bint notify) except -1

# Drop every subscription of c silently and clear its pubsub flag
# (disconnect, RESET).
cdef int pubsub_forget(Client c) except -1

# Redis's notifyKeyspaceEvent for a class already known to be selected.
cdef int keyspace_event(Engine e, int typ, const char* event, object key, int dbid) except -1

# Send c's command (argv as sent) to the MONITOR clients as Redis's line.
cdef int feed_monitors(Engine e, Client c, Command cmd, list argv) except -1

# Append s quoted as Redis's sdscatrepr does (\\ \" \n \r \t \a \b escaped,
# other unprintable bytes as \xHH): MONITOR lines, the Lua debugger.
cdef int cat_repr(bytearray out, bytes s) except -1

# c leaves MONITOR mode (RESET, disconnect).
cdef int monitor_forget(Client c) except -1
