"""The change feed in a worker thread: committed changes arrive, a dropped connection comes back with a resync."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from store.changes import LISTENER_APPLICATION_NAME, Change, Resync, listen, parse_change
from store.db import DatabaseTarget

DELIVERY_SECONDS = 1.0
RECONNECT_SECONDS = 5.0
_LISTENERS = text(
    "select pid from pg_stat_activity where application_name = :name and datname = current_database()"
    " and query ilike 'listen%'"
)


class Consumer:
    """What a worker thread does with the feed: put everything it yields on a queue."""

    def __init__(self, target: DatabaseTarget, **options: Any) -> None:
        self.stop = threading.Event()
        self.received: queue.Queue[Change | Resync] = queue.Queue()
        self.thread = threading.Thread(target=self._consume, args=(target, options), daemon=True)
        self.thread.start()

    def _consume(self, target: DatabaseTarget, options: dict[str, Any]) -> None:
        for item in listen(target, stop=self.stop, **options):
            self.received.put(item)

    def next(self, timeout: float = DELIVERY_SECONDS) -> Change | Resync:
        return self.received.get(timeout=timeout)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


def until(condition: Callable[[], Any], timeout: float = RECONNECT_SECONDS) -> Any:
    """Poll until `condition()` is truthy (returning it), failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        pause.wait(0.02)
    pytest.fail(f"gave up waiting after {timeout} s")


def listener_pids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(_LISTENERS, {"name": LISTENER_APPLICATION_NAME}).scalars())


def commit(engine: Engine, statement: str) -> Any:
    with engine.begin() as connection:
        return connection.execute(text(statement)).scalar()


@pytest.fixture
def consumer(fresh_db) -> Iterator[Consumer]:  # type: ignore[no-untyped-def]
    running = Consumer(fresh_db.target, poll_seconds=0.2, backoff=(0.05, 0.1))
    until(lambda: listener_pids(fresh_db.engine))
    yield running
    running.close()


def test_a_committed_change_reaches_the_worker_within_a_second(fresh_db, consumer: Consumer) -> None:  # type: ignore[no-untyped-def]
    watchlist_id = commit(fresh_db.engine, "insert into watchlists (name) values ('Momentum') returning id")
    change = consumer.next()
    assert isinstance(change, Change)
    assert (change.table, change.op, change.id) == ("watchlists", "insert", str(watchlist_id))
    user = commit(fresh_db.engine, "select session_user")
    assert dict(change.payload) == {"table": "watchlists", "op": "insert", "id": str(watchlist_id), "actor": user}
    assert change.actor == user, "a writer that names no actor is its database user, as in audit_log"


def test_the_notice_names_the_actor_the_transaction_set(fresh_db, consumer: Consumer) -> None:  # type: ignore[no-untyped-def]
    with fresh_db.engine.begin() as connection:
        connection.execute(text("set local app.actor = 'agent:momentum'"))
        connection.execute(text("insert into watchlists (name) values ('Agent list')"))
        connection.execute(text("select notify_price_load('eod', '2025-01-02', '2025-01-02', 10)"))
    changes = [consumer.next(), consumer.next()]
    assert [(change.table, change.actor) for change in changes if isinstance(change, Change)] == [
        ("watchlists", "agent:momentum"),
        ("ohlcv_daily", "agent:momentum"),
    ]


def test_a_rolled_back_change_never_arrives(fresh_db, consumer: Consumer) -> None:  # type: ignore[no-untyped-def]
    with fresh_db.engine.connect() as connection:
        connection.execute(text("insert into watchlists (name) values ('Scratch')"))
        connection.rollback()
    kept_id = commit(fresh_db.engine, "insert into watchlists (name) values ('Kept') returning id")
    first = consumer.next()
    assert isinstance(first, Change)
    assert first.id == str(kept_id)


def test_a_price_load_arrives_as_one_change_with_its_details(fresh_db, consumer: Consumer) -> None:  # type: ignore[no-untyped-def]
    commit(fresh_db.engine, "select notify_price_load('bhavcopy', '2025-01-02', '2025-01-03', 4200)")
    change = consumer.next()
    assert isinstance(change, Change)
    assert (change.table, change.op, change.id) == ("ohlcv_daily", "load", None)
    assert (change.payload["rows"], change.payload["source"]) == (4200, "bhavcopy")


def test_payloads_that_are_not_changes_are_skipped(fresh_db, consumer: Consumer) -> None:  # type: ignore[no-untyped-def]
    for payload in ("not json", "[1, 2]", '{"op": "insert"}', '{"table": 3, "op": "insert"}'):
        commit(fresh_db.engine, f"select pg_notify('workstation_changes', '{payload}')")
    commit(fresh_db.engine, 'select pg_notify(\'workstation_changes\', \'{"table": "reports", "op": "update"}\')')
    change = consumer.next()
    assert isinstance(change, Change)
    assert (change.table, change.op, change.id) == ("reports", "update", None)


def test_a_killed_connection_comes_back_and_asks_for_a_resync(fresh_db, consumer: Consumer) -> None:  # type: ignore[no-untyped-def]
    (first_pid,) = listener_pids(fresh_db.engine)
    commit(fresh_db.engine, f"select pg_terminate_backend({first_pid})")

    assert consumer.next(timeout=RECONNECT_SECONDS) == Resync()
    (second_pid,) = until(lambda: listener_pids(fresh_db.engine))
    assert second_pid != first_pid
    watchlist_id = commit(fresh_db.engine, "insert into watchlists (name) values ('After') returning id")
    change = consumer.next()
    assert isinstance(change, Change)
    assert change.id == str(watchlist_id)


def test_setting_stop_ends_the_iterator_within_a_second(fresh_db) -> None:  # type: ignore[no-untyped-def]
    running = Consumer(fresh_db.target)
    until(lambda: listener_pids(fresh_db.engine))
    running.stop.set()
    running.thread.join(timeout=DELIVERY_SECONDS)
    assert not running.thread.is_alive()
    until(lambda: not listener_pids(fresh_db.engine))


def test_a_server_that_cannot_be_reached_is_retried_until_stopped(fresh_db) -> None:  # type: ignore[no-untyped-def]
    nowhere = fresh_db.target.with_database("ws_no_such_database")
    waiting = Consumer(nowhere, poll_seconds=0.1, backoff=(0.05, 0.2))
    try:
        with pytest.raises(queue.Empty):
            waiting.next(timeout=0.5)
        assert waiting.thread.is_alive()
    finally:
        waiting.stop.set()
        waiting.thread.join(timeout=DELIVERY_SECONDS)
    assert not waiting.thread.is_alive()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ('{"table": "orders", "op": "delete", "id": "abc"}', ("orders", "delete", "abc")),
        ('{"table": "ohlcv_daily", "op": "load", "id": null, "rows": 3}', ("ohlcv_daily", "load", None)),
        ('{"table": "signals", "op": "insert", "id": 42}', ("signals", "insert", "42")),
    ],
)
def test_parse_change_reads_the_triggers_payloads(payload: str, expected: tuple[str, str, str | None]) -> None:
    change = parse_change(payload)
    assert change is not None
    assert (change.table, change.op, change.id) == expected


@given(st.text())
def test_parse_change_never_fails_on_any_text(payload: str) -> None:
    change = parse_change(payload)
    assert change is None or (isinstance(change.table, str) and isinstance(change.op, str))
