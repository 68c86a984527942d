"""The research queue by keyboard: items moved, scored, claimed, edited, added and rejected, checked on screen and
in the database with their audit rows."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from textual.pilot import Pilot
from textual.widgets import Label, Static

import store
from store.changes import Change
from store.db import Database, DatabaseTarget
from tui.app import WorkstationApp
from tui.messages import DataChanged
from tui.screens.research_queue import ResearchQueueScreen
from tui.screens.research_queue.modals import QueueItemModal, RejectModal
from tui.widgets.frame_table import CHANGED_SECONDS, FrameTable
from tui.widgets.symbol_input import SymbolInput

ANALYST = "asha.rao"
OTHER_ANALYST = "bob.fern"
NOW = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
SNAPSHOT_SIZES = {"wide": (120, 40), "narrow": (80, 24)}
SECURITIES = {
    "INFY": "Infosys Ltd",
    "TCS": "Tata Consultancy Services",
    "RELIANCE": "Reliance Industries",
    "HDFCBANK": "HDFC Bank",
    "WIPRO": "Wipro Ltd",
}
# symbol → (fixed id, status, score, priority, assignee, source, notes, queued at)
ITEMS: dict[str, tuple[str, str, str | None, int, str | None, str, str | None, str]] = {
    "INFY": ("11111111-0000-4000-8000-000000000001", "new", "72.5", 7, None, "screener", None, "2026-11-20 08:00"),
    "TCS": (
        "11111111-0000-4000-8000-000000000002",
        "researching",
        "64",
        5,
        OTHER_ANALYST,
        "morning report",
        "Margins vs peers",
        "2026-11-14 10:00",
    ),
    "RELIANCE": ("11111111-0000-4000-8000-000000000003", "waiting", None, 2, ANALYST, "analyst", None, "2026-11-01"),
    "HDFCBANK": ("11111111-0000-4000-8000-000000000004", "decided", "80", 1, ANALYST, "analyst", None, "2026-10-01"),
}


class FixedClockApp(WorkstationApp):
    """The workstation with its clock stopped, and a record of the securities it was asked to open."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opened: list[int] = []

    def now(self) -> dt.datetime:
        return NOW

    def open_security(self, security_id: int, *, focus_chart: bool = False) -> None:
        self.opened.append(security_id)


def seed(connection: Connection) -> dict[str, int]:
    """Five securities, four of them queued (one decided), with fixed ids and times."""
    ids = {}
    for symbol, name in SECURITIES.items():
        ids[symbol] = connection.execute(
            text(
                "insert into securities (symbol, exchange, instrument_type, name)"
                " values (:symbol, 'NSE', 'equity', :name) returning id"
            ),
            {"symbol": symbol, "name": name},
        ).scalar_one()
    for symbol, (item_id, status, score, priority, assignee, source, notes, queued) in ITEMS.items():
        connection.execute(
            text(
                "insert into research_queue"
                " (id, security_id, status, score, priority, assignee, source, notes, created_at)"
                " values (:id, :security, :status, :score, :priority, :assignee, :source, :notes, :queued)"
            ),
            {
                "id": uuid.UUID(item_id),
                "security": ids[symbol],
                "status": status,
                "score": None if score is None else Decimal(score),
                "priority": priority,
                "assignee": assignee,
                "source": source,
                "notes": notes,
                "queued": dt.datetime.fromisoformat(queued).replace(tzinfo=dt.UTC),
            },
        )
    return ids


@pytest.fixture
def seeded(app_database: Database) -> dict[str, int]:
    with app_database.engine.begin() as connection:
        ids = seed(connection)
    store.use_database(app_database, actor=ANALYST)
    return ids


def make_app(database: Database) -> FixedClockApp:
    """Fixed clock, no live workers, and a database name that does not change between runs."""
    shown_params = {**database.target.params, "dbname": "workstation"}
    return FixedClockApp(DatabaseTarget(shown_params, embedded_dir=Path("/data/demo")), live=False)


async def settle(pilot: Pilot[Any]) -> None:
    """Until the workers started by the last key (and those their messages start) are done."""
    for _ in range(4):
        await pilot.pause()
        await asyncio.gather(*(worker.wait() for worker in pilot.app.workers if worker.group != "reconnect"))
    await pilot.pause()


async def open_queue(pilot: Pilot[Any]) -> ResearchQueueScreen:
    await pilot.press("4")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ResearchQueueScreen)
    return screen


def table_of(screen: ResearchQueueScreen) -> FrameTable:
    return screen.query_one("#queue-table", FrameTable)


def shown(screen: ResearchQueueScreen, *columns: str) -> list[tuple[Any, ...]]:
    frame = table_of(screen).shown_frame()
    return list(frame.select(columns or ["symbol"]).iter_rows())


def at_cursor(screen: ResearchQueueScreen) -> dict[str, Any]:
    row = table_of(screen).cursor_data()
    assert row is not None
    return row


def detail_text(screen: ResearchQueueScreen) -> str:
    return str(screen.query_one("#queue-detail", Static).render())


def item_row(database: Database, symbol: str) -> dict[str, Any]:
    with database.engine.connect() as connection:
        found = connection.execute(
            text("select * from research_queue where id = :id"), {"id": uuid.UUID(ITEMS[symbol][0])}
        )
        return dict(found.mappings().one())


def audit_rows(database: Database, symbol: str, *, after_seed: bool = True) -> list[dict[str, Any]]:
    """The item's audit rows, oldest first (without the seed's insert)."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "select actor, action, reason, before, after from audit_log"
                " where entity_type = 'research_queue' and entity_id = :id order by id"
            ),
            {"id": ITEMS[symbol][0]},
        )
        found = [dict(row) for row in rows.mappings()]
    return found[1:] if after_seed else found


def notifications(app: WorkstationApp) -> list[str]:
    return [f"{notice.title}: {notice.message}" for notice in app._notifications]


def error_under(modal: Any, field: str) -> str:
    label = modal.query_one(f"#{field}-error", Label)
    return str(label.render()) if label.has_class("-shown") else ""


async def test_the_open_items_are_shown_most_urgent_first_and_the_filter_picks_a_status(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot)
        assert shown(screen, "symbol", "status", "priority", "assignee", "age", "source") == [
            ("INFY", "new", 7, None, "25 h", "screener"),
            ("TCS", "researching", 5, OTHER_ANALYST, "6 d", "morning report"),
            ("RELIANCE", "waiting", 2, ANALYST, "20 d", "analyst"),
        ]
        filter_line = str(screen.query_one("#queue-filter", Static).render())
        assert "open 3" in filter_line
        assert "decided 1" in filter_line
        assert "INFY · Infosys Ltd · new" in detail_text(screen)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.status_filter == "all"
        assert [symbol for (symbol,) in shown(screen)] == ["INFY", "TCS", "RELIANCE", "HDFCBANK"]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.status_filter == "rejected"
        assert shown(screen) == []
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert [symbol for (symbol,) in shown(screen)] == ["HDFCBANK"]


async def test_move_an_item_through_its_statuses_and_back(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot)
        await pilot.press("left_square_bracket")  # every status: the item stays in view when it closes
        await settle(pilot)
        assert at_cursor(screen)["symbol"] == "INFY"
        seen = []
        for _ in range(3):
            await pilot.press("greater_than_sign")
            await settle(pilot)
            assert at_cursor(screen)["symbol"] == "INFY"
            seen.append(at_cursor(screen)["status"])
        assert seen == ["researching", "waiting", "decided"]
        assert "INFY is now decided" in notifications(app)[-1]
        await pilot.press("greater_than_sign")
        await settle(pilot)
        assert "nothing comes after decided" in notifications(app)[-1]
        await pilot.press("less_than_sign")
        await settle(pilot)
        assert at_cursor(screen)["status"] == "researching"
    assert item_row(app_database, "INFY")["status"] == "researching"
    moves = [
        (row["actor"], row["action"], row["before"]["status"], row["after"]["status"])
        for row in audit_rows(app_database, "INFY")
    ]
    assert moves == [
        (ANALYST, "update", "new", "researching"),
        (ANALYST, "update", "researching", "waiting"),
        (ANALYST, "update", "waiting", "decided"),
        (ANALYST, "update", "decided", "researching"),
    ]


async def test_claim_score_and_reject_with_a_reason(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot)
        await pilot.press("j")
        assert at_cursor(screen)["symbol"] == "TCS"
        await pilot.press("c")
        await settle(pilot)
        assert at_cursor(screen)["assignee"] == ANALYST
        await pilot.press("plus", "plus", "plus", "minus")  # each key acts on what the one before wrote
        await settle(pilot)
        assert at_cursor(screen)["score"] == 66.0
        await pilot.press("x")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, RejectModal)
        await pilot.press("enter")
        await settle(pilot)
        assert error_under(modal, "reason") == "say why the item is rejected"
        await pilot.press(*"Valuation stretched", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert [symbol for (symbol,) in shown(screen)] == ["INFY", "RELIANCE"]
        assert "TCS rejected: Valuation stretched" in notifications(app)[-1]
    stored = item_row(app_database, "TCS")
    assert (stored["status"], stored["assignee"], stored["data"]) == (
        "rejected",
        ANALYST,
        {"status_reason": "Valuation stretched"},
    )
    assert stored["score"] == Decimal("66")
    changes = audit_rows(app_database, "TCS")
    assert [(row["actor"], row["action"]) for row in changes] == [(ANALYST, "update")] * 6
    assert [row["after"]["score"] for row in changes[1:5]] == [65, 66, 67, 66]
    assert changes[0]["before"]["assignee"] == OTHER_ANALYST
    assert changes[0]["after"]["assignee"] == ANALYST
    assert (changes[-1]["after"]["status"], changes[-1]["reason"]) == ("rejected", "Valuation stretched")


async def test_add_a_security_with_symbol_completion_and_a_field_error(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, QueueItemModal)
        await pilot.press("w", "i")
        await settle(pilot)
        assert form.query_one("#symbol", SymbolInput).suggestion == "WIPRO"
        await pilot.press("enter", *"58", "tab", *"12", "tab", "tab", *"Cheap vs peers", "ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "a whole number from 0 to 9" in error_under(form, "priority")
        assert form.query_one("#priority").has_focus  # with its text selected: typing replaces it
        await pilot.press("3", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert at_cursor(screen)["symbol"] == "WIPRO"
        assert (at_cursor(screen)["priority"], at_cursor(screen)["score"], at_cursor(screen)["source"]) == (
            3,
            58.0,
            "analyst",
        )
    with app_database.engine.connect() as connection:
        added = (
            connection.execute(text("select * from research_queue where security_id = :s"), {"s": seeded["WIPRO"]})
            .mappings()
            .one()
        )
        actions = connection.execute(
            text("select actor, action from audit_log where entity_id = :id"), {"id": str(added["id"])}
        ).all()
    assert (added["status"], added["priority"], added["score"], added["notes"]) == (
        "new",
        3,
        Decimal("58"),
        "Cheap vs peers",
    )
    assert [tuple(action) for action in actions] == [(ANALYST, "insert")]


async def test_adding_a_security_already_queued_names_the_open_item(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        await pilot.press(*"INFY", "ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "INFY already has an open research-queue item (status new)" in error_under(form, "symbol")


async def test_edit_notes_priority_and_assignee_in_one_change(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot)
        await pilot.press("G", "e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, QueueItemModal)
        assert str(form.query_one("#symbol-fixed", Static).render()) == "RELIANCE"
        await pilot.press("tab", "backspace", "9", "tab", "ctrl+u", *OTHER_ANALYST, "tab", *"Awaiting AGM", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert at_cursor(screen)["symbol"] == "RELIANCE"
        assert (at_cursor(screen)["priority"], at_cursor(screen)["assignee"]) == (9, OTHER_ANALYST)
        assert "Awaiting AGM" in detail_text(screen)
    stored = item_row(app_database, "RELIANCE")
    assert (stored["priority"], stored["assignee"], stored["notes"]) == (9, OTHER_ANALYST, "Awaiting AGM")
    assert [row["action"] for row in audit_rows(app_database, "RELIANCE")] == ["update"] * 3


async def test_enter_opens_the_security(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
    assert app.opened == [seeded["TCS"]]


async def test_a_move_on_a_stale_version_writes_nothing_and_says_so(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot)
        with app_database.engine.begin() as connection:
            connection.execute(
                text("update research_queue set priority = 8 where id = :id"), {"id": uuid.UUID(ITEMS["INFY"][0])}
            )
        await pilot.press("greater_than_sign")
        await settle(pilot)
        assert "INFY changed meanwhile" in notifications(app)[-1]
        assert at_cursor(screen)["priority"] == 8
        assert at_cursor(screen)["status"] == "new"
    assert item_row(app_database, "INFY")["status"] == "new"


# Snapshots


def _queue_shown(*keys: str, showing: type[Any] = ResearchQueueScreen) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_queue(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        assert isinstance(pilot.app.screen, showing), "the snapshot would show something else"

    return run_before


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_queue(
    app_database: Database, seeded: dict[str, int], snap_compare: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(app_database), terminal_size=size, run_before=_queue_shown("j"))


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_edit_form(
    app_database: Database, seeded: dict[str, int], snap_compare: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(
        make_app(app_database), terminal_size=size, run_before=_queue_shown("j", "e", showing=QueueItemModal)
    )


async def test_a_change_by_another_analyst_is_marked_on_its_row_with_their_name(
    app_database: Database, seeded: dict[str, int]
) -> None:
    """The feed's notice names who committed; the reload marks that row, and only it, "changed by …" for a moment."""
    item_id = uuid.UUID(ITEMS["TCS"][0])
    async with make_app(app_database).run_test(size=(120, 40)) as pilot:
        screen = await open_queue(pilot)
        table = table_of(screen)
        with store.unit_of_work(actor=OTHER_ANALYST) as uow:
            uow.research_queue.rescore(item_id, uow.research_queue.item(item_id).version, 91)
            uow.commit()
        screen.post_message(DataChanged(Change("research_queue", "update", str(item_id), {"actor": OTHER_ANALYST})))
        await settle(pilot)
        assert table.changed == {str(item_id): f" changed by {OTHER_ANALYST} "}
        row = [key for (key,) in table.shown_frame().select("id").iter_rows()].index(str(item_id))
        line = table.render_line(row + 1).text
        assert line.rstrip().endswith(f"changed by {OTHER_ANALYST}")
        assert "TCS" in line
        assert all("changed by" not in table.render_line(y).text for y in range(1, table.row_count + 1) if y != row + 1)

        await pilot.pause(CHANGED_SECONDS + 0.3)
        assert not table.changed
        assert "changed by" not in table.render_line(row + 1).text

        # The analyst's own edits are not marked as someone else's.
        screen.post_message(DataChanged(Change("research_queue", "update", str(item_id), {"actor": ANALYST})))
        await settle(pilot)
        assert not table.changed
