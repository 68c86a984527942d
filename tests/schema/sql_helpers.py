"""Plain-SQL helpers for schema tests: insert rows, expect a named constraint to refuse, seed every table."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, RowMapping, text
from sqlalchemy.exc import DBAPIError

from store import migrations

# Every table of shared/SCHEMA.md.
CONTRACT_TABLES = frozenset(
    {
        "securities",
        "industry_classifications",
        "index_constituents",
        "market_holidays",
        "ohlcv_daily",
        "ohlcv_intraday",
        "corporate_actions",
        "market_cap_history",
        "calculated_metrics",
        "deals",
        "surveillance_measures",
        "signals",
        "analysis_results",
        "watchlists",
        "watchlist_entries",
        "research_queue",
        "reports",
        "agent_configs",
        "audit_log",
        "strategies",
        "portfolio_positions",
        "orders",
        "trades",
        "portfolio_snapshots",
        "ingestion_logs",
        "system_logs",
    }
)


def scalar(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).scalar_one()


def insert(conn: Connection, table: str, **values: Any) -> RowMapping:
    """INSERT one row with plain SQL and return it; dicts and lists are sent as jsonb."""
    placeholders = [
        f"cast(:{name} as jsonb)" if isinstance(v, dict | list) else f":{name}" for name, v in values.items()
    ]
    params = {name: json.dumps(v) if isinstance(v, dict | list) else v for name, v in values.items()}
    sql = f"insert into {table} ({', '.join(values)}) values ({', '.join(placeholders)}) returning *"
    return conn.execute(text(sql), params).mappings().one()


def refused_by(conn: Connection, constraint: str, action: Callable[[], object]) -> None:
    """Run `action` in a savepoint and check that the database refuses it, naming `constraint`."""
    with pytest.raises(DBAPIError) as caught, conn.begin_nested():
        action()
    diag = getattr(caught.value.orig, "diag", None)
    assert diag is not None, caught.value
    assert diag.constraint_name == constraint, f"refused by {diag.constraint_name!r}: {diag.message_primary}"


def refuses_insert(conn: Connection, constraint: str, table: str, **values: Any) -> None:
    refused_by(conn, constraint, lambda: insert(conn, table, **values))


def new_security(conn: Connection, symbol: str = "INFY", **columns: Any) -> int:
    values: dict[str, Any] = {"exchange": "NSE", "instrument_type": "equity", "name": f"{symbol} Ltd"} | columns
    row = insert(conn, "securities", symbol=symbol, **values)
    return int(row["id"])


def candle(**overrides: Any) -> dict[str, Any]:
    """A valid daily candle's prices and volume, with some replaced."""
    return {"open": 100, "high": 110, "low": 95, "close": 105, "volume": 1000} | overrides


def migration_module(revision: str) -> Any:
    """A migration script's module, for SQL it defines (never for models)."""
    script = ScriptDirectory.from_config(migrations.alembic_config())
    found = script.get_revision(revision)
    assert found is not None
    return found.module


def seed_every_table(conn: Connection) -> dict[str, RowMapping]:
    """One valid row in every table of the contract, written with plain SQL the way other writers do."""
    rows: dict[str, RowMapping] = {}
    equity = new_security(conn, "RELIANCE", isin="INE002A01018", attributes={"sector_code": "OIL"})
    index = new_security(conn, "NIFTY50", instrument_type="index", name="Nifty 50")
    rows["securities"] = insert(
        conn,
        "securities",
        symbol="RELIANCE24DEC2500CE",
        exchange="NFO",
        instrument_type="option",
        attributes={"underlying": "RELIANCE", "strike": 2500, "expiration": "2024-12-26", "option_type": "call"},
    )
    rows["industry_classifications"] = insert(
        conn, "industry_classifications", security_id=equity, macro="Energy", sector="Oil Gas", industry="Refineries"
    )
    rows["index_constituents"] = insert(
        conn, "index_constituents", index_id=index, member_id=equity, weight=9.5, valid_from="2024-01-01"
    )
    rows["market_holidays"] = insert(
        conn, "market_holidays", exchange="NSE", holiday_date="2025-01-26", name="Republic Day"
    )
    rows["ohlcv_daily"] = insert(conn, "ohlcv_daily", security_id=equity, trade_date="2025-01-02", **candle())
    rows["ohlcv_intraday"] = insert(
        conn, "ohlcv_intraday", security_id=equity, bar_interval="5m", bar_start="2025-01-02 03:45+00", **candle()
    )
    rows["corporate_actions"] = insert(
        conn, "corporate_actions", security_id=equity, action_type="dividend", ex_date="2024-08-19", amount=10
    )
    rows["market_cap_history"] = insert(
        conn,
        "market_cap_history",
        security_id=equity,
        trade_date="2025-01-02",
        market_cap=17_500_000_000_000,
        close_price=1290.5,
        issue_size=13_531_000_000,
        category="Listed",
    )
    rows["calculated_metrics"] = insert(
        conn, "calculated_metrics", security_id=equity, trade_date="2025-01-02", rs_rating=85, stage=2, ma_50=1250
    )
    rows["deals"] = insert(
        conn,
        "deals",
        deal_date="2025-01-02",
        security_id=equity,
        kind="bulk",
        client_name="ABC Fund",
        side="buy",
        quantity=500_000,
        price=1290.5,
    )
    rows["surveillance_measures"] = insert(
        conn, "surveillance_measures", security_id=equity, measure="ASM", stage="Stage I", effective_date="2025-01-02"
    )
    rows["signals"] = insert(conn, "signals", security_id=equity, signal_type="breakout", score=0.8, source="scanner")
    rows["analysis_results"] = insert(
        conn, "analysis_results", security_id=equity, agent_name="fundamental", recommendation="buy", confidence=0.7
    )
    rows["watchlists"] = insert(conn, "watchlists", name="Breakouts", owner="asha")
    rows["watchlist_entries"] = insert(
        conn,
        "watchlist_entries",
        watchlist_id=rows["watchlists"]["id"],
        security_id=equity,
        trigger_type="price_above",
        trigger_value=1300,
    )
    rows["research_queue"] = insert(conn, "research_queue", security_id=equity, score=72.5, source="scanner")
    rows["reports"] = insert(
        conn,
        "reports",
        kind="morning",
        report_date="2025-01-02",
        title="Morning",
        content="# Today",
        generated_by="reporter",
        recommendations=[{"symbol": "RELIANCE", "action": "buy", "rationale": "base"}],
    )
    rows["agent_configs"] = insert(conn, "agent_configs", agent_name="fundamental", parameters={"lookback": 90})
    rows["strategies"] = insert(conn, "strategies", name="swing", strategy_type="momentum", max_position_pct=10)
    strategy = rows["strategies"]["id"]
    rows["portfolio_positions"] = insert(
        conn,
        "portfolio_positions",
        security_id=equity,
        strategy_id=strategy,
        entry_date="2025-01-02",
        entry_price=1290.5,
        quantity=10,
        stop_loss=1200,
    )
    rows["orders"] = insert(
        conn,
        "orders",
        security_id=equity,
        strategy_id=strategy,
        side="buy",
        order_type="limit",
        quantity=10,
        limit_price=1290.5,
    )
    rows["trades"] = insert(
        conn,
        "trades",
        executed_at="2025-01-02 04:00+00",
        security_id=equity,
        strategy_id=strategy,
        order_id=rows["orders"]["id"],
        side="buy",
        quantity=10,
        price=1290.5,
        fees=20,
    )
    rows["portfolio_snapshots"] = insert(
        conn, "portfolio_snapshots", strategy_id=strategy, cash=100_000, equity=112_905, drawdown_pct=1.5
    )
    rows["ingestion_logs"] = insert(conn, "ingestion_logs", source="bhavcopy", status="success", records_fetched=2000)
    rows["system_logs"] = insert(conn, "system_logs", level="info", logger="ingest", message="loaded")
    rows["audit_log"] = insert(
        conn,
        "audit_log",
        action="decision",
        entity_type="research_queue",
        entity_id=str(rows["research_queue"]["id"]),
        details={"decision": "buy"},
    )
    return rows


@dataclass(frozen=True)
class Refs:
    """Rows that other rows point at."""

    security: int
    index: int
    strategy: Any
    watchlist: Any


def valid(table: str, refs: Refs, **overrides: Any) -> dict[str, Any]:
    """A row that every rule of `table` accepts, with some columns replaced."""
    s = refs.security
    rows: dict[str, dict[str, Any]] = {
        "securities": {"symbol": "TCS", "exchange": "NSE", "instrument_type": "equity"},
        "industry_classifications": {"security_id": s, "sector": "IT"},
        "index_constituents": {"index_id": refs.index, "member_id": s, "weight": 5, "valid_from": "2024-01-01"},
        "market_holidays": {"exchange": "NSE", "holiday_date": "2025-03-14", "name": "Holi"},
        "ohlcv_daily": {"security_id": s, "trade_date": "2025-01-02", **candle()},
        "ohlcv_intraday": {"security_id": s, "bar_interval": "5m", "bar_start": "2025-01-02 03:45+00", **candle()},
        "corporate_actions": {"security_id": s, "action_type": "split", "ex_date": "2024-06-03", "ratio": 2},
        "market_cap_history": {"security_id": s, "trade_date": "2025-01-02", "market_cap": 7.9e12},
        "calculated_metrics": {"security_id": s, "trade_date": "2025-01-02", "rs_rating": 50, "stage": 2},
        "deals": {
            "deal_date": "2025-01-02",
            "security_id": s,
            "kind": "block",
            "client_name": "XYZ",
            "side": "sell",
            "quantity": 1000,
            "price": 1900,
        },
        "surveillance_measures": {"security_id": s, "measure": "GSM", "effective_date": "2025-01-02"},
        "signals": {"security_id": s, "signal_type": "volume_spike", "source": "scanner"},
        "analysis_results": {"security_id": s, "agent_name": "tech", "recommendation": "hold", "confidence": 0.5},
        "watchlists": {"name": "Value"},
        "watchlist_entries": {"watchlist_id": refs.watchlist, "security_id": s, "trigger_type": "manual"},
        "research_queue": {"security_id": s, "priority": 1},
        "reports": {"kind": "weekly", "report_date": "2025-01-03", "title": "Week 1", "generated_by": "reporter"},
        "agent_configs": {"agent_name": "tech"},
        "strategies": {"name": "breakout", "strategy_type": "breakout"},
        "portfolio_positions": {"security_id": s, "entry_date": "2025-01-02", "entry_price": 1900, "quantity": 5},
        "orders": {"security_id": s, "side": "buy", "order_type": "market", "quantity": 10},
        "trades": {"executed_at": "2025-01-02 04:00+00", "security_id": s, "side": "buy", "quantity": 10, "price": 1},
        "portfolio_snapshots": {"cash": 1000, "equity": 1000},
        "ingestion_logs": {"source": "bhavcopy"},
        "system_logs": {"level": "error", "logger": "ingest", "message": "failed"},
        "audit_log": {"action": "decision", "entity_type": "research_queue", "entity_id": "42"},
    }
    return rows[table] | overrides
