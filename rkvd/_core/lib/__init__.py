"""Standalone data-structure libraries of the engine (no clients, no commands)."""
