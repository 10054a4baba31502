# Client eviction, maxmemory-clients (engine/client_evict.pyx): Redis 7.0's
# evictClients and client memory usage buckets. None of these run while
# Engine.client_evict_limit is 0; callers check it first.

cdef enum:
    CLIENT_MEM_BUCKET_MIN_LOG = 15      # 32 KB and below: the lowest group
    CLIENT_MEM_BUCKET_MAX_LOG = 33      # 8 GB and above: the top group
    CLIENT_STRUCT_SIZE = 1024           # Client, transport and socket objects, roughly
    # what one entry of the client's own tables costs (Python list / dict
    # slots and the tuple or key object they hold, not the shared names)
    WATCHED_KEY_MEM = 72
    SUBSCRIPTION_MEM = 64
    TRACKING_PREFIX_MEM = 64
    MULTI_CMD_MEM = 64


# The bytes a connection holds (CLIENT LIST tot-mem, Redis's
# getClientMemoryUsage): query buffer and argument tables, reply buffer and
# the transport's unsent output, queued MULTI commands, and its watched
# keys, subscriptions and tracking prefixes; with_argv: and the arguments
# of the command it is running (Redis counts them; its cron, running between
# commands, never sees any).
cdef long long client_memory(Client c, bint with_argv=*) except -1

# Re-read c's memory into Engine.clients_mem and its group (Redis's
# updateClientMemUsageAndBucket). A client over its output buffer limit is
# closed by that limit here instead. Monitors and closed clients are left
# out, and CLIENT NO-EVICT ones unless cron (Redis reads those from its
# clientsCron only, between commands: a cron reading leaves out argv).
cdef int update_client_mem(Client c, bint cron=*) except -1

# Take c's last reading out of Engine.clients_mem (the client is gone, or
# eviction was turned off).
cdef int client_mem_forget(Client c) except -1

# While Engine.clients_mem is at or over Engine.client_evict_limit, close
# evictable clients from the largest memory group down, counting each in
# stat_evictedclients. May close the client being served: callers check
# CF_CLOSED afterwards.
cdef int evict_clients(Engine e) except -1

# update_client_mem for every connection.
cdef int update_all_client_mem(Engine e) except -1
