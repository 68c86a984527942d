"""Watchlists by keyboard: lists and entries edited through modals, checked on screen and in the database."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Static, Tabs, TextArea

import store
from store.changes import Change
from store.db import Database, DatabaseTarget
from store.repositories.watchlists import WatchlistRepository
from tui.app import WorkstationApp
from tui.messages import DataChanged
from tui.modals.choose_watchlist import ChooseWatchlistModal, WatchlistNameModal
from tui.modals.confirm import ConfirmModal
from tui.modals.edit_conflict import EditConflictModal
from tui.modals.watchlist_entry import WatchlistEntryModal
from tui.screens.watchlists import WatchlistsScreen, add_symbol_to_shown_watchlist, add_to_watchlist_flow
from tui.widgets.frame_table import CHANGED_SECONDS
from tui.widgets.symbol_input import SymbolInput

ANALYST = "asha.rao"
OTHER_ANALYST = "bob.fern"
NOW = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
LAST_SESSION = dt.date(2026, 11, 20)
FAR_EXPIRY = "2031-06-30"
SNAPSHOT_SIZES = {"wide": (120, 40), "narrow": (80, 24)}


class FixedClockApp(WorkstationApp):
    """The workstation with its clock stopped, so ages and "today" do not move between runs."""

    def now(self) -> dt.datetime:
        return NOW


@dataclass(frozen=True)
class Seeded:
    """Ids of what the tests start with."""

    breakouts: uuid.UUID
    pullbacks: uuid.UUID
    entries: dict[str, uuid.UUID]
    securities: dict[str, int]


SECURITIES = {
    "INFY": ("Infosys Ltd", "1560.40"),
    "TCS": ("Tata Consultancy Services", "4012.00"),
    "RELIANCE": ("Reliance Industries", "1451.25"),
    "HDFCBANK": ("HDFC Bank", "1702.10"),
    "WIPRO": ("Wipro Ltd", "298.35"),
    "ITC": ("ITC Ltd", "455.80"),
}
# symbol → (list, trigger type, value, thesis, expiry, created)
ENTRIES: dict[str, tuple[str, str, str | None, str, str | None, str]] = {
    "INFY": (
        "Breakouts",
        "price_above",
        "1600",
        "Base breakout above 1,600\nvolume confirms",
        "2026-12-31",
        "2026-11-01",
    ),
    "TCS": ("Breakouts", "price_below", "3900", "Support test; buy the flush", "2026-11-25", "2026-10-15"),
    "RELIANCE": ("Breakouts", "price_above", "1440", "New highs after results", None, "2026-11-10"),
    "HDFCBANK": ("Breakouts", "manual", None, "Watch the NIM commentary", None, "2026-11-19"),
    "WIPRO": ("Pullbacks", "pct_change", "-4", "Quality on a bad day", "2027-01-15", "2026-09-30"),
}


def seed(connection: Connection) -> Seeded:
    """Six securities with a close on the last session, two lists and five entries, one of them triggered."""
    connection.execute(text("select ensure_ohlcv_partitions('ohlcv_daily', :day, :day)"), {"day": LAST_SESSION})
    securities = {}
    for symbol, (name, close) in SECURITIES.items():
        security_id = connection.execute(
            text(
                "insert into securities (symbol, exchange, instrument_type, name)"
                " values (:symbol, 'NSE', 'equity', :name) returning id"
            ),
            {"symbol": symbol, "name": name},
        ).scalar_one()
        connection.execute(
            text(
                "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)"
                " values (:id, :day, :close, :close, :close, :close, 250000)"
            ),
            {"id": security_id, "day": LAST_SESSION, "close": Decimal(close)},
        )
        securities[symbol] = security_id
    lists = {
        name: connection.execute(
            text(
                "insert into watchlists (name, description, owner, created_at) values (:n, :d, 'desk', :c) returning id"
            ),
            {"n": name, "d": description, "c": dt.datetime(2026, 9, 1, tzinfo=dt.UTC)},
        ).scalar_one()
        for name, description in (("Breakouts", "Stage-2 bases near a pivot"), ("Pullbacks", "Buy on weakness"))
    }
    entries = {
        symbol: _insert_entry(connection, lists[list_name], securities[symbol], spec)
        for symbol, (list_name, *spec) in ENTRIES.items()
    }
    bar = {
        "date": "2026-11-18",
        "open": 1422.0,
        "high": 1447.9,
        "low": 1418.5,
        "close": 1444.6,
        "volume": 812345,
        "value": 1444.6,
    }
    connection.execute(
        text(
            "update watchlist_entries set status = 'triggered', triggered_at = '2026-11-18 10:05+00',"
            " trigger_bar = cast(:bar as jsonb) where id = :id"
        ),
        {"bar": json.dumps(bar), "id": entries["RELIANCE"]},
    )
    return Seeded(lists["Breakouts"], lists["Pullbacks"], entries, securities)


def _insert_entry(connection: Connection, watchlist_id: uuid.UUID, security_id: int, spec: list[Any]) -> uuid.UUID:
    trigger_type, value, thesis, expiry, created = spec
    entry_id: uuid.UUID = connection.execute(
        text(
            "insert into watchlist_entries"
            " (watchlist_id, security_id, trigger_type, trigger_value, thesis, expiry_date, added_by, created_at)"
            " values (:w, :s, :t, :v, :th, :e, 'desk', :c) returning id"
        ),
        {
            "w": watchlist_id,
            "s": security_id,
            "t": trigger_type,
            "v": None if value is None else Decimal(value),
            "th": thesis,
            "e": None if expiry is None else dt.date.fromisoformat(expiry),
            "c": dt.datetime.fromisoformat(created).replace(hour=9, tzinfo=dt.UTC),
        },
    ).scalar_one()
    return entry_id


@pytest.fixture
def seeded(app_database: Database) -> Seeded:
    with app_database.engine.begin() as connection:
        found = seed(connection)
    store.use_database(app_database, actor=ANALYST)
    return found


def make_app(database: Database) -> FixedClockApp:
    """The app as a snapshot needs it: fixed clock, no live workers, and a database name that does not change."""
    # Only shown (live=False: the app never connects with it); the store works on the test database.
    shown_params = {**database.target.params, "dbname": "workstation"}
    target = DatabaseTarget(shown_params, embedded_dir=Path("/data/demo"))
    return FixedClockApp(target, live=False)


async def settle(pilot: Pilot[Any]) -> None:
    """Until the workers started by the last key (and those their messages start) are done."""
    for _ in range(4):
        await pilot.pause()
        await wait_for_work_in_hand(pilot.app)
    await pilot.pause()


async def wait_for_work_in_hand(app: Any) -> None:
    """Every worker but the app's reconnect worker, which runs until the server answers again."""
    await asyncio.gather(*(worker.wait() for worker in app.workers if worker.group != "reconnect"))


async def open_watchlists(pilot: Pilot[Any]) -> WatchlistsScreen:
    await pilot.app.switch_mode("watchlists")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, WatchlistsScreen)
    return screen


def shown_symbols(screen: WatchlistsScreen) -> list[str]:
    table = screen.query_one("#watchlists-entries", DataTable)
    return [str(table.get_row_at(index)[0]) for index in range(table.row_count)]


def shown_row(screen: WatchlistsScreen, symbol: str) -> list[str]:
    table = screen.query_one("#watchlists-entries", DataTable)
    rows = [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
    return next(cells for cells in rows if cells[0] == symbol)


def row(database: Database, sql: str, **params: Any) -> dict[str, Any]:
    with database.engine.connect() as connection:
        found = connection.execute(text(sql), params).mappings().one()
    return dict(found)


def audit_of(database: Database, entity_id: uuid.UUID) -> list[tuple[str, str]]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            text("select actor, action from audit_log where entity_id = :id order by id"), {"id": str(entity_id)}
        )
        return [(actor, action) for actor, action in rows]


async def test_entries_are_shown_by_distance_with_the_triggered_one_first(
    app_database: Database, seeded: Seeded
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_watchlists(pilot)
        assert screen.current_watchlist_id == seeded.breakouts
        assert shown_symbols(screen) == ["RELIANCE", "INFY", "TCS", "HDFCBANK"]
        tabs = screen.query_one("#watchlists-tabs", Tabs)
        assert tabs.active == f"list-{seeded.breakouts.hex}"
        detail = str(screen.query_one("#watchlists-detail", Static).render())
        assert "▲ fired 2026-11-18" in detail


def entry_row(database: Database, entry_id: uuid.UUID) -> dict[str, Any]:
    return row(database, "select * from watchlist_entries where id = :id", id=entry_id)


def edit_as(actor: str, entry_id: uuid.UUID, **values: Any) -> None:
    """Another analyst's edit, on a connection of its own, committed."""
    with store.unit_of_work(actor=actor) as uow:
        repository = uow.repository(WatchlistRepository)
        repository.edit(entry_id, repository.entry(entry_id).version, **values)
        uow.commit()


def error_under(modal: Any, field: str) -> str:
    label = modal.query_one(f"#{field}-error", Label)
    return str(label.render()) if label.has_class("-shown") else ""


async def test_add_an_entry_with_symbol_completion(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_watchlists(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WatchlistEntryModal)
        await pilot.press("i", "t")
        await settle(pilot)
        assert form.query_one("#symbol", SymbolInput).suggestion == "ITC"
        await pilot.press("right", "tab", "enter", *["up"] * 4, "enter", "tab", *"440", "tab")
        await pilot.press(*"Defensive; buys at support", "tab", *FAR_EXPIRY, "enter")
        await settle(pilot)
        assert app.screen is screen
        assert shown_row(screen, "ITC")[1:4] == ["455.80", "below 440.00", "-3.47"]
    added = row(
        app_database,
        "select * from watchlist_entries where watchlist_id = :w and security_id = :s",
        w=seeded.breakouts,
        s=seeded.securities["ITC"],
    )
    assert (added["trigger_type"], added["trigger_value"]) == ("price_below", Decimal("440"))
    assert (added["thesis"], added["expiry_date"], added["added_by"]) == (
        "Defensive; buys at support",
        dt.date.fromisoformat(FAR_EXPIRY),
        ANALYST,
    )
    assert audit_of(app_database, added["id"]) == [(ANALYST, "insert")]


async def test_edit_shows_the_error_next_to_the_field_then_saves(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_watchlists(pilot)
        await pilot.press("j", "e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WatchlistEntryModal)
        await pilot.press("tab", *"-5", "ctrl+s")
        await settle(pilot)
        assert app.screen is form, "a refused save keeps the form open"
        assert "-5 does not fit price_above" in error_under(form, "trigger-value")
        assert error_under(form, "expiry") == ""
        assert form.query_one("#thesis", TextArea).text.startswith("Base breakout above 1,600")
        await pilot.press("ctrl+u", *"1650", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WatchlistsScreen)
        assert shown_row(screen, "INFY")[2] == "above 1,650.00"
    edited = entry_row(app_database, seeded.entries["INFY"])
    assert (edited["trigger_value"], edited["version"]) == (Decimal("1650"), 2)
    assert audit_of(app_database, seeded.entries["INFY"])[-1] == (ANALYST, "update")


async def test_extend_expiry_by_thirty_days(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_watchlists(pilot)
        await pilot.press("j", "x")
        await settle(pilot)
    assert entry_row(app_database, seeded.entries["INFY"])["expiry_date"] == dt.date(2027, 1, 30)


async def test_move_an_entry_to_another_list(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_watchlists(pilot)
        await pilot.press("j", "m")
        await settle(pilot)
        chooser = app.screen
        assert isinstance(chooser, ChooseWatchlistModal)
        assert [summary.name for summary in chooser.lists] == ["Pullbacks"]
        await pilot.press("enter")
        await settle(pilot)
        assert "INFY" not in shown_symbols(screen)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.current_watchlist_id == seeded.pullbacks
        assert sorted(shown_symbols(screen)) == ["INFY", "WIPRO"]
    assert entry_row(app_database, seeded.entries["INFY"])["watchlist_id"] == seeded.pullbacks
    assert audit_of(app_database, seeded.entries["INFY"])[-1] == (ANALYST, "update")


async def test_delete_asks_first_and_undo_brings_the_entry_back(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    tcs = seeded.entries["TCS"]
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_watchlists(pilot)
        await pilot.press("j", "j", "d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert "TCS" in shown_symbols(screen)
        await pilot.press("d", "y")
        await settle(pilot)
        assert "TCS" not in shown_symbols(screen)
        assert entry_row(app_database, tcs)["deleted_at"] is not None
        await pilot.press("u")
        await settle(pilot)
        assert "TCS" in shown_symbols(screen)
    assert entry_row(app_database, tcs)["deleted_at"] is None
    assert audit_of(app_database, tcs)[-2:] == [(ANALYST, "soft_delete"), (ANALYST, "undo")]


async def test_undo_says_so_when_another_analyst_changed_the_entry_since(
    app_database: Database, seeded: Seeded
) -> None:
    app = make_app(app_database)
    infy = seeded.entries["INFY"]
    async with app.run_test(size=(120, 40)) as pilot:
        await open_watchlists(pilot)
        await pilot.press("j", "x")
        await settle(pilot)
        edit_as(OTHER_ANALYST, infy, thesis="Bob: wait for the results")
        await pilot.press("u")
        await settle(pilot)
        messages = [str(notification.message) for notification in app._notifications]
    assert any("undo the later change first" in message for message in messages), messages
    assert entry_row(app_database, infy)["thesis"] == "Bob: wait for the results"


async def open_conflict(pilot: Pilot[Any], seeded: Seeded, **theirs: Any) -> EditConflictModal:
    """Open INFY's form, let another analyst save first, then save a new trigger value: the conflict modal."""
    await open_watchlists(pilot)
    await pilot.press("j", "e")
    await settle(pilot)
    edit_as(OTHER_ANALYST, seeded.entries["INFY"], **theirs)
    await pilot.press("tab", *"1650", "ctrl+s")
    await settle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, EditConflictModal)
    return modal


async def test_conflict_keep_mine_writes_my_values_on_their_version(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        modal = await open_conflict(pilot, seeded, thesis="Bob: wait for the results")
        shown = {row.label: (row.theirs, row.yours) for row in modal.rows}
        assert shown == {"Value": ("1600", "1650"), "Thesis": ("Bob: wait for the results", None)}
        assert "bob.fern" in str(modal.query_one("#conflict-title", Label).render())
        await pilot.press("m")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WatchlistsScreen)
        assert shown_row(screen, "INFY")[2:5] == ["above 1,650.00", "+5.74", "Bob: wait for the results"]
    stored = entry_row(app_database, seeded.entries["INFY"])
    assert (stored["trigger_value"], stored["thesis"], stored["version"]) == (
        Decimal("1650"),
        "Bob: wait for the results",
        3,
    )
    assert audit_of(app_database, seeded.entries["INFY"])[-2:] == [(OTHER_ANALYST, "update"), (ANALYST, "update")]


async def test_conflict_keep_theirs_leaves_their_version(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conflict(pilot, seeded, trigger_value=Decimal("1620"))
        await pilot.press("t")
        await settle(pilot)
    stored = entry_row(app_database, seeded.entries["INFY"])
    assert (stored["trigger_value"], stored["version"]) == (Decimal("1620"), 2)
    assert audit_of(app_database, seeded.entries["INFY"])[-1] == (OTHER_ANALYST, "update")


async def test_conflict_edit_mine_reopens_the_form_with_what_i_typed(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conflict(pilot, seeded, trigger_value=Decimal("1620"))
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WatchlistEntryModal)
        assert form.query_one("#trigger-value", Input).value == "1650"
        await pilot.press("ctrl+s")
        await settle(pilot)
    stored = entry_row(app_database, seeded.entries["INFY"])
    assert (stored["trigger_value"], stored["version"]) == (Decimal("1650"), 3)


async def test_a_list_is_created_renamed_and_deleted(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_watchlists(pilot)
        await pilot.press("n", *"Momentum", "enter")
        await settle(pilot)
        created = screen.current_list
        assert created is not None
        assert created.name == "Momentum"
        assert screen.query_one("#watchlists-tabs", Tabs).active == f"list-{created.id.hex}"
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, WatchlistNameModal)
        await pilot.press("ctrl+u", *"Pullbacks", "enter")
        await settle(pilot)
        assert "already exists" in error_under(app.screen, "name")
        await pilot.press("ctrl+u", *"Momentum leaders", "enter")
        await settle(pilot)
        assert screen.current_list is not None
        assert screen.current_list.name == "Momentum leaders"
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert [summary.name for summary in screen.lists] == ["Breakouts", "Pullbacks"]
        assert screen.current_watchlist_id == seeded.breakouts
    stored = row(app_database, "select * from watchlists where id = :id", id=created.id)
    assert (stored["name"], stored["owner"], stored["deleted_at"] is not None) == ("Momentum leaders", ANALYST, True)
    assert audit_of(app_database, created.id) == [(ANALYST, "insert"), (ANALYST, "update"), (ANALYST, "soft_delete")]


SnapCompare = Callable[..., bool]


def _wait_for_watchlists(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_watchlists(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_entries(
    app_database: Database, seeded: Seeded, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(app_database), terminal_size=size, run_before=_wait_for_watchlists())


async def _form_with_an_error(pilot: Pilot[Any]) -> None:
    await open_watchlists(pilot)
    await pilot.press("a", *"ITC", "tab", "enter", *["up"] * 5, "enter", "tab", *"-5", "tab", *"Range breakout")
    await pilot.press("ctrl+s")
    await settle(pilot)


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_form_with_a_field_error(
    app_database: Database, seeded: Seeded, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(app_database), terminal_size=size, run_before=_form_with_an_error)


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_conflict(
    app_database: Database, seeded: Seeded, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_conflict(pilot, seeded, thesis="Bob: wait for the results\nthen size up")

    assert snap_compare(make_app(app_database), terminal_size=size, run_before=run_before)


async def test_keys_move_the_cursor_sort_and_switch_lists(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_watchlists(pilot)
        table = screen.query_one("#watchlists-entries", DataTable)
        await pilot.press("G")
        assert table.cursor_row == 3
        await pilot.press("k")
        assert table.cursor_row == 2
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("ctrl+d")
        assert table.cursor_row == 3
        await pilot.press("s")
        assert shown_symbols(screen) == ["HDFCBANK", "INFY", "RELIANCE", "TCS"]
        assert table.cursor_row == 0, "the cursor stays on the entry it was on (HDFCBANK)"
        await pilot.press("s")
        assert shown_symbols(screen) == ["HDFCBANK", "RELIANCE", "INFY", "TCS"]
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert (screen.current_watchlist_id, shown_symbols(screen)) == (seeded.pullbacks, ["WIPRO"])
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.current_watchlist_id == seeded.breakouts


async def test_add_from_another_screen_chooses_the_list_then_the_form(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    added: list[Any] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        add_to_watchlist_flow(app, seeded.securities["ITC"], on_added=added.append)
        await settle(pilot)
        assert isinstance(app.screen, ChooseWatchlistModal)
        await pilot.press("j", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WatchlistEntryModal)
        assert str(form.query_one("#symbol-fixed", Static).render()) == "ITC · NSE · ITC Ltd"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert [(entry.symbol, entry.watchlist_id, entry.trigger_type) for entry in added] == [
        ("ITC", seeded.pullbacks, "manual")
    ]


async def test_a_failed_save_keeps_everything_typed(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_watchlists(pilot)
        await pilot.press("j", "e", "tab", *"1700", "tab", *"Rewritten thesis")
        gone = Database(DatabaseTarget({**app_database.target.params, "dbname": "no_such_database"}))
        store.use_database(gone, actor=ANALYST)
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WatchlistEntryModal), "the form stays open"
        assert form.query_one("#trigger-value", Input).value == "1700"
        assert form.query_one("#thesis", TextArea).text.startswith("Rewritten thesis")
        notes = [(n.title, str(n.message)) for n in app._notifications]
        assert any(title == "Database" for title, _ in notes), notes
        store.use_database(app_database, actor=ANALYST)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WatchlistsScreen)
        gone.close()
    assert entry_row(app_database, seeded.entries["INFY"])["trigger_value"] == Decimal("1700")


async def test_aw_adds_to_the_list_shown(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_watchlists(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        add_symbol_to_shown_watchlist(app, "ITC")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WatchlistEntryModal)
        assert form.query_one("#symbol", SymbolInput).value == "ITC"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert sorted(shown_symbols(screen)) == ["ITC", "WIPRO"]


async def test_an_entry_another_analyst_changed_is_marked_with_their_name(
    app_database: Database, seeded: Seeded
) -> None:
    infy = seeded.entries["INFY"]
    async with make_app(app_database).run_test(size=(120, 40)) as pilot:
        screen = await open_watchlists(pilot)
        table = screen.query_one("#watchlists-entries", DataTable)
        edit_as(OTHER_ANALYST, infy, thesis="Bob: results on Thursday")
        screen.post_message(DataChanged(Change("watchlist_entries", "update", str(infy), {"actor": OTHER_ANALYST})))
        await settle(pilot)
        marked = [
            [str(cell) for cell in table.get_row(key)]
            for key in table.rows
            if any("changed by" in str(cell) for cell in table.get_row(key))
        ]
        assert len(marked) == 1, "only the entry that changed"
        assert marked[0][0] == "INFY"
        assert f"changed by {OTHER_ANALYST}" in " ".join(marked[0])
        await pilot.pause(CHANGED_SECONDS + 0.3)
        rows = [" ".join(str(cell) for cell in table.get_row(key)) for key in table.rows]
        assert not any("changed by" in row for row in rows)
        assert any("Bob: results on Thursday" in row for row in rows), "the thesis is back in its column"
