# Hashes (types/t_hash.pyx): the value object and what other extensions
# (the RDB codec) use to read and build one.

cdef enum:
    HASH_ENC_LISTPACK = 0
    HASH_ENC_HT = 1


@cython.final
cdef class HashValue:
    # Exactly one of lp / ht is set, as enc says. lp: a Redis-format listpack
    # of field, value, field, value ... (owned, freed with the object). ht: a
    # kvdict keyed by field, each value stored inline in its entry (v.vlen
    # bytes at ENTRY_VAL).
    cdef unsigned char* lp
    cdef kvdict* ht
    cdef int enc

# A new empty listpack-encoded hash. Raises MemoryError.
cdef HashValue hash_create()

# Rebuild a listpack hash as a hashtable (a no-op for a hashtable). Callers
# convert when a field or value is longer than hash-max-listpack-value or
# there are more than hash-max-listpack-entries pairs.
cdef int hash_convert(HashValue h) except -1

# Set field to value (converting at the engine's thresholds). 1 if the field
# existed and was updated, 0 if inserted.
cdef int hash_set(HashValue h, Engine eng, const char* field, Py_ssize_t flen,
                  const char* value, Py_ssize_t vlen) except -1
