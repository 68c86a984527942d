"""The trading book as the screens read it: strategies, positions with P&L, orders, trades, performance."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, text

from store.errors import InvalidInput
from store.repositories.trading import TradingRepository
from store.uow import UnitOfWork

NOW = dt.datetime.now(dt.UTC)


def insert(conn: Connection, table: str, **values: Any) -> Any:
    """Insert one row with plain SQL, as the trading tools do; dicts go in as jsonb. Returns its id."""
    names = ", ".join(values)
    slots = ", ".join(f"cast(:{n} as jsonb)" if isinstance(v, dict) else f":{n}" for n, v in values.items())
    params = {n: json.dumps(v) if isinstance(v, dict) else v for n, v in values.items()}
    return conn.execute(text(f"insert into {table} ({names}) values ({slots}) returning id"), params).scalar_one()


def security(conn: Connection, symbol: str) -> int:
    return int(insert(conn, "securities", symbol=symbol, exchange="NSE", instrument_type="equity"))


def bar(conn: Connection, security_id: int, day: dt.date, close: str) -> None:
    conn.execute(
        text(
            "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)"
            " values (:s, :d, :c, :c, :c, :c, 1000)"
        ),
        {"s": security_id, "d": day, "c": Decimal(close)},
    )


def strategy(conn: Connection, name: str, **values: Any) -> uuid.UUID:
    return uuid.UUID(str(insert(conn, "strategies", name=name, strategy_type="swing", **values)))


def position(conn: Connection, security_id: int, strategy_id: uuid.UUID | None, **values: Any) -> Any:
    row = {"entry_date": dt.date(2026, 10, 1), "entry_price": Decimal("100"), "quantity": 10} | values
    return insert(conn, "portfolio_positions", security_id=security_id, strategy_id=strategy_id, **row)


@pytest.fixture
def trading(uow: UnitOfWork) -> TradingRepository:
    return uow.repository(TradingRepository)


@pytest.fixture
def book(conn: Connection) -> dict[str, Any]:
    """Two securities, two strategies (one inactive)."""
    return {
        "infy": security(conn, "INFY"),
        "tcs": security(conn, "TCS"),
        "swing": strategy(conn, "Swing", parameters={"atr_stop": 2}),
        "old": strategy(conn, "Old breakout", is_active=False),
    }


def test_strategies_by_name_with_live_positions_and_working_orders(
    conn: Connection, trading: TradingRepository, book: dict[str, Any]
) -> None:
    position(conn, book["infy"], book["swing"])
    position(conn, book["tcs"], book["swing"], status="closed", exit_date=dt.date(2026, 10, 5), exit_price=110)
    position(conn, book["tcs"], book["swing"], deleted_at=NOW)
    for status in ("pending", "partially_filled", "filled"):
        insert(
            conn,
            "orders",
            security_id=book["infy"],
            strategy_id=book["swing"],
            side="buy",
            order_type="market",
            quantity=5,
            status=status,
        )
    everything = trading.strategies()
    assert [s.name for s in everything] == ["Old breakout", "Swing"]
    swing = everything[1]
    assert (swing.open_positions, swing.working_orders, swing.is_active) == (1, 2, True)
    assert swing.parameters == {"atr_stop": 2}
    with pytest.raises(TypeError):
        swing.parameters["atr_stop"] = 3  # type: ignore[index]
    assert [s.name for s in trading.strategies(active_only=True)] == ["Swing"]


def test_open_positions_carry_unrealised_pnl_against_the_latest_close(
    conn: Connection, trading: TradingRepository, book: dict[str, Any]
) -> None:
    position(conn, book["infy"], book["swing"], entry_price=Decimal("1500.50"), quantity=20)
    bar(conn, book["infy"], dt.date(2025, 12, 30), "1400")
    bar(conn, book["infy"], dt.date(2026, 11, 20), "1562.25")
    bar(conn, book["infy"], dt.date(2026, 11, 19), "1700")
    (held,) = trading.positions()
    assert (held.symbol, held.last_close, held.last_close_date) == ("INFY", Decimal("1562.25"), dt.date(2026, 11, 20))
    assert held.unrealized_pnl == Decimal("1235.00")
    assert held.realized_pnl is None


def test_positions_without_a_close_and_closed_positions(
    conn: Connection, trading: TradingRepository, book: dict[str, Any]
) -> None:
    position(conn, book["tcs"], None, entry_date=dt.date(2026, 11, 1))
    position(conn, book["infy"], book["swing"], status="closed", exit_date=dt.date(2026, 10, 9), exit_price=Decimal(95))
    bar(conn, book["infy"], dt.date(2026, 11, 20), "120")
    (unpriced,) = trading.positions()
    assert (unpriced.symbol, unpriced.last_close, unpriced.unrealized_pnl) == ("TCS", None, None)
    (closed,) = trading.positions(status="closed")
    assert (closed.realized_pnl, closed.unrealized_pnl) == (Decimal(-50), None)
    assert [p.symbol for p in trading.positions(status=None)] == ["TCS", "INFY"]


def test_positions_filter_and_hide_soft_deleted_ones(
    conn: Connection, trading: TradingRepository, book: dict[str, Any]
) -> None:
    kept = position(conn, book["infy"], book["swing"])
    position(conn, book["tcs"], book["old"])
    position(conn, book["tcs"], book["swing"], deleted_at=NOW)
    assert [p.id for p in trading.positions(strategy_id=book["swing"])] == [kept]
    assert [p.id for p in trading.positions(strategy_id=str(book["swing"]))] == [kept]
    assert [p.symbol for p in trading.positions(security_id=book["tcs"])] == ["TCS"]
    assert trading.positions(strategy_id=uuid.uuid4()) == []
    assert trading.positions(security_id=999_999) == []


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"status": "pending"}, "status"),
        ({"strategy_id": "swing"}, "strategy_id"),
        ({"security_id": "INFY"}, "security_id"),
    ],
)
def test_positions_refuse_bad_filters(trading: TradingRepository, arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        trading.positions(**arguments)
    assert field in caught.value.fields


def order(conn: Connection, book: dict[str, Any], minutes: int, status: str, symbol: str = "infy") -> Any:
    return insert(
        conn,
        "orders",
        security_id=book[symbol],
        strategy_id=book["swing"],
        side="buy",
        order_type="limit",
        limit_price=Decimal(99),
        quantity=10,
        status=status,
        placed_at=NOW - dt.timedelta(minutes=minutes),
    )


def test_orders_come_newest_first_and_filter_by_status(
    conn: Connection, trading: TradingRepository, book: dict[str, Any]
) -> None:
    oldest = order(conn, book, 30, "filled")
    middle = order(conn, book, 20, "open", symbol="tcs")
    newest = order(conn, book, 10, "pending")
    assert [o.id for o in trading.orders()] == [newest, middle, oldest]
    assert [o.id for o in trading.orders(statuses=("open", "pending"))] == [newest, middle]
    assert [o.id for o in trading.orders(statuses="filled")] == [oldest]
    assert trading.orders(statuses=()) == []
    assert [o.symbol for o in trading.orders(security_id=book["tcs"])] == ["TCS"]
    assert [o.id for o in trading.orders(strategy_id=book["swing"], limit=1)] == [newest]
    assert trading.orders(strategy_id=book["old"]) == []
    assert trading.orders()[0].limit_price == Decimal(99)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"statuses": ["open", "done"]}, "statuses"), ({"limit": 0}, "limit"), ({"strategy_id": 42}, "strategy_id")],
)
def test_orders_refuse_bad_filters(trading: TradingRepository, arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        trading.orders(**arguments)
    assert field in caught.value.fields


def trade(conn: Connection, book: dict[str, Any], days: float, outcome: str | None, pnl: str | None = None) -> Any:
    return insert(
        conn,
        "trades",
        security_id=book["infy"],
        strategy_id=book["swing"],
        side="sell",
        quantity=10,
        price=Decimal(100),
        fees=Decimal("1.5"),
        realized_pnl=pnl,
        outcome=outcome,
        executed_at=NOW - dt.timedelta(days=days),
    )


def test_trades_come_newest_first_and_filter(
    conn: Connection, trading: TradingRepository, book: dict[str, Any]
) -> None:
    old = trade(conn, book, 40, "win", "500")
    recent = trade(conn, book, 2, "loss", "-200")
    latest = trade(conn, book, 1, None)
    assert [t.id for t in trading.trades()] == [latest, recent, old]
    assert [t.id for t in trading.trades(since=NOW - dt.timedelta(days=3))] == [latest, recent]
    assert [t.id for t in trading.trades(limit=1)] == [latest]
    assert trading.trades()[1].realized_pnl == Decimal(-200)
    assert trading.trades(security_id=book["tcs"]) == []
    assert trading.trades(strategy_id=book["old"]) == []
    for bad, field in (({"since": dt.datetime(2026, 1, 1)}, "since"), ({"limit": -5}, "limit")):
        with pytest.raises(InvalidInput) as caught:
            trading.trades(**bad)  # type: ignore[arg-type]
        assert field in caught.value.fields


def test_recent_performance_counts_the_last_30_days(
    conn: Connection, trading: TradingRepository, book: dict[str, Any]
) -> None:
    trade(conn, book, 40, "win", "900")
    trade(conn, book, 5, "win", "500")
    trade(conn, book, 3, "win", "300")
    trade(conn, book, 2, "loss", "-200")
    old, swing = trading.recent_performance()
    assert (swing.name, swing.trades, swing.wins, swing.losses) == ("Swing", 3, 2, 1)
    assert (swing.win_rate, swing.realized_pnl, swing.fees) == (Decimal("0.6667"), Decimal(600), Decimal("4.5"))
    assert (old.name, old.trades, old.win_rate, old.realized_pnl) == ("Old breakout", 0, None, 0)


def test_snapshots_newest_first_of_a_strategy_or_the_book(
    conn: Connection, trading: TradingRepository, book: dict[str, Any]
) -> None:
    def snap(hours: int, strategy_id: uuid.UUID | None) -> Any:
        return insert(
            conn,
            "portfolio_snapshots",
            strategy_id=strategy_id,
            cash=Decimal(1000),
            equity=Decimal(1500),
            taken_at=NOW - dt.timedelta(hours=hours),
            risk={"var_95": 120.5},
        )

    book_old, swing_new, book_new = snap(3, None), snap(2, book["swing"]), snap(1, None)
    assert [s.id for s in trading.snapshots()] == [book_new, swing_new, book_old]
    assert [s.id for s in trading.snapshots(whole_book=True)] == [book_new, book_old]
    assert [s.id for s in trading.snapshots(book["swing"])] == [swing_new]
    assert [s.id for s in trading.snapshots(limit=1)] == [book_new]
    assert trading.snapshots(book["old"]) == []
    assert trading.snapshots()[0].risk == {"var_95": 120.5}
    with pytest.raises(InvalidInput) as caught:
        trading.snapshots(book["swing"], whole_book=True)
    assert "whole_book" in caught.value.fields
    for bad, field in (({"strategy_id": "x"}, "strategy_id"), ({"limit": 0}, "limit")):
        with pytest.raises(InvalidInput) as caught:
            trading.snapshots(**bad)  # type: ignore[arg-type]
        assert field in caught.value.fields


def test_an_empty_book_reads_as_empty_lists(trading: TradingRepository) -> None:
    assert trading.strategies() == []
    assert trading.positions() == []
    assert trading.orders() == []
    assert trading.trades() == []
    assert trading.recent_performance() == []
    assert trading.snapshots() == []
