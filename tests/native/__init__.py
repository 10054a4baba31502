"""Test-only Cython wrappers over rkvd's engine libraries.

One module per library in rkvd/_core, going through that library's .pxd
(its C API) only; the engine's (server.pxd) for native.server and native.resp:

    native.dict       DictForTest             (tests/lib/test_dict.py, perf/bench_micro.py)
    native.intset     IntsetForTest, validate_blob
    native.listpack   ListpackForTest, py_* helpers
    native.quicklist  QuicklistForTest
    native.skiplist   SkiplistForTest, py_seed, py_slab_count
    native.server     bench_parse (the RESP request parser; perf/bench_micro.py)
    native.resp       ReplyWriterForTest, RequestReaderForTest (the engine's
                      reply writer and request parser, through server.pxd)
    native.rdb_save   write_fd (the RDB writer's rdb_write_fd, through its .pxd)

`pip install .` neither builds nor ships any of it. native.build compiles the
modules in place, with setup.py's flags, whenever a source is newer than its
.so: tests/conftest.py calls it once per pytest session, perf/bench_micro.py
before importing; by hand: `python tests/native/build.py [--force]`.
"""
