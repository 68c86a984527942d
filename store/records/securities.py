"""Records about securities: search hits, list rows and pages, facets, and the full detail of one security."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# How a search hit matched, best first; `SecurityHit.rank` puts name and ISIN prefixes on one tier.
MATCH_KINDS = ("symbol", "symbol_prefix", "name_prefix", "isin_prefix", "substring", "fuzzy")


@dataclass(frozen=True, slots=True)
class SecurityHit:
    """One result of the as-you-type search; `match` is one of MATCH_KINDS, `rank` 0 (exact symbol) to 4 (fuzzy)."""

    security_id: int
    symbol: str
    exchange: str
    name: str | None
    isin: str | None
    instrument_type: str
    is_active: bool
    match: str
    rank: int


@dataclass(frozen=True, slots=True)
class SecurityFilter:
    """What the securities table shows: empty tuples and None mean "any".

    A None among `sectors` stands for securities without a classification.
    `text` matches like the search does (symbol, name or ISIN; prefix, substring or the letters in order).
    """

    exchanges: tuple[str, ...] = ()
    instrument_types: tuple[str, ...] = ()
    sectors: tuple[str | None, ...] = ()
    is_active: bool | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class SecurityRow:
    """A row of the securities table: the security, its sector, and its latest figures from market_overview."""

    security_id: int
    symbol: str
    name: str | None
    isin: str | None
    exchange: str
    instrument_type: str
    is_active: bool
    sector: str | None
    industry: str | None
    trade_date: dt.date | None
    close: decimal.Decimal | None
    change_pct: decimal.Decimal | None
    volume: int | None
    volume_vs_avg_pct: decimal.Decimal | None
    rs_rating: int | None
    stage: int | None


@dataclass(frozen=True, slots=True)
class SecurityPage:
    """One page of the securities table and how many rows match the filter in all."""

    rows: tuple[SecurityRow, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class FacetCount:
    """One value of a facet and how many securities carry it (value None: not set)."""

    value: str | None
    count: int


@dataclass(frozen=True, slots=True)
class SecurityFacets:
    """The values the securities table can be filtered by, most common first."""

    exchanges: tuple[FacetCount, ...]
    instrument_types: tuple[FacetCount, ...]
    sectors: tuple[FacetCount, ...]


@dataclass(frozen=True, slots=True)
class Classification:
    """Where a security sits in the industry tree."""

    macro: str | None
    sector: str | None
    industry: str | None
    basic_industry: str | None


@dataclass(frozen=True, slots=True)
class DailyBar:
    """One daily candle as published (exact numeric values)."""

    trade_date: dt.date
    open: decimal.Decimal
    high: decimal.Decimal
    low: decimal.Decimal
    close: decimal.Decimal
    adj_close: decimal.Decimal | None
    volume: int | None
    vwap: decimal.Decimal | None
    prev_close: decimal.Decimal | None
    upper_circuit: decimal.Decimal | None
    lower_circuit: decimal.Decimal | None
    source: str | None


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """The indicators and ratings computed for a security on one trading day."""

    trade_date: dt.date
    ma_10: decimal.Decimal | None
    ma_20: decimal.Decimal | None
    ma_50: decimal.Decimal | None
    ma_200: decimal.Decimal | None
    atr_14: decimal.Decimal | None
    atr_pct: decimal.Decimal | None
    rsi_14: decimal.Decimal | None
    vol_20d_avg: decimal.Decimal | None
    vol_vs_avg_pct: decimal.Decimal | None
    high_52w: decimal.Decimal | None
    low_52w: decimal.Decimal | None
    rs_rating: int | None
    vars: decimal.Decimal | None
    stage: int | None
    vcp_score: decimal.Decimal | None
    computed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class SurveillanceRecord:
    """A surveillance measure in force (not lifted, or lifted only at a future date)."""

    measure: str
    stage: str | None
    reason: str | None
    effective_date: dt.date
    removed_date: dt.date | None


@dataclass(frozen=True, slots=True)
class MarketCap:
    """A security's latest market capitalisation."""

    trade_date: dt.date
    market_cap: decimal.Decimal
    close_price: decimal.Decimal | None
    issue_size: int | None
    category: str | None
    currency: str | None


@dataclass(frozen=True, slots=True)
class SecurityDetail:
    """Everything the security screen shows about one security; `attributes` is a read-only mapping."""

    security_id: int
    symbol: str
    exchange: str
    instrument_type: str
    name: str | None
    isin: str | None
    currency: str | None
    country: str | None
    series: str | None
    listing_date: dt.date | None
    face_value: decimal.Decimal | None
    paid_up_value: decimal.Decimal | None
    market_lot: int | None
    is_active: bool
    last_synced_at: dt.datetime | None
    attributes: Mapping[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    classification: Classification | None
    latest_bar: DailyBar | None
    latest_metrics: MetricsSnapshot | None
    surveillance: tuple[SurveillanceRecord, ...]
    market_cap: MarketCap | None
