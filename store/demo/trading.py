"""The trading book in memory: bracket orders with parent links, fills, positions and daily snapshots per strategy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from store.demo.backtest import (
    STRATEGIES,
    TRADING_SESSIONS,
    USD_PER_UNIT,
    RoundTrip,
    StrategySpec,
    backtest,
    fees,
    money,
    session_time,
)
from store.demo.panel import Panel

EXIT_NOTES = {"stop": "Stopped out", "target": "Target reached", "time": "Time exit"}
PARTIAL_FILL = (1000, 400)  # ordered, filled


@dataclass(slots=True)
class Order:
    """An order; `key` is the exchange order id (None for orders that never reached the exchange)."""

    key: str | None
    spec: int
    side: str
    order_type: str
    time_in_force: str
    quantity: int
    placed_at: dt.datetime
    status: str
    limit_price: float | None = None
    stop_price: float | None = None
    filled: int = 0
    fill_price: float | None = None
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Fill:
    order: str | None
    spec: int
    side: str
    quantity: int
    price: float
    fees: float
    executed_at: dt.datetime
    realized_pnl: float | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class Position:
    spec: int
    entry_date: dt.date
    entry_price: float
    quantity: int
    stop_loss: float | None
    target: float | None
    exit_date: dt.date | None
    exit_price: float | None
    notes: str

    @property
    def status(self) -> str:
        return "open" if self.exit_date is None else "closed"


@dataclass(frozen=True, slots=True)
class Snapshot:
    taken_at: dt.datetime
    cash: float
    equity: float
    exposure: float
    drawdown_pct: float
    risk: dict[str, Any]


@dataclass(slots=True)
class Book:
    """One strategy's orders, fills, positions and daily snapshots, ready to insert."""

    strategy: StrategySpec
    orders: list[Order] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    by_day: dict[dt.date, tuple[float, float, float]] = field(default_factory=dict)  # cash, equity, exposure


class OrderKeys:
    """Exchange order ids as brokers show them: exchange, date, sequence."""

    def __init__(self, exchange: str) -> None:
        self.exchange, self.sequence = exchange, 0

    def next(self, day: dt.date) -> str:
        self.sequence += 1
        return f"{self.exchange[:3]}{day:%y%m%d}{self.sequence:06d}"


def _leg(
    key: str,
    trip: RoundTrip,
    parent: Order,
    kind: str,
    placed: dt.datetime,
    limit_price: float | None = None,
    stop_price: float | None = None,
) -> Order:
    """A sell leg of a bracket, sent open; good till cancelled unless it is the market order of a time exit."""
    time_in_force = "day" if kind == "market" else "gtc"
    quantity = trip.quantity
    return Order(
        key,
        trip.spec,
        "sell",
        kind,
        time_in_force,
        quantity,
        placed,
        "open",
        limit_price,
        stop_price,
        parent=parent.key,
    )


def _legs(book: Book, panel: Panel, trip: RoundTrip, keys: OrderKeys, parent: Order) -> dict[str, Order]:
    """The stop and target legs (and a time exit), each ending filled, cancelled, or still open."""
    day, placed = panel.date(trip.entry_row), parent.placed_at + dt.timedelta(minutes=11)
    stop_limit = round(trip.stop * 0.99, 2) if book.strategy.exchange == "NSE" else None
    stop_kind = "stop" if stop_limit is None else "stop_limit"
    legs = {
        "stop": _leg(keys.next(day), trip, parent, stop_kind, placed, stop_price=trip.stop, limit_price=stop_limit),
        "target": _leg(keys.next(day), trip, parent, "limit", placed, limit_price=trip.target),
    }
    if trip.exit_reason == "time" and trip.exit_row is not None:
        at = session_time(panel, trip.exit_row, 5)
        legs["time"] = _leg(keys.next(panel.date(trip.exit_row)), trip, parent, "market", at)
    for reason, leg in legs.items():
        if trip.exit_reason is not None:
            leg.status = "filled" if reason == trip.exit_reason else "cancelled"
        if leg.status == "filled":
            leg.filled, leg.fill_price = trip.quantity, trip.exit_price
    return legs


def _entry(book: Book, panel: Panel, trip: RoundTrip, keys: OrderKeys) -> Order:
    """The entry order: a market order at the open, or a day limit order that filled or expired."""
    placed = session_time(panel, trip.entry_row, -10)
    status = "filled" if trip.filled else "expired"
    kind = "limit" if trip.limit_price else "market"
    order = Order(keys.next(panel.date(trip.entry_row)), trip.spec, "buy", kind, "day", trip.quantity, placed, status)
    order.limit_price = trip.limit_price
    if trip.filled:
        order.filled, order.fill_price = trip.quantity, trip.entry_price
    book.orders.append(order)
    return order


def _bracket(book: Book, panel: Panel, trip: RoundTrip, keys: OrderKeys) -> None:
    """An entry order; when it filled, its legs, the fills and the position they make."""
    parent = _entry(book, panel, trip, keys)
    if not trip.filled:
        return
    exchange, quantity = book.strategy.exchange, trip.quantity
    entry_fee = fees(exchange, "buy", quantity, trip.entry_price)
    opened = session_time(panel, trip.entry_row, 0)
    book.fills.append(Fill(parent.key, trip.spec, "buy", quantity, trip.entry_price, entry_fee, opened))
    legs = _legs(book, panel, trip, keys, parent)
    book.orders += legs.values()
    entry_day = panel.date(trip.entry_row)
    position = Position(trip.spec, entry_day, trip.entry_price, quantity, trip.stop, trip.target, None, None, "")
    if trip.exit_row is None or trip.exit_price is None or trip.exit_reason is None:
        book.positions.append(replace(position, notes="Bracket working"))
        return
    exit_fee = fees(exchange, "sell", quantity, trip.exit_price)
    pnl = round((trip.exit_price - trip.entry_price) * quantity - entry_fee - exit_fee, 2)
    scale = trip.entry_price * quantity * 0.001
    outcome = "win" if pnl > scale else "loss" if pnl < -scale else "breakeven"
    closed = session_time(panel, trip.exit_row, 390 if trip.exit_reason == "time" else 95)
    exit_order = legs[trip.exit_reason].key
    book.fills.append(Fill(exit_order, trip.spec, "sell", quantity, trip.exit_price, exit_fee, closed, pnl, outcome))
    exit_day, note = panel.date(trip.exit_row), EXIT_NOTES[trip.exit_reason]
    book.positions.append(replace(position, exit_date=exit_day, exit_price=trip.exit_price, notes=note))


def _extras(book: Book, panel: Panel, keys: OrderKeys, column: int) -> RoundTrip:
    """Orders that did not end in a bracket: rejected for size, pending for tomorrow, a partial fill."""
    last = len(panel.dates) - 1
    spec, limit = panel.specs[column], round(float(panel.close[last, column]) * 0.99, 2)
    ordered, filled = PARTIAL_FILL
    book.orders += [
        Order(None, spec, "buy", "limit", "day", 10**7, session_time(panel, last, 30), "rejected", limit_price=limit),
        Order(None, spec, "buy", "market", "day", 100, session_time(panel, last, 600), "pending"),
        Order(
            keys.next(panel.date(last)),
            spec,
            "buy",
            "limit",
            "gtc",
            ordered,
            session_time(panel, last, 45),
            "partially_filled",
            limit_price=limit,
            filled=filled,
            fill_price=limit,
        ),
    ]
    fee = fees(book.strategy.exchange, "buy", filled, limit)
    book.fills.append(Fill(book.orders[-1].key, spec, "buy", filled, limit, fee, session_time(panel, last, 47)))
    book.positions.append(
        Position(spec, panel.date(last), limit, filled, None, None, None, None, "Partial fill, order working")
    )
    return RoundTrip(book.strategy.name, spec, column, last, last, filled, limit, limit, limit, limit)


def _holdings(strategy: StrategySpec, panel: Panel, trips: list[RoundTrip], first: int) -> tuple[np.ndarray, ...]:
    """Per session from `first`: cash, market value held, open positions, the largest position's value."""
    days = len(panel.dates) - first
    cash, held, count, largest = np.full(days, float(strategy.capital)), np.zeros(days), np.zeros(days), np.zeros(days)
    for trip in (t for t in trips if t.filled):
        start, stop = trip.entry_row - first, (len(panel.dates) if trip.exit_row is None else trip.exit_row) - first
        cash[start:] -= trip.entry_price * trip.quantity + fees(
            strategy.exchange, "buy", trip.quantity, trip.entry_price
        )
        if trip.exit_row is not None and trip.exit_price is not None:
            cash[stop:] += trip.exit_price * trip.quantity - fees(
                strategy.exchange, "sell", trip.quantity, trip.exit_price
            )
        value = panel.close[first + start : first + stop, trip.column] * trip.quantity
        held[start:stop] += value
        count[start:stop] += 1
        largest[start:stop] = np.maximum(largest[start:stop], value)
    return cash, held, count, largest


def _snapshots(book: Book, panel: Panel, trips: list[RoundTrip]) -> None:
    """Daily cash, equity, exposure and drawdown from the strategy's own fills and the closes."""
    first = max(len(panel.dates) - 1 - TRADING_SESSIONS, 60)
    cash, held, count, largest = _holdings(book.strategy, panel, trips, first)
    equity = cash + held
    drawdown = (np.maximum.accumulate(equity) - equity) / np.maximum.accumulate(equity) * 100
    returns = np.diff(equity, prepend=equity[0]) / equity
    for position in range(len(equity)):
        recent = returns[max(position - 20, 0) : position]
        risk = {
            "currency": money(book.strategy.exchange),
            "open_positions": int(count[position]),
            "largest_position_pct": round(float(largest[position] / equity[position] * 100), 2),
            "cash_pct": round(float(cash[position] / equity[position] * 100), 2),
            "var_95_pct": round(float(1.65 * recent.std() * 100) if len(recent) > 1 else 0.0, 3),
        }
        row = first + position
        taken = panel.session_close(row) + dt.timedelta(minutes=15)
        book.snapshots.append(
            Snapshot(taken, cash[position], equity[position], held[position], drawdown[position], risk)
        )
        book.by_day[panel.date(row)] = (float(cash[position]), float(equity[position]), float(held[position]))


def plan_trading(panels: dict[str, Panel], avoid: set[int]) -> list[Book]:
    books = []
    for strategy in STRATEGIES:
        panel = panels[strategy.exchange]
        trips = backtest(strategy, panel, avoid)
        book, keys = Book(strategy), OrderKeys(strategy.exchange)
        for trip in trips:
            _bracket(book, panel, trip, keys)
        if strategy.is_active and panel.specs:
            trips = [*trips, _extras(book, panel, keys, len(panel.specs) // 2)]
        _snapshots(book, panel, trips)
        books.append(book)
    return books


def whole_book(books: list[Book]) -> list[Snapshot]:
    """The book across strategies in US dollars at fixed demo rates, each strategy at its latest close, every day."""
    days = sorted({day for book in books for day in book.by_day})
    found, peak = [], 0.0
    latest = {book.strategy.name: (book.strategy.capital, book.strategy.capital, 0.0) for book in books}
    for day in days:
        totals = np.zeros(3)
        for book in books:
            latest[book.strategy.name] = book.by_day.get(day, latest[book.strategy.name])
            totals += np.array(latest[book.strategy.name]) * USD_PER_UNIT[money(book.strategy.exchange)]
        cash, equity, exposure = (float(value) for value in totals)
        peak = max(peak, equity)
        risk = {"base_currency": "USD", "fx_usd_per_unit": USD_PER_UNIT, "strategies": len(books)}
        taken = dt.datetime.combine(day, dt.time(22, 0), tzinfo=dt.UTC)
        found.append(Snapshot(taken, cash, equity, exposure, (peak - equity) / peak * 100, risk))
    return found
