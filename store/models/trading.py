"""Trading: strategies, positions, orders, executed trades and portfolio snapshots."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.models.columns import CreatedAt, SoftDeleted, Timestamps, UuidV7Key, Versioned, vocabulary

SIDES = ("buy", "sell")
POSITION_STATUSES = ("open", "closed")
ORDER_TYPES = ("market", "limit", "stop", "stop_limit")
TIMES_IN_FORCE = ("day", "gtc", "ioc", "fok")
ORDER_STATUSES = ("pending", "open", "partially_filled", "filled", "cancelled", "rejected", "expired")
TRADE_OUTCOMES = ("win", "loss", "breakeven")


def security_reference() -> Mapped[int]:
    """The traded security: it cannot be deleted while trading history points at it."""
    return mapped_column(BigInteger, ForeignKey("securities.id", ondelete="RESTRICT"))


def optional_strategy() -> Mapped[uuid.UUID | None]:
    """The strategy a row was made under, forgotten (not deleted) if the strategy goes."""
    return mapped_column(ForeignKey("strategies.id", ondelete="SET NULL"))


class Strategy(UuidV7Key, Timestamps, Versioned, Base):
    """A trading strategy: its parameters, risk limits and a summary of how it has done."""

    __tablename__ = "strategies"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("jsonb_typeof(parameters) = 'object'", name="parameters_object"),
        CheckConstraint("max_position_pct > 0 and max_position_pct <= 100", name="max_position_pct_range"),
        CheckConstraint("risk_per_trade_pct > 0 and risk_per_trade_pct <= 100", name="risk_per_trade_pct_range"),
        CheckConstraint("max_drawdown_pct > 0 and max_drawdown_pct <= 100", name="max_drawdown_pct_range"),
        CheckConstraint("max_open_positions > 0", name="max_open_positions_positive"),
        CheckConstraint("total_trades >= 0 and winning_trades between 0 and total_trades", name="trade_counts"),
    )

    name: Mapped[str]
    strategy_type: Mapped[str]
    description: Mapped[str | None]
    parameters: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))
    max_position_pct: Mapped[decimal.Decimal | None]
    risk_per_trade_pct: Mapped[decimal.Decimal | None]
    max_drawdown_pct: Mapped[decimal.Decimal | None]
    max_open_positions: Mapped[int | None]
    total_trades: Mapped[int] = mapped_column(server_default=text("0"))
    winning_trades: Mapped[int] = mapped_column(server_default=text("0"))
    realized_pnl: Mapped[decimal.Decimal] = mapped_column(server_default=text("0"))
    sharpe_ratio: Mapped[decimal.Decimal | None]
    performance_updated_at: Mapped[dt.datetime | None]


class PortfolioPosition(UuidV7Key, Timestamps, Versioned, SoftDeleted, Base):
    """A position held (or once held) in a security, with its stop and target."""

    __tablename__ = "portfolio_positions"
    __table_args__ = (
        vocabulary("status", POSITION_STATUSES),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("entry_price > 0", name="entry_price_positive"),
        CheckConstraint("stop_loss > 0", name="stop_loss_positive"),
        CheckConstraint("target > 0", name="target_positive"),
        CheckConstraint("exit_price > 0", name="exit_price_positive"),
        CheckConstraint("exit_date >= entry_date", name="exit_after_entry"),
        CheckConstraint(
            "status <> 'closed' or (exit_date is not null and exit_price is not null)", name="closed_has_exit"
        ),
        Index(None, "security_id"),
        Index(None, "strategy_id"),
        Index(None, "status"),
    )

    security_id: Mapped[int] = security_reference()
    strategy_id: Mapped[uuid.UUID | None] = optional_strategy()
    entry_date: Mapped[dt.date]
    entry_price: Mapped[decimal.Decimal]
    quantity: Mapped[int] = mapped_column(BigInteger)
    stop_loss: Mapped[decimal.Decimal | None]
    target: Mapped[decimal.Decimal | None]
    exit_date: Mapped[dt.date | None]
    exit_price: Mapped[decimal.Decimal | None]
    status: Mapped[str] = mapped_column(server_default=text("'open'"))
    notes: Mapped[str | None]


class Order(UuidV7Key, Timestamps, Versioned, Base):
    """An order sent (or to be sent) to the broker; stop and target legs point at their parent."""

    __tablename__ = "orders"
    __table_args__ = (
        vocabulary("side", SIDES),
        vocabulary("order_type", ORDER_TYPES),
        vocabulary("time_in_force", TIMES_IN_FORCE),
        vocabulary("status", ORDER_STATUSES),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("filled_quantity between 0 and quantity", name="filled_quantity_range"),
        CheckConstraint(
            "order_type not in ('limit', 'stop_limit') or limit_price is not null", name="limit_price_required"
        ),
        CheckConstraint(
            "order_type not in ('stop', 'stop_limit') or stop_price is not null", name="stop_price_required"
        ),
        CheckConstraint("limit_price > 0", name="limit_price_positive"),
        CheckConstraint("stop_price > 0", name="stop_price_positive"),
        CheckConstraint("avg_fill_price > 0", name="avg_fill_price_positive"),
        Index(None, "security_id", "placed_at"),
        Index(None, "strategy_id"),
        Index(None, "parent_order_id"),
        Index(None, "status"),
        Index(None, "exchange_order_id"),
    )

    placed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    security_id: Mapped[int] = security_reference()
    strategy_id: Mapped[uuid.UUID | None] = optional_strategy()
    parent_order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    side: Mapped[str]
    order_type: Mapped[str]
    time_in_force: Mapped[str] = mapped_column(server_default=text("'day'"))
    quantity: Mapped[int] = mapped_column(BigInteger)
    limit_price: Mapped[decimal.Decimal | None]
    stop_price: Mapped[decimal.Decimal | None]
    status: Mapped[str] = mapped_column(server_default=text("'pending'"))
    filled_quantity: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    avg_fill_price: Mapped[decimal.Decimal | None]
    exchange_order_id: Mapped[str | None]

    parent_order: Mapped[Order | None] = relationship(remote_side="Order.id", lazy="raise")


class Trade(UuidV7Key, CreatedAt, Base):
    """An execution: what was bought or sold, at what price and cost, and how it turned out."""

    __tablename__ = "trades"
    __table_args__ = (
        vocabulary("side", SIDES),
        vocabulary("outcome", TRADE_OUTCOMES),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("fees >= 0", name="fees_non_negative"),
        Index(None, "security_id", "executed_at"),
        Index(None, "strategy_id", "executed_at"),
        Index(None, "order_id"),
    )

    executed_at: Mapped[dt.datetime]
    security_id: Mapped[int] = security_reference()
    strategy_id: Mapped[uuid.UUID | None] = optional_strategy()
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    side: Mapped[str]
    quantity: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[decimal.Decimal]
    fees: Mapped[decimal.Decimal] = mapped_column(server_default=text("0"))
    realized_pnl: Mapped[decimal.Decimal | None]
    outcome: Mapped[str | None]


class PortfolioSnapshot(UuidV7Key, CreatedAt, Base):
    """The book (or one strategy's part of it) at a moment: cash, equity, exposure, drawdown."""

    __tablename__ = "portfolio_snapshots"
    __table_args__ = (
        CheckConstraint("drawdown_pct between 0 and 100", name="drawdown_pct_range"),
        CheckConstraint("jsonb_typeof(risk) = 'object'", name="risk_object"),
        Index(None, "strategy_id", "taken_at"),
        Index(None, "taken_at"),
    )

    taken_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    strategy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"))
    cash: Mapped[decimal.Decimal]
    equity: Mapped[decimal.Decimal]
    gross_exposure: Mapped[decimal.Decimal | None]
    net_exposure: Mapped[decimal.Decimal | None]
    drawdown_pct: Mapped[decimal.Decimal | None]
    risk: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
