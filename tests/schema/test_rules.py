"""Rules kept by triggers: updated_at, version, the audit trail, the append-only audit_log, views."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError


def one(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).one()


def scalar(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).scalar_one()


def new_security(conn: Connection, symbol: str = "INFY") -> int:
    return scalar(
        conn,
        "insert into securities (symbol, exchange, instrument_type, name)"
        " values (:symbol, 'NSE', 'equity', :symbol || ' Ltd') returning id",
        symbol=symbol,
    )


def new_entry(conn: Connection) -> tuple[Any, Any]:
    security_id = new_security(conn)
    watchlist_id = scalar(conn, "insert into watchlists (name, owner) values ('Breakouts', 'asha') returning id")
    entry_id = scalar(
        conn,
        "insert into watchlist_entries (watchlist_id, security_id, trigger_type, trigger_value, thesis, added_by)"
        " values (:w, :s, 'price_above', 1650, 'base breakout', 'asha') returning id",
        w=watchlist_id,
        s=security_id,
    )
    return watchlist_id, entry_id


def audit_rows(conn: Connection, entity_id: Any) -> list[Any]:
    return list(
        conn.execute(
            text("select * from audit_log where entity_id = :id order by id"), {"id": str(entity_id)}
        ).mappings()
    )


def test_updated_at_is_kept_by_the_database(conn: Connection) -> None:
    _, entry_id = new_entry(conn)
    conn.execute(text("update watchlist_entries set updated_at = '2000-01-01' where id = :id"), {"id": entry_id})
    conn.execute(text("update watchlist_entries set thesis = 'retest' where id = :id"), {"id": entry_id})
    updated_at = scalar(conn, "select updated_at from watchlist_entries where id = :id", id=entry_id)
    assert updated_at == scalar(conn, "select now()")


def test_every_update_bumps_the_version_even_from_raw_sql(conn: Connection) -> None:
    _, entry_id = new_entry(conn)
    assert scalar(conn, "select version from watchlist_entries where id = :id", id=entry_id) == 1
    conn.execute(text("update watchlist_entries set thesis = 'retest' where id = :id"), {"id": entry_id})
    conn.execute(text("update watchlist_entries set thesis = 'x', version = 1 where id = :id"), {"id": entry_id})
    assert scalar(conn, "select version from watchlist_entries where id = :id", id=entry_id) == 3


def test_an_update_leaves_one_audit_row_with_the_actor_and_both_states(conn: Connection) -> None:
    _, entry_id = new_entry(conn)
    conn.execute(text("set local app.actor = 'tester'"))
    conn.execute(text("set local app.reason = 'thesis revised after results'"))
    conn.execute(text("update watchlist_entries set thesis = 'post-results drift' where id = :id"), {"id": entry_id})
    updates = [row for row in audit_rows(conn, entry_id) if row["action"] == "update"]
    assert len(updates) == 1
    change = updates[0]
    assert change["actor"] == "tester"
    assert change["reason"] == "thesis revised after results"
    assert change["entity_type"] == "watchlist_entries"
    assert change["before"]["thesis"] == "base breakout"
    assert change["after"]["thesis"] == "post-results drift"
    assert change["after"]["version"] == change["before"]["version"] + 1
    assert change["transaction_id"] == scalar(conn, "select txid_current()")
    assert change["application_name"] == "research-workstation"


def test_a_writer_that_names_no_actor_is_recorded_as_the_database_user(conn: Connection) -> None:
    watchlist_id = scalar(conn, "insert into watchlists (name, owner) values ('Raw', 'loader') returning id")
    (row,) = audit_rows(conn, watchlist_id)
    assert row["action"] == "insert"
    assert row["actor"] == scalar(conn, "select session_user")
    assert row["before"] is None


def test_a_write_that_changes_nothing_is_not_audited(conn: Connection) -> None:
    _, entry_id = new_entry(conn)
    conn.execute(text("update watchlist_entries set thesis = thesis where id = :id"), {"id": entry_id})
    assert [row["action"] for row in audit_rows(conn, entry_id)] == ["insert"]


def test_soft_delete_and_restore_are_named_in_the_audit_trail(conn: Connection) -> None:
    _, entry_id = new_entry(conn)
    conn.execute(text("update watchlist_entries set deleted_at = now() where id = :id"), {"id": entry_id})
    conn.execute(text("update watchlist_entries set deleted_at = null where id = :id"), {"id": entry_id})
    conn.execute(text("delete from watchlist_entries where id = :id"), {"id": entry_id})
    actions = [row["action"] for row in audit_rows(conn, entry_id)]
    assert actions == ["insert", "soft_delete", "restore", "delete"]


def test_an_undo_is_linked_to_the_entry_it_reverses(conn: Connection) -> None:
    _, entry_id = new_entry(conn)
    conn.execute(text("update watchlist_entries set thesis = 'wrong' where id = :id"), {"id": entry_id})
    wrong = audit_rows(conn, entry_id)[-1]
    conn.execute(text("select set_config('app.undo_of', :id, true)"), {"id": str(wrong["id"])})
    conn.execute(text("update watchlist_entries set thesis = 'base breakout' where id = :id"), {"id": entry_id})
    undo = audit_rows(conn, entry_id)[-1]
    assert undo["action"] == "undo"
    assert undo["reverses_id"] == wrong["id"]


@pytest.mark.parametrize(
    "statement",
    ["update audit_log set actor = 'someone else'", "delete from audit_log", "truncate audit_log"],
)
def test_audit_log_is_append_only(conn: Connection, statement: str) -> None:
    new_entry(conn)
    before = list(conn.execute(text("select * from audit_log order by id")))
    with pytest.raises(DBAPIError, match="audit_log is append-only"), conn.begin_nested():
        conn.execute(text(statement))
    assert list(conn.execute(text("select * from audit_log order by id"))) == before


def add_bar(conn: Connection, security_id: int, day: dt.date, close: float, volume: int) -> None:
    conn.execute(
        text(
            "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)"
            " values (:s, :d, :c, :c * 1.01, :c * 0.99, :c, :v)"
        ),
        {"s": security_id, "d": day, "c": close, "v": volume},
    )


def test_market_overview_after_refresh(conn: Connection) -> None:
    security_id = new_security(conn, "TCS")
    quiet = new_security(conn, "NOBARS")
    start = dt.date(2025, 1, 1)
    for offset in range(30):
        add_bar(conn, security_id, start + dt.timedelta(days=offset), 100 + offset, 1000)
    last_day = start + dt.timedelta(days=30)
    add_bar(conn, security_id, last_day, 150, 3000)
    conn.execute(text("select refresh_market_overview()"))
    row = one(conn, "select * from market_overview where security_id = :s", s=security_id)._mapping
    assert row["trade_date"] == last_day
    assert float(row["close"]) == 150
    assert float(row["prev_close"]) == 129
    assert float(row["change_pct"]) == pytest.approx((150 / 129 - 1) * 100, abs=1e-4)
    assert float(row["volume_vs_avg_pct"]) == 300
    assert float(row["high_52w"]) == pytest.approx(151.5)
    no_bars = one(conn, "select * from market_overview where security_id = :s", s=quiet)._mapping
    assert no_bars["close"] is None


def test_recent_performance_counts_the_last_30_days(conn: Connection) -> None:
    strategy_id = scalar(conn, "insert into strategies (name, strategy_type) values ('swing', 'momentum') returning id")
    security_id = new_security(conn)
    for days_ago, outcome, pnl in [(1, "win", 120), (3, "loss", -40), (45, "win", 500)]:
        conn.execute(
            text(
                "insert into trades (executed_at, security_id, strategy_id, side, quantity, price,"
                " realized_pnl, outcome)"
                " values (now() - make_interval(days => :ago), :s, :st, 'sell', 10, 100, :pnl, :outcome)"
            ),
            {"ago": days_ago, "s": security_id, "st": strategy_id, "pnl": pnl, "outcome": outcome},
        )
    row = one(conn, "select * from recent_performance where strategy_id = :id", id=strategy_id)._mapping
    assert (row["trades"], row["wins"], float(row["win_rate"]), float(row["realized_pnl"])) == (2, 1, 0.5, 80)
