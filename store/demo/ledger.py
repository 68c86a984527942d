"""The trading book into the database: strategies by the head trader, each strategy's rows by its bot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from store.demo.loading import Connection, act_as, as_json, copy_rows, fetch_map
from store.demo.trading import Book, Fill, Order, Position, Snapshot, whole_book

HEAD_TRADER = "daniel.okafor"
RISK_ACTOR = "system:risk"
STRATEGY_COLUMNS = (
    "name",
    "strategy_type",
    "description",
    "parameters",
    "is_active",
    "max_position_pct",
    "risk_per_trade_pct",
    "max_drawdown_pct",
    "max_open_positions",
    "total_trades",
    "winning_trades",
    "realized_pnl",
    "sharpe_ratio",
    "performance_updated_at",
)
ORDER_COLUMNS = (
    "placed_at",
    "security_id",
    "strategy_id",
    "parent_order_id",
    "side",
    "order_type",
    "time_in_force",
    "quantity",
    "limit_price",
    "stop_price",
    "status",
    "filled_quantity",
    "avg_fill_price",
    "exchange_order_id",
)
POSITION_COLUMNS = (
    "security_id",
    "strategy_id",
    "entry_date",
    "entry_price",
    "quantity",
    "stop_loss",
    "target",
    "exit_date",
    "exit_price",
    "status",
    "notes",
)
TRADE_COLUMNS = (
    "executed_at",
    "security_id",
    "strategy_id",
    "order_id",
    "side",
    "quantity",
    "price",
    "fees",
    "realized_pnl",
    "outcome",
)
SNAPSHOT_COLUMNS = (
    "taken_at",
    "strategy_id",
    "cash",
    "equity",
    "gross_exposure",
    "net_exposure",
    "drawdown_pct",
    "risk",
)
FILL_UPDATE = b"update orders set status = %s, filled_quantity = %s, avg_fill_price = %s where id = %s"


def _number(value: float | None, places: int = 4) -> str | None:
    return None if value is None else f"{value:.{places}f}"


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def _strategy_row(book: Book) -> tuple[Any, ...]:
    strategy = book.strategy
    closed = [fill for fill in book.fills if fill.outcome is not None]
    equity = np.array([snapshot.equity for snapshot in book.snapshots])
    returns = np.diff(equity) / equity[:-1] if len(equity) > 2 else np.zeros(2)
    sharpe = float(returns.mean() / returns.std() * np.sqrt(252)) if returns.std() > 0 else 0.0
    parameters = as_json(
        {"exchange": strategy.exchange, "max_holding_sessions": strategy.max_days, **strategy.parameters}
    )
    return (
        strategy.name,
        strategy.strategy_type,
        strategy.description,
        parameters,
        strategy.is_active,
        strategy.max_position_pct,
        strategy.risk_pct,
        strategy.max_drawdown_pct,
        strategy.max_open,
        len(closed),
        sum(1 for fill in closed if fill.outcome == "win"),
        _number(sum(fill.realized_pnl or 0.0 for fill in closed), 2),
        f"{sharpe:.4f}",
        book.snapshots[-1].taken_at if book.snapshots else None,
    )


def _snapshot_rows(snapshots: Sequence[Snapshot], strategy: object) -> list[tuple[Any, ...]]:
    return [
        (
            s.taken_at,
            strategy,
            _number(s.cash, 2),
            _number(s.equity, 2),
            _number(s.exposure, 2),
            _number(s.exposure, 2),
            _number(s.drawdown_pct),
            as_json(s.risk),
        )
        for s in snapshots
    ]


def _order_rows(
    orders: Sequence[Order], strategy: object, ids: dict[int, int], parents: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Parents as they ended; legs as they were first sent (open), their fills follow as updates."""
    rows = []
    for order in orders:
        status, filled, price = (
            (order.status, order.filled, order.fill_price) if order.parent is None else ("open", 0, None)
        )
        rows.append(
            (
                order.placed_at,
                ids[order.spec],
                strategy,
                parents.get(order.parent or ""),
                order.side,
                order.order_type,
                order.time_in_force,
                order.quantity,
                _number(order.limit_price),
                _number(order.stop_price),
                status,
                filled,
                _number(price),
                order.key,
            )
        )
    return rows


def _position_row(p: Position, strategy: object, ids: dict[int, int]) -> tuple[Any, ...]:
    prices = (_number(p.entry_price), p.quantity, _number(p.stop_loss), _number(p.target))
    return (ids[p.spec], strategy, p.entry_date, *prices, p.exit_date, _number(p.exit_price), p.status, p.notes)


def _trade_row(f: Fill, strategy: object, ids: dict[int, int], orders: dict[str, Any]) -> tuple[Any, ...]:
    amounts = (_number(f.price), _number(f.fees), _number(f.realized_pnl))
    return (f.executed_at, ids[f.spec], strategy, orders.get(f.order or ""), f.side, f.quantity, *amounts, f.outcome)


def _insert_orders(connection: Connection, book: Book, strategy: object, ids: dict[int, int]) -> dict[str, Any]:
    """Entries first, then their legs pointing at them, then the legs' fills and cancellations as updates."""
    parents = [order for order in book.orders if order.parent is None]
    copy_rows(connection, "orders", ORDER_COLUMNS, _order_rows(parents, strategy, ids, {}))
    keyed = fetch_map(connection, "select exchange_order_id, id from orders where exchange_order_id is not null")
    legs = [order for order in book.orders if order.parent is not None]
    copy_rows(connection, "orders", ORDER_COLUMNS, _order_rows(legs, strategy, ids, keyed))
    keyed = fetch_map(connection, "select exchange_order_id, id from orders where exchange_order_id is not null")
    with connection.cursor() as cursor:
        fills = [(o.status, o.filled, _number(o.fill_price), keyed[o.key]) for o in legs if o.status != "open"]
        cursor.executemany(FILL_UPDATE, fills)
    return keyed


def _insert_book(connection: Connection, book: Book, strategy: object, ids: dict[int, int]) -> dict[str, int]:
    positions = [_position_row(position, strategy, ids) for position in book.positions]
    counts = {"portfolio_positions": copy_rows(connection, "portfolio_positions", POSITION_COLUMNS, positions)}
    orders = _insert_orders(connection, book, strategy, ids)
    counts["orders"] = len(book.orders)
    trades = [_trade_row(fill, strategy, ids, orders) for fill in book.fills]
    counts["trades"] = copy_rows(connection, "trades", TRADE_COLUMNS, trades)
    snapshots = _snapshot_rows(book.snapshots, strategy)
    counts["portfolio_snapshots"] = copy_rows(connection, "portfolio_snapshots", SNAPSHOT_COLUMNS, snapshots)
    return counts


def insert_trading(connection: Connection, books: list[Book], ids: dict[int, int]) -> dict[str, int]:
    """Strategies by the head trader; each strategy's orders, fills, positions and snapshots by its bot."""
    act_as(connection, HEAD_TRADER, "strategy set-up")
    counts = {
        "strategies": copy_rows(connection, "strategies", STRATEGY_COLUMNS, [_strategy_row(book) for book in books])
    }
    strategy_ids = fetch_map(connection, "select name, id from strategies")
    for book in books:
        act_as(connection, f"bot:{_slug(book.strategy.name)}", "strategy execution")
        for table, count in _insert_book(connection, book, strategy_ids[book.strategy.name], ids).items():
            counts[table] = counts.get(table, 0) + count
    act_as(connection, RISK_ACTOR, "end-of-day book snapshot")
    counts["portfolio_snapshots"] += copy_rows(
        connection, "portfolio_snapshots", SNAPSHOT_COLUMNS, _snapshot_rows(whole_book(books), None)
    )
    return counts
