"""`workstation metrics compute`: rows written, re-runs idempotent, an incremental run adds only the new day."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import numpy as np
import psycopg
import pytest
import talib

from store.analytics import metrics_cli
from store.db import Database

Sql = psycopg.Connection[tuple[Any, ...]]
FIRST_DAY = dt.date(2024, 1, 1)
DAYS = 320


@pytest.fixture
def database(fresh_db) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    database = Database(fresh_db.target)
    yield database
    database.close()


@pytest.fixture
def sql(database: Database) -> Iterator[Sql]:
    with psycopg.connect(database.target.conninfo, autocommit=True) as connection:
        yield connection


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="workstation")
    metrics_cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["metrics", *argv])


def weekdays(count: int) -> list[dt.date]:
    days, day = [], FIRST_DAY
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def add_equity(sql: Sql, symbol: str, seed: int, days: list[dt.date], instrument_type: str = "equity") -> int:
    """A security with a random walk of bars on `days` (prices on a cent grid, as an exchange prints them)."""
    row = sql.execute(
        "insert into securities (symbol, exchange, instrument_type) values (%s, 'NSE', %s) returning id",
        (symbol, instrument_type),
    ).fetchone()
    assert row is not None
    add_bars(sql, int(row[0]), seed, days)
    return int(row[0])


def add_bars(sql: Sql, security_id: int, seed: int, days: list[dt.date], start: float = 100.0) -> None:
    rng = np.random.default_rng(seed)
    close = np.round(start * np.exp(np.cumsum(rng.normal(0.0005, 0.02, len(days)))), 2)
    high = np.round(close * (1 + np.abs(rng.normal(0, 0.01, len(days)))), 2)
    low = np.round(close * (1 - np.abs(rng.normal(0, 0.01, len(days)))), 2)
    volume = rng.integers(10_000, 90_000, len(days))
    sql.execute("select ensure_ohlcv_partitions('ohlcv_daily', %s, %s)", (days[0], days[-1]))
    with sql.cursor() as cursor:
        cursor.executemany(
            "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume, source)"
            " values (%s, %s, %s, %s, %s, %s, %s, 'test')",
            [
                (security_id, day, c, h, lo, c, int(v))
                for day, c, h, lo, v in zip(days, close.tolist(), high.tolist(), low.tolist(), volume, strict=True)
            ],
        )


def metric_rows(sql: Sql, symbol: str) -> list[dict[str, Any]]:
    cursor = sql.execute(
        "select m.* from calculated_metrics m join securities s on s.id = m.security_id"
        " where s.symbol = %s order by m.trade_date",
        (symbol,),
    )
    assert cursor.description is not None
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def count_metrics(sql: Sql) -> int:
    row = sql.execute("select count(*) from calculated_metrics").fetchone()
    assert row is not None
    return int(row[0])


def stored_bars(sql: Sql, symbol: str) -> dict[str, np.ndarray]:
    rows = sql.execute(
        "select d.high::float8, d.low::float8, d.close::float8 from ohlcv_daily d"
        " join securities s on s.id = d.security_id where s.symbol = %s order by d.trade_date",
        (symbol,),
    ).fetchall()
    high, low, close = (np.array(column) for column in zip(*rows, strict=True))
    return {"high": high, "low": low, "close": close}


def as_stored(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal("0.000001"))


def test_compute_writes_a_row_per_bar_with_talib_values_and_refreshes_the_overview(
    database: Database, sql: Sql, capsys: pytest.CaptureFixture[str]
) -> None:
    days = weekdays(DAYS)
    for seed, symbol in enumerate(("ALPHA", "BETA", "GAMMA")):
        add_equity(sql, symbol, seed, days)

    code = metrics_cli.run(parse("compute"), database)

    assert code == metrics_cli.EXIT_OK
    assert capsys.readouterr().out.startswith(f"metrics compute: {3 * DAYS:,} rows for 3 securities")
    rows = metric_rows(sql, "ALPHA")
    assert [row["trade_date"] for row in rows] == days
    bars = stored_bars(sql, "ALPHA")
    expected_rsi = talib.RSI(bars["close"], 14)
    expected_atr = talib.ATR(bars["high"], bars["low"], bars["close"], 14)
    expected_ma = talib.SMA(bars["close"], 200)
    assert rows[13]["rsi_14"] is None
    assert rows[14]["rsi_14"] == as_stored(expected_rsi[14])
    assert rows[-1]["rsi_14"] == as_stored(expected_rsi[-1])
    assert rows[13]["atr_14"] is None
    assert rows[14]["atr_14"] == as_stored(expected_atr[14])
    assert rows[-1]["atr_14"] == as_stored(expected_atr[-1])
    assert rows[198]["ma_200"] is None
    assert rows[199]["ma_200"] == as_stored(expected_ma[199])
    last = rows[-1]
    assert 1 <= last["rs_rating"] <= 99
    assert last["stage"] in (1, 2, 3, 4)
    overview = sql.execute(
        "select o.rs_rating, o.metrics_date from market_overview o where o.symbol = 'ALPHA'"
    ).fetchone()
    assert overview == (last["rs_rating"], days[-1])


def test_a_rerun_writes_nothing_and_since_rewrites_the_same_values(database: Database, sql: Sql) -> None:
    days = weekdays(DAYS)
    add_equity(sql, "ALPHA", 1, days)
    add_equity(sql, "BETA", 2, days)
    metrics_cli.run(parse("compute", "--quiet"), database)
    before = metric_rows(sql, "ALPHA")

    assert metrics_cli.run(parse("compute"), database) == metrics_cli.EXIT_OK
    metrics_cli.run(parse("compute", "--since", days[100].isoformat(), "--quiet"), database)

    after = metric_rows(sql, "ALPHA")
    assert after == before  # computed_at included: unchanged rows are not even touched
    assert count_metrics(sql) == 2 * DAYS


def test_an_incremental_run_adds_only_the_new_day_and_notifies(
    database: Database, sql: Sql, capsys: pytest.CaptureFixture[str]
) -> None:
    days = weekdays(DAYS + 1)
    alpha = add_equity(sql, "ALPHA", 1, days[:-1])
    beta = add_equity(sql, "BETA", 2, days[:-1])
    metrics_cli.run(parse("compute", "--quiet"), database)
    before = {row["trade_date"]: row for row in metric_rows(sql, "ALPHA")}
    for security_id, price in ((alpha, 120.0), (beta, 80.0)):
        sql.execute(
            "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume, source)"
            " values (%s, %s, %s, %s, %s, %s, 50000, 'test')",
            (security_id, days[-1], price, price * 1.01, price * 0.99, price),
        )
    sql.execute("listen workstation_changes")

    metrics_cli.run(parse("compute"), database)

    assert capsys.readouterr().out.startswith(f"metrics compute: 2 rows for 2 securities ({days[-1]} to {days[-1]})")
    after = {row["trade_date"]: row for row in metric_rows(sql, "ALPHA")}
    assert set(after) - set(before) == {days[-1]}
    assert all(after[day] == row for day, row in before.items())
    notices = [json.loads(notice.payload) for notice in sql.notifies(timeout=1, stop_after=1)]
    assert notices == [
        {
            "table": "calculated_metrics",
            "op": "compute",
            "id": None,
            "first_day": days[-1].isoformat(),
            "last_day": days[-1].isoformat(),
            "rows": 2,
            "actor": "system:metrics",
        }
    ]
    bars = stored_bars(sql, "ALPHA")
    assert after[days[-1]]["rsi_14"] == as_stored(talib.RSI(bars["close"], 14)[-1])


def test_symbols_limit_the_run_and_unknown_ones_are_named(
    database: Database, sql: Sql, capsys: pytest.CaptureFixture[str]
) -> None:
    days = weekdays(60)
    add_equity(sql, "ALPHA", 1, days)
    add_equity(sql, "BETA", 2, days)

    assert metrics_cli.run(parse("compute", "--symbols", "NSE:ALPHA", "--quiet"), database) == 0
    code = metrics_cli.run(parse("compute", "--symbols", "ALPHA,NOPE"), database)

    assert code == metrics_cli.EXIT_INVALID_INPUT
    assert "NOPE (unknown symbol)" in capsys.readouterr().err
    assert len(metric_rows(sql, "ALPHA")) == 60
    assert metric_rows(sql, "BETA") == []


def test_adjust_fills_adj_close_across_a_split_and_check_then_agrees(
    database: Database, sql: Sql, capsys: pytest.CaptureFixture[str]
) -> None:
    days = weekdays(6)
    security_id = add_equity(sql, "ALPHA", 1, days[:3])
    add_bars(sql, security_id, 2, days[3:], start=50.0)
    sql.execute(
        "insert into corporate_actions (security_id, action_type, ex_date, ratio) values (%s, 'split', %s, 2)",
        (security_id, days[3]),
    )

    assert metrics_cli.run(parse("adjust", "--check"), database) == metrics_cli.EXIT_MISMATCH
    assert metrics_cli.run(parse("adjust"), database) == metrics_cli.EXIT_OK
    assert metrics_cli.run(parse("adjust", "--check"), database) == metrics_cli.EXIT_OK

    assert "6 bars checked, 0 differ" in capsys.readouterr().out
    rows = sql.execute(
        "select close, adj_close from ohlcv_daily where security_id = %s order by trade_date", (security_id,)
    ).fetchall()
    assert [adjusted for _, adjusted in rows[:3]] == [
        (close / 2).quantize(Decimal("0.000001")) for close, _ in rows[:3]
    ]
    assert [adjusted for _, adjusted in rows[3:]] == [close for close, _ in rows[3:]]


def test_metrics_are_computed_on_prices_adjusted_for_a_split(database: Database, sql: Sql) -> None:
    days = weekdays(40)
    security_id = add_equity(sql, "ALPHA", 1, days[:30])
    add_bars(sql, security_id, 2, days[30:], start=20.0)
    sql.execute(
        "insert into corporate_actions (security_id, action_type, ex_date, ratio) values (%s, 'split', %s, 5)",
        (security_id, days[30]),
    )

    metrics_cli.run(parse("compute", "--quiet"), database)

    closes = [
        float(close)
        for (close,) in sql.execute(
            "select close from ohlcv_daily where security_id = %s order by trade_date", (security_id,)
        ).fetchall()
    ]
    adjusted = np.array([close / 5 for close in closes[:30]] + closes[30:])
    rows = metric_rows(sql, "ALPHA")
    assert rows[29]["ma_10"] == as_stored(adjusted[20:30].mean())
    assert rows[34]["ma_10"] == as_stored(adjusted[25:35].mean())  # across the ex-date: no jump
    assert rows[39]["ma_10"] == as_stored(np.mean(closes[30:40]))


def test_only_the_securities_with_corporate_actions_are_adjusted(database: Database, sql: Sql) -> None:
    days = weekdays(40)
    splitting = add_equity(sql, "ALPHA", 1, days)
    add_equity(sql, "BETA", 2, days)
    paying = add_equity(sql, "GAMMA", 3, days)
    sql.execute(
        "insert into corporate_actions (security_id, action_type, ex_date, ratio) values (%s, 'split', %s, 2)",
        (splitting, days[30]),
    )
    sql.execute(
        "insert into corporate_actions (security_id, action_type, ex_date, amount) values (%s, 'dividend', %s, 5)",
        (paying, days[30]),
    )

    metrics_cli.run(parse("compute", "--quiet"), database)

    closes = {symbol: stored_bars(sql, symbol)["close"] for symbol in ("ALPHA", "BETA", "GAMMA")}
    dividend_factor = 1.0 - 5.0 / closes["GAMMA"][29]
    adjusted = {
        "ALPHA": np.concatenate([closes["ALPHA"][:30] * 0.5, closes["ALPHA"][30:]]),
        "BETA": closes["BETA"],
        "GAMMA": np.concatenate([closes["GAMMA"][:30] * dividend_factor, closes["GAMMA"][30:]]),
    }
    for symbol, series in adjusted.items():
        expected = talib.SMA(series, 10)
        assert [row["ma_10"] for row in metric_rows(sql, symbol)[9:]] == [as_stored(value) for value in expected[9:]]
