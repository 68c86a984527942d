"""Metrics: the indicator kernels against a per-security TA-Lib loop, the full metric set, the daily update.

`uv run python -m bench.metrics [--runs 5] [--securities 2000] [--days 2520] [--db-days 600] [--naive]`

Synthetic bars (log-normal walks), generated in memory:
  core       SMA 50/200, ATR(14), RSI(14) of every bar with store.analytics.metrics.indicators, from the
             bars sorted by security (a `Layout`); values checked equal to TA-Lib's (1e-9) once;
  talib      the same four with a TA-Lib call per security over the same arrays;
  naive      (with --naive) the four as Polars expressions with `.over("security_id")`;
  full       metric_table: every calculated_metrics column of every bar (sorting check, RS ratings…);
  daily      on an embedded PostgreSQL holding --db-days of those securities' bars with their metrics
             stored up to the day before: compute_metrics end to end for the new day (load of the
             warm-up history, adjustment, metrics, COPY + upsert, market_overview refresh, notice).
The compute runs are interleaved so a busy machine slows them alike; wall-clock medians are printed
with CPU seconds (process time), which other load on a shared machine disturbs less. The kernels are
compiled by numba on first use: that one-off cost (import, compile or cache load) is printed apart
and kept out of the runs (a fresh `workstation metrics compute` process pays it once).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from store.analytics.compute import compute_metrics, metric_table
from store.analytics.memory import reuse_freed_memory
from store.analytics.metrics import Layout, indicators

FIRST_DAY = dt.date(2015, 1, 1)


def synthetic_bars(securities: int, days: int, seed: int = 20261125) -> pl.DataFrame:
    """security_id 1..n, one bar per weekday, prices on a cent grid, sorted by security then date."""
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(0.0002, 0.018, (securities, days)), axis=1)
    close = np.round(rng.uniform(10, 2000, (securities, 1)) * np.exp(walk), 2).clip(0.05).ravel()
    spread = np.abs(rng.normal(0, 0.008, (2, close.size)))
    high = np.round(close * (1 + spread[0]), 2)
    low = np.round(close * (1 - spread[1]), 2).clip(0.01)
    calendar = [day for day in (FIRST_DAY + dt.timedelta(days=i) for i in range(days * 2)) if day.weekday() < 5]
    return pl.DataFrame(
        {
            "security_id": np.repeat(np.arange(1, securities + 1, dtype=np.int64), days),
            "trade_date": pl.Series(calendar[:days] * securities, dtype=pl.Date),
            "open": close,
            "high": high,
            "low": low,
            "close": close,
            "volume": rng.integers(1_000, 2_000_000, close.size),
        }
    )


def talib_loop(bars: pl.DataFrame) -> list[tuple[np.ndarray, ...]]:
    import talib

    close, high, low = (bars[name].to_numpy() for name in ("close", "high", "low"))
    layout = Layout(bars["security_id"].to_numpy())
    results = []
    for start, length in zip(layout.starts.tolist(), layout.lengths.tolist(), strict=True):
        rows = slice(start, start + length)
        c, h, lo = close[rows], high[rows], low[rows]
        results.append((talib.SMA(c, 50), talib.SMA(c, 200), talib.ATR(h, lo, c, 14), talib.RSI(c, 14)))
    return results


def core(bars: pl.DataFrame) -> dict[str, np.ndarray]:
    close, high, low = (bars[name].to_numpy() for name in ("close", "high", "low"))
    return indicators(Layout(bars["security_id"].to_numpy()), close, high, low, sma_periods=(50, 200))


def naive(bars: pl.DataFrame) -> pl.DataFrame:
    """The textbook Polars way: rolling means and Wilder's smoothing as ewm_mean, each `.over` the security."""
    change = pl.col("close").diff().over("security_id")
    previous = pl.col("close").shift().over("security_id")
    true_range = pl.max_horizontal(
        pl.col("high") - pl.col("low"), (pl.col("high") - previous).abs(), (pl.col("low") - previous).abs()
    )
    wilder = {"alpha": 1 / 14, "adjust": False, "min_samples": 14}
    gain = change.clip(lower_bound=0).ewm_mean(**wilder).over("security_id")
    loss = (-change).clip(lower_bound=0).ewm_mean(**wilder).over("security_id")
    return bars.select(
        pl.col("close").rolling_mean(50).over("security_id").alias("sma_50"),
        pl.col("close").rolling_mean(200).over("security_id").alias("sma_200"),
        true_range.ewm_mean(**wilder).over("security_id").alias("atr"),
        (100 * gain / (gain + loss)).alias("rsi"),
    )


def check_equal(bars: pl.DataFrame) -> float:
    """The largest relative difference between core() and the TA-Lib loop (NaN positions must agree)."""
    ours = core(bars)
    theirs = talib_loop(bars)
    layout = Layout(bars["security_id"].to_numpy())
    worst = 0.0
    for index, (start, length) in enumerate(zip(layout.starts.tolist(), layout.lengths.tolist(), strict=True)):
        rows = slice(start, start + length)
        for name, reference in zip(("sma_50", "sma_200", "atr", "rsi"), theirs[index], strict=True):
            mine = ours[name][rows]
            if not np.array_equal(np.isnan(mine), np.isnan(reference)):
                raise AssertionError(f"{name} of security {index + 1}: first values differ from TA-Lib's")
            known = ~np.isnan(reference)
            difference = np.abs(mine[known] - reference[known]) / np.maximum(np.abs(reference[known]), 1e-12)
            worst = max(worst, float(difference.max(initial=0.0)))
    if worst > 1e-9:
        raise AssertionError(f"values differ from TA-Lib's by {worst:.2e}")
    return worst


def timed(work: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def compute_benchmarks(args: argparse.Namespace) -> dict[str, list[tuple[float, float]]]:
    bars = synthetic_bars(args.securities, args.days)
    print(f"{bars.height:,} bars ({args.securities} securities x {args.days} days)")
    wall, _ = timed(lambda: metric_table(bars.head(1000)))
    print(f"first metric_table in this process (numba import, compile or cache load): {wall:.2f} s")
    print(f"core vs TA-Lib: largest relative difference {check_equal(bars):.1e}")
    work: dict[str, Callable[[], Any]] = {
        "core": lambda: core(bars),
        "talib": lambda: talib_loop(bars),
        "full": lambda: metric_table(bars),
    }
    if args.naive:
        work["naive"] = lambda: naive(bars)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in work}
    for _ in range(args.runs):
        for name, run in work.items():
            samples[name].append(timed(run))
    return samples


def daily_benchmark(args: argparse.Namespace) -> list[tuple[float, float]]:
    """compute_metrics for one new day on a database holding --db-days of bars and their metrics."""
    from store import migrations
    from store.db import Database, DatabaseTarget
    from store.embedded import start_embedded

    server = start_embedded(Path(tempfile.mkdtemp(prefix="wsm")), database="metrics_bench", cleanup="delete")
    database = Database(DatabaseTarget(server.params(), embedded_dir=server.data_dir))
    try:
        migrations.upgrade(database.engine)
        bars = synthetic_bars(args.securities, args.db_days + 1, seed=7)
        last_day = bars["trade_date"].max()
        _store_bars(database, bars.filter(pl.col("trade_date") < last_day))
        started = time.perf_counter()
        history = compute_metrics(database)
        print(f"stored {history.rows:,} metric rows for {args.db_days} days in {time.perf_counter() - started:.1f} s")
        _store_bars(database, bars.filter(pl.col("trade_date") == last_day))
        samples = []
        for _ in range(args.runs):
            with database.connect() as connection:
                connection.execute("delete from calculated_metrics where trade_date = %s", (last_day,))
                connection.commit()
            samples.append(timed(lambda: compute_metrics(database)))
        return samples
    finally:
        database.close()


def _store_bars(database: Any, bars: pl.DataFrame) -> None:
    from store.ingest import load

    prices = bars.with_columns(
        *(pl.col(name).cast(pl.Decimal(18, 6)) for name in ("open", "high", "low", "close")),
        pl.col("volume").cast(pl.Int64),
    )
    with database.connect() as connection:
        ids = prices["security_id"].unique().to_list()
        connection.execute(
            "insert into securities (id, symbol, exchange, instrument_type) overriding system value"
            " select id, 'S' || id, 'BENCH', 'equity' from unnest(%s::bigint[]) as i(id) on conflict do nothing",
            (ids,),
        )
        load.ensure_partitions(connection, prices["trade_date"].min(), prices["trade_date"].max())  # type: ignore[arg-type]
        load.write_bars(connection, prices, source="bench", merge=False)
        connection.commit()
        connection.execute("analyze ohlcv_daily")
        connection.commit()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--securities", type=int, default=2000)
    parser.add_argument("--days", type=int, default=2520, help="bars per security for the compute benchmarks")
    parser.add_argument("--db-days", type=int, default=600, help="bars per security stored for the daily update")
    parser.add_argument("--naive", action="store_true", help="also time naive Polars .over() expressions")
    parser.add_argument("--skip-db", action="store_true")
    parser.add_argument(
        "--default-malloc", action="store_true", help="leave glibc's malloc as it is (the CLI tunes it)"
    )
    args = parser.parse_args()
    if not args.default_malloc:
        print(f"malloc tuned as in `workstation metrics`: {reuse_freed_memory()}")
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpus, python {platform.python_version()}")
    samples = compute_benchmarks(args)
    if not args.skip_db:
        samples["daily"] = daily_benchmark(args)
    print(f"{'benchmark':10} {'median':>9} {'min':>9} {'cpu med':>9}  runs")
    for name, runs in samples.items():
        walls, cpus = [wall for wall, _ in runs], [cpu for _, cpu in runs]
        print(
            f"{name:10} {statistics.median(walls) * 1000:7.0f}ms {min(walls) * 1000:7.0f}ms"
            f" {statistics.median(cpus) * 1000:7.0f}ms  {len(runs)}"
        )
    medians = {name: statistics.median(wall for wall, _ in runs) for name, runs in samples.items()}
    print(f"core / talib: {medians['core'] / medians['talib']:.2f}")


if __name__ == "__main__":
    main()
