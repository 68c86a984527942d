"""Market data: daily and intraday candles, corporate actions, market capitalisation, computed metrics."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.models.columns import BigIdentityKey, Timestamps, vocabulary

BAR_INTERVALS = ("1m", "2m", "3m", "5m", "10m", "15m", "30m", "1h", "2h", "4h")
CORPORATE_ACTION_TYPES = (
    "split",
    "bonus",
    "dividend",
    "rights",
    "buyback",
    "merger",
    "demerger",
    "spinoff",
    "name_change",
    "symbol_change",
    "other",
)
# Market capitalisations in rupees pass 10^13: wider than the price type.
MARKET_CAP = Numeric(24, 2)


def candle_checks() -> tuple[CheckConstraint, ...]:
    """The rules every OHLCV bar obeys, whatever its interval."""
    return (
        CheckConstraint("open > 0 and high > 0 and low > 0 and close > 0", name="prices_positive"),
        CheckConstraint("high >= low", name="high_ge_low"),
        CheckConstraint("open between low and high", name="open_within_range"),
        CheckConstraint("close between low and high", name="close_within_range"),
        CheckConstraint("volume >= 0", name="volume_non_negative"),
        CheckConstraint("vwap > 0", name="vwap_positive"),
    )


def security_key() -> Mapped[int]:
    """security_id as the leading key column of a time series; the rows go with their security."""
    return mapped_column(BigInteger, ForeignKey("securities.id", ondelete="CASCADE"), primary_key=True)


class OhlcvDaily(Base):
    """One daily candle per security and trading day; range-partitioned by year on trade_date."""

    __tablename__ = "ohlcv_daily"
    __table_args__ = (
        *candle_checks(),
        CheckConstraint("adj_close > 0", name="adj_close_positive"),
        CheckConstraint("prev_close > 0", name="prev_close_positive"),
        CheckConstraint("lower_circuit <= upper_circuit", name="circuit_range"),
        Index(None, "trade_date"),
        {"postgresql_partition_by": "RANGE (trade_date)"},
    )

    security_id: Mapped[int] = security_key()
    trade_date: Mapped[dt.date] = mapped_column(primary_key=True)
    open: Mapped[decimal.Decimal]
    high: Mapped[decimal.Decimal]
    low: Mapped[decimal.Decimal]
    close: Mapped[decimal.Decimal]
    adj_close: Mapped[decimal.Decimal | None]
    volume: Mapped[int | None] = mapped_column(BigInteger)
    vwap: Mapped[decimal.Decimal | None]
    prev_close: Mapped[decimal.Decimal | None]
    upper_circuit: Mapped[decimal.Decimal | None]
    lower_circuit: Mapped[decimal.Decimal | None]
    source: Mapped[str | None]
    ingested_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class OhlcvIntraday(Base):
    """One candle per security, bar interval and bar start; range-partitioned by month on bar_start."""

    __tablename__ = "ohlcv_intraday"
    __table_args__ = (
        *candle_checks(),
        vocabulary("bar_interval", BAR_INTERVALS),
        {"postgresql_partition_by": "RANGE (bar_start)"},
    )

    security_id: Mapped[int] = security_key()
    bar_interval: Mapped[str] = mapped_column(primary_key=True)
    bar_start: Mapped[dt.datetime] = mapped_column(primary_key=True)
    open: Mapped[decimal.Decimal]
    high: Mapped[decimal.Decimal]
    low: Mapped[decimal.Decimal]
    close: Mapped[decimal.Decimal]
    volume: Mapped[int | None] = mapped_column(BigInteger)
    vwap: Mapped[decimal.Decimal | None]
    source: Mapped[str | None]
    ingested_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class CorporateAction(BigIdentityKey, Timestamps, Base):
    """A split, bonus, dividend or other action on a security; used to adjust earlier prices."""

    __tablename__ = "corporate_actions"
    __table_args__ = (
        UniqueConstraint("security_id", "action_type", "ex_date"),
        vocabulary("action_type", CORPORATE_ACTION_TYPES),
        CheckConstraint("ratio > 0", name="ratio_positive"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        CheckConstraint("action_type <> 'dividend' or amount is not null", name="dividend_needs_amount"),
        CheckConstraint("action_type not in ('split', 'bonus') or ratio is not null", name="split_bonus_need_ratio"),
        CheckConstraint("jsonb_typeof(details) = 'object'", name="details_object"),
        Index(None, "ex_date"),
    )

    security_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("securities.id", ondelete="CASCADE"))
    action_type: Mapped[str]
    ex_date: Mapped[dt.date]
    ratio: Mapped[decimal.Decimal | None]
    amount: Mapped[decimal.Decimal | None]
    currency: Mapped[str | None]
    record_date: Mapped[dt.date | None]
    pay_date: Mapped[dt.date | None]
    details: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))


class MarketCapHistory(Base):
    """A security's market capitalisation and issue size on a trading day."""

    __tablename__ = "market_cap_history"
    __table_args__ = (
        CheckConstraint("market_cap >= 0", name="market_cap_non_negative"),
        CheckConstraint("close_price > 0", name="close_price_positive"),
        CheckConstraint("issue_size >= 0", name="issue_size_non_negative"),
        Index("ix_market_cap_history_trade_date_market_cap", "trade_date", text("market_cap DESC")),
    )

    security_id: Mapped[int] = security_key()
    trade_date: Mapped[dt.date] = mapped_column(primary_key=True)
    market_cap: Mapped[decimal.Decimal] = mapped_column(MARKET_CAP)
    close_price: Mapped[decimal.Decimal | None]
    issue_size: Mapped[int | None] = mapped_column(BigInteger)
    category: Mapped[str | None]
    currency: Mapped[str | None]
    ingested_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class CalculatedMetric(Base):
    """Indicators and screen ratings of a security computed for a trading day."""

    __tablename__ = "calculated_metrics"
    __table_args__ = (
        CheckConstraint("rs_rating between 0 and 100", name="rs_rating_range"),
        CheckConstraint("stage between 1 and 4", name="stage_range"),
        CheckConstraint("rsi_14 between 0 and 100", name="rsi_14_range"),
        Index(None, "trade_date", "stage", "rs_rating"),
    )

    security_id: Mapped[int] = security_key()
    trade_date: Mapped[dt.date] = mapped_column(primary_key=True)
    ma_10: Mapped[decimal.Decimal | None]
    ma_20: Mapped[decimal.Decimal | None]
    ma_50: Mapped[decimal.Decimal | None]
    ma_200: Mapped[decimal.Decimal | None]
    atr_14: Mapped[decimal.Decimal | None]
    atr_pct: Mapped[decimal.Decimal | None]
    rsi_14: Mapped[decimal.Decimal | None]
    vol_20d_avg: Mapped[decimal.Decimal | None]
    vol_vs_avg_pct: Mapped[decimal.Decimal | None]
    high_52w: Mapped[decimal.Decimal | None]
    low_52w: Mapped[decimal.Decimal | None]
    rs_rating: Mapped[int | None] = mapped_column(SmallInteger)
    vars: Mapped[decimal.Decimal | None]
    stage: Mapped[int | None] = mapped_column(SmallInteger)
    vcp_score: Mapped[decimal.Decimal | None]
    computed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
