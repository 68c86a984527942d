"""Frozen records the store hands out: plain values, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TableCount:
    """Rows in one table: exact for small tables, the planner's estimate (exact=False) for big ones."""

    table: str
    rows: int
    exact: bool


@dataclass(frozen=True, slots=True)
class DatabaseOverview:
    """What is true of the connected database right now."""

    server_version: str
    database: str
    user: str
    revision: str
    expected_revision: str
    tables: tuple[TableCount, ...]
