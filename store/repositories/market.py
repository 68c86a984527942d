"""The market on its latest trade date, for Home: breadth, the biggest movers, and the alerts fired since a moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Numeric, Select, String, func, select, table
from sqlalchemy.sql import ColumnElement, column

from store.models.reference import INSTRUMENT_TYPES
from store.records.market import FiredAlert, MarketBreadth, Mover, Movers
from store.repositories.base import Repository
from store.repositories.checks import checked_moment, refuse, refuse_all

# Home reads the entries the way the watchlists screen does (symbol, latest close, the bar that fired).
from store.repositories.watchlists import ENTRIES, LISTS, entry_query, entry_view

# The materialized view of migration 0008 (no model: Alembic owns it); only the columns read here.
MARKET_OVERVIEW = table(
    "market_overview",
    column("security_id", BigInteger),
    column("symbol", String),
    column("exchange", String),
    column("name", String),
    column("instrument_type", String),
    column("is_active", Boolean),
    column("trade_date", Date),
    column("close", Numeric),
    column("change_pct", Numeric),
)
# Breadth counts stocks: an index or an ETF moves with the stocks it holds and would count them twice.
STOCKS = ("equity",)
MOVERS_LIMIT_MAX = 50
ALERTS_LIMIT_MAX = 500


class MarketRepository(Repository):
    """Reads market_overview (as fresh as its last refresh, which every price load does) and fired alerts."""

    def latest_trade_date(self, instrument_types: Sequence[str] = STOCKS) -> dt.date | None:
        """The newest trade date among the securities of these types in market_overview."""
        types = _checked_types(instrument_types)
        query = select(func.max(MARKET_OVERVIEW.c.trade_date)).where(MARKET_OVERVIEW.c.instrument_type.in_(types))
        latest: dt.date | None = self._session.execute(query).scalar()
        return latest

    def breadth(self, instrument_types: Sequence[str] = STOCKS) -> MarketBreadth:
        """Advancers, decliners and unchanged on the latest trade date (securities with no bar that day are
        left out: their change is older news)."""
        day = self.latest_trade_date(instrument_types)
        if day is None:
            return MarketBreadth(trade_date=None, advancers=0, decliners=0, unchanged=0)
        change = MARKET_OVERVIEW.c.change_pct
        query = select(
            func.count().filter(change > 0).label("advancers"),
            func.count().filter(change < 0).label("decliners"),
            func.count().filter(change == 0).label("unchanged"),
        ).where(*_on_day(day, instrument_types))
        row = self._session.execute(query).mappings().one()
        return MarketBreadth(trade_date=day, **row)

    def movers(self, limit: int = 5, instrument_types: Sequence[str] = STOCKS) -> Movers:
        """Up to `limit` rises, largest first, and falls, deepest first, on the latest trade date (ties by
        symbol); a security that did not move is neither."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MOVERS_LIMIT_MAX:
            raise refuse("limit", f"must be a whole number from 1 to {MOVERS_LIMIT_MAX}, not {limit!r}")
        day = self.latest_trade_date(instrument_types)
        if day is None:
            return Movers(trade_date=None, gainers=(), losers=())
        mo = MARKET_OVERVIEW.c
        columns = select(mo.security_id, mo.symbol, mo.exchange, mo.name, mo.close, mo.change_pct, mo.trade_date)
        rising = columns.where(*_on_day(day, instrument_types), mo.change_pct > 0)
        falling = columns.where(*_on_day(day, instrument_types), mo.change_pct < 0)
        gainers = rising.order_by(mo.change_pct.desc(), mo.symbol).limit(limit)
        losers = falling.order_by(mo.change_pct.asc(), mo.symbol).limit(limit)
        return Movers(trade_date=day, gainers=self._movers(gainers), losers=self._movers(losers))

    def alerts_fired_since(self, since: dt.datetime | None, *, limit: int = 50) -> list[FiredAlert]:
        """Live entries of live watchlists whose trigger fired after `since` (any time when None), newest
        first, each with the bar that fired and its list's name."""
        moment = checked_moment(since, "since")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= ALERTS_LIMIT_MAX:
            raise refuse("limit", f"must be a whole number from 1 to {ALERTS_LIMIT_MAX}, not {limit!r}")
        query = (
            entry_query()
            .add_columns(LISTS.c.name.label("watchlist_name"))
            .join(LISTS, LISTS.c.id == ENTRIES.c.watchlist_id)
            .where(
                ENTRIES.c.triggered_at.is_not(None),
                ENTRIES.c.deleted_at.is_(None),
                LISTS.c.deleted_at.is_(None),
            )
            .order_by(ENTRIES.c.triggered_at.desc(), ENTRIES.c.id)
            .limit(limit)
        )
        if moment is not None:
            query = query.where(ENTRIES.c.triggered_at > moment)
        rows = self._session.execute(query).mappings()
        return [FiredAlert(entry=entry_view(row), watchlist_name=row["watchlist_name"]) for row in rows]

    def _movers(self, query: Select[Any]) -> tuple[Mover, ...]:
        return tuple(Mover(**row) for row in self._session.execute(query).mappings())


def _on_day(day: dt.date, instrument_types: Sequence[str]) -> tuple[ColumnElement[bool], ...]:
    """market_overview rows of these types whose latest bar is on `day` and has a change."""
    mo = MARKET_OVERVIEW.c
    return (mo.trade_date == day, mo.instrument_type.in_(tuple(instrument_types)), mo.change_pct.is_not(None))


def _checked_types(instrument_types: Sequence[str]) -> tuple[str, ...]:
    if isinstance(instrument_types, str) or not instrument_types:
        refuse_all("cannot read the market", {"instrument_types": "name at least one instrument type, as a list"})
    unknown = [name for name in instrument_types if name not in INSTRUMENT_TYPES]
    if unknown:
        problem = f"{', '.join(map(repr, unknown))} not one of {', '.join(INSTRUMENT_TYPES)}"
        refuse_all("cannot read the market", {"instrument_types": problem})
    return tuple(instrument_types)
