# Strings (types/t_string.pyx): what other fragments use of them.

# The value as a raw (bytearray) string, converting in place: what Redis's
# dbUnshareStringValue gives before APPEND/SETRANGE/SETBIT mutate it.
cdef object string_make_raw(Database db, Client c, int ki, dictEntry* e)

# Reply the "invalid expire time in '<cmd>' command" error.
cdef int add_expire_time_error(Client c) except -1
