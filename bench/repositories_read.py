"""Read-path benchmarks: one security's bars resampled to a chart width, and security search as the analyst types."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
import psycopg

from store import migrations
from store.db import Database, DatabaseTarget
from store.embedded import start_embedded
from store.records.securities import SecurityFilter
from store.repositories.prices import PriceRepository, bars_sql, resampled_sql
from store.repositories.securities import SecurityRepository
from store.uow import UnitOfWork

SECURITIES = 10_000
SECURITIES_WITH_HISTORY = 400
BARS_PER_SECURITY = 5_040  # twenty years of sessions; the last 2,520 are the ten-year chart
LAST_DAY = dt.date(2026, 11, 20)
BUCKETS = 200
KEYSTROKES = ("r", "re", "rel", "reli", "relia", "relian", "relianc", "reliance")
FUZZY = ("hdfcb", "infy", "tatmot", "bajfin", "rlnc", "ine0")

FIRST_WORDS = (
    "Reliance", "Tata", "Adani", "Bajaj", "Hindustan", "Bharat", "Indian", "National", "Kotak", "Mahindra",
    "Godrej", "Larsen", "Infosys", "Wipro", "HDFC", "ICICI", "Axis", "Asian", "Sun", "Dr Reddy", "Cipla",
    "Jindal", "Vedanta", "Ultra", "Shree", "Birla", "Apollo", "Max", "Aditya", "JSW", "Hero", "Eicher",
    "Maruti", "Ashok", "Tech", "Power", "Coal", "Oil", "Gail", "Petronet", "Zee", "Sterling", "Reliable",
    "Relaxo", "Religare", "Rel", "Royal", "Ramco", "Rallis", "Rane", "Ruchi", "Rupa", "Navin", "Deepak",
)  # fmt: skip
SECOND_WORDS = (
    "Industries", "Finance", "Pharma", "Steel", "Motors", "Power", "Textiles", "Chemicals", "Cement", "Bank",
    "Infrastructure", "Capital", "Consumer", "Energy", "Foods", "Logistics", "Telecom", "Realty", "Paints",
    "Technologies", "Healthcare", "Auto", "Electricals", "Housing", "Insurance", "Retail", "Media", "Ports",
)  # fmt: skip
SECTORS = (
    "Financial Services", "Information Technology", "Healthcare", "Capital Goods", "Fast Moving Consumer Goods",
    "Automobile and Auto Components", "Chemicals", "Metals & Mining", "Oil Gas & Consumable Fuels", "Power",
    "Construction", "Realty", "Consumer Services", "Textiles", "Telecommunication", "Media Entertainment",
)  # fmt: skip
TYPES = ("equity",) * 90 + ("etf",) * 5 + ("index",) * 2 + ("fund", "bond", "warrant")


def synthetic_securities(count: int, rng: random.Random) -> list[tuple[str, ...]]:
    """(symbol, exchange, type, name, isin, active, sector) rows: names from word lists, symbols from names."""
    rows: list[tuple[str, ...]] = []
    taken: set[str] = set()
    for number in range(count):
        first, second = rng.choice(FIRST_WORDS), rng.choice(SECOND_WORDS)
        name = f"{first} {second} Limited"
        base = (first.replace(" ", "")[:8] + second[:3]).upper()[:10]
        symbol = base if base not in taken else f"{base[:8]}{number % 97}"
        while symbol in taken:
            symbol = f"{base[:6]}{rng.randrange(10_000)}"
        taken.add(symbol)
        exchange = "NSE" if rng.random() < 0.7 else "BSE"
        isin = f"INE{number:05d}{rng.choice('ABCDEFGHJK')}0{rng.randrange(10)}{rng.randrange(10)}"
        active = "t" if rng.random() < 0.93 else "f"
        sector = rng.choice(SECTORS) if rng.random() < 0.9 else ""
        rows.append((symbol, exchange, rng.choice(TYPES), name, isin, active, sector))
    rows[0] = ("RELIANCE", "NSE", "equity", "Reliance Industries Limited", "INE002A01018", "t", "Energy")
    return rows


RECENT_SESSIONS = 250
# The cross-section the brief measured: one LATERAL on the key ordered by trade_date alone. Kept here to show
# what it costs when a partition holds few securities (the planner then walks ix_ohlcv_daily_trade_date).
PLAIN_CROSS_SECTION = """
select s.id, s.symbol, b.trade_date, b.close::float8, b.volume
from securities s
left join lateral (
    select d.trade_date, d.close, d.volume from ohlcv_daily d
    where d.security_id = s.id and d.trade_date <= %(as_of)s order by d.trade_date desc limit 1
) b on true
"""


def build_securities(connection: psycopg.Connection[Any], rng: random.Random) -> None:
    """10,000 securities by COPY, nine in ten with a sector."""
    rows = synthetic_securities(SECURITIES, rng)
    with connection.cursor().copy(
        "copy securities (symbol, exchange, instrument_type, name, isin, is_active) from stdin"
    ) as copy:
        for row in rows:
            copy.write_row(row[:6])
    connection.execute(
        "insert into industry_classifications (security_id, macro, sector, industry)"
        " select s.id, 'Macro', x.sector, x.sector || ' (industry)' from securities s"
        " join unnest(%s::text[], %s::text[]) x(symbol, sector) on x.symbol = s.symbol where x.sector <> ''",
        ([row[0] for row in rows], [row[6] for row in rows]),
    )
    connection.commit()


def build_bars(connection: psycopg.Connection[Any], with_history: int) -> list[dt.date]:
    """Every security has the last year of bars, `with_history` of them twenty years. Bars go in day by day
    as a daily loader writes them, so one security's bars are spread across many pages (the honest case for
    reading one security)."""
    days = [
        row[0]
        for row in connection.execute(
            "select d::date from generate_series(%s::date - 8000, %s::date, '1 day') d"
            " where extract(isodow from d) < 6 order by d desc limit %s",
            (LAST_DAY, LAST_DAY, BARS_PER_SECURITY),
        )
    ][::-1]
    connection.execute("select ensure_ohlcv_partitions('ohlcv_daily', %s, %s)", (days[0], days[-1]))
    for year in sorted({day.year for day in days}):
        insert_bars(connection, days, with_history, year)
        connection.commit()
    connection.execute("select refresh_market_overview()")
    connection.commit()
    return days


def vacuum(connection: psycopg.Connection[Any]) -> None:
    """Statistics and visibility maps as a settled database has them, and no checkpoint left to compete."""
    connection.autocommit = True
    connection.execute("vacuum analyze")
    connection.execute("checkpoint")
    connection.autocommit = False


def insert_bars(connection: psycopg.Connection[Any], days: list[dt.date], with_history: int, year: int) -> None:
    connection.execute(
        """
        insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume, source)
        select s.id, d.day, round(p.o::numeric, 4), round((greatest(p.o, p.c) * 1.01)::numeric, 4),
               round((least(p.o, p.c) * 0.99)::numeric, 4), round(p.c::numeric, 4),
               100000 + (s.id * d.n) %% 50000, 'bench'
        from (select day, row_number() over (order by day) as n from unnest(%(days)s::date[]) day) d
        cross join securities s
        cross join lateral (select 50 + s.id %% 200 + 10 * sin(d.n / 20.0 + s.id) + d.n * 0.01 as c) base
        cross join lateral (select base.c as c, base.c * (1 + 0.004 * sin(d.n * 1.3)) as o) p
        where extract(year from d.day) = %(year)s
          and (s.id <= %(with_history)s or d.n > %(sessions)s - %(recent)s)
        order by d.day, s.id
        """,
        {"days": days, "year": year, "with_history": with_history, "sessions": len(days), "recent": RECENT_SESSIONS},
    )


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def server_ms(connection: psycopg.Connection[Any], sql: str, params: dict[str, Any], *, timing: bool = True) -> float:
    options = "analyze, format json" + ("" if timing else ", timing off")
    row = connection.execute(f"explain ({options}) {sql}".encode(), params).fetchone()
    assert row is not None
    return float(row[0][0]["Execution Time"])


def polars_resampled(prices: PriceRepository, security_id: int, start: dt.date, max_buckets: int) -> pl.DataFrame:
    """The alternative measured against SQL: read the bars, then group in Polars."""
    frame = prices.bars(security_id, start)
    every = "1d"
    for every in ("1d", "1w", "1mo", "1q", "1y"):
        if frame.select(pl.col("trade_date").dt.truncate(every).n_unique()).item() <= max_buckets:
            break
    return frame.group_by(pl.col("trade_date").dt.truncate(every).alias("bucket"), maintain_order=True).agg(
        pl.col("trade_date").first(),
        pl.col("open").first(),
        pl.col("high").max(),
        pl.col("low").min(),
        pl.col("close").last(),
        pl.col("volume").sum(),
        pl.len().alias("bars"),
    )


def measure_chart(
    prices: PriceRepository, explain: psycopg.Connection[Any], ids: list[int], start: dt.date
) -> dict[str, list[float]]:
    """Per security, in turn: the repository call (wall) and EXPLAIN ANALYZE of the exact SQL it runs."""
    samples: dict[str, list[float]] = {
        name: [] for name in ("wall", "server", "quiet", "polars", "bars", "bars_server")
    }
    for security_id in ids[:5]:  # warm the cache and psycopg's prepared statements
        prices.resampled(security_id, BUCKETS, start)
        polars_resampled(prices, security_id, start, BUCKETS)
    for security_id in ids:
        params = {"security_id": security_id, "start": start, "end": dt.date.max, "max_buckets": BUCKETS}
        samples["wall"].append(timed(partial(prices.resampled, security_id, BUCKETS, start)))
        samples["server"].append(server_ms(explain, resampled_sql(adjusted=False), params))
        samples["quiet"].append(server_ms(explain, resampled_sql(adjusted=False), params, timing=False))
        samples["polars"].append(timed(partial(polars_resampled, prices, security_id, start, BUCKETS)))
        samples["bars"].append(timed(partial(prices.bars, security_id, start)))
        samples["bars_server"].append(server_ms(explain, bars_sql(adjusted=False), params))
    return samples


def measure_bars(database: Database, days: list[dt.date], with_history: int, rng: random.Random) -> dict[str, Any]:
    results: dict[str, Any] = {}
    ids = rng.sample(range(1, with_history + 1), min(40, with_history))
    with UnitOfWork(database.engine, actor="bench", read_only=True) as unit, database.connect() as explain:
        prices = unit.repository(PriceRepository)
        for bar_count in (2_520, 5_040):
            start = days[-bar_count]
            samples = measure_chart(prices, explain, ids, start)
            label = f"{bar_count} bars → ≤{BUCKETS} buckets ({prices.resampled(ids[0], BUCKETS, start).period})"
            wall, server, quiet = (statistics.median(samples[key]) for key in ("wall", "server", "quiet"))
            results[f"{label}: resampled() wall ms"] = samples["wall"]
            results[f"{label}: its SQL, EXPLAIN ANALYZE server ms"] = samples["server"]
            results[f"{label}: its SQL, EXPLAIN (ANALYZE, TIMING OFF) server ms"] = samples["quiet"]
            results[f"{label}: ratio of medians wall / server"] = wall / server
            results[f"{label}: ratio of medians wall / server (timing off)"] = wall / quiet
            results[f"{label}: alternative, bars() + Polars group_by, wall ms"] = samples["polars"]
            results[f"{bar_count} bars: bars() wall ms"] = samples["bars"]
            results[f"{bar_count} bars: bars() SQL, EXPLAIN ANALYZE server ms"] = samples["bars_server"]
    return results


def measure_cross_sections(database: Database, days: list[dt.date]) -> dict[str, Any]:
    """The repository's cross-section against the plain LATERAL, both prepared as psycopg does after five runs."""
    results: dict[str, Any] = {}
    recent, old = days[-100], days[-2_000]  # every security has a bar by then / only those with history do
    with UnitOfWork(database.engine, actor="bench", read_only=True) as unit, database.connect() as plain:
        prices = unit.repository(PriceRepository)
        plain.execute("set statement_timeout = '60s'")
        plain.commit()  # a session setting survives the rollback of a cancelled run only once committed
        for as_of in (recent, old):
            for _ in range(5):
                prices.cross_section(as_of)
            results[f"cross_section({as_of}) of 10,000 securities, wall ms"] = [
                timed(partial(prices.cross_section, as_of)) for _ in range(5)
            ]
            results[f"plain LATERAL cross-section ({as_of}), prepared, wall ms (60 s cap)"] = plain_runs(plain, as_of)
        results["latest_bars() of 10,000 securities, wall ms"] = [timed(prices.latest_bars) for _ in range(5)]
    return results


def plain_runs(connection: psycopg.Connection[Any], as_of: dt.date) -> list[float]:
    run = partial(connection.execute, PLAIN_CROSS_SECTION.encode(), {"as_of": as_of}, prepare=True)
    try:
        for _ in range(5):
            run().fetchall()
        return [timed(lambda: run().fetchall()) for _ in range(3)]
    except psycopg.errors.QueryCanceled:
        connection.rollback()
        return [60_000.0]


def measure_search(database: Database, rounds: int) -> dict[str, Any]:
    """Each keystroke of "reliance" and a few fuzzy queries, typed `rounds` times over."""
    results: dict[str, Any] = {}
    queries = (*KEYSTROKES, *FUZZY)
    with UnitOfWork(database.engine, actor="bench", read_only=True) as unit:
        securities = unit.repository(SecurityRepository)
        for query in queries:
            securities.search(query)
        samples: dict[str, list[float]] = {query: [] for query in queries}
        for _ in range(rounds):
            for query in queries:
                samples[query].append(timed(partial(securities.search, query)))
        for query, values in samples.items():
            hits = securities.search(query)
            results[f"search {query!r} ms ({len(hits)} hits, first {hits[0].symbol if hits else '-'})"] = values
        every = [value for values in samples.values() for value in values]
        results["search, all keystrokes together: median ms"] = statistics.median(every)
        results["search, all keystrokes together: p90 ms"] = statistics.quantiles(every, n=10)[-1]
    return results


def measure_table(database: Database) -> dict[str, Any]:
    everything = SecurityFilter()
    with UnitOfWork(database.engine, actor="bench", read_only=True) as unit:
        securities = unit.repository(SecurityRepository)
        page = partial(securities.list, filters=everything, sort="change_pct", descending=True)
        return {
            "as_frame(all 10,000 securities) ms": [timed(partial(securities.as_frame, everything)) for _ in range(7)],
            "list(first page of 100 by change_pct desc, with total) ms": [timed(page) for _ in range(11)],
            "facets() ms": [timed(securities.facets) for _ in range(11)],
        }


def report(results: dict[str, Any]) -> None:
    for name, value in results.items():
        if isinstance(value, list):
            p90 = statistics.quantiles(value, n=10)[-1] if len(value) > 1 else value[0]
            print(f"{name:78} median {statistics.median(value):8.2f}  p90 {p90:8.2f}  (n={len(value)})")
        elif isinstance(value, float):
            print(f"{name:78} {value:8.2f}")
        else:
            print(f"{name:78} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.repositories_read")
    parser.add_argument(
        "--with-history", type=int, default=SECURITIES_WITH_HISTORY, help="securities with twenty years of bars"
    )
    parser.add_argument("--rounds", type=int, default=15, help="times each search keystroke is typed")
    parser.add_argument("--search-only", action="store_true", help="securities and search only (no bars)")
    args = parser.parse_args()
    server = start_embedded(Path(tempfile.mkdtemp(prefix="wsr")), cleanup="delete")
    database = Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir))
    migrations.upgrade(database.engine)
    started = time.perf_counter()
    with database.connect() as connection:
        build_securities(connection, random.Random(7))
        days = [] if args.search_only else build_bars(connection, args.with_history)
        vacuum(connection)
        bars = connection.execute("select count(*) from ohlcv_daily").fetchone()
    built = f"{SECURITIES:,} securities, {bars[0] if bars else 0:,} bars"
    print(f"built {built} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    results: dict[str, Any] = {"data": built, "machine": f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"}
    results |= measure_search(database, args.rounds)
    if not args.search_only:
        results |= measure_table(database)
        results |= measure_bars(database, days, args.with_history, random.Random(11))
        results |= measure_cross_sections(database, days)
    results["load average (1 min) at the end"] = os.getloadavg()[0]
    report(results)
    print(json.dumps(results, default=str), file=sys.stderr)
    database.close()


if __name__ == "__main__":
    main()
