"""Helpers of the reference-import tests: the CLI parsed as a person types it, tables read back."""

from __future__ import annotations

import argparse
from typing import Any

from store.ingest import cli

from .helpers import Sql

REFERENCE_TABLES = (
    "securities",
    "corporate_actions",
    "market_cap_history",
    "deals",
    "industry_classifications",
    "market_holidays",
)


def parse(*argv: str) -> argparse.Namespace:
    """`workstation import …` parsed by the real parser."""
    parser = argparse.ArgumentParser(prog="workstation")
    cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["import", *argv])


def snapshot(sql: Sql) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the reference tables (bookkeeping times left out), to compare before and after."""
    found = {}
    for table in REFERENCE_TABLES:
        cursor = sql.execute(f"select * from {table} order by 1, 2")
        assert cursor.description is not None
        names = [column.name for column in cursor.description]
        keep = [index for index, name in enumerate(names) if name not in ("created_at", "updated_at", "ingested_at")]
        found[table] = [tuple(row[index] for index in keep) for row in cursor.fetchall()]
    return found


def last_log(sql: Sql) -> dict[str, Any]:
    cursor = sql.execute("select * from ingestion_logs order by id desc limit 1")
    row = cursor.fetchone()
    assert row is not None
    assert cursor.description is not None
    return dict(zip([column.name for column in cursor.description], row, strict=True))


def rows(sql: Sql, query: str, *params: Any) -> list[tuple[Any, ...]]:
    return sql.execute(query, params).fetchall()  # type: ignore[arg-type]
