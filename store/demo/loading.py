"""Small helpers for writing the demo: COPY of Python rows, JSON as the database will store it, the acting name."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias

import psycopg
from psycopg import sql

Connection: TypeAlias = psycopg.Connection[tuple[Any, ...]]


def _finite(value: object) -> object:
    """JSON has no NaN: a number not known yet (a 200-day average on day 150) is null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def as_json(value: object) -> str:
    """Deterministic JSON text (sorted keys), for jsonb columns."""
    return json.dumps(_finite(value), sort_keys=True, ensure_ascii=False, separators=(", ", ": "), allow_nan=False)


def copy_rows(connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """COPY rows (tuples of Python values) into a table; row triggers (audit, change feed) fire as for INSERT."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    )
    count = 0
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def act_as(connection: Connection, actor: str, reason: str | None = None) -> None:
    """Name who the audit trigger records for what follows in this transaction."""
    connection.execute(
        "select set_config('app.actor', %s, true), set_config('app.reason', %s, true)", (actor, reason or "")
    )


def fetch_map(connection: Connection, query: str) -> dict[Any, Any]:
    """A two-column query as a dict from the first column to the second."""
    return {row[0]: row[1] for row in connection.execute(query.encode())}
