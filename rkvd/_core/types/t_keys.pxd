# Type-agnostic key commands (types/t_keys.pyx): what other fragments and
# extensions use of them.

# type_name for other extensions (an inline function cannot be exported):
# the type's name, a static string, for an entry or NULL ("none").
cdef const char* entry_type_name(dictEntry* e) noexcept

# The OBJECT ENCODING name of an entry's value ("int", "embstr", "raw", or
# the value object's encoding_name()); a new reference.
cdef bytes encoding_name(dictEntry* e)

# Redis's parseScanCursorOrReply (strtoul semantics). 1 on success.
cdef int parse_scan_cursor(Client c, int i, uint64_t* out) except -1

# Redis's scanGenericCommand options: COUNT n (n >= 1), MATCH pattern, and
# TYPE name for the keyspace SCAN only. Returns 1, or 0 after replying the
# error. *match_arg / *type_arg: the argument index, or -1 when absent (and
# MATCH "*", which matches everything, counts as absent).
cdef int parse_scan_options(Client c, int i, bint allow_type, long long* count, int* match_arg, int* type_arg) except -1
