"""Schema benchmarks on synthetic daily bars: one security's last bars, a cross-section, market_overview refresh."""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from store import migrations
from store.db import Database, DatabaseTarget
from store.embedded import start_embedded

SECURITIES = 4_000
BARS_PER_SECURITY = 2_500  # 10 million bars: about ten years of sessions each
FIRST_DAY = "2016-11-01"

LAST_BARS = """
select trade_date, open, high, low, close, volume from ohlcv_daily
where security_id = %s order by trade_date desc limit 250
"""
CROSS_SECTION_ONE_LATERAL = """
select s.id, s.symbol, b.trade_date, b.close, b.volume
from securities s
left join lateral (
    select d.trade_date, d.close, d.volume from ohlcv_daily d
    where d.security_id = s.id and d.trade_date <= %(as_of)s order by d.trade_date desc limit 1
) b on true
"""
# The recent window prunes to the one or two partitions around the date; only securities with no
# bar in it pay for the walk back through older partitions.
CROSS_SECTION = """
select s.id, s.symbol,
       coalesce(recent.trade_date, older.trade_date) as trade_date,
       coalesce(recent.close, older.close) as close,
       coalesce(recent.volume, older.volume) as volume
from securities s
left join lateral (
    select d.trade_date, d.close, d.volume from ohlcv_daily d
    where d.security_id = s.id and d.trade_date <= %(as_of)s and d.trade_date > %(as_of)s::date - 31
    order by d.trade_date desc limit 1
) recent on true
left join lateral (
    select d.trade_date, d.close, d.volume from ohlcv_daily d
    where recent.trade_date is null and d.security_id = s.id and d.trade_date <= %(as_of)s::date - 31
    order by d.trade_date desc limit 1
) older on true
"""
CROSS_SECTION_DISTINCT_ON = """
select distinct on (d.security_id) d.security_id, d.trade_date, d.close, d.volume
from ohlcv_daily d where d.trade_date <= %s order by d.security_id, d.trade_date desc
"""


def build(connection: psycopg.Connection[Any]) -> list[str]:
    """Securities and bars, inserted day by day as a daily loader would (so one security's bars are spread out)."""
    connection.execute(
        "insert into securities (symbol, exchange, instrument_type, name)"
        " select 'B' || lpad(g::text, 5, '0'), 'BENCH', 'equity', 'Bench ' || g from generate_series(1, %s) g",
        (SECURITIES,),
    )
    days = [
        row[0]
        for row in connection.execute(
            "select d::date from generate_series(%s::date, %s::date + 4000, '1 day') d"
            " where extract(isodow from d) < 6 order by d limit %s",
            (FIRST_DAY, FIRST_DAY, BARS_PER_SECURITY),
        )
    ]
    connection.execute("select ensure_ohlcv_partitions('ohlcv_daily', %s, %s)", (days[0], days[-1]))
    years = sorted({day.year for day in days})
    for year in years:
        started = time.perf_counter()
        connection.execute(
            """
            insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume, source)
            select s.id, d.day,
                   round((c * (1 + 0.004 * sin(d.n * 1.3)))::numeric, 4),
                   round((greatest(c, c * (1 + 0.004 * sin(d.n * 1.3))) * 1.01)::numeric, 4),
                   round((least(c, c * (1 + 0.004 * sin(d.n * 1.3))) * 0.99)::numeric, 4),
                   round(c::numeric, 4),
                   100000 + (s.id * d.n) %% 50000,
                   'bench'
            from (select day, row_number() over (order by day) as n from unnest(%s::date[]) day) d
            cross join securities s
            cross join lateral (select 50 + s.id %% 200 + 10 * sin(d.n / 20.0 + s.id) + d.n * 0.01 as c) p
            where extract(year from d.day) = %s
            order by d.day, s.id
            """,
            (days, year),
        )
        connection.commit()
        print(f"  bars of {year}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    connection.autocommit = True
    connection.execute("vacuum analyze ohlcv_daily")
    connection.execute("vacuum analyze securities")
    connection.autocommit = False
    return [str(day) for day in days]


def reuse(connection: psycopg.Connection[Any]) -> list[str]:
    return [str(row[0]) for row in connection.execute("select distinct trade_date from ohlcv_daily order by 1")]


def explain(connection: psycopg.Connection[Any], sql: str, params: Any) -> dict[str, Any]:
    row = connection.execute(f"explain (analyze, buffers, format json) {sql}", params).fetchone()
    assert row is not None
    plan: dict[str, Any] = row[0][0]
    return plan


def plan_summary(plan: dict[str, Any]) -> str:
    """Node types and relations of a plan, e.g. 'Limit > Append > Index Scan Backward(ohlcv_daily_p2026)…'."""
    nodes: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        name = node["Node Type"] + (f"({node['Relation Name']})" if "Relation Name" in node else "")
        nodes.append(name)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return " > ".join(nodes[:8]) + (f" … ({len(nodes)} nodes)" if len(nodes) > 8 else "")


def measure(connection: psycopg.Connection[Any], days: list[str]) -> dict[str, Any]:
    rng = random.Random(7)
    ids = [row[0] for row in connection.execute("select id from securities")]
    last_bars = [explain(connection, LAST_BARS, (rng.choice(ids),)) for _ in range(51)]
    as_of = days[len(days) * 3 // 4]
    cross = [explain(connection, CROSS_SECTION, {"as_of": as_of}) for _ in range(11)]
    one_lateral = [explain(connection, CROSS_SECTION_ONE_LATERAL, {"as_of": as_of}) for _ in range(5)]
    distinct_on = explain(connection, CROSS_SECTION_DISTINCT_ON, (as_of,))
    refreshes = []
    for _ in range(3):
        started = time.perf_counter()
        connection.execute("select refresh_market_overview()")
        connection.commit()
        refreshes.append(time.perf_counter() - started)
    return {
        "last 250 bars of one security (server ms)": [p["Execution Time"] for p in last_bars],
        "last 250 bars plan": plan_summary(last_bars[0]),
        "last 250 bars buffers (shared hit+read)": last_bars[-1]["Plan"].get("Shared Hit Blocks", 0)
        + last_bars[-1]["Plan"].get("Shared Read Blocks", 0),
        f"cross-section as of {as_of}, recent window + fallback (server ms)": [p["Execution Time"] for p in cross],
        "cross-section plan": plan_summary(cross[0]),
        "cross-section, one LATERAL over all partitions (server ms)": [p["Execution Time"] for p in one_lateral],
        "cross-section, DISTINCT ON (server ms, once)": [distinct_on["Execution Time"]],
        "refresh market_overview concurrently (s)": refreshes,
    }


def main() -> None:
    """`python -m bench.schema_queries [DATA_DIR]`: with a directory, the data is kept there and reused."""
    keep = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    data_dir = keep or Path(tempfile.mkdtemp(prefix="wsq"))
    server = start_embedded(data_dir, cleanup="stop" if keep else "delete")
    database = Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir))
    migrations.upgrade(database.engine)
    with psycopg.connect(database.target.conninfo) as connection:
        started = time.perf_counter()
        row = connection.execute("select count(*) from securities").fetchone()
        days = reuse(connection) if row and row[0] else build(connection)
        print(f"  {SECURITIES * len(days):,} bars ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        results = measure(connection, days)
    for name, value in results.items():
        if isinstance(value, list):
            print(f"{name:55} median {statistics.median(value):9.2f}  (n={len(value)}, max {max(value):.2f})")
        else:
            print(f"{name:55} {value}")
    print(json.dumps(results, default=str), file=sys.stderr)


if __name__ == "__main__":
    main()
