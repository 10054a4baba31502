# MULTI/EXEC/WATCH (engine/multi.pyx): the queue of a client in MULTI and
# the watched keys that a write makes dirty.

# Queue c's current command and a copy of its arguments (in MULTI).
cdef int queue_multi_command(Client c, Command cmd) except -1

# Drop the queue, the MULTI flags and the watched keys (DISCARD, EXEC).
cdef int discard_transaction(Client c) except -1

# EXEC refused before it ran (e.g. wrong arity): the whole transaction goes.
cdef int exec_abort(Client c, bytes error) except -1

# WATCH one key of c's database (no-op when already watched).
cdef int watch_key(Client c, bytes key) except -1

# UNWATCH: c leaves every watched_keys list it is in.
cdef int unwatch_all_keys(Client c) except -1

# A write to key in db: the clients watching it will fail their EXEC.
cdef int touch_watched_key(Database db, bytes key) except -1

# FLUSHDB/FLUSHALL/SWAPDB: a watched key of db that exists (in db, or in
# `other`, what SWAPDB puts in its place) is touched, except that deleting a
# key which had already expired when it was WATCHed is no logical change.
cdef int touch_all_watched_keys_in_db(Database db, Database other) except -1

# Whether key exists in db with an expire time that has passed.
cdef bint key_is_expired(Database db, bytes key) except -1

# The keys a write command named (its key specs) are touched.
cdef int touch_command_keys(Client c, Command cmd) except -1

# A key that was live when WATCHed and has logically expired since makes EXEC fail.
cdef bint watched_key_expired(Client c) except -1
