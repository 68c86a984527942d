"""The audit log by keyboard: newest first, filtered, shown field by field, undone, and refused when the row moved on;
checked on screen and in the database."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from textual.pilot import Pilot
from textual.widgets import Label, Static

import store
from store.db import Database, DatabaseTarget
from tui.app import WorkstationApp
from tui.modals.confirm import ConfirmModal
from tui.screens.audit_log import AuditLogScreen
from tui.screens.audit_log import data as audit_log_data
from tui.screens.audit_log import screen as audit_log_screen
from tui.screens.audit_log.data import AuditFilter, FilterForm, MatchCount, count_matches, parse_filter_form
from tui.screens.audit_log.modals import AuditFilterModal
from tui.screens.research_queue import ResearchQueueScreen
from tui.widgets.frame_table import FrameTable

ANALYST = "asha.rao"
OTHER_ANALYST = "bob.fern"
NOW = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
SNAPSHOT_SIZES = {"wide": (120, 40), "narrow": (80, 24)}
INFY_ITEM = uuid.UUID("22222222-0000-4000-8000-000000000001")
TCS_ITEM = uuid.UUID("22222222-0000-4000-8000-000000000002")


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
    """Two securities, each with a new research-queue item (their inserts are the first audit rows)."""
    ids = {}
    for symbol, name, item_id in (("INFY", "Infosys Ltd", INFY_ITEM), ("TCS", "Tata Consultancy Services", TCS_ITEM)):
        ids[symbol] = connection.execute(
            text(
                "insert into securities (symbol, exchange, instrument_type, name)"
                " values (:symbol, 'NSE', 'equity', :name) returning id"
            ),
            {"symbol": symbol, "name": name},
        ).scalar_one()
        connection.execute(
            text("insert into research_queue (id, security_id, source, created_at) values (:id, :s, 'screener', :at)"),
            {"id": item_id, "s": ids[symbol], "at": NOW - dt.timedelta(days=2)},
        )
    return ids


@pytest.fixture
def seeded(app_database: Database) -> dict[str, int]:
    with app_database.engine.begin() as connection:
        ids = seed(connection)
    store.use_database(app_database, actor=ANALYST)
    return ids


def make_app(database: Database) -> FixedClockApp:
    shown_params = {**database.target.params, "dbname": "workstation"}
    return FixedClockApp(DatabaseTarget(shown_params, embedded_dir=Path("/data/demo")), live=False)


async def settle(pilot: Pilot[Any], *, leaving: str = "reconnect") -> None:
    """Until the workers started by the last key (and those their messages start) are done, but for `leaving`'s."""
    for _ in range(4):
        await pilot.pause()
        await asyncio.gather(
            *(worker.wait() for worker in pilot.app.workers if worker.group not in ("reconnect", leaving))
        )
    await pilot.pause()


async def open_audit_log(pilot: Pilot[Any]) -> AuditLogScreen:
    await pilot.press("6")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AuditLogScreen)
    return screen


def table_of(screen: AuditLogScreen) -> FrameTable:
    return screen.query_one("#audit-table", FrameTable)


def shown(screen: AuditLogScreen, *columns: str) -> list[tuple[Any, ...]]:
    return list(table_of(screen).shown_frame().select(columns).iter_rows())


def at_cursor(screen: AuditLogScreen) -> dict[str, Any]:
    row = table_of(screen).cursor_data()
    assert row is not None
    return row


def detail_text(screen: AuditLogScreen) -> str:
    static = screen.query_one("#audit-detail", Static)
    lines = static.render_lines(static.region.reset_offset)
    return " ".join(" ".join(line.text for line in lines).split())


def notifications(app: WorkstationApp) -> list[str]:
    return [f"{notice.title}: {notice.message}" for notice in app._notifications]


def as_actor(actor: str) -> Any:
    return store.unit_of_work(actor=actor)


def advance(actor: str, item_id: uuid.UUID) -> None:
    with as_actor(actor) as uow:
        item = uow.research_queue.item(item_id)
        uow.research_queue.advance(item_id, item.version)
        uow.commit()


def rescore(actor: str, item_id: uuid.UUID, score: int) -> None:
    with as_actor(actor) as uow:
        item = uow.research_queue.item(item_id)
        uow.research_queue.rescore(item_id, item.version, score)
        uow.commit()


def audit_rows(database: Database) -> list[dict[str, Any]]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            text("select id, actor, action, entity_id, reverses_id, reason, after from audit_log order by id")
        )
        return [dict(row) for row in rows.mappings()]


def item_status(database: Database, item_id: uuid.UUID) -> tuple[str, Any]:
    with database.engine.connect() as connection:
        row = connection.execute(text("select status, score from research_queue where id = :id"), {"id": item_id})
        status, score = row.one()
    return status, score


async def test_entries_newest_first_with_the_selected_one_field_by_field(
    app_database: Database, seeded: dict[str, int]
) -> None:
    advance(ANALYST, INFY_ITEM)
    rescore(OTHER_ANALYST, TCS_ITEM, 81)
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_audit_log(pilot)
        rows = shown(screen, "actor", "action", "entity", "summary")
        assert rows[:2] == [
            (OTHER_ANALYST, "update", "research_queue 22222222…", "score ∅ → 81"),
            (ANALYST, "update", "research_queue 22222222…", "status 'new' → 'researching'"),
        ]
        assert [action for _, action, _, _ in rows[2:]] == ["insert", "insert"]
        assert "score ∅ 81" in detail_text(screen)
        await pilot.press("j")
        await settle(pilot)
        detail = detail_text(screen)
        assert f"{ANALYST} · update · research_queue {INFY_ITEM}" in detail
        assert "status new researching" in detail
        assert str(screen.query_one("#audit-count", Static).render()) == "2 · 1–4 of 4"


async def test_undo_from_the_audit_log_writes_a_compensating_change(
    app_database: Database, seeded: dict[str, int]
) -> None:
    advance(ANALYST, INFY_ITEM)
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_audit_log(pilot)
        undone = at_cursor(screen)
        assert undone["summary"] == "status 'new' → 'researching'"
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        top = at_cursor(screen)
        assert (top["actor"], top["action"]) == (ANALYST, "undo")
        assert top["summary"] == f"undo of #{undone['id']}: status 'researching' → 'new'"
        assert f"#{undone['id']} undone by #{top['id']}" in notifications(app)[-1]
        assert f"Undoes #{undone['id']}" in detail_text(screen)
    assert item_status(app_database, INFY_ITEM)[0] == "new"
    newest = audit_rows(app_database)[-1]
    assert (newest["id"], newest["actor"], newest["action"], newest["reverses_id"]) == (
        top["id"],
        ANALYST,
        "undo",
        undone["id"],
    )
    assert (newest["entity_id"], newest["after"]["status"], newest["reason"]) == (
        str(INFY_ITEM),
        "new",
        "undo from the audit log",
    )


async def test_undo_is_refused_after_a_later_edit_and_says_why(app_database: Database, seeded: dict[str, int]) -> None:
    advance(ANALYST, INFY_ITEM)
    rescore(OTHER_ANALYST, INFY_ITEM, 55)
    before = audit_rows(app_database)
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_audit_log(pilot)
        await pilot.press("j")
        await settle(pilot)
        refused = at_cursor(screen)
        assert refused["summary"] == "status 'new' → 'researching'"
        await pilot.press("u", "y")
        await settle(pilot)
        assert app.screen is screen
        latest = before[-1]["id"]
        reason = f"was changed by {OTHER_ANALYST} at"
        assert reason in notifications(app)[-1]
        assert f"(#{latest})" in notifications(app)[-1]
        assert f"#{refused['id']} not undone" in notifications(app)[-1]
        detail = detail_text(screen)
        assert "Cannot undo:" in detail
        assert reason in detail
        assert "undo the later change first" in detail
        # Undo the later change first, then the earlier one goes through.
        await pilot.press("k", "u", "y")
        await settle(pilot)
        await pilot.press("j", "j", "u", "y")
        await settle(pilot)
        assert at_cursor(screen)["summary"] == f"undo of #{refused['id']}: status 'researching' → 'new'"
    after = audit_rows(app_database)
    assert [(row["action"], row["reverses_id"]) for row in after[len(before) :]] == [
        ("undo", latest),
        ("undo", refused["id"]),
    ]
    assert item_status(app_database, INFY_ITEM) == ("new", None)


async def test_a_refused_undo_writes_nothing(app_database: Database, seeded: dict[str, int]) -> None:
    advance(ANALYST, INFY_ITEM)
    rescore(OTHER_ANALYST, INFY_ITEM, 55)
    before = audit_rows(app_database)
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_audit_log(pilot)
        await pilot.press("j", "u", "y")
        await settle(pilot)
    assert audit_rows(app_database) == before
    assert item_status(app_database, INFY_ITEM)[0] == "researching"


async def test_filter_by_actor_entity_text_and_time(app_database: Database, seeded: dict[str, int]) -> None:
    advance(ANALYST, INFY_ITEM)
    rescore(OTHER_ANALYST, TCS_ITEM, 81)
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_audit_log(pilot)
        total = table_of(screen).row_count
        await pilot.press("f")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, AuditFilterModal)
        await pilot.press(*OTHER_ANALYST, "enter")
        await settle(pilot)
        assert app.screen is screen
        assert shown(screen, "actor", "summary") == [(OTHER_ANALYST, "score ∅ → 81")]
        assert f"actor {OTHER_ANALYST}" in str(screen.query_one("#audit-filter", Static).render())
        await pilot.press("F", "slash")
        await settle(pilot)
        await pilot.press(*str(INFY_ITEM), "enter")
        await settle(pilot)
        assert [action for (action,) in shown(screen, "action")] == ["update", "insert"]
        await pilot.press("f")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, AuditFilterModal)
        await pilot.press("ctrl+r", "tab", *"research_q", "right", "tab", *"yesterday", "enter")
        await settle(pilot)
        assert app.screen is modal
        error = modal.query_one("#filter-since-error", Label)
        assert error.has_class("-shown")
        assert "'yesterday' is not a time" in str(error.render())
        await pilot.press("ctrl+u", *"2d", "tab", *"2099-01-01", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert table_of(screen).row_count == total
        assert screen.wanted.entity_type == "research_queue"
        await pilot.press("f", "ctrl+r", "tab", "tab", "tab", *"2000-01-01", "enter")
        await settle(pilot)
        assert table_of(screen).row_count == 0
        assert "No entry matches the filter" in table_of(screen).empty_text


def test_the_time_range_reads_dates_times_and_ages() -> None:
    wanted = parse_filter_form(FilterForm(since="2026-11-20", until="2026-11-20"), NOW)
    assert (wanted.since, wanted.until) == (
        dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 21, tzinfo=dt.UTC),
    )
    assert parse_filter_form(FilterForm(since="3h"), NOW).since == NOW - dt.timedelta(hours=3)
    assert parse_filter_form(FilterForm(since="2026-11-20 14:05"), NOW).since == dt.datetime(
        2026, 11, 20, 14, 5, tzinfo=dt.UTC
    )
    with pytest.raises(Exception, match="is before the start of the range"):
        parse_filter_form(FilterForm(since="2026-11-21", until="2026-11-19"), NOW)


async def test_enter_jumps_to_the_queue_item(app_database: Database, seeded: dict[str, int]) -> None:
    advance(ANALYST, TCS_ITEM)
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_audit_log(pilot)
        await pilot.press("enter")
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, ResearchQueueScreen)
        row = queue.query_one("#queue-table", FrameTable).cursor_data()
        assert row is not None
        assert (row["symbol"], row["status"]) == ("TCS", "researching")


async def test_enter_on_a_watchlist_entry_opens_its_security(app_database: Database, seeded: dict[str, int]) -> None:
    with as_actor(ANALYST) as uow:
        watchlist = uow.watchlists.create("Breakouts")
        uow.watchlists.add(watchlist.id, seeded["TCS"], thesis="Base near the highs")
        uow.commit()
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_audit_log(pilot)
        assert at_cursor(screen)["entity"].startswith("watchlist_entries")
        await pilot.press("enter")
        await settle(pilot)
    assert app.opened == [seeded["TCS"]]


def add_decisions(database: Database, count: int) -> None:
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "insert into audit_log (actor, action, entity_type, entity_id, reason)"
                " select 'agent.scanner', 'decision', 'research_queue', :id, 'decision ' || n"
                " from generate_series(0, :last) n"
            ),
            {"id": str(TCS_ITEM), "last": count - 1},
        )


def count_line(screen: AuditLogScreen) -> str:
    return str(screen.query_one("#audit-count", Static).render())


async def test_pages_of_older_entries(app_database: Database, seeded: dict[str, int]) -> None:
    add_decisions(app_database, 210)
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_audit_log(pilot)
        assert str(screen.query_one("#audit-count", Static).render()) == "1 · 1–200 of 212"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert str(screen.query_one("#audit-count", Static).render()) == "201 · 201–212 of 212"
        assert [action for (action,) in shown(screen, "action")][-2:] == ["insert", "insert"]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert table_of(screen).row_count == 200
        assert count_line(screen) == "1 · 1–200 of 212"


async def test_the_page_shows_before_its_matches_are_counted(
    app_database: Database, seeded: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_decisions(app_database, 210)
    counting = threading.Event()

    def count_when_let(wanted: AuditFilter) -> MatchCount:
        counting.wait(10)
        return count_matches(wanted)

    monkeypatch.setattr(audit_log_screen, "count_matches", count_when_let)
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        await settle(pilot, leaving="audit-log-count")
        screen = app.screen
        assert isinstance(screen, AuditLogScreen)
        assert (table_of(screen).row_count, count_line(screen)) == (200, "1 · 1–200 of …")
        counting.set()
        await settle(pilot)
        assert count_line(screen) == "1 · 1–200 of 212"
        counting.clear()
        await pilot.press("right_square_bracket", "left_square_bracket")  # paging keeps the count
        await settle(pilot, leaving="audit-log-count")
        assert count_line(screen) == "1 · 1–200 of 212"


async def test_a_text_search_is_counted_up_to_a_limit(
    app_database: Database, seeded: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_decisions(app_database, 210)
    monkeypatch.setattr(audit_log_data, "COUNT_AT_MOST", 205)
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_audit_log(pilot)
        await pilot.press("slash", *"decis", "enter")
        await settle(pilot)
        assert count_line(screen) == "1 · 1–200 of more than 205"
        await pilot.press("slash", "ctrl+u", *"decision 20", "enter")  # 20 and 200–209
        await settle(pilot)
        assert count_line(screen) == "1 · 1–11 of 11"
        assert {summary for (summary,) in shown(screen, "summary")} == {"decision"}


# Snapshots: audit rows written directly, with fixed times, so the screen is the same on every run.

FIXED_ROWS = (
    ("2026-11-20 08:00:00", "desk", "insert", TCS_ITEM, None, {"status": "new", "priority": 0, "source": "screener"}),
    (
        "2026-11-20 09:12:41",
        ANALYST,
        "update",
        TCS_ITEM,
        {"status": "new", "assignee": None},
        {"status": "researching", "assignee": ANALYST},
    ),
    ("2026-11-21 07:45:03", OTHER_ANALYST, "update", TCS_ITEM, {"score": 64}, {"score": 71.5}),
    (
        "2026-11-21 08:30:19",
        ANALYST,
        "update",
        INFY_ITEM,
        {"status": "new", "data": {}},
        {"status": "rejected", "data": {"status_reason": "Valuation stretched"}},
    ),
)


@pytest.fixture
def fixed_log(app_database: Database) -> None:
    with app_database.engine.begin() as connection:
        for at, actor, action, entity_id, before, after in FIXED_ROWS:
            connection.execute(
                text(
                    "insert into audit_log (occurred_at, actor, action, entity_type, entity_id, before, after, reason)"
                    " values (:at, :actor, :action, 'research_queue', :id, cast(:before as jsonb),"
                    " cast(:after as jsonb), :reason)"
                ),
                {
                    "at": dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC),
                    "actor": actor,
                    "action": action,
                    "id": str(entity_id),
                    "before": None if before is None else json.dumps(before),
                    "after": json.dumps(after),
                    "reason": "Valuation stretched" if after.get("status") == "rejected" else None,
                },
            )
    store.use_database(app_database, actor=ANALYST)


def _audit_shown(*keys: str, showing: type[Any] = AuditLogScreen) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_audit_log(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        assert isinstance(pilot.app.screen, showing), "the snapshot would show something else"

    return run_before


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_log(app_database: Database, fixed_log: None, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(app_database), terminal_size=size, run_before=_audit_shown("j", "j"))


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_filter_form(
    app_database: Database, fixed_log: None, snap_compare: Any, size: tuple[int, int]
) -> None:
    keys = ("f", *OTHER_ANALYST, "tab", "tab", *"last week", "enter")
    assert snap_compare(
        make_app(app_database), terminal_size=size, run_before=_audit_shown(*keys, showing=AuditFilterModal)
    )
