"""The change feed for worker threads: committed changes as they happen, and a resync after a reconnect."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from store.db import CONNECT_TIMEOUT_SECONDS, DatabaseTarget

CHANGE_CHANNEL = "workstation_changes"
LISTENER_APPLICATION_NAME = "research-workstation/changes"
_LISTENER_OPTIONS: dict[str, str | int] = {
    "application_name": LISTENER_APPLICATION_NAME,
    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    # A listener sits idle for hours: keepalives notice a vanished server or network (unix sockets ignore them).
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}
_CONNECTION_LOST = (psycopg.OperationalError, psycopg.InterfaceError)


@dataclass(frozen=True, slots=True)
class Change:
    """One committed change: the table, the operation (insert, update, delete, load…), the row id if any."""

    table: str
    op: str
    id: str | None
    payload: Mapping[str, Any]

    @property
    def actor(self) -> str | None:
        """Who committed the change (the writer's app.actor, else its database user); None from older servers."""
        actor = self.payload.get("actor")
        return actor if isinstance(actor, str) and actor else None


def announce(connection: psycopg.Connection[Any], payload: Mapping[str, Any], *, channel: str = CHANGE_CHANNEL) -> None:
    """Send one notice on the change feed (delivered when the transaction commits), naming its actor as the
    row triggers do: the transaction's app.actor, else the database user."""
    connection.execute(
        "select pg_notify(%s, (%s::jsonb || jsonb_build_object('actor',"
        " coalesce(nullif(current_setting('app.actor', true), ''), session_user::text)))::text)",
        (channel, json.dumps(dict(payload))),
    )


@dataclass(frozen=True, slots=True)
class Resync:
    """The feed was interrupted and is back: changes may have been missed, so reload what is shown."""


def listen(
    target: DatabaseTarget,
    *,
    channel: str = CHANGE_CHANNEL,
    stop: threading.Event | None = None,
    poll_seconds: float = 0.5,
    backoff: Sequence[float] = (0.2, 0.5, 1, 2, 5),
    on_lost: Callable[[], object] | None = None,
) -> Iterator[Change | Resync]:
    """Block for changes on a connection of its own, until `stop` is set (checked every `poll_seconds`).

    A lost connection is retried forever, waiting longer each time (the last `backoff` step repeats);
    once listening again it yields `Resync()`. Payloads that are not a change are skipped. `on_lost` is
    called (in this thread) the moment a listening connection is lost, so a caller can say so at once.
    """
    stop = stop or threading.Event()
    connection: psycopg.Connection[Any] | None = None
    failures, resync_due = 0, False
    try:
        while not stop.is_set():
            if connection is None:
                connection = _connect(target, channel)
                if connection is None:
                    stop.wait(backoff[min(failures, len(backoff) - 1)] if backoff else poll_seconds)
                    failures, resync_due = failures + 1, True
                    continue
                failures = 0
                if resync_due:
                    resync_due = False
                    yield Resync()
            try:
                notices = list(connection.notifies(timeout=poll_seconds, stop_after=1))
            except _CONNECTION_LOST:
                connection.close()
                connection, resync_due = None, True
                if on_lost is not None:
                    on_lost()
                continue
            for notice in notices:
                change = parse_change(notice.payload)
                if change is not None:
                    yield change
    finally:
        if connection is not None:
            connection.close()


def parse_change(payload: str) -> Change | None:
    """A notification payload as a Change; None for anything that is not a JSON object with table and op."""
    try:
        decoded = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(decoded, dict):
        return None
    table, op, row_id = decoded.get("table"), decoded.get("op"), decoded.get("id")
    if not isinstance(table, str) or not isinstance(op, str):
        return None
    return Change(table=table, op=op, id=None if row_id is None else str(row_id), payload=MappingProxyType(decoded))


def _connect(target: DatabaseTarget, channel: str) -> psycopg.Connection[Any] | None:
    """An autocommit connection already listening on the channel; None when the server cannot be reached."""
    try:
        connection = psycopg.connect(_conninfo(target), autocommit=True)
    except psycopg.OperationalError:
        return None
    try:
        connection.execute(sql.SQL("listen {}").format(sql.Identifier(channel)))
    except _CONNECTION_LOST:
        connection.close()
        return None
    return connection


def _conninfo(target: DatabaseTarget) -> str:
    return make_conninfo(target.conninfo, **_LISTENER_OPTIONS)
