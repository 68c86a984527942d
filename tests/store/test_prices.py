"""Prices as frames: bars in date order, resampled honestly to fit a width, adjusted on request, cross-sections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import text
from sqlalchemy.orm import Session

from store.errors import InvalidInput, NotFound
from store.records.prices import BAR_COLUMNS, LATEST_BAR_COLUMNS, RESAMPLED_COLUMNS
from store.repositories.prices import PriceRepository
from store.uow import UnitOfWork

Bar = tuple[dt.date, Decimal, Decimal, Decimal, Decimal, int]


def add_security(session: Session, symbol: str, exchange: str = "NSE") -> int:
    return int(
        session.execute(
            text("insert into securities (symbol, exchange, instrument_type) values (:s, :e, 'equity') returning id"),
            {"s": symbol, "e": exchange},
        ).scalar_one()
    )


def add_bars(
    session: Session, security_id: int, bars: list[Bar], adj_close: dict[dt.date, Decimal] | None = None
) -> None:
    days = [bar[0] for bar in bars]
    session.execute(text("select ensure_ohlcv_partitions('ohlcv_daily', :a, :b)"), {"a": min(days), "b": max(days)})
    session.execute(
        text(
            "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume, adj_close)"
            " values (:id, :day, :open, :high, :low, :close, :volume, :adj)"
        ),
        [
            {
                "id": security_id,
                "day": day,
                "open": o,
                "high": h,
                "low": low,
                "close": c,
                "volume": v,
                "adj": (adj_close or {}).get(day),
            }
            for day, o, h, low, c, v in bars
        ],
    )


def weekdays(first: dt.date, last: dt.date, skip: tuple[dt.date, ...] = ()) -> list[dt.date]:
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.isoweekday() < 6 and day not in skip]


def made_up_bars(days: list[dt.date]) -> list[Bar]:
    """A series whose every bucket has a different first open, last close, high and low."""
    bars = []
    for n, day in enumerate(days):
        open_ = Decimal(100 + n)
        bars.append((day, open_, open_ + 5 + n % 3, open_ - 3 - n % 2, open_ + n % 4 - 1, 1000 + 10 * n))
    return bars


def expected_buckets(bars: list[Bar], bucket_of: Callable[[dt.date], Any]) -> pl.DataFrame:
    """The aggregation done by hand: first open, max high, min low, last close, summed volume, bar count."""
    groups: dict[Any, list[Bar]] = {}
    for bar in sorted(bars):
        groups.setdefault(bucket_of(bar[0]), []).append(bar)
    rows = [
        (
            group[0][0],
            float(group[0][1]),
            float(max(bar[2] for bar in group)),
            float(min(bar[3] for bar in group)),
            float(group[-1][4]),
            sum(bar[5] for bar in group),
            len(group),
        )
        for group in groups.values()
    ]
    dtypes = (pl.Date, pl.Float64, pl.Float64, pl.Float64, pl.Float64, pl.Int64, pl.Int64)
    schema = dict(zip(RESAMPLED_COLUMNS, dtypes, strict=True))
    return pl.DataFrame(rows, schema=schema, orient="row")


def iso_week(day: dt.date) -> tuple[int, int]:
    return day.isocalendar()[:2]


def month(day: dt.date) -> tuple[int, int]:
    return (day.year, day.month)


# Thursday 25 January to Wednesday 6 March 2024 (7 weeks, 3 months, 1 quarter), closed on 26 January.
DAYS = weekdays(dt.date(2024, 1, 25), dt.date(2024, 3, 6), skip=(dt.date(2024, 1, 26),))
BARS = made_up_bars(DAYS)


@pytest.fixture
def prices(uow: UnitOfWork) -> PriceRepository:
    return uow.repository(PriceRepository)


@pytest.fixture
def series(uow: UnitOfWork) -> int:
    security_id = add_security(uow.session, "SERIES")
    add_bars(uow.session, security_id, BARS)
    return security_id


# --- bars -------------------------------------------------------------------------------------------------------


def test_bars_come_oldest_first_as_floats(series: int, prices: PriceRepository) -> None:
    frame = prices.bars(series)
    assert frame.columns == list(BAR_COLUMNS)
    assert frame.dtypes == [pl.Date, pl.Float64, pl.Float64, pl.Float64, pl.Float64, pl.Int64]
    assert frame["trade_date"].to_list() == DAYS
    assert frame.row(0) == (DAYS[0], 100.0, 105.0, 97.0, 99.0, 1000)


def test_bars_between_start_and_end_include_both_ends(series: int, prices: PriceRepository) -> None:
    frame = prices.bars(series, dt.date(2024, 2, 1), dt.date(2024, 2, 5))
    assert frame["trade_date"].to_list() == [dt.date(2024, 2, 1), dt.date(2024, 2, 2), dt.date(2024, 2, 5)]
    assert prices.bars(series, start=dt.date(2024, 3, 6))["trade_date"].to_list() == [dt.date(2024, 3, 6)]
    assert prices.bars(series, end=dt.date(2024, 1, 25)).height == 1
    assert prices.bars(series, dt.date(2030, 1, 1)).is_empty()


def test_bars_of_a_security_without_bars_are_an_empty_frame(uow: UnitOfWork, prices: PriceRepository) -> None:
    frame = prices.bars(add_security(uow.session, "EMPTY"))
    assert frame.is_empty()
    assert frame.columns == list(BAR_COLUMNS)
    assert frame.schema["close"] == pl.Float64


def test_adjusted_bars_scale_by_adj_close_where_the_source_gave_it(uow: UnitOfWork, prices: PriceRepository) -> None:
    security_id = add_security(uow.session, "SPLIT")
    first, second = dt.date(2024, 5, 2), dt.date(2024, 5, 3)
    bars: list[Bar] = [
        (first, Decimal(98), Decimal(104), Decimal(96), Decimal(100), 10),
        (second, Decimal(51), Decimal(53), Decimal(49), Decimal(52), 20),
    ]
    add_bars(uow.session, security_id, bars, adj_close={first: Decimal(50)})
    as_traded = prices.bars(security_id)
    adjusted = prices.bars(security_id, adjusted=True)
    assert as_traded.row(0) == (first, 98.0, 104.0, 96.0, 100.0, 10)
    assert adjusted.row(0) == (first, 49.0, 52.0, 48.0, 50.0, 10)
    assert adjusted.row(1) == as_traded.row(1) == (second, 51.0, 53.0, 49.0, 52.0, 20)
    resampled = prices.resampled(security_id, 1, adjusted=True)
    assert resampled.frame.row(0) == (first, 49.0, 53.0, 48.0, 52.0, 30, 2)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": dt.date(2024, 3, 1), "end": dt.date(2024, 2, 1)}, "start"),
        ({"start": dt.datetime(2024, 3, 1, tzinfo=dt.UTC)}, "start"),
        ({"end": "2024-03-01"}, "end"),
    ],
)
def test_bars_refuse_a_bad_range_naming_the_field(
    series: int, prices: PriceRepository, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        prices.bars(series, **kwargs)
    assert field in caught.value.fields
    with pytest.raises(InvalidInput) as caught:
        prices.resampled(series, 10, **kwargs)
    assert field in caught.value.fields


def test_bars_of_an_unknown_security_are_not_found(prices: PriceRepository) -> None:
    with pytest.raises(NotFound, match="no security with id 987654"):
        prices.bars(987654)
    with pytest.raises(NotFound):
        prices.resampled(987654, 100)
    with pytest.raises(InvalidInput) as caught:
        prices.bars("7")  # type: ignore[arg-type]
    assert "security_id" in caught.value.fields


# --- resampling -------------------------------------------------------------------------------------------------


def test_resampling_keeps_days_when_they_fit(series: int, prices: PriceRepository) -> None:
    resampled = prices.resampled(series, len(DAYS))
    assert resampled.period == "day"
    assert resampled.frame.drop("bars").equals(prices.bars(series))
    assert set(resampled.frame["bars"].to_list()) == {1}


def test_resampling_to_weeks_aggregates_first_open_max_high_min_low_last_close_and_volume(
    series: int, prices: PriceRepository
) -> None:
    resampled = prices.resampled(series, 7)
    assert resampled.period == "week"
    assert_frame_equal(resampled.frame, expected_buckets(BARS, iso_week))
    # the first week starts on its first trading day (Thursday 25 January; Friday was a holiday)
    assert resampled.frame.row(0)[0] == dt.date(2024, 1, 25)
    assert resampled.frame["bars"].to_list()[:2] == [1, 5]


def test_resampling_to_months_when_weeks_do_not_fit(series: int, prices: PriceRepository) -> None:
    resampled = prices.resampled(series, 6)
    assert resampled.period == "month"
    assert_frame_equal(resampled.frame, expected_buckets(BARS, month))
    assert resampled.frame["trade_date"].to_list() == [dt.date(2024, 1, 25), dt.date(2024, 2, 1), dt.date(2024, 3, 1)]


def test_resampling_to_quarters_then_years(uow: UnitOfWork, series: int, prices: PriceRepository) -> None:
    quarter = prices.resampled(series, 2)
    assert (quarter.period, quarter.frame.height) == ("quarter", 1)
    assert_frame_equal(quarter.frame, expected_buckets(BARS, lambda day: day.year))
    years = add_security(uow.session, "YEARS")
    spread = [dt.date(year, month, 10) for year in (2021, 2022, 2023) for month in (1, 7)]
    add_bars(uow.session, years, made_up_bars(spread))
    yearly = prices.resampled(years, 3)
    assert yearly.period == "year"
    assert yearly.frame["bars"].to_list() == [2, 2, 2]
    # when even years do not fit, one bucket per year is the coarsest there is
    assert prices.resampled(years, 2).frame.height == 3


def test_resampling_a_range_only_looks_inside_it(series: int, prices: PriceRepository) -> None:
    february = [bar for bar in BARS if bar[0].month == 2]
    resampled = prices.resampled(series, 4, dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert resampled.period == "month"
    assert_frame_equal(resampled.frame, expected_buckets(february, month))


def test_resampling_nothing_gives_an_empty_frame(uow: UnitOfWork, prices: PriceRepository) -> None:
    resampled = prices.resampled(add_security(uow.session, "EMPTY"), 50)
    assert (resampled.period, resampled.frame.columns, resampled.frame.height) == ("day", list(RESAMPLED_COLUMNS), 0)


@pytest.mark.parametrize("max_buckets", [0, -5, 2.5, True, None])
def test_resampling_refuses_a_bad_bucket_count(series: int, prices: PriceRepository, max_buckets: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        prices.resampled(series, max_buckets)
    assert "max_buckets" in caught.value.fields


# --- latest bars and cross-sections -----------------------------------------------------------------------------


@pytest.fixture
def market(uow: UnitOfWork) -> dict[str, int]:
    """TRADED traded on 4 and 5 March, IDLE last on 1 March, LATE only from 6 March, NEVER not at all."""
    session = uow.session
    ids = {symbol: add_security(session, symbol) for symbol in ("TRADED", "IDLE", "LATE", "NEVER")}
    for symbol, days in {
        "TRADED": (dt.date(2024, 3, 4), dt.date(2024, 3, 5)),
        "IDLE": (dt.date(2024, 2, 29), dt.date(2024, 3, 1)),
        "LATE": (dt.date(2024, 3, 6),),
    }.items():
        add_bars(session, ids[symbol], made_up_bars(list(days)))
    return ids


def test_the_cross_section_holds_every_security_with_its_bar_on_or_before_the_date(
    market: dict[str, int], prices: PriceRepository
) -> None:
    frame = prices.cross_section(dt.date(2024, 3, 5))
    assert frame.columns == list(LATEST_BAR_COLUMNS)
    by_symbol = {row["symbol"]: row for row in frame.iter_rows(named=True)}
    assert set(by_symbol) == {"TRADED", "IDLE", "LATE", "NEVER"}
    assert by_symbol["TRADED"]["trade_date"] == dt.date(2024, 3, 5)
    assert (by_symbol["TRADED"]["open"], by_symbol["TRADED"]["volume"]) == (101.0, 1010)
    assert by_symbol["IDLE"]["trade_date"] == dt.date(2024, 3, 1)  # did not trade that day: its older bar
    for symbol in ("LATE", "NEVER"):  # nothing on or before the date
        assert by_symbol[symbol]["trade_date"] is None
        assert by_symbol[symbol]["close"] is None
    assert by_symbol["NEVER"]["security_id"] == market["NEVER"]


def test_the_cross_section_refuses_a_missing_or_timed_date(prices: PriceRepository) -> None:
    for as_of in (None, dt.datetime(2024, 3, 5, tzinfo=dt.UTC), "2024-03-05"):
        with pytest.raises(InvalidInput) as caught:
            prices.cross_section(as_of)  # type: ignore[arg-type]
        assert "as_of" in caught.value.fields


def test_latest_bars_of_all_or_some_securities(market: dict[str, int], prices: PriceRepository) -> None:
    everything = prices.latest_bars()
    assert dict(zip(everything["symbol"], everything["trade_date"], strict=True)) == {
        "IDLE": dt.date(2024, 3, 1),
        "LATE": dt.date(2024, 3, 6),
        "NEVER": None,
        "TRADED": dt.date(2024, 3, 5),
    }
    some = prices.latest_bars([market["TRADED"], market["NEVER"], market["TRADED"]])
    assert some["symbol"].to_list() == ["NEVER", "TRADED"]
    assert prices.latest_bars([]).is_empty()


def test_latest_bars_of_unknown_or_malformed_ids_are_refused(market: dict[str, int], prices: PriceRepository) -> None:
    with pytest.raises(NotFound, match="no security with id 999991, 999992"):
        prices.latest_bars([market["IDLE"], 999992, 999991])
    with pytest.raises(InvalidInput) as caught:
        prices.latest_bars([market["IDLE"], "x"])  # type: ignore[list-item]
    assert "security_ids" in caught.value.fields
    with pytest.raises(InvalidInput) as caught:
        prices.latest_bars(market["IDLE"])  # type: ignore[arg-type]
    assert "security_ids" in caught.value.fields
