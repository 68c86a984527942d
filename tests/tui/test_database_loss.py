"""The server goes away mid-session: the status line says so, reads retry, the app stays up, nothing typed is lost."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import psycopg
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from store.db import Database
from tests.tui.test_home import feed_listening
from tests.tui.test_watchlists import (
    ANALYST,
    OTHER_ANALYST,
    FixedClockApp,
    Seeded,
    audit_of,
    edit_as,
    entry_row,
    make_app,
    open_watchlists,
    seeded,
    settle,
    shown_row,
    wait_for_work_in_hand,
)
from tui.modals.watchlist_entry import WatchlistEntryModal
from tui.screens.watchlists import WatchlistsScreen
from tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from tests.conftest import TestServer

__all__ = ["seeded"]


@contextmanager
def server_away(pg_server: TestServer, database: Database) -> Iterator[None]:
    """The database refuses new connections and every open one is killed, as when the server goes down."""
    name = database.target.params["dbname"]
    with psycopg.connect(pg_server.admin.conninfo, autocommit=True) as admin:
        admin.execute(f'alter database "{name}" allow_connections false'.encode())
        admin.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            (name,),
        )
        try:
            yield
        finally:
            admin.execute(f'alter database "{name}" allow_connections true'.encode())


def status_of(pilot: Pilot[Any]) -> str:
    """The status line of the watchlists area, also when a modal form covers it."""
    screen = next(screen for screen in pilot.app.screen_stack if isinstance(screen, WatchlistsScreen))
    return str(screen.query_one(StatusLine).render())


async def finish_work_in_hand(pilot: Pilot[Any]) -> None:
    """Until the workers other than the reconnect loop are done (it runs as long as the server is away)."""
    await pilot.pause()
    await wait_for_work_in_hand(pilot.app)
    await pilot.pause()


async def wait_until_reconnected(pilot: Pilot[Any]) -> None:
    reconnecting = [worker for worker in pilot.app.workers if worker.group == "reconnect"]
    await pilot.app.workers.wait_for_complete(reconnecting)
    await settle(pilot)


async def test_a_save_while_the_server_is_away_keeps_the_form_and_succeeds_once_it_is_back(
    app_database: Database, seeded: Seeded, pg_server: TestServer
) -> None:
    app = make_app(app_database)
    infy = seeded.entries["INFY"]
    async with app.run_test(size=(120, 40)) as pilot:
        await open_watchlists(pilot)
        await pilot.press("j", "e", "tab", *"1700", "tab", *"Rewritten while the server was down")
        form = app.screen
        assert isinstance(form, WatchlistEntryModal)
        with server_away(pg_server, app_database):
            await pilot.press("ctrl+s")
            await finish_work_in_hand(pilot)
            assert app.is_running
            assert app.screen is form, "the form stays open"
            assert form.query_one("#trigger-value", Input).value == "1700"
            assert form.query_one("#thesis", TextArea).text.startswith("Rewritten while the server was down")
            assert "● reconnecting (server unreachable, retry in" in status_of(pilot)
            notes = [(note.title, str(note.message)) for note in app._notifications]
            assert any(title == "Database" and "not currently accepting connections" in text for title, text in notes)
            await pilot.press("ctrl+s")
            await finish_work_in_hand(pilot)
            assert app.screen is form, "a second try while the server is still away changes nothing"
        await wait_until_reconnected(pilot)
        assert "● connected" in status_of(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WatchlistsScreen)
        assert shown_row(screen, "INFY")[2] == "above 1,700.00"
    stored = entry_row(app_database, infy)
    assert (stored["trigger_value"], stored["version"]) == (Decimal("1700"), 2)
    assert stored["thesis"].startswith("Rewritten while the server was down")
    assert audit_of(app_database, infy)[-1] == (ANALYST, "update")
    assert len(audit_of(app_database, infy)) == 2, "one save, one audit row"


async def test_a_read_that_fails_is_retried_when_the_server_is_back(
    app_database: Database, seeded: Seeded, pg_server: TestServer
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_watchlists(pilot)
        edit_as(OTHER_ANALYST, seeded.entries["TCS"], thesis="Bob: support held twice")
        with server_away(pg_server, app_database):
            await pilot.press("r")
            await finish_work_in_hand(pilot)
            assert app.is_running
            assert "● reconnecting" in status_of(pilot)
            assert shown_row(screen, "TCS")[4] == "Support test; buy the flush", "the table keeps what it showed"
        await wait_until_reconnected(pilot)
        assert "● connected" in status_of(pilot)
        assert shown_row(screen, "TCS")[4] == "Bob: support held twice", "the failed read ran again by itself"


async def wait_for_status(pilot: Pilot[Any], expected: str) -> str:
    """The status line once it shows `expected` (the live workers run on their own clock)."""
    line = ""
    for _ in range(400):
        line = status_of(pilot)
        if expected in line:
            return line
        await pilot.pause(0.05)
    raise AssertionError(f"the status line never showed {expected!r}: {line!r}")


async def test_with_the_live_feed_the_status_line_notices_at_once_and_recovers(
    app_database: Database, seeded: Seeded, pg_server: TestServer
) -> None:
    app = FixedClockApp(app_database.target, live=True)  # the real target: the feed listens on it
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.app.switch_mode("watchlists")
        await wait_for_status(pilot, "● connected")
        for _ in range(400):  # the feed's own connection listening (it starts on its own clock)
            if feed_listening(app_database):
                break
            await pilot.pause(0.05)
        assert feed_listening(app_database), "the change feed never listened"
        with server_away(pg_server, app_database):
            # Nothing was asked of the database: the change feed losing its connection is enough.
            await wait_for_status(pilot, "● reconnecting (server unreachable")
            assert app.is_running
        await wait_for_status(pilot, "● connected")
        screen = app.screen
        assert isinstance(screen, WatchlistsScreen)
        for _ in range(400):
            if "INFY" in [row[0] for row in _rows(screen)]:
                break
            await pilot.pause(0.05)
        assert "INFY" in [row[0] for row in _rows(screen)], "the area reads its entries again"


def _rows(screen: WatchlistsScreen) -> list[list[str]]:
    from textual.widgets import DataTable

    table = screen.query_one("#watchlists-entries", DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
