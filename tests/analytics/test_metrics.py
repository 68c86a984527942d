"""SMA, ATR and RSI equal TA-Lib's to 1e-9 (first values included); properties of every metric."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from store.analytics.compute import METRIC_COLUMNS, metric_table
from store.analytics.metrics import Layout, atr, indicators, rolling_extreme, rsi, sma
from store.analytics.ratings import DayGrid, rs_ratings
from store.errors import InvalidInput

TOLERANCE = 1e-9


def realistic_universe(seed: int, lengths: list[int]) -> dict[str, np.ndarray]:
    """Securities of different histories: log-normal walks, intraday ranges, gaps at the open, flat runs."""
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(len(lengths)), lengths)
    rows = len(ids)
    level = np.repeat(rng.uniform(5, 5000, len(lengths)), lengths)
    close = level * np.exp(np.cumsum(rng.normal(0.0003, 0.02, rows)))
    close[rows // 3 : rows // 3 + 25] = close[rows // 3]  # a suspended stretch: flat days
    gap = np.exp(rng.normal(0, 0.01, rows))
    open_ = np.roll(close, 1) * gap
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.008, rows)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.008, rows)))
    return {"ids": ids, "close": np.round(close, 2), "high": np.round(high, 2), "low": np.round(low, 2)}


def assert_like_talib(ours: np.ndarray, theirs: np.ndarray) -> None:
    """Same NaN positions (where the first value appears) and values within 1e-9 (relative)."""
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)), (
        f"first values differ: ours at {np.flatnonzero(~np.isnan(ours))[:1]}, "
        f"TA-Lib's at {np.flatnonzero(~np.isnan(theirs))[:1]}"
    )
    np.testing.assert_allclose(ours[~np.isnan(ours)], theirs[~np.isnan(theirs)], rtol=TOLERANCE, atol=1e-12)


def per_security(data: dict[str, np.ndarray]) -> list[slice]:
    layout = Layout(data["ids"])
    return [slice(int(start), int(start + length)) for start, length in zip(layout.starts, layout.lengths, strict=True)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sma_atr_rsi_equal_talib_on_a_realistic_universe(seed: int) -> None:
    # Histories shorter than each warm-up, exactly at it, and years long.
    data = realistic_universe(seed, [1, 2, 13, 14, 15, 16, 49, 50, 51, 199, 200, 201, 700, 2520, 2600])
    layout = Layout(data["ids"])

    ours = indicators(layout, data["close"], data["high"], data["low"], sma_periods=(10, 20, 50, 200))

    for rows in per_security(data):
        close, high, low = data["close"][rows], data["high"][rows], data["low"][rows]
        for period in (10, 20, 50, 200):
            assert_like_talib(ours[f"sma_{period}"][rows], talib.SMA(close, period))
        assert_like_talib(ours["atr"][rows], talib.ATR(high, low, close, 14))
        assert_like_talib(ours["rsi"][rows], talib.RSI(close, 14))


def test_a_hand_made_series_with_gaps_and_flat_days_matches_talib() -> None:
    # Gap up, gap down, limit-locked flat days (high = low = close), a long flat run and a recovery.
    close = np.array(
        [100, 101, 101, 101, 108, 108, 108, 108, 97, 96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 99, 103, 102, 102]
        + [102] * 20
        + [90, 91, 95, 94, 98, 105, 111, 111, 111, 109],
        dtype=np.float64,
    )
    high = close + np.where(np.arange(len(close)) % 3 == 0, 0.0, 1.5)
    low = close - np.where(np.arange(len(close)) % 4 == 0, 0.0, 2.0)
    layout = Layout(np.zeros(len(close), dtype=np.int64))

    assert_like_talib(atr(layout, high, low, close), talib.ATR(high, low, close, 14))
    assert_like_talib(rsi(layout, close), talib.RSI(close, 14))
    assert_like_talib(sma(layout, close, 10), talib.SMA(close, 10))


def test_a_security_flat_for_its_whole_history_has_rsi_0_and_atr_0_like_talib() -> None:
    close = np.full(40, 50.0)
    layout = Layout(np.zeros(40, dtype=np.int64))

    assert_like_talib(rsi(layout, close), talib.RSI(close, 14))
    assert_like_talib(atr(layout, close, close, close), talib.ATR(close, close, close, 14))


prices = arrays(np.float64, st.integers(1, 300), elements=st.floats(0.01, 1e5, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(value=st.floats(0.01, 1e6, allow_nan=False), length=st.integers(1, 400), period=st.integers(1, 250))
def test_sma_of_a_constant_is_that_constant(value: float, length: int, period: int) -> None:
    layout = Layout(np.zeros(length, dtype=np.int64))

    average = sma(layout, np.full(length, value), period)

    assert np.all(np.isnan(average[: period - 1]))
    np.testing.assert_allclose(average[period - 1 :], value, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(close=prices)
def test_rsi_stays_within_0_and_100(close: np.ndarray) -> None:
    index = rsi(Layout(np.zeros(len(close), dtype=np.int64)), close)

    known = index[~np.isnan(index)]
    assert np.all((known >= 0) & (known <= 100))


@settings(max_examples=60, deadline=None)
@given(close=prices, spread=st.floats(0, 0.2))
def test_atr_is_never_negative(close: np.ndarray, spread: float) -> None:
    layout = Layout(np.zeros(len(close), dtype=np.int64))

    ranges = atr(layout, close * (1 + spread), close * (1 - spread), close)

    assert np.all(ranges[~np.isnan(ranges)] >= 0)


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 60), min_size=1, max_size=5),
    period=st.integers(1, 30),
    data=st.data(),
)
def test_rolling_highs_and_lows_are_the_extremes_of_each_securitys_own_window(
    lengths: list[int], period: int, data: st.DataObject
) -> None:
    values = data.draw(arrays(np.float64, sum(lengths), elements=st.floats(-1e6, 1e6, allow_nan=False)))
    layout = Layout(np.repeat(np.arange(len(lengths)), lengths))

    highest = rolling_extreme(layout, values, period, highest=True)
    lowest = rolling_extreme(layout, values, period, highest=False)

    for start, length in zip(layout.starts.tolist(), layout.lengths.tolist(), strict=True):
        for bar in range(start, start + length):
            if bar - start < period - 1:
                assert np.isnan(highest[bar])
                assert np.isnan(lowest[bar])
            else:
                window = values[bar - period + 1 : bar + 1]
                assert (highest[bar], lowest[bar]) == (window.max(), window.min())


def test_read_only_inputs_such_as_polars_hands_out_give_the_same_values() -> None:
    data = realistic_universe(6, [30, 300])
    layout = Layout(data["ids"])
    frozen = {name: data[name].copy() for name in ("close", "high", "low")}
    for array in frozen.values():
        array.flags.writeable = False

    ours = indicators(layout, frozen["close"], frozen["high"], frozen["low"])
    writable = indicators(layout, data["close"], data["high"], data["low"])

    for name, values in writable.items():
        np.testing.assert_array_equal(ours[name], values)


@settings(max_examples=60, deadline=None)
@given(scores=st.lists(st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.none()), min_size=1, max_size=80))
def test_rs_ratings_are_1_to_99_and_follow_the_scores(scores: list[float | None]) -> None:
    values = np.array([np.nan if score is None else score for score in scores])
    layout = Layout(np.arange(len(values)))  # one bar per security, all on one day
    grid = DayGrid(layout, np.zeros(len(values), dtype=np.int64), np.ones(len(values), dtype=bool))

    ratings = rs_ratings(grid, values)

    rated = ~np.isnan(values)
    assert np.array_equal(np.isnan(ratings), ~rated)
    assert np.all((ratings[rated] >= 1) & (ratings[rated] <= 99))
    for a in np.flatnonzero(rated):
        for b in np.flatnonzero(rated):
            if values[a] < values[b]:
                assert ratings[a] <= ratings[b]
            if values[a] == values[b]:
                assert ratings[a] == ratings[b]
    if rated.sum() > 1 and np.nanmax(values) > np.nanmin(values):
        assert np.nanmin(ratings) == 1  # the weakest; equal scores share the lowest rank of their group
        if np.sum(values == np.nanmax(values)) == 1:
            assert np.nanmax(ratings) == 99


def bars_frame(data: dict[str, np.ndarray]) -> pl.DataFrame:
    start = dt.date(2015, 1, 1)
    layout = Layout(data["ids"])
    days = [start + dt.timedelta(days=int(position)) for position in layout.position]
    volume = np.random.default_rng(0).integers(1_000, 50_000, len(data["ids"]))
    return pl.DataFrame(
        {
            "security_id": data["ids"],
            "trade_date": days,
            "open": data["close"],
            "high": data["high"],
            "low": data["low"],
            "close": data["close"],
            "volume": volume,
        }
    )


def test_the_metric_table_has_every_column_and_its_warm_ups() -> None:
    data = realistic_universe(4, [300, 300, 300, 120])
    table = metric_table(bars_frame(data).reverse())  # any order: sorted inside

    assert table.columns == ["security_id", "trade_date", *METRIC_COLUMNS]
    first = table.filter(pl.col("security_id") == 0)
    first_known = {name: first[name].is_not_null().arg_max() for name in METRIC_COLUMNS}
    assert first_known == {
        "ma_10": 9,
        "ma_20": 19,
        "ma_50": 49,
        "ma_200": 199,
        "atr_14": 14,
        "atr_pct": 14,
        "rsi_14": 14,
        "vol_20d_avg": 20,
        "vol_vs_avg_pct": 20,
        "high_52w": 251,
        "low_52w": 251,
        "rs_rating": 252,
        "vars": 63,
        "stage": 249,
        "vcp_score": 125,
    }
    last_day = table.filter(pl.col("trade_date") == pl.col("trade_date").max())
    assert last_day["rs_rating"].drop_nulls().sort().to_list() == [1, 50, 99]
    assert set(last_day["stage"].drop_nulls().to_list()) <= {1, 2, 3, 4}


def test_two_bars_of_a_security_on_one_day_are_refused() -> None:
    bars = bars_frame(realistic_universe(5, [30]))
    with pytest.raises(InvalidInput, match="two bars of security 0 on 2015-01-03"):
        metric_table(pl.concat([bars, bars.slice(2, 1)]))
