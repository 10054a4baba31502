/* RKVD_DEBUG selects the engine's debug build: 1 compiles the invariant
 * checks written as `if RKVD_DEBUG:` in the .pyx files, 0 (the default)
 * lets the C compiler drop them. setup.py defines it from the RKVD_DEBUG
 * environment variable at build time. */
#ifndef RKVD_DEBUG
#define RKVD_DEBUG 0
#endif
