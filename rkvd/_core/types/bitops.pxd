# Bit operations (types/bitops.pyx): what other fragments use of them.

# Case-insensitive compare of argv[i], up to its first NUL byte, with a
# lowercase C string (Redis compares such arguments with strcasecmp).
cdef bint arg_cstr_is(Client c, int i, const char* lower) noexcept
