"""rkvd: a Redis-compatible in-memory data server."""

__version__ = "0.1.0"
# The Redis version we are compatible with; clients decide features from it.
REDIS_VERSION = "7.0.15"
