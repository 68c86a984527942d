"""The watchlist entries the table shows, as the filter narrows them and as a frame to export."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from store.records.watchlists import WatchlistEntryView

if TYPE_CHECKING:
    import polars as pl


def filter_entries(entries: Sequence[WatchlistEntryView], typed: str) -> list[WatchlistEntryView]:
    """The entries whose symbol, security name or thesis contains the typed text, in any case."""
    needle = typed.strip().lower()
    if not needle:
        return list(entries)
    return [entry for entry in entries if needle in _searched_text(entry)]


def _searched_text(entry: WatchlistEntryView) -> str:
    return "\n".join(part for part in (entry.symbol, entry.security_name, entry.thesis) if part).lower()


def entries_frame(entries: Sequence[WatchlistEntryView], list_name: str) -> pl.DataFrame:
    """The shown entries in their shown order, one row each, with whole values (the full thesis, exact numbers)."""
    import polars as pl

    rows = [
        {
            "watchlist": list_name,
            "symbol": entry.symbol,
            "exchange": entry.exchange,
            "name": entry.security_name,
            "last_close": entry.last_close,
            "last_close_date": entry.last_close_date,
            "trigger_type": entry.trigger_type,
            "trigger_value": entry.trigger_value,
            "distance_to_trigger_pct": entry.distance_to_trigger_pct,
            "thesis": entry.thesis,
            "expiry_date": entry.expiry_date,
            "status": entry.status,
            "triggered_at": entry.triggered_at,
            "added_by": entry.added_by,
            "created_at": entry.created_at,
        }
        for entry in entries
    ]
    return pl.DataFrame(rows, schema=_schema())


def _schema() -> dict[str, Any]:
    import polars as pl

    decimal = pl.Decimal(38, 6)
    moment = pl.Datetime("us", "UTC")
    return {
        "watchlist": pl.String,
        "symbol": pl.String,
        "exchange": pl.String,
        "name": pl.String,
        "last_close": decimal,
        "last_close_date": pl.Date,
        "trigger_type": pl.String,
        "trigger_value": decimal,
        "distance_to_trigger_pct": decimal,
        "thesis": pl.String,
        "expiry_date": pl.Date,
        "status": pl.String,
        "triggered_at": moment,
        "added_by": pl.String,
        "created_at": moment,
    }
