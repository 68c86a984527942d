"""Records about watchlists and their entries: the lists with their counts, entries with price and trigger distance."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass

# What each trigger type's value means and the rule the workstation applies to it before writing.
TRIGGER_VALUE_RULES: dict[str, str] = {
    "price_above": "a price (> 0): alert when the close rises above it",
    "price_below": "a price (> 0): alert when the close falls below it",
    "pct_change": "a day's change in % (non-zero, above -100): +5 alerts on a 5% rise, -5 on a 5% fall",
    "volume_spike": "a multiple of the 20-day average volume (> 1): 2 alerts at twice the average",
    "ma_cross": "a moving-average period in sessions (10, 20, 50 or 200): alert when the close crosses it",
    "manual": "no value: the analyst watches it by eye",
}


@dataclass(frozen=True, slots=True)
class WatchlistSummary:
    """A watchlist with how many live entries it holds; `version` is what an edit must name."""

    id: uuid.UUID
    name: str
    description: str | None
    owner: str | None
    entry_count: int
    triggered_count: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class WatchlistEntryView:
    """A security on a watchlist with its trigger, the latest close and how far that close is from the trigger.

    `distance_to_trigger_pct` is (trigger − close) / close · 100 for price_above and price_below (positive:
    the price must rise to reach it), None for the other types or when there is no close yet.
    """

    id: uuid.UUID
    watchlist_id: uuid.UUID
    security_id: int
    symbol: str
    exchange: str
    security_name: str | None
    trigger_type: str
    trigger_value: decimal.Decimal | None
    thesis: str | None
    expiry_date: dt.date | None
    status: str
    triggered_at: dt.datetime | None
    added_by: str | None
    last_close: decimal.Decimal | None
    last_close_date: dt.date | None
    distance_to_trigger_pct: decimal.Decimal | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
