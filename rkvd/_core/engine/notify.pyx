# Keyspace notifications (Redis's notify.c). Engine.notify_keyspace_event
# publishes the event (engine/pubsub.pyx); a server with
# notify-keyspace-events "" pays one AND per write.

# Notify `event` of class `typ` for the key in argument `argi` of c's command,
# in c's database, when notify-keyspace-events selects that class.
cdef inline int notify(Client c, int typ, const char* event, int argi) except -1:
    if c.engine.notify_flags & typ:
        c.engine.notify_keyspace_event(typ, event, c.arg_bytes(argi), c.db.id)
    return 0
