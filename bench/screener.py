"""The screener over 10,000 synthetic securities: expression → frame, median wall time against the 150 ms target.

`uv run python -m bench.screener [--runs 21]`. Builds a temporary embedded database: 10,000 securities with
sectors (bench.repositories_read's universe), 30 sessions of bars, a metrics row and a market cap for the last
session of each, market_overview refreshed and vacuumed. Each screen is run through `uow.screener.run` (parse,
compile, query, decode into Polars); the server's own time is EXPLAIN ANALYZE of the same SQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.repositories_read import build_securities, vacuum
from store import migrations
from store.db import Database, DatabaseTarget
from store.embedded import start_embedded
from store.screener import parse_screen
from store.screener.repository import screen_statement
from store.uow import UnitOfWork

SESSIONS = 30
LAST_DAY = dt.date(2026, 11, 20)
TARGET_MS = 150.0
SCREENS = (
    'rs_rating >= 80 and stage = 2 and sector = "Information Technology" and close > ma_200',
    "rs_rating >= 50",  # a broad screen: thousands of matches, the first 500 returned
    "sector in ('Power', 'Realty', 'Healthcare') and not exchange = 'BSE' and change_pct > 0",
    "market_cap > 50000000000 and rsi_14 < 50",
    "(close > ma_50 and ma_50 > ma_200) or (vcp_score >= 70 and atr_pct < 3) or symbol in ('RELIANCE', 'TCS')",
)


def build_market(connection: psycopg.Connection[Any]) -> None:
    """Bars for the last SESSIONS weekdays, then a metrics row and a market cap on the last one, per security."""
    days = [LAST_DAY - dt.timedelta(days=offset) for offset in range(SESSIONS * 2)]
    days = sorted(day for day in days if day.isoweekday() < 6)[-SESSIONS:]
    connection.execute("select ensure_ohlcv_partitions('ohlcv_daily', %s, %s)", (days[0], days[-1]))
    connection.execute(
        """
        insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume, source)
        select s.id, d.day, p.c, p.c * 1.01, p.c * 0.99, p.c, 100000 + (s.id * d.n) %% 50000, 'bench'
        from (select day, row_number() over (order by day) as n from unnest(%s::date[]) day) d
        cross join securities s
        cross join lateral (select round((50 + s.id %% 900 + 5 * sin(d.n / 3.0 + s.id))::numeric, 2) as c) p
        order by d.day, s.id
        """,
        (days,),
    )
    connection.execute(
        """
        insert into calculated_metrics (security_id, trade_date, ma_10, ma_20, ma_50, ma_200, atr_14, atr_pct,
                                        rsi_14, rs_rating, stage, vcp_score)
        select s.id, %(day)s, c * 0.99, c * 0.98, c * (0.9 + (s.id %% 20) / 100.0), c * (0.8 + (s.id %% 40) / 100.0),
               c * 0.02, 2 + (s.id %% 30) / 10.0, 20 + s.id %% 70, s.id * 37 %% 101, 1 + s.id %% 4, s.id * 13 %% 100
        from securities s
        join lateral (select close as c from ohlcv_daily d where d.security_id = s.id and d.trade_date = %(day)s) b
          on true
        """,
        {"day": days[-1]},
    )
    connection.execute(
        "insert into market_cap_history (security_id, trade_date, market_cap)"
        " select id, %s, (id * 7919 %% 1000000) * 1000000.0 from securities",
        (days[-1],),
    )
    connection.execute("select refresh_market_overview()")
    connection.commit()


def timed_ms(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def server_ms(database: Database, expression: str) -> float:
    """Median of five EXPLAIN (ANALYZE, TIMING OFF) of the SQL a run with the default sort and limit sends."""
    statement = screen_statement(parse_screen(expression), sort="rs_rating", descending=True, limit=500)
    compiled = statement.compile(dialect=database.engine.dialect, compile_kwargs={"render_postcompile": True})
    explain = f"explain (analyze, timing off, format json) {compiled.string}".encode()
    samples = []
    with database.connect() as connection:
        for _ in range(5):
            row = connection.execute(explain, compiled.params).fetchone()
            assert row is not None
            plan: list[dict[str, Any]] = row[0]  # type: ignore[assignment]
            samples.append(float(plan[0]["Execution Time"]))
    return statistics.median(samples)


def measure(database: Database, runs: int) -> None:
    print(f"{'screen':92} {'rows':>5} {'total':>6} {'median':>8} {'p90':>8} {'server':>8}")
    medians = []
    with UnitOfWork(database.engine, actor="bench", read_only=True) as unit:
        for expression in SCREENS:
            for _ in range(3):
                unit.screener.run(expression)
            samples = [timed_ms(lambda expression=expression: unit.screener.run(expression)) for _ in range(runs)]
            result = unit.screener.run(expression)
            median, p90 = statistics.median(samples), statistics.quantiles(samples, n=10)[-1]
            medians.append(median)
            shown = expression if len(expression) <= 90 else expression[:87] + "..."
            print(
                f"{shown:92} {result.frame.height:5} {result.total:6} {median:6.1f}ms {p90:6.1f}ms"
                f" {server_ms(database, expression):6.1f}ms"
            )
    worst = max(medians)
    verdict = "meets" if worst <= TARGET_MS else "MISSES"
    print(f"slowest screen's median {worst:.1f} ms: {verdict} the target (≤ {TARGET_MS:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.screener")
    parser.add_argument("--runs", type=int, default=21, help="timed runs of each screen")
    parser.add_argument("--demo", action="store_true", help="screen the demo market instead of 10,000 synthetic")
    args = parser.parse_args()
    server = start_embedded(Path(tempfile.mkdtemp(prefix="wss")), cleanup="delete")
    database = Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir))
    migrations.upgrade(database.engine)
    started = time.perf_counter()
    if args.demo:
        from store.demo import build_demo

        build_demo(database)
    with database.connect() as connection:
        if not args.demo:
            build_securities(connection, random.Random(7))
            build_market(connection)
        vacuum(connection)
        counted = connection.execute("select count(*) from securities").fetchone()
    kind = "the demo market" if args.demo else f"{SESSIONS} sessions of synthetic bars"
    built = f"{counted[0] if counted else 0:,} securities, {kind}"
    print(f"built {built} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(f"data: {built}; machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    measure(database, args.runs)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    database.close()


if __name__ == "__main__":
    main()
