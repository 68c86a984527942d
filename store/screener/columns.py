"""The screener's fixed list of columns: what each name means in SQL, its kind, and the joins it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Double,
    FromClause,
    Numeric,
    SmallInteger,
    and_,
    cast,
    column,
    func,
    select,
    table,
)

from store.models.market import CalculatedMetric, MarketCapHistory
from store.models.reference import IndustryClassification, Security

Kind = Literal["number", "text", "boolean", "date"]
# What a column of the screen's frame decodes to (Polars dtype names, as store.repositories.prices.read_frame).
FrameType = Literal["Float64", "Int64", "String", "Boolean", "Date"]

SECURITIES = Security.__table__
CLASSIFICATIONS = IndustryClassification.__table__
METRICS = CalculatedMetric.__table__
MARKET_CAPS = MarketCapHistory.__table__
# The materialized view of migration 0008 (Alembic owns it, no model): its figures, one row per security.
MARKET_OVERVIEW = table(
    "market_overview",
    column("security_id", BigInteger),
    column("trade_date", Date),
    column("close", Numeric),
    column("prev_close", Numeric),
    column("change_pct", Numeric),
    column("volume", BigInteger),
    column("vol_20d_avg", Numeric),
    column("volume_vs_avg_pct", Numeric),
    column("high_52w", Numeric),
    column("low_52w", Numeric),
    column("from_high_52w_pct", Numeric),
    column("from_low_52w_pct", Numeric),
    column("rs_rating", SmallInteger),
    column("stage", SmallInteger),
    column("metrics_date", Date),
)
# The latest market capitalisation of each security: its row on the newest day of the table, else (only when it
# has none that day: COALESCE evaluates lazily) the newest row of its own key. One range of the trade_date index
# instead of a lookup per security (measured 20 ms instead of 46 ms over 10,000 securities).
MARKET_CAPS_ON_LATEST_DAY = MARKET_CAPS.alias("market_caps_on_latest_day")
_OWN_MARKET_CAPS = MARKET_CAPS.alias("own_market_caps")
LATEST_MARKET_CAP_DAY = select(func.max(MARKET_CAPS.c.trade_date)).scalar_subquery()
LATEST_MARKET_CAP: ColumnElement[Any] = func.coalesce(
    MARKET_CAPS_ON_LATEST_DAY.c.market_cap,
    select(_OWN_MARKET_CAPS.c.market_cap)
    .where(_OWN_MARKET_CAPS.c.security_id == SECURITIES.c.id)
    .order_by(_OWN_MARKET_CAPS.c.trade_date.desc())
    .limit(1)
    .scalar_subquery(),
)

# Joins, by the name a column gives as its source; securities is always the base.
Source = Literal["securities", "classification", "overview", "metrics", "market_cap"]


@dataclass(frozen=True, slots=True)
class ScreenColumn:
    """A name the analyst may write: its SQL expression, kind, what the frame holds, and a line of help."""

    name: str
    kind: Kind
    source: Source
    description: str
    frame_type: FrameType
    sql_name: str | None = None  # when the source names it differently

    @property
    def expression(self) -> ColumnElement[Any]:
        if self.source == "market_cap":
            return LATEST_MARKET_CAP
        return _TABLES[self.source].c[self.sql_name or self.name]

    def selected(self) -> ColumnElement[Any]:
        """The column as the frame reads it: decimals as float8 (Polars Float64), labelled by its name."""
        if self.frame_type == "Float64":
            return cast(self.expression, Double).label(self.name)
        return self.expression.label(self.name)


_TABLES: dict[Source, FromClause] = {
    "securities": SECURITIES,
    "classification": CLASSIFICATIONS,
    "overview": MARKET_OVERVIEW,
    "metrics": METRICS,
}


def _columns(source: Source, kind: Kind, frame_type: FrameType, described: dict[str, str]) -> list[ScreenColumn]:
    return [ScreenColumn(name, kind, source, text, frame_type) for name, text in described.items()]


_TEXT = {
    "symbol": 'trading symbol, e.g. "TCS"',
    "name": "company or instrument name",
    "isin": 'ISIN, e.g. "INE467B01029"',
    "exchange": 'listing exchange, e.g. "NSE"',
    "instrument_type": "equity, etf, index, fund, bond, …",
    "series": 'exchange series, e.g. "EQ"',
    "currency": 'trading currency, e.g. "INR"',
    "country": 'country code, e.g. "IN"',
}
_CLASSIFICATION = {
    "macro": "macro-economic sector",
    "sector": 'sector, e.g. "Information Technology"',
    "industry": "industry",
    "basic_industry": "basic industry",
}
_OVERVIEW_DECIMALS = {
    "close": "latest close",
    "prev_close": "close of the session before",
    "change_pct": "change on the day, %",
    "vol_20d_avg": "average volume of the 20 sessions before the latest",
    "volume_vs_avg_pct": "latest volume as % of the 20-session average",
    "high_52w": "52-week high",
    "low_52w": "52-week low",
    "from_high_52w_pct": "distance from the 52-week high, % (≤ 0)",
    "from_low_52w_pct": "distance from the 52-week low, % (≥ 0)",
}
_OVERVIEW_INTEGERS = {
    "volume": "latest session's volume",
    "rs_rating": "relative-strength rating, 0–100",
    "stage": "Weinstein stage, 1–4",
}
_METRICS = {
    "ma_10": "10-session moving average",
    "ma_20": "20-session moving average",
    "ma_50": "50-session moving average",
    "ma_200": "200-session moving average",
    "atr_14": "14-session average true range",
    "atr_pct": "ATR as % of the close",
    "rsi_14": "14-session RSI, 0–100",
    "vol_vs_avg_pct": "volume as % of average, as the metrics computed it",
    "vars": "volatility-adjusted relative strength",
    "vcp_score": "volatility-contraction pattern score",
}

SCREEN_COLUMNS: dict[str, ScreenColumn] = {
    column.name: column
    for column in (
        *_columns("securities", "text", "String", _TEXT),
        ScreenColumn("is_active", "boolean", "securities", "still listed and trading: true or false", "Boolean"),
        *_columns("classification", "text", "String", _CLASSIFICATION),
        *_columns("overview", "number", "Float64", _OVERVIEW_DECIMALS),
        *_columns("overview", "number", "Int64", _OVERVIEW_INTEGERS),
        *_columns("metrics", "number", "Float64", _METRICS),
        ScreenColumn("market_cap", "number", "market_cap", "latest market capitalisation", "Float64"),
        ScreenColumn("trade_date", "date", "overview", "day of the latest bar, e.g. '2026-11-20'", "Date"),
        ScreenColumn("metrics_date", "date", "overview", "day the latest metrics were computed for", "Date"),
    )
}

# The securities table's columns, first in every screen's frame (as SecurityRepository.as_frame has them).
TABLE_COLUMNS: tuple[ScreenColumn, ...] = (
    ScreenColumn("security_id", "number", "securities", "", "Int64", sql_name="id"),
    *(
        SCREEN_COLUMNS[name]
        for name in ("symbol", "name", "isin", "exchange", "instrument_type", "is_active", "sector", "industry")
    ),
    *(
        SCREEN_COLUMNS[name]
        for name in ("trade_date", "close", "change_pct", "volume", "volume_vs_avg_pct", "rs_rating", "stage")
    ),
)


def screen_source(sources: set[Source]) -> FromClause:
    """securities joined to what the named sources need: every join keeps securities without a match."""
    s, ic, mo, cm = SECURITIES.c, CLASSIFICATIONS.c, MARKET_OVERVIEW.c, METRICS.c
    joined: FromClause = SECURITIES.outerjoin(CLASSIFICATIONS, ic.security_id == s.id).outerjoin(
        MARKET_OVERVIEW, mo.security_id == s.id
    )
    if "metrics" in sources:
        # The metrics row the overview's rs_rating and stage come from, so every figure is of the same day.
        joined = joined.outerjoin(METRICS, and_(cm.security_id == s.id, cm.trade_date == mo.metrics_date))
    if "market_cap" in sources:
        on_latest_day = MARKET_CAPS_ON_LATEST_DAY.c
        joined = joined.outerjoin(
            MARKET_CAPS_ON_LATEST_DAY,
            and_(on_latest_day.security_id == s.id, on_latest_day.trade_date == LATEST_MARKET_CAP_DAY),
        )
    return joined
