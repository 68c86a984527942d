"""The trading book for the screens: strategies, positions with P&L, orders, trades, performance, snapshots.

The trading tools write these tables; this repository only reads them. Filters that name a strategy or
security that does not exist simply match nothing: a screen asking about a strategy deleted a moment ago
gets an empty list, not an error.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, column, func, select, table, true
from sqlalchemy.engine import RowMapping

from store.models.market import OhlcvDaily
from store.models.reference import Security
from store.models.trading import (
    ORDER_STATUSES,
    POSITION_STATUSES,
    Order,
    PortfolioPosition,
    PortfolioSnapshot,
    Strategy,
    Trade,
)
from store.records.research_output import frozen_object
from store.records.trading import (
    OrderRecord,
    PositionRecord,
    SnapshotRecord,
    StrategyPerformance,
    StrategyRecord,
    TradeRecord,
)
from store.repositories.base import Repository
from store.repositories.checks import (
    checked_limit,
    checked_moment,
    checked_security_id,
    checked_vocabulary,
    refuse,
)

SECURITIES = cast(Table, Security.__table__)
STRATEGIES = cast(Table, Strategy.__table__)
POSITIONS = cast(Table, PortfolioPosition.__table__)
ORDERS = cast(Table, Order.__table__)
TRADES = cast(Table, Trade.__table__)
SNAPSHOTS = cast(Table, PortfolioSnapshot.__table__)
DAILY = cast(Table, OhlcvDaily.__table__)
# The same words as the active_strategies view.
WORKING_ORDER_STATUSES = ("pending", "open", "partially_filled")
RECENT_PERFORMANCE = table(
    "recent_performance",
    *(column(name) for name in ("strategy_id", "name", "trades", "wins", "losses", "win_rate", "realized_pnl", "fees")),
)


def checked_strategy_id(strategy_id: uuid.UUID | str) -> uuid.UUID:
    if isinstance(strategy_id, uuid.UUID):
        return strategy_id
    try:
        return uuid.UUID(str(strategy_id))
    except ValueError:
        raise refuse("strategy_id", f"must be a strategy id (a UUID), not {strategy_id!r}") from None


def _with_symbol(source: Table, *extra: ColumnElement[Any]) -> Select[Any]:
    return select(*source.c, SECURITIES.c.symbol, SECURITIES.c.exchange, *extra).join_from(
        source, SECURITIES, SECURITIES.c.id == source.c.security_id
    )


def _filtered(
    query: Select[Any], source: Table, security_id: int | None, strategy_id: uuid.UUID | str | None
) -> Select[Any]:
    if security_id is not None:
        query = query.where(source.c.security_id == checked_security_id(security_id))
    if strategy_id is not None:
        query = query.where(source.c.strategy_id == checked_strategy_id(strategy_id))
    return query


def _strategy_counts() -> tuple[ColumnElement[int], ColumnElement[int]]:
    """Open positions and working orders per strategy, counted as the active_strategies view counts them."""
    open_positions = (
        select(func.count())
        .where(POSITIONS.c.strategy_id == STRATEGIES.c.id, POSITIONS.c.status == "open")
        .where(POSITIONS.c.deleted_at.is_(None))
        .scalar_subquery()
    )
    working_orders = (
        select(func.count())
        .where(ORDERS.c.strategy_id == STRATEGIES.c.id, ORDERS.c.status.in_(WORKING_ORDER_STATUSES))
        .scalar_subquery()
    )
    return open_positions.label("open_positions"), working_orders.label("working_orders")


def position_record(row: RowMapping) -> PositionRecord:
    last_close, status = row["last_close"], row["status"]
    unrealized = None
    if status == "open" and last_close is not None:
        unrealized = (last_close - row["entry_price"]) * row["quantity"]
    realized = None
    if status == "closed" and row["exit_price"] is not None:
        realized = (row["exit_price"] - row["entry_price"]) * row["quantity"]
    fields = {name: row[name] for name in PositionRecord.__dataclass_fields__ if name in row}
    return PositionRecord(**fields, unrealized_pnl=unrealized, realized_pnl=realized)


class TradingRepository(Repository):
    """Reads the trading tables and the recent_performance view; writes nothing."""

    def strategies(self, active_only: bool = False) -> list[StrategyRecord]:
        """Strategies by name, each with its open positions and working orders."""
        query = select(*STRATEGIES.c, *_strategy_counts()).order_by(STRATEGIES.c.name)
        if active_only:
            query = query.where(STRATEGIES.c.is_active)
        return [
            StrategyRecord(**{**row, "parameters": frozen_object(row["parameters"])})
            for row in self._session.execute(query).mappings()
        ]

    def positions(
        self,
        *,
        security_id: int | None = None,
        strategy_id: uuid.UUID | str | None = None,
        status: str | None = "open",
    ) -> list[PositionRecord]:
        """Live (not soft-deleted) positions, newest entry first; status None means open and closed."""
        # The newest bar is found per security by a backward scan of each partition's
        # (security_id, trade_date) key: a handful of index probes per position, whatever the history.
        latest_bar = (
            select(DAILY.c.close, DAILY.c.trade_date)
            .where(DAILY.c.security_id == POSITIONS.c.security_id)
            .order_by(DAILY.c.trade_date.desc())
            .limit(1)
            .lateral("latest_bar")
        )
        query = (
            _with_symbol(POSITIONS, latest_bar.c.close.label("last_close"))
            .add_columns(latest_bar.c.trade_date.label("last_close_date"))
            .outerjoin(latest_bar, true())
            .where(POSITIONS.c.deleted_at.is_(None))
        )
        query = _filtered(query, POSITIONS, security_id, strategy_id)
        if status is not None:
            query = query.where(POSITIONS.c.status == checked_vocabulary(status, "status", POSITION_STATUSES))
        query = query.order_by(POSITIONS.c.entry_date.desc(), POSITIONS.c.id.desc())
        return [position_record(row) for row in self._session.execute(query).mappings()]

    def orders(
        self,
        *,
        security_id: int | None = None,
        strategy_id: uuid.UUID | str | None = None,
        statuses: Collection[str] | None = None,
        limit: int = 100,
    ) -> list[OrderRecord]:
        """Orders, newest placed first; `statuses` (a status or a collection of them) narrows the list."""
        query = _filtered(_with_symbol(ORDERS), ORDERS, security_id, strategy_id)
        if statuses is not None:
            wanted = (statuses,) if isinstance(statuses, str) else tuple(statuses)
            for status in wanted:
                checked_vocabulary(status, "statuses", ORDER_STATUSES)
            query = query.where(ORDERS.c.status.in_(wanted))
        query = query.order_by(ORDERS.c.placed_at.desc(), ORDERS.c.id.desc()).limit(checked_limit(limit))
        return [OrderRecord(**row) for row in self._session.execute(query).mappings()]

    def trades(
        self,
        *,
        security_id: int | None = None,
        strategy_id: uuid.UUID | str | None = None,
        since: dt.datetime | None = None,
        limit: int = 100,
    ) -> list[TradeRecord]:
        """Executions, newest first; `since` keeps those executed at or after it."""
        query = _filtered(_with_symbol(TRADES), TRADES, security_id, strategy_id)
        if (moment := checked_moment(since, "since")) is not None:
            query = query.where(TRADES.c.executed_at >= moment)
        query = query.order_by(TRADES.c.executed_at.desc(), TRADES.c.id.desc()).limit(checked_limit(limit))
        return [TradeRecord(**row) for row in self._session.execute(query).mappings()]

    def recent_performance(self) -> list[StrategyPerformance]:
        """Every strategy's last 30 days, by name (strategies without trades show zeros)."""
        query = select(RECENT_PERFORMANCE).order_by(RECENT_PERFORMANCE.c.name)
        return [StrategyPerformance(**row) for row in self._session.execute(query).mappings()]

    def snapshots(
        self, strategy_id: uuid.UUID | str | None = None, *, whole_book: bool = False, limit: int = 100
    ) -> list[SnapshotRecord]:
        """Snapshots, newest first: of one strategy, of the whole book only, or (by default) all of them."""
        if whole_book and strategy_id is not None:
            raise refuse("whole_book", "name a strategy or ask for the whole book, not both")
        query = select(SNAPSHOTS)
        if strategy_id is not None:
            query = query.where(SNAPSHOTS.c.strategy_id == checked_strategy_id(strategy_id))
        if whole_book:
            query = query.where(SNAPSHOTS.c.strategy_id.is_(None))
        query = query.order_by(SNAPSHOTS.c.taken_at.desc(), SNAPSHOTS.c.id.desc()).limit(checked_limit(limit))
        return [
            SnapshotRecord(**{**row, "risk": frozen_object(row["risk"])})
            for row in self._session.execute(query).mappings()
        ]
