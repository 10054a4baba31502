"""Build the Cython engine: `pip install .` compiles every extension below.

Environment switches: RKVD_DEBUG=1 turns on line tracing and the RKVD_DEBUG
assertions; RKVD_ANNOTATE=1 writes the Cython annotate HTML next to sources;
RKVD_BUILD_JOBS=N runs N Cython and C compilations at once (default: one per
CPU, for `pip install .` too, which otherwise compiles one file at a time).
"""
import os

from setuptools import Extension, setup

DEBUG = os.environ.get("RKVD_DEBUG") == "1"
JOBS = int(os.environ.get("RKVD_BUILD_JOBS", "0")) or os.cpu_count() or 1
CFLAGS = ["-O2", "-Wall", "-Wno-unused-function", "-Wno-unreachable-code"]
MACROS = [("RKVD_DEBUG", "1" if DEBUG else "0")]
if DEBUG:
    MACROS += [("CYTHON_TRACE", "1"), ("CYTHON_TRACE_NOGIL", "1")]

# Standalone libraries first (no knowledge of clients or commands), then the
# engine, which includes its per-type modules into one compilation unit so
# that reply helpers and lookups inline across files.
MODULES = [
    "rkvd._core.lib.mem",
    "rkvd._core.lib.util",
    "rkvd._core.lib.crc64",
    "rkvd._core.lib.dict",
    "rkvd._core.lib.intset",
    "rkvd._core.lib.lzf",
    "rkvd._core.lib.listpack",
    "rkvd._core.lib.quicklist",
    "rkvd._core.lib.skiplist",
    "rkvd._core.lib.signals",
    "rkvd._core.lib.rax",
    "rkvd._core.lib.hdrhist",
    "rkvd._core.lib.bio",
    "rkvd._core.server",
    "rkvd._core.persist.rdb_save",
    "rkvd._core.persist.rdb_load",
    "rkvd._core.persist.aof_rewrite",
    "rkvd._core.persist.aof_load",
    "rkvd._core.persist.fork",
    "rkvd._core.persist.migrate",
    "rkvd._core.scripting.luaengine",
    # cold subsystems: their own extensions, cimporting the engine's server.pxd
    "rkvd._core.introspect",
]


def extensions():
    from Cython.Build import cythonize

    exts = [
        Extension(
            name,
            [name.replace(".", "/") + ".pyx"],
            include_dirs=["rkvd/_core"],
            extra_compile_args=CFLAGS,
            define_macros=MACROS,
        )
        for name in MODULES
    ]
    directives = {"language_level": "3", "embedsignature": False}
    if DEBUG:
        directives.update(linetrace=True, binding=True)
    return cythonize(
        exts,
        compiler_directives=directives,
        annotate=os.environ.get("RKVD_ANNOTATE") == "1",
        nthreads=JOBS if JOBS > 1 else None,
        quiet=True,
    )


setup(ext_modules=extensions(), options={"build_ext": {"parallel": JOBS}})
