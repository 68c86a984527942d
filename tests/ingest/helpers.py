"""Helpers of the importer tests: securities, counts and bars read back with plain psycopg."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

FIXTURES = Path(__file__).parent / "fixtures"
Sql = psycopg.Connection[tuple[Any, ...]]


def add_security(sql: Sql, symbol: str, exchange: str = "NSE", instrument_type: str = "equity") -> int:
    row = sql.execute(
        "insert into securities (symbol, exchange, instrument_type) values (%s, %s, %s) returning id",
        (symbol, exchange, instrument_type),
    ).fetchone()
    assert row is not None
    return int(row[0])


def counts(sql: Sql) -> dict[str, int]:
    """Rows of the tables an import writes market data to."""
    found = {}
    for table in ("ohlcv_daily", "securities"):
        row = sql.execute(f"select count(*) from {table}").fetchone()
        assert row is not None
        found[table] = int(row[0])
    return found


def bar(sql: Sql, symbol: str, exchange: str, day: dt.date) -> dict[str, Any]:
    """One stored bar by symbol and day, as a dict of its columns."""
    cursor = sql.execute(
        "select d.* from ohlcv_daily d join securities s on s.id = d.security_id"
        " where s.symbol = %s and s.exchange = %s and d.trade_date = %s",
        (symbol, exchange, day),
    )
    row = cursor.fetchone()
    assert row is not None, f"no bar of {exchange}:{symbol} on {day}"
    assert cursor.description is not None
    return dict(zip([column.name for column in cursor.description], row, strict=True))


def bar_count(sql: Sql, symbol: str, exchange: str) -> int:
    row = sql.execute(
        "select count(*) from ohlcv_daily d join securities s on s.id = d.security_id"
        " where s.symbol = %s and s.exchange = %s",
        (symbol, exchange),
    ).fetchone()
    assert row is not None
    return int(row[0])


def price(text: str) -> Decimal:
    """A price as numeric(18,6) stores it."""
    return Decimal(text).quantize(Decimal("0.000001"))


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path
