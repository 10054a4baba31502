# C entry points of the engine unit (server.pyx and the files it includes)
# that other extensions may cimport. The unit's classes stay private to it.

# Parse dl bytes of RESP requests `repeat` times with a detached client's
# request parser, executing nothing; returns the requests parsed (perf).
cdef long long parse_requests(const char* data, Py_ssize_t dl, long long repeat) except -1
