"""Records about watchlists and their entries: the lists with their counts, entries with price and trigger distance."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

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
class TriggerBar(Mapping[str, Any]):
    """The daily bar on which an entry's trigger fired, and the value the alerts job measured on it.

    `value` is what the trigger compared: the close (price_above, price_below), the day's change in %
    (pct_change), the multiple of the 20-day average volume (volume_spike), the moving average (ma_cross).
    It also reads as a mapping of the stored JSON's keys (`bar["close"]`, `bar.get("value")`).
    """

    date: dt.date
    open: decimal.Decimal | None
    high: decimal.Decimal | None
    low: decimal.Decimal | None
    close: decimal.Decimal | None
    volume: int | None
    value: decimal.Decimal | None

    @classmethod
    def from_json(cls, raw: object) -> TriggerBar | None:
        """The stored trigger_bar object as a record; None when there is none or it names no readable date."""
        if not isinstance(raw, Mapping):
            return None
        try:
            day = dt.date.fromisoformat(str(raw.get("date")))
        except ValueError:
            return None
        prices = {key: _json_decimal(raw.get(key)) for key in ("open", "high", "low", "close", "value")}
        volume = raw.get("volume")
        whole = isinstance(volume, int | float) and not isinstance(volume, bool) and float(volume).is_integer()
        return cls(date=day, volume=int(volume) if whole else None, **prices)  # type: ignore[arg-type]

    def __getitem__(self, key: str) -> Any:
        if key not in _TRIGGER_BAR_KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(_TRIGGER_BAR_KEYS)

    def __len__(self) -> int:
        return len(_TRIGGER_BAR_KEYS)


_TRIGGER_BAR_KEYS = tuple(field.name for field in fields(TriggerBar))


def _json_decimal(value: object) -> decimal.Decimal | None:
    """A JSON number as an exact decimal (through its shortest repr, so 1444.6 stays 1444.6)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        return None
    return number if number.is_finite() else None


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
    `trigger_bar` is the bar that fired a triggered entry (None until one has).
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
    trigger_bar: TriggerBar | None
    added_by: str | None
    last_close: decimal.Decimal | None
    last_close_date: dt.date | None
    distance_to_trigger_pct: decimal.Decimal | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
