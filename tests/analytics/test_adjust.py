"""Adjusted prices: splits and bonus issues by their ratio, dividends by 1 - amount/previous close."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.analytics.adjust import adjust_bars
from store.errors import InvalidInput

START = dt.date(2024, 3, 1)


def bars(closes: list[float], security_id: int = 1, volume: int = 1000) -> pl.DataFrame:
    days = [START + dt.timedelta(days=index) for index in range(len(closes))]
    return pl.DataFrame(
        {
            "security_id": [security_id] * len(closes),
            "trade_date": days,
            "open": closes,
            "high": [close * 1.01 for close in closes],
            "low": [close * 0.99 for close in closes],
            "close": closes,
            "volume": [volume] * len(closes),
        }
    )


def actions(*rows: tuple[int, str, dt.date, float | None, float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "security_id": pl.Int64,
            "action_type": pl.String,
            "ex_date": pl.Date,
            "ratio": pl.Float64,
            "amount": pl.Float64,
        },
        orient="row",
    )


def day(index: int) -> dt.date:
    return START + dt.timedelta(days=index)


def test_a_split_divides_earlier_prices_and_multiplies_earlier_volume() -> None:
    adjusted = adjust_bars(bars([200.0, 210.0, 105.0, 106.0]), actions((1, "split", day(2), 2.0, None)))

    assert adjusted["close"].to_list() == [100.0, 105.0, 105.0, 106.0]
    assert adjusted["high"].to_list() == pytest.approx([101.0, 106.05, 106.05, 107.06])
    assert adjusted["volume"].to_list() == [2000.0, 2000.0, 1000.0, 1000.0]
    assert adjusted["adjustment"].to_list() == [0.5, 0.5, 1.0, 1.0]


def test_a_dividend_scales_earlier_bars_by_one_minus_amount_over_the_previous_close() -> None:
    adjusted = adjust_bars(bars([100.0, 100.0, 96.0]), actions((1, "dividend", day(2), None, 4.0)))

    assert adjusted["close"].to_list() == pytest.approx([96.0, 96.0, 96.0])
    assert adjusted["volume"].to_list() == [1000.0, 1000.0, 1000.0]  # dividends leave volume alone


def test_actions_compound_bonus_then_dividend_and_other_securities_are_untouched() -> None:
    frame = pl.concat([bars([300.0, 300.0, 200.0, 200.0, 190.0]), bars([50.0, 51.0, 52.0, 53.0, 54.0], 2)])
    adjusted = adjust_bars(
        frame,
        actions(
            (1, "bonus", day(2), 1.5, None),  # 1:2 bonus: three shares for two
            (1, "dividend", day(4), None, 10.0),  # 5% of the previous close
            (1, "rights", day(3), 1.2, None),  # not a price adjustment here
        ),
    )

    first = adjusted.filter(pl.col("security_id") == 1)
    assert first["adjustment"].to_list() == pytest.approx([0.95 / 1.5, 0.95 / 1.5, 0.95, 0.95, 1.0])
    assert adjusted.filter(pl.col("security_id") == 2)["close"].to_list() == [50.0, 51.0, 52.0, 53.0, 54.0]


def test_an_ex_date_on_a_holiday_adjusts_the_bars_before_it_and_one_after_the_last_bar_adjusts_all() -> None:
    frame = bars([100.0, 100.0, 50.0]).filter(pl.col("trade_date") != day(1))
    adjusted = adjust_bars(frame, actions((1, "split", day(1), 2.0, None), (1, "split", day(9), 5.0, None)))

    assert adjusted["adjustment"].to_list() == pytest.approx([0.1, 0.2])


def test_a_dividend_as_large_as_the_price_is_refused_naming_the_action() -> None:
    with pytest.raises(InvalidInput, match=r"dividend of 100 on 2024-03-02 \(security 1\)"):
        adjust_bars(bars([100.0, 90.0]), actions((1, "dividend", day(1), None, 100.0)))


@settings(max_examples=80, deadline=None)
@given(
    ratio=st.sampled_from([1.5, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0]),
    moves=st.lists(st.floats(-0.05, 0.05), min_size=4, max_size=60),
    split_at=st.integers(1, 200),
)
def test_adjusted_closes_do_not_jump_at_a_split_when_the_raw_series_jumps_by_the_ratio(
    ratio: float, moves: list[float], split_at: int
) -> None:
    economic = 100.0 * np.exp(np.cumsum(moves))  # the company's value per original share
    ex_index = 1 + split_at % (len(moves) - 1)
    raw = np.where(np.arange(len(moves)) >= ex_index, economic / ratio, economic)

    adjusted = adjust_bars(bars(raw.tolist()), actions((1, "split", day(ex_index), ratio, None)))

    closes = adjusted["close"].to_numpy()
    np.testing.assert_allclose(closes, economic / ratio, rtol=1e-12)
    step = closes[ex_index] / closes[ex_index - 1]
    assert step == pytest.approx(np.exp(moves[ex_index]), rel=1e-12)


def test_a_dividend_is_measured_against_the_ex_date_bars_published_previous_close_when_there_is_one() -> None:
    frame = bars([100.0, 100.0, 96.0]).with_columns(prev_close=pl.Series([None, 100.0, 80.0]))

    adjusted = adjust_bars(frame, actions((1, "dividend", day(2), None, 4.0)))

    assert adjusted["adjustment"].to_list() == pytest.approx([0.95, 0.95, 1.0])  # 1 - 4/80, not 1 - 4/100
