"""The change feed: every open terminal hears about committed changes on one channel."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text

CHANNEL = "workstation_changes"


@pytest.fixture
def listener(fresh_db) -> Iterator[psycopg.Connection]:  # type: ignore[no-untyped-def]
    with psycopg.connect(fresh_db.target.conninfo, autocommit=True) as connection:
        connection.execute(f"listen {CHANNEL}")
        yield connection


def received(listener: psycopg.Connection, count: int) -> list[dict[str, object]]:
    return [json.loads(n.payload) for n in listener.notifies(timeout=5, stop_after=count)]


def test_a_committed_insert_is_announced(fresh_db, listener: psycopg.Connection) -> None:  # type: ignore[no-untyped-def]
    with fresh_db.engine.begin() as connection:
        connection.execute(text("set local app.actor = 'asha'"))
        watchlist_id = connection.execute(
            text("insert into watchlists (name, owner) values ('Momentum', 'asha') returning id")
        ).scalar_one()
    assert received(listener, 1) == [{"table": "watchlists", "op": "insert", "id": str(watchlist_id), "actor": "asha"}]


def test_a_rolled_back_change_is_not_announced(fresh_db, listener: psycopg.Connection) -> None:  # type: ignore[no-untyped-def]
    with fresh_db.engine.connect() as connection:
        connection.execute(text("insert into watchlists (name, owner) values ('Scratch', 'asha')"))
        connection.rollback()
    assert received(listener, 1) == []


def test_a_price_load_is_announced_once(fresh_db, listener: psycopg.Connection) -> None:  # type: ignore[no-untyped-def]
    with fresh_db.engine.begin() as connection:
        connection.execute(text("select notify_price_load('bhavcopy', '2025-01-02', '2025-01-03', 4200)"))
    (notice,) = received(listener, 1)
    assert notice["table"] == "ohlcv_daily"
    assert notice["op"] == "load"
    assert notice["rows"] == 4200
    assert notice["last_day"] == "2025-01-03"
