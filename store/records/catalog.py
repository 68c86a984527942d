"""Records about the database itself: its overview and per-table counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TableCount:
    """Rows in one table (exact for small tables, the planner's estimate for big ones), its size on disk
    with indexes and partitions, and how many partitions it has (0 when it is not partitioned)."""

    table: str
    rows: int
    exact: bool
    size_bytes: int
    partitions: int


@dataclass(frozen=True, slots=True)
class DatabaseOverview:
    """What is true of the connected database right now."""

    server_version: str
    database: str
    user: str
    revision: str
    expected_revision: str
    tables: tuple[TableCount, ...]
