"""Records of the trading book: strategies, positions with their P&L, orders, trades, performance, snapshots."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class StrategyRecord:
    """A strategy, its risk limits and performance summary, and how many positions and orders it has live."""

    id: uuid.UUID
    name: str
    strategy_type: str
    description: str | None
    parameters: Mapping[str, Any]
    is_active: bool
    max_position_pct: decimal.Decimal | None
    risk_per_trade_pct: decimal.Decimal | None
    max_drawdown_pct: decimal.Decimal | None
    max_open_positions: int | None
    total_trades: int
    winning_trades: int
    realized_pnl: decimal.Decimal
    sharpe_ratio: decimal.Decimal | None
    performance_updated_at: dt.datetime | None
    open_positions: int
    working_orders: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PositionRecord:
    """A position (always long: the table has no side and quantity > 0) with its P&L.

    `unrealized_pnl` is (last close − entry price) × quantity for an open position whose security has a
    close; `realized_pnl` is (exit price − entry price) × quantity for a closed one; otherwise None.
    """

    id: uuid.UUID
    security_id: int
    symbol: str
    exchange: str
    strategy_id: uuid.UUID | None
    entry_date: dt.date
    entry_price: decimal.Decimal
    quantity: int
    stop_loss: decimal.Decimal | None
    target: decimal.Decimal | None
    exit_date: dt.date | None
    exit_price: decimal.Decimal | None
    status: str
    notes: str | None
    last_close: decimal.Decimal | None
    last_close_date: dt.date | None
    unrealized_pnl: decimal.Decimal | None
    realized_pnl: decimal.Decimal | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order and how far it has been filled; bracket legs name their parent."""

    id: uuid.UUID
    placed_at: dt.datetime
    security_id: int
    symbol: str
    exchange: str
    strategy_id: uuid.UUID | None
    parent_order_id: uuid.UUID | None
    side: str
    order_type: str
    time_in_force: str
    quantity: int
    limit_price: decimal.Decimal | None
    stop_price: decimal.Decimal | None
    status: str
    filled_quantity: int
    avg_fill_price: decimal.Decimal | None
    exchange_order_id: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """An execution: side, quantity, price, fees and, for a closing trade, its P&L and outcome."""

    id: uuid.UUID
    executed_at: dt.datetime
    security_id: int
    symbol: str
    exchange: str
    strategy_id: uuid.UUID | None
    order_id: uuid.UUID | None
    side: str
    quantity: int
    price: decimal.Decimal
    fees: decimal.Decimal
    realized_pnl: decimal.Decimal | None
    outcome: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StrategyPerformance:
    """A strategy's last 30 days (the recent_performance view); win_rate is None without trades."""

    strategy_id: uuid.UUID
    name: str
    trades: int
    wins: int
    losses: int
    win_rate: decimal.Decimal | None
    realized_pnl: decimal.Decimal
    fees: decimal.Decimal


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    """The book (strategy_id None) or one strategy's part of it at a moment."""

    id: uuid.UUID
    taken_at: dt.datetime
    strategy_id: uuid.UUID | None
    cash: decimal.Decimal
    equity: decimal.Decimal
    gross_exposure: decimal.Decimal | None
    net_exposure: decimal.Decimal | None
    drawdown_pct: decimal.Decimal | None
    risk: Mapping[str, Any]
    created_at: dt.datetime
