"""Persistence: the RDB codec (file format, DUMP payloads), the fork child that
writes snapshots, and the AOF. Cold extensions that cimport the engine's
declared interface (rkvd/_core/server.pxd)."""
