"""Replication: the shared history (state), the master side (master) and the
replica side (replica)."""
