/* Memory accounting (lib/mem.pyx): Redis's zmalloc idea on top of glibc.
 *
 * Every allocation routed through Python's allocator domains is counted by
 * the hooks below when lib/mem installs them (the daemon runs with
 * PYTHONMALLOC=malloc, so the hooks sit directly on glibc malloc). The
 * engine's libraries allocate with PyMem_Raw* (lib/mem.pxd maps malloc,
 * realloc, calloc and free to them), so their blocks are counted too.
 *
 * A block counts as its malloc chunk: the usable size plus the chunk header
 * (8 bytes, 16 for an mmapped chunk), which is what glibc's mallinfo2()
 * adds up in uordblks + hblkhd, so the counter moves as the allocator's
 * own figure does. The RAW domain may be called without the GIL, so its
 * counter is atomic; the MEM and OBJ domains run under the GIL. */
#ifndef RKVD_RKMEM_H
#define RKVD_RKMEM_H
#include <Python.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct rk_mem_t {
    int64_t gil;        /* bytes counted by the MEM and OBJ domains (GIL held) */
    int64_t raw;        /* bytes counted by the RAW domain (atomic) */
    int64_t offset;     /* allocator figure minus counted, at the last calibration */
    int installed;      /* the hooks are in place */
} rk_mem_t;

static rk_mem_t rk_mem;

/* glibc keeps the chunk size, with IS_MMAPPED (2) in its flags, in the
 * word before the block. */
static inline size_t rk_chunk_size(void *p) {
    size_t hdr = (((size_t *)p)[-1] & 2) ? 16 : 8;
    return malloc_usable_size(p) + hdr;
}

static void *rk_gil_malloc(void *ctx, size_t n) {
    void *p = malloc(n ? n : 1);
    if (p) rk_mem.gil += (int64_t)rk_chunk_size(p);
    return p;
}

static void *rk_gil_calloc(void *ctx, size_t nelem, size_t elsize) {
    void *p;
    if (nelem == 0 || elsize == 0) { nelem = 1; elsize = 1; }
    p = calloc(nelem, elsize);
    if (p) rk_mem.gil += (int64_t)rk_chunk_size(p);
    return p;
}

static void *rk_gil_realloc(void *ctx, void *ptr, size_t n) {
    int64_t old = ptr ? (int64_t)rk_chunk_size(ptr) : 0;
    void *p = realloc(ptr, n ? n : 1);
    if (p) rk_mem.gil += (int64_t)rk_chunk_size(p) - old;
    return p;
}

static void rk_gil_free(void *ctx, void *ptr) {
    if (ptr) {
        rk_mem.gil -= (int64_t)rk_chunk_size(ptr);
        free(ptr);
    }
}

static void *rk_raw_malloc(void *ctx, size_t n) {
    void *p = malloc(n ? n : 1);
    if (p) __atomic_add_fetch(&rk_mem.raw, (int64_t)rk_chunk_size(p), __ATOMIC_RELAXED);
    return p;
}

static void *rk_raw_calloc(void *ctx, size_t nelem, size_t elsize) {
    void *p;
    if (nelem == 0 || elsize == 0) { nelem = 1; elsize = 1; }
    p = calloc(nelem, elsize);
    if (p) __atomic_add_fetch(&rk_mem.raw, (int64_t)rk_chunk_size(p), __ATOMIC_RELAXED);
    return p;
}

static void *rk_raw_realloc(void *ctx, void *ptr, size_t n) {
    int64_t old = ptr ? (int64_t)rk_chunk_size(ptr) : 0;
    void *p = realloc(ptr, n ? n : 1);
    if (p) __atomic_add_fetch(&rk_mem.raw, (int64_t)rk_chunk_size(p) - old, __ATOMIC_RELAXED);
    return p;
}

static void rk_raw_free(void *ctx, void *ptr) {
    if (ptr) {
        __atomic_sub_fetch(&rk_mem.raw, (int64_t)rk_chunk_size(ptr), __ATOMIC_RELAXED);
        free(ptr);
    }
}

/* Install the counting hooks on the three domains; 0 on success. Only valid
 * when the domains already use malloc (PYTHONMALLOC=malloc): blocks
 * allocated before reach free() through the hooks. */
static int rk_mem_install(void) {
    PyMemAllocatorEx gil = {NULL, rk_gil_malloc, rk_gil_calloc, rk_gil_realloc, rk_gil_free};
    PyMemAllocatorEx raw = {NULL, rk_raw_malloc, rk_raw_calloc, rk_raw_realloc, rk_raw_free};
    if (rk_mem.installed) return 0;
    PyMem_SetAllocator(PYMEM_DOMAIN_RAW, &raw);
    PyMem_SetAllocator(PYMEM_DOMAIN_MEM, &gil);
    PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &gil);
    rk_mem.installed = 1;
    return 0;
}

static inline int64_t rk_mem_counted(void) {
    return rk_mem.gil + __atomic_load_n(&rk_mem.raw, __ATOMIC_RELAXED);
}
/* Blocks a library takes from glibc directly (aligned_alloc: the skiplist's
 * node slabs), counted in the RAW figure of the process's counters `m`
 * (lib/mem's, from mem_state(): this header's rk_mem is per extension).
 * Free them with rk_aligned_free_counted only. */
static inline void *rk_aligned_alloc_counted(rk_mem_t *m, size_t align, size_t n) {
    void *p = aligned_alloc(align, n);
    if (p && m->installed) __atomic_add_fetch(&m->raw, (int64_t)rk_chunk_size(p), __ATOMIC_RELAXED);
    return p;
}

static inline void rk_aligned_free_counted(rk_mem_t *m, void *p) {
    if (p && m->installed) __atomic_sub_fetch(&m->raw, (int64_t)rk_chunk_size(p), __ATOMIC_RELAXED);
    free(p);
}

#endif
