"""What the security detail's workers read and prepare: facts for the header and tabs, bars for the chart."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

import store
from store.models.events import Deal
from store.models.market import CorporateAction
from store.models.research import Watchlist, WatchlistEntry
from store.records.research_output import AnalysisRecord, SignalRecord
from store.records.securities import SecurityDetail
from store.records.trading import PositionRecord, TradeRecord
from store.repositories.prices import PriceRepository
from store.repositories.securities import SecurityRepository
from tui.widgets.price_chart import (
    MARKER_LETTERS,
    ChartData,
    ChartLayout,
    ChartOptions,
    DrawnChart,
    Marker,
    TriggerLevel,
    draw_chart,
)

if TYPE_CHECKING:
    import polars as pl

ACTIONS = cast(Table, CorporateAction.__table__)
DEALS = cast(Table, Deal.__table__)
ENTRIES = cast(Table, WatchlistEntry.__table__)
LISTS = cast(Table, Watchlist.__table__)
PRICE_TRIGGERS = ("price_above", "price_below")
RECENT_DEAL_DAYS = 30
# Enough calendar days before a range for a 200-session average to be there at its first candle.
OVERLAY_LEAD_DAYS = 310
RANGE_MONTHS = {"1M": 1, "3M": 3, "6M": 6, "1Y": 12, "3Y": 36, "5Y": 60}


# Reads the repositories do not offer yet (corporate actions, deals, a security's watchlist triggers).


class ActionRow(NamedTuple):
    """A corporate action as the tab and the chart markers need it."""

    ex_date: dt.date
    action_type: str
    ratio: decimal.Decimal | None
    amount: decimal.Decimal | None
    currency: str | None
    record_date: dt.date | None
    pay_date: dt.date | None


class DealRow(NamedTuple):
    """A bulk or block deal."""

    deal_date: dt.date
    kind: str
    side: str
    client_name: str
    quantity: int
    price: decimal.Decimal


def corporate_actions(
    session: Session, security_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> list[ActionRow]:
    """The security's corporate actions, latest ex-date first, optionally within [start, end]."""
    a = ACTIONS.c
    statement = select(a.ex_date, a.action_type, a.ratio, a.amount, a.currency, a.record_date, a.pay_date)
    statement = statement.where(a.security_id == security_id).order_by(a.ex_date.desc(), a.action_type)
    if start is not None:
        statement = statement.where(a.ex_date >= start)
    if end is not None:
        statement = statement.where(a.ex_date <= end)
    return [ActionRow(*row) for row in session.execute(statement)]


def deals(session: Session, security_id: int, limit: int = 100) -> list[DealRow]:
    """The security's bulk and block deals, latest first."""
    d = DEALS.c
    statement = select(d.deal_date, d.kind, d.side, d.client_name, d.quantity, d.price)
    statement = statement.where(d.security_id == security_id).order_by(d.deal_date.desc(), d.id.desc())
    return [DealRow(*row) for row in session.execute(statement.limit(limit))]


def trigger_levels(session: Session, security_id: int) -> list[TriggerLevel]:
    """Price triggers on this security across live watchlists (active or fired), lowest first."""
    e, w = ENTRIES.c, LISTS.c
    statement = (
        select(e.trigger_value, e.trigger_type, w.name)
        .join_from(ENTRIES, LISTS, w.id == e.watchlist_id)
        .where(e.security_id == security_id, e.deleted_at.is_(None), w.deleted_at.is_(None))
        .where(e.trigger_type.in_(PRICE_TRIGGERS), e.status.in_(("active", "triggered")))
        .order_by(e.trigger_value, w.name)
    )
    return [TriggerLevel(float(value), kind, name) for value, kind, name in session.execute(statement)]


# What the workers read and prepare.


@dataclass(frozen=True, slots=True)
class SecurityFacts:
    """The header and the tabs: the security, its last close and 52-week range, and its records."""

    detail: SecurityDetail
    previous_close: decimal.Decimal | None
    low_52w: float | None
    high_52w: float | None
    signals: tuple[SignalRecord, ...]
    analyses: tuple[AnalysisRecord, ...]
    actions: tuple[ActionRow, ...]
    deals: tuple[DealRow, ...]
    positions: tuple[PositionRecord, ...]
    trades: tuple[TradeRecord, ...]


@dataclass(frozen=True, slots=True)
class ChartRequest:
    """One chart load: `number` tells the latest request from older ones still finishing."""

    number: int
    security_id: int
    options: ChartOptions
    columns: int
    layout: ChartLayout | None = None  # the panels to draw for, when they are laid out


def read_facts(security_id: int) -> SecurityFacts:
    """Everything but the chart, in one read-only unit of work (runs in a worker)."""
    with store.unit_of_work(read_only=True) as uow:
        detail = uow.repository(SecurityRepository).get(security_id)
        previous, low, high = None, None, None
        if detail.latest_bar is not None:
            last_day = detail.latest_bar.trade_date
            year = uow.repository(PriceRepository).bars(security_id, last_day - dt.timedelta(days=364), last_day)
            low, high = cast(float, year["low"].min()), cast(float, year["high"].max())
            previous = detail.latest_bar.prev_close
            if previous is None and year.height > 1:
                previous = decimal.Decimal(str(year["close"][-2]))
        return SecurityFacts(
            detail=detail,
            previous_close=previous,
            low_52w=low,
            high_52w=high,
            signals=tuple(uow.research_output.signals(security_id)),
            analyses=tuple(uow.research_output.analyses(security_id)),
            actions=tuple(corporate_actions(uow.session, security_id)),
            deals=tuple(deals(uow.session, security_id)),
            positions=tuple(uow.trading.positions(security_id=security_id, status=None)),
            trades=tuple(uow.trading.trades(security_id=security_id)),
        )


def range_start(name: str, last_day: dt.date) -> dt.date | None:
    """The first day of a range that ends on `last_day` (None for MAX; YTD starts on 1 January)."""
    if name == "MAX":
        return None
    if name == "YTD":
        return dt.date(last_day.year, 1, 1)
    months = last_day.year * 12 + last_day.month - 1 - RANGE_MONTHS[name]
    year, month = divmod(months, 12)
    following = dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    day = min(last_day.day, (following - dt.timedelta(days=1)).day)
    return dt.date(year, month + 1, day) + dt.timedelta(days=1)


def read_chart(request: ChartRequest) -> ChartData:
    """The bars for the chart resampled to its width, with overlays, comparison, markers and triggers."""
    options, security_id = request.options, request.security_id
    with store.unit_of_work(read_only=True) as uow:
        prices = uow.repository(PriceRepository)
        latest = prices.latest_bars([security_id])
        symbol, last_day = str(latest["symbol"][0]), latest["trade_date"][0]
        if last_day is None:
            return ChartData(symbol, options, "day", request.columns, _empty_frame())
        start = range_start(options.range, last_day)
        resampled = prices.resampled(security_id, request.columns, start, last_day, adjusted=options.adjusted)
        closes = compared = None
        if options.compare_id is not None:
            compared = prices.bars(options.compare_id, start, last_day, adjusted=options.adjusted)
        elif options.overlays:
            lead = None if start is None else start - dt.timedelta(days=OVERLAY_LEAD_DAYS)
            closes = prices.bars(security_id, lead, last_day, adjusted=options.adjusted)
        actions = corporate_actions(uow.session, security_id, start, last_day)
        triggers = tuple(trigger_levels(uow.session, security_id))
    frame = prepared_frame(resampled.frame, last_day, closes, compared)
    markers = chart_markers(frame, actions)
    return ChartData(symbol, options, resampled.period, request.columns, frame, markers, triggers)


def prepare_chart(request: ChartRequest) -> tuple[ChartData, DrawnChart | None]:
    """The chart's bars, and both panels drawn for the request's layout (when the chart was laid out)."""
    data = read_chart(request)
    return data, None if request.layout is None else draw_chart(data, request.layout)


def chart_markers(frame: pl.DataFrame, actions: list[ActionRow]) -> tuple[Marker, ...]:
    """Splits, bonuses and dividends at the bucket holding their ex-date."""
    if frame.is_empty():
        return ()
    dates = frame["trade_date"]
    return tuple(
        Marker(int(dates.search_sorted(action.ex_date, side="right")) - 1, action.ex_date, action.action_type,
               action_label(action))
        for action in reversed(actions)
        if action.action_type in MARKER_LETTERS and action.ex_date >= dates[0]
    )  # fmt: skip


def prepared_frame(
    resampled: pl.DataFrame, last_day: dt.date, closes: pl.DataFrame | None, compared: pl.DataFrame | None
) -> pl.DataFrame:
    """Resampled bars with the 50/200-session averages and the % changes, each read at the bucket's last day."""
    import polars as pl

    frame = resampled.with_columns(
        pl.col("trade_date").shift(-1).dt.offset_by("-1d").fill_null(last_day).alias("bucket_end")
    )
    if closes is not None:
        averages = closes.select(
            pl.col("trade_date").alias("day"),
            pl.col("close").rolling_mean(50).alias("ma_50"),
            pl.col("close").rolling_mean(200).alias("ma_200"),
        )
        frame = frame.join_asof(averages, left_on="bucket_end", right_on="day", strategy="backward")
    if compared is not None and not frame.is_empty():
        compare_close = compared.select(pl.col("trade_date").alias("day"), pl.col("close").alias("compare_close"))
        frame = frame.join_asof(compare_close, left_on="bucket_end", right_on="day", strategy="backward")
        base = frame["compare_close"].drop_nulls()
        frame = frame.with_columns(
            ((pl.col("close") / frame["close"][0] - 1) * 100).alias("close_pct"),
            ((pl.col("compare_close") / (base[0] if len(base) else None) - 1) * 100).alias("compare_pct"),
        )
    missing = [name for name in ("ma_50", "ma_200", "close_pct", "compare_pct") if name not in frame.columns]
    frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias(name) for name in missing)
    shown = ("trade_date", "open", "high", "low", "close", "volume", "bars", "ma_50", "ma_200")
    return frame.select(*shown, "close_pct", "compare_pct")


def _empty_frame() -> pl.DataFrame:
    import polars as pl

    return prepared_frame(
        pl.DataFrame(
            schema={"trade_date": pl.Date, "open": pl.Float64, "high": pl.Float64, "low": pl.Float64,
                    "close": pl.Float64, "volume": pl.Int64, "bars": pl.Int64}
        ),
        dt.date.min, None, None,
    )  # fmt: skip


def action_label(action: ActionRow) -> str:
    value = action.amount if action.action_type == "dividend" else action.ratio
    return f"{action.action_type} {value}" if value is not None else action.action_type


def resolve_symbol(typed: str) -> tuple[int, str]:
    """`NIFTY` or `INFY:NSE` → (security id, symbol as listed); NotFound or InvalidInput say what is wrong."""
    symbol, _, exchange = typed.strip().upper().partition(":")
    with store.unit_of_work(read_only=True) as uow:
        found = uow.repository(SecurityRepository).by_symbol(symbol, exchange or None)
    return found.security_id, found.symbol
