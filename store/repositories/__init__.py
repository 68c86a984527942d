"""Repositories: the only door between callers and the tables."""
