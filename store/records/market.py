"""Records about the market on its latest trade date: breadth, the biggest movers, and alerts that fired."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass

from store.records.watchlists import WatchlistEntryView


@dataclass(frozen=True, slots=True)
class MarketBreadth:
    """How many securities rose, fell and stayed put on `trade_date` (None when no bars are loaded).

    Only securities whose latest bar is on that date and that have a previous bar to compare with count.
    """

    trade_date: dt.date | None
    advancers: int
    decliners: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.advancers + self.decliners + self.unchanged


@dataclass(frozen=True, slots=True)
class Mover:
    """A security's close and change in % from its previous close, on the latest trade date."""

    security_id: int
    symbol: str
    exchange: str
    name: str | None
    close: decimal.Decimal
    change_pct: decimal.Decimal
    trade_date: dt.date


@dataclass(frozen=True, slots=True)
class Movers:
    """The biggest rises (largest first) and falls (deepest first) on `trade_date`; a side may be empty."""

    trade_date: dt.date | None
    gainers: tuple[Mover, ...]
    losers: tuple[Mover, ...]


@dataclass(frozen=True, slots=True)
class FiredAlert:
    """A watchlist entry whose trigger fired (its `trigger_bar` is the bar that crossed), with its list's name."""

    entry: WatchlistEntryView
    watchlist_name: str
