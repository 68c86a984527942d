"""The calculated_metrics rows of a set of (adjusted) daily bars, and `compute_metrics` that stores them.

`metric_table` is pure (Polars and numpy, no database): the benchmark and the tests call it directly.
`compute_metrics` is the `workstation metrics compute` run: it loads what changed plus the warm-up
history, adjusts it with the corporate actions, computes, and writes in one transaction.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from store.analytics import ratings
from store.analytics.metrics import Layout, indicators, prepare_kernels, rolling_extreme, sma
from store.errors import InvalidInput

if TYPE_CHECKING:
    import psycopg

    from store.db import Database

BAR_COLUMNS = ("security_id", "trade_date", "high", "low", "close", "volume")  # open is not used
PRICE_METRICS = (
    "ma_10",
    "ma_20",
    "ma_50",
    "ma_200",
    "atr_14",
    "atr_pct",
    "rsi_14",
    "vol_20d_avg",
    "vol_vs_avg_pct",
    "high_52w",
    "low_52w",
    "vars",
    "vcp_score",
)
WHOLE_METRICS = ("rs_rating", "stage")
METRIC_COLUMNS = (*PRICE_METRICS[:11], "rs_rating", "vars", "stage", "vcp_score")
VOLUME_AVERAGE = 20
GROUP_BARS = 500_000  # bars per group of securities: 4 MB arrays
# Bars loaded before the first day to compute: the longest look-back (RS: 252 sessions) with room to
# spare, and enough for Wilder's smoothing to forget its start ((13/14)^300 < 3e-10 of the value).
WARMUP_BARS = 300


def metric_table(bars: pl.DataFrame) -> pl.DataFrame:
    """Every metric of calculated_metrics for every bar (security_id, trade_date, then METRIC_COLUMNS).

    `bars` has BAR_COLUMNS with adjusted prices (see store.analytics.adjust) and optionally a boolean
    `ranked`: the rows that form the universe RS ratings and VARS compare with (default: all).
    Metrics without enough history are null. The per-security work runs a group of securities at
    a time (arrays of a few MB are reused by the allocator; arrays of 40 MB cost fresh pages).
    """
    missing = [name for name in BAR_COLUMNS if name not in bars.columns]
    if missing:
        raise InvalidInput(f"bars lack the columns {', '.join(missing)}", fields=dict.fromkeys(missing, "missing"))
    frame = _sorted(bars)
    arrays = {name: frame[name].cast(pl.Float64).fill_null(0.0).to_numpy() for name in BAR_COLUMNS[2:]}
    ids = frame["security_id"].to_numpy()
    layout = Layout(ids)
    groups = [_security_metrics(ids[rows], {name: a[rows] for name, a in arrays.items()}) for rows in _groups(layout)]
    values = {name: np.concatenate([group[name] for group in groups]) for name in groups[0]} if groups else {}
    ranked = frame["ranked"].to_numpy() if "ranked" in frame.columns else np.ones(frame.height, dtype=bool)
    grid = ratings.DayGrid(layout, frame["trade_date"].to_physical().to_numpy(), ranked)
    if not groups:
        values = {name: np.empty(0) for name in (*PRICE_METRICS, "score", "performance", "volatility", "stage")}
    values["vars"] = ratings.vars_score(grid, values["performance"], values["volatility"])
    columns = [pl.Series(name, values[name], nan_to_null=True) for name in PRICE_METRICS]
    rating = ratings.rs_ratings(grid, values["score"])
    columns.append(pl.Series("rs_rating", rating, nan_to_null=True).cast(pl.Int64))
    columns.append(pl.Series("stage", values["stage"], nan_to_null=True).cast(pl.Int64))
    return (
        frame.select("security_id", "trade_date")
        .with_columns(columns)
        .select("security_id", "trade_date", *METRIC_COLUMNS)
    )


def _groups(layout: Layout) -> list[slice]:
    """Consecutive securities of about GROUP_BARS bars together (a longer single security alone)."""
    groups, first, size = [], 0, 0
    for start, length in zip(layout.starts.tolist(), layout.lengths.tolist(), strict=True):
        if size and size + length > GROUP_BARS:
            groups.append(slice(first, start))
            first, size = start, 0
        size += length
    if size:
        groups.append(slice(first, layout.rows))
    return groups


def _security_metrics(ids: np.ndarray, bars: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The metrics that look at one security's own bars (all but the universe's rank and median)."""
    layout = Layout(ids)
    close, high, low, volume = bars["close"], bars["high"], bars["low"], bars["volume"]
    core = indicators(layout, close, high, low, sma_periods=(10, 20, 50, 200), period=14)
    volume_average = layout.previous(sma(layout, volume, VOLUME_AVERAGE))
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "ma_10": core["sma_10"],
            "ma_20": core["sma_20"],
            "ma_50": core["sma_50"],
            "ma_200": core["sma_200"],
            "atr_14": core["atr"],
            "atr_pct": core["atr"] / close * 100.0,
            "rsi_14": core["rsi"],
            "vol_20d_avg": volume_average,
            "vol_vs_avg_pct": np.where(volume_average > 0, volume / volume_average * 100.0, np.nan),
            "high_52w": rolling_extreme(layout, high, ratings.YEAR, highest=True),
            "low_52w": rolling_extreme(layout, low, ratings.YEAR, highest=False),
            "vcp_score": ratings.vcp_scores(layout, close, high, low, volume),
            "stage": ratings.stages(layout, close),
            "score": ratings.rs_score(layout, close),
            "performance": ratings.performance(layout, close),
            "volatility": ratings.volatility(layout, close),
        }


def _sorted(bars: pl.DataFrame) -> pl.DataFrame:
    """The bars by security then date; the same day twice for a security is an error."""
    frame = bars if _strictly_ordered(bars) else bars.sort("security_id", "trade_date")
    if not _strictly_ordered(frame):
        repeated = frame.filter(pl.struct("security_id", "trade_date").is_duplicated()).row(0, named=True)
        raise InvalidInput(
            f"two bars of security {repeated['security_id']} on {repeated['trade_date']}",
            fields={"trade_date": "duplicated"},
        )
    return frame


def _strictly_ordered(bars: pl.DataFrame) -> bool:
    ids = bars["security_id"].to_numpy()
    days = bars["trade_date"].to_physical().to_numpy()
    return bool(np.all((ids[1:] > ids[:-1]) | ((ids[1:] == ids[:-1]) & (days[1:] > days[:-1]))))


@dataclass(frozen=True, slots=True)
class MetricsRun:
    """What one `metrics compute` did."""

    securities: int
    rows: int  # computed for the days asked for
    written: int  # inserted or changed (rows whose values were already stored are left alone)
    first_day: dt.date | None
    last_day: dt.date | None
    bars_loaded: int
    seconds: float


def compute_metrics(
    database: Database,
    *,
    since: dt.date | None = None,
    symbols: Sequence[str] = (),
    actor: str = "system:metrics",
) -> MetricsRun:
    """Compute and store the metrics of the days not computed yet (or of every day from `since`).

    Only the securities named in `symbols` (SYMBOL or EXCHANGE:SYMBOL) when given. All in one
    transaction: COPY into a staging table, upsert into calculated_metrics, refresh market_overview,
    and one change-feed notice, delivered on commit.
    """
    from store.analytics import storage

    with database.connect() as connection:
        storage.set_actor(connection, actor)
        run = compute_metrics_in(connection, since=since, symbols=symbols)
        connection.commit()
    return run


def compute_metrics_in(
    connection: psycopg.Connection[tuple[Any, ...]], *, since: dt.date | None = None, symbols: Sequence[str] = ()
) -> MetricsRun:
    """`compute_metrics` inside the caller's transaction (which commits it, e.g. the demo build's)."""
    from store.analytics import storage

    started = time.perf_counter()
    chosen = storage.resolve_symbols(connection, symbols) if symbols else None
    targets = storage.target_days(connection, chosen, since)
    if targets.is_empty():
        return MetricsRun(0, 0, 0, None, None, 0, time.perf_counter() - started)
    # The compiled kernels get ready while the server reads the bars (see metrics.prepare_kernels).
    preparing = threading.Thread(target=prepare_kernels, name="metrics-kernels", daemon=True)
    preparing.start()
    bars = storage.load_bars(connection, targets, WARMUP_BARS)
    preparing.join()
    table = metric_table(bars)
    fresh = table.join(targets, on="security_id").filter(pl.col("trade_date") >= pl.col("first_day"))
    fresh = fresh.drop("first_day")
    written = storage.write_metrics(connection, fresh)
    days = fresh["trade_date"]
    first_day: dt.date | None = days.min() if fresh.height else None  # type: ignore[assignment]
    last_day: dt.date | None = days.max() if fresh.height else None  # type: ignore[assignment]
    storage.refresh_and_announce(connection, first_day, last_day, fresh.height)
    return MetricsRun(
        securities=fresh["security_id"].n_unique(),
        rows=fresh.height,
        written=written,
        first_day=first_day,
        last_day=last_day,
        bars_loaded=bars.height,
        seconds=time.perf_counter() - started,
    )
