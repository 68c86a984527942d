"""Watchlists: lists and entries as the analyst sees them, triggers checked, edits versioned, deletes undoable."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

from store.errors import EditConflict, InvalidInput, NotFound
from store.repositories.watchlists import WatchlistRepository
from store.uow import UnitOfWork

TODAY = dt.datetime.now(dt.UTC).date()


def add_security(unit: UnitOfWork, symbol: str, name: str | None = None) -> int:
    return int(
        unit.session.execute(
            text(
                "insert into securities (symbol, exchange, instrument_type, name)"
                " values (:symbol, 'NSE', 'equity', :name) returning id"
            ),
            {"symbol": symbol, "name": name or f"{symbol} Ltd"},
        ).scalar_one()
    )


def add_bar(unit: UnitOfWork, security_id: int, day: dt.date, close: str) -> None:
    unit.session.execute(
        text(
            "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)"
            " values (:id, :day, :close, :close, :close, :close, 1000)"
        ),
        {"id": security_id, "day": day, "close": Decimal(close)},
    )


def audit_actions(unit: UnitOfWork, entity_id: uuid.UUID) -> list[tuple[str, str]]:
    rows = unit.session.execute(
        text("select actor, action from audit_log where entity_id = :id order by id"), {"id": str(entity_id)}
    )
    return [(actor, action) for actor, action in rows]


@pytest.fixture
def repo(uow: UnitOfWork) -> WatchlistRepository:
    return uow.repository(WatchlistRepository)


@pytest.fixture
def infy(uow: UnitOfWork) -> int:
    return add_security(uow, "INFY", "Infosys")


# Lists


def test_a_new_list_belongs_to_the_actor_and_starts_empty(make_uow: Callable[..., UnitOfWork]) -> None:
    with make_uow(actor="asha") as unit:
        repo = unit.repository(WatchlistRepository)
        created = repo.create("  Breakouts ", "stage 2 names")
        assert (created.name, created.description, created.owner) == ("Breakouts", "stage 2 names", "asha")
        assert (created.entry_count, created.version, created.deleted_at) == (0, 1, None)
        assert [summary.name for summary in repo.lists()] == ["Breakouts"]


def test_lists_count_live_and_triggered_entries(uow: UnitOfWork, repo: WatchlistRepository, infy: int) -> None:
    watchlist = repo.create("Core")
    repo.add(watchlist.id, infy)
    removed = repo.add(watchlist.id, add_security(uow, "TCS"))
    repo.remove(removed.id, removed.version)
    triggered = repo.add(watchlist.id, add_security(uow, "WIPRO"))
    uow.session.execute(
        text("update watchlist_entries set status = 'triggered', triggered_at = now() where id = :id"),
        {"id": triggered.id},
    )
    summary = repo.watchlist(watchlist.id)
    assert (summary.entry_count, summary.triggered_count) == (2, 1)


@pytest.mark.parametrize(
    ("name", "problem"), [("   ", "a watchlist needs a name"), ("x" * 101, "at most 100 characters")]
)
def test_create_refuses_a_blank_or_long_name(repo: WatchlistRepository, name: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        repo.create(name)
    assert caught.value.fields == {"name": problem}


def test_create_refuses_the_name_of_a_live_list_but_not_of_a_deleted_one(repo: WatchlistRepository) -> None:
    first = repo.create("Momentum")
    with pytest.raises(InvalidInput) as caught:
        repo.create("Momentum")
    assert caught.value.fields == {"name": "a watchlist named 'Momentum' already exists"}
    repo.delete(first.id, first.version)
    assert repo.create("Momentum").name == "Momentum"


def test_rename_and_describe_change_the_list_and_its_version(repo: WatchlistRepository) -> None:
    watchlist = repo.create("Momo", "old")
    renamed = repo.rename(watchlist.id, watchlist.version, "Momentum")
    described = repo.describe(renamed.id, renamed.version, "  ")
    assert (renamed.name, renamed.version) == ("Momentum", 2)
    assert (described.description, described.version) == (None, 3)


def test_rename_refuses_a_taken_name_a_stale_version_and_a_missing_list(repo: WatchlistRepository) -> None:
    watchlist = repo.create("Momentum")
    repo.create("Value")
    with pytest.raises(InvalidInput) as caught:
        repo.rename(watchlist.id, watchlist.version, "Value")
    assert "name" in caught.value.fields
    assert repo.rename(watchlist.id, watchlist.version, "Momentum").version == 2  # its own name is fine
    with pytest.raises(EditConflict) as conflict:
        repo.rename(watchlist.id, watchlist.version, "Trend")
    assert conflict.value.stored["name"] == "Momentum"
    assert conflict.value.attempted == {"name": "Trend"}
    with pytest.raises(NotFound):
        repo.describe(uuid.uuid4(), 1, "x")


def test_a_deleted_list_cannot_be_edited(repo: WatchlistRepository) -> None:
    watchlist = repo.create("Gone")
    repo.delete(watchlist.id, watchlist.version)
    with pytest.raises(NotFound, match="was deleted"):
        repo.rename(watchlist.id, watchlist.version + 1, "Back")
    with pytest.raises(NotFound, match="was deleted"):
        repo.delete(watchlist.id, watchlist.version + 1)


def test_delete_and_restore_bring_back_the_list_with_the_entries_deleted_with_it(
    uow: UnitOfWork, repo: WatchlistRepository, infy: int
) -> None:
    watchlist = repo.create("Core")
    kept = repo.add(watchlist.id, infy, thesis="compounder")
    removed_before = repo.add(watchlist.id, add_security(uow, "TCS"))
    repo.remove(removed_before.id, removed_before.version)

    repo.delete(watchlist.id, watchlist.version)
    assert repo.lists() == []
    assert [summary.name for summary in repo.lists(include_deleted=True)] == ["Core"]
    with pytest.raises(NotFound):
        repo.entries(watchlist.id)
    assert all(entry.deleted_at is not None for entry in repo.entries(watchlist.id, include_deleted=True))

    restored = repo.restore(watchlist.id)
    assert (restored.deleted_at, restored.entry_count) == (None, 1)
    assert [(entry.id, entry.thesis) for entry in repo.entries(watchlist.id)] == [(kept.id, "compounder")]
    assert [action for _, action in audit_actions(uow, watchlist.id)] == ["insert", "soft_delete", "restore"]
    assert [action for _, action in audit_actions(uow, kept.id)] == ["insert", "soft_delete", "restore"]


def test_restore_refuses_a_live_list_a_missing_one_and_a_name_taken_meanwhile(repo: WatchlistRepository) -> None:
    watchlist = repo.create("Core")
    with pytest.raises(InvalidInput) as caught:
        repo.restore(watchlist.id)
    assert "watchlist_id" in caught.value.fields
    with pytest.raises(NotFound):
        repo.restore(uuid.uuid4())
    repo.delete(watchlist.id, watchlist.version)
    repo.create("Core")
    with pytest.raises(InvalidInput) as taken:
        repo.restore(watchlist.id)
    assert "rename it before restoring" in taken.value.fields["name"]


# Entries: what the analyst sees


def test_entries_show_the_latest_close_and_the_distance_to_a_price_trigger(
    uow: UnitOfWork, repo: WatchlistRepository, infy: int
) -> None:
    tcs, wipro, hdfc = add_security(uow, "TCS"), add_security(uow, "WIPRO"), add_security(uow, "HDFC")
    for security_id in (infy, tcs, wipro):
        add_bar(uow, security_id, dt.date(2025, 3, 3), "80")
        add_bar(uow, security_id, dt.date(2025, 3, 4), "100")
    watchlist = repo.create("Core")
    repo.add(watchlist.id, infy, trigger_type="price_above", trigger_value=Decimal("110"))
    repo.add(watchlist.id, tcs, trigger_type="price_below", trigger_value=Decimal("90"))
    repo.add(watchlist.id, wipro, trigger_type="volume_spike", trigger_value=2)
    repo.add(watchlist.id, hdfc, trigger_type="price_above", trigger_value=Decimal("5"))
    shown = {
        entry.symbol: (entry.last_close, entry.last_close_date, entry.distance_to_trigger_pct)
        for entry in repo.entries(watchlist.id)
    }
    assert shown == {
        "INFY": (Decimal("100"), dt.date(2025, 3, 4), Decimal("10.00")),
        "TCS": (Decimal("100"), dt.date(2025, 3, 4), Decimal("-10.00")),
        "WIPRO": (Decimal("100"), dt.date(2025, 3, 4), None),
        "HDFC": (None, None, None),
    }
    assert [entry.symbol for entry in repo.entries(watchlist.id)] == ["HDFC", "INFY", "TCS", "WIPRO"]


def test_add_records_the_entry_as_the_actor_adds_it(make_uow: Callable[..., UnitOfWork]) -> None:
    with make_uow(actor="ravi") as unit:
        repo = unit.repository(WatchlistRepository)
        watchlist = repo.create("Core")
        entry = repo.add(
            watchlist.id,
            add_security(unit, "INFY", "Infosys"),
            trigger_type="pct_change",
            trigger_value=Decimal("-5"),
            thesis=" mean reversion ",
            expiry_date=TODAY,
        )
        assert (entry.symbol, entry.security_name, entry.added_by, entry.status) == (
            "INFY",
            "Infosys",
            "ravi",
            "active",
        )
        assert (entry.trigger_type, entry.trigger_value, entry.thesis) == (
            "pct_change",
            Decimal("-5"),
            "mean reversion",
        )
        assert (entry.expiry_date, entry.version) == (TODAY, 1)
        assert audit_actions(unit, entry.id) == [("ravi", "insert")]


@pytest.mark.parametrize(
    ("trigger_type", "value", "field"),
    [
        ("price_above", None, "trigger_value"),
        ("price_above", Decimal("0"), "trigger_value"),
        ("price_below", Decimal("-3"), "trigger_value"),
        ("pct_change", Decimal("0"), "trigger_value"),
        ("pct_change", Decimal("-100"), "trigger_value"),
        ("volume_spike", Decimal("1"), "trigger_value"),
        ("volume_spike", None, "trigger_value"),
        ("ma_cross", Decimal("30"), "trigger_value"),
        ("price_above", Decimal("1e12"), "trigger_value"),
        ("price_above", Decimal("NaN"), "trigger_value"),
        ("manual", Decimal("5"), "trigger_value"),
        ("breakout", None, "trigger_type"),
    ],
)
def test_add_refuses_a_trigger_that_breaks_its_rule(
    repo: WatchlistRepository, infy: int, trigger_type: str, value: Decimal | None, field: str
) -> None:
    watchlist = repo.create("Core")
    with pytest.raises(InvalidInput) as caught:
        repo.add(watchlist.id, infy, trigger_type=trigger_type, trigger_value=value)
    assert list(caught.value.fields) == [field]
    assert repo.entries(watchlist.id) == []


@pytest.mark.parametrize(
    ("trigger_type", "value"),
    [
        ("price_above", "0.05"),
        ("pct_change", "-99.5"),
        ("pct_change", "8"),
        ("volume_spike", "1.5"),
        ("ma_cross", "200"),
    ],
)
def test_add_accepts_a_trigger_that_keeps_its_rule(
    repo: WatchlistRepository, infy: int, trigger_type: str, value: str
) -> None:
    watchlist = repo.create("Core")
    entry = repo.add(watchlist.id, infy, trigger_type=trigger_type, trigger_value=Decimal(value))
    assert entry.trigger_value == Decimal(value)


def test_add_refuses_a_non_number_a_past_expiry_and_names_every_field(repo: WatchlistRepository, infy: int) -> None:
    watchlist = repo.create("Core")
    with pytest.raises(InvalidInput) as not_a_number:
        repo.add(watchlist.id, infy, trigger_type="price_above", trigger_value="ten")  # type: ignore[arg-type]
    assert list(not_a_number.value.fields) == ["trigger_value"]
    with pytest.raises(InvalidInput) as caught:
        repo.add(watchlist.id, infy, trigger_type="price_below", expiry_date=TODAY - dt.timedelta(days=1))
    assert set(caught.value.fields) == {"trigger_value", "expiry_date"}
    assert "in the past" in caught.value.fields["expiry_date"]


def test_add_refuses_an_unknown_security_and_a_missing_or_deleted_list(repo: WatchlistRepository, infy: int) -> None:
    watchlist = repo.create("Core")
    with pytest.raises(InvalidInput) as unknown:
        repo.add(watchlist.id, 999_999_999)
    assert unknown.value.fields == {"security_id": "no security with id 999999999"}
    with pytest.raises(InvalidInput) as missing:
        repo.add(uuid.uuid4(), infy)
    assert list(missing.value.fields) == ["watchlist_id"]
    repo.delete(watchlist.id, watchlist.version)
    with pytest.raises(InvalidInput) as deleted:
        repo.add(watchlist.id, infy)
    assert "restore it first" in deleted.value.fields["watchlist_id"]


def test_a_security_is_live_once_per_list(repo: WatchlistRepository, infy: int) -> None:
    core, other = repo.create("Core"), repo.create("Other")
    first = repo.add(core.id, infy)
    with pytest.raises(InvalidInput) as caught:
        repo.add(core.id, infy)
    assert caught.value.fields == {"security_id": "INFY is already on that watchlist"}
    assert repo.add(other.id, infy).symbol == "INFY"
    repo.remove(first.id, first.version)
    assert repo.add(core.id, infy).symbol == "INFY"


def test_the_database_refuses_a_second_live_entry_from_another_writer(
    make_uow: Callable[..., UnitOfWork],
) -> None:
    with make_uow() as unit:
        repo = unit.repository(WatchlistRepository)
        watchlist = repo.create("Core")
        security_id = add_security(unit, "INFY")
        repo.add(watchlist.id, security_id)
        unit.commit()
    with pytest.raises(InvalidInput) as caught, make_uow() as unit:
        unit.session.execute(
            text("insert into watchlist_entries (watchlist_id, security_id) values (:w, :s)"),
            {"w": watchlist.id, "s": security_id},
        )
    assert list(caught.value.fields) == ["security_id"]


def test_entry_and_entries_of_something_missing_are_not_found(repo: WatchlistRepository) -> None:
    with pytest.raises(NotFound):
        repo.entry(uuid.uuid4())
    with pytest.raises(NotFound):
        repo.entries(uuid.uuid4())


# Entries: edits


def test_edit_changes_only_the_fields_given_and_none_clears(repo: WatchlistRepository, infy: int) -> None:
    watchlist = repo.create("Core")
    entry = repo.add(
        watchlist.id, infy, trigger_type="price_above", trigger_value=Decimal("120"), thesis="old", expiry_date=TODAY
    )
    edited = repo.edit(entry.id, entry.version, thesis="new thesis")
    assert (edited.thesis, edited.trigger_value, edited.expiry_date, edited.version) == (
        "new thesis",
        Decimal("120"),
        TODAY,
        2,
    )
    cleared = repo.edit(edited.id, edited.version, thesis=None, expiry_date=None)
    assert (cleared.thesis, cleared.expiry_date, cleared.trigger_type) == (None, None, "price_above")
    assert repo.entry(entry.id) == cleared
    assert repo.edit(cleared.id, cleared.version) == cleared  # nothing given, nothing written


def test_edit_checks_the_trigger_it_would_leave(repo: WatchlistRepository, infy: int) -> None:
    watchlist = repo.create("Core")
    entry = repo.add(watchlist.id, infy, trigger_type="price_above", trigger_value=Decimal("120"))
    with pytest.raises(InvalidInput) as to_manual:
        repo.edit(entry.id, entry.version, trigger_type="manual")
    assert "takes no value" in to_manual.value.fields["trigger_value"]
    manual = repo.edit(entry.id, entry.version, trigger_type="manual", trigger_value=None)
    assert (manual.trigger_type, manual.trigger_value, manual.distance_to_trigger_pct) == ("manual", None, None)
    with pytest.raises(InvalidInput) as needs_value:
        repo.edit(manual.id, manual.version, trigger_type="price_below")
    assert list(needs_value.value.fields) == ["trigger_value"]
    with pytest.raises(InvalidInput) as past:
        repo.edit(manual.id, manual.version, expiry_date=TODAY - dt.timedelta(days=1))
    assert list(past.value.fields) == ["expiry_date"]


def test_edit_recomputes_the_distance_to_the_new_trigger(uow: UnitOfWork, repo: WatchlistRepository, infy: int) -> None:
    add_bar(uow, infy, dt.date(2025, 3, 4), "200")
    watchlist = repo.create("Core")
    entry = repo.add(watchlist.id, infy, trigger_type="price_above", trigger_value=Decimal("220"))
    assert entry.distance_to_trigger_pct == Decimal("10.00")
    edited = repo.edit(entry.id, entry.version, trigger_type="price_below", trigger_value=Decimal("150"))
    assert edited.distance_to_trigger_pct == Decimal("-25.00")


def test_edit_refuses_a_stale_version_and_a_removed_entry(repo: WatchlistRepository, infy: int) -> None:
    watchlist = repo.create("Core")
    entry = repo.add(watchlist.id, infy, thesis="first")
    edited = repo.edit(entry.id, entry.version, thesis="second")
    with pytest.raises(EditConflict) as caught:
        repo.edit(entry.id, entry.version, thesis="third")
    assert (caught.value.stored["thesis"], caught.value.attempted) == ("second", {"thesis": "third"})
    repo.remove(edited.id, edited.version)
    with pytest.raises(NotFound, match="was removed"):
        repo.edit(entry.id, edited.version + 1, thesis="fourth")


def test_move_takes_the_entry_to_another_live_list(repo: WatchlistRepository, infy: int) -> None:
    core, later = repo.create("Core"), repo.create("Later")
    entry = repo.add(core.id, infy, thesis="kept")
    moved = repo.move(entry.id, entry.version, later.id)
    assert (moved.watchlist_id, moved.thesis, moved.version) == (later.id, "kept", 2)
    assert repo.entries(core.id) == []
    assert [found.id for found in repo.entries(later.id)] == [entry.id]


def test_move_refuses_the_same_list_a_missing_or_deleted_list_a_duplicate_and_a_stale_version(
    repo: WatchlistRepository, infy: int
) -> None:
    core, later, gone = repo.create("Core"), repo.create("Later"), repo.create("Gone")
    entry = repo.add(core.id, infy)
    repo.delete(gone.id, gone.version)
    for target in (core.id, uuid.uuid4(), gone.id):
        with pytest.raises(InvalidInput) as caught:
            repo.move(entry.id, entry.version, target)
        assert list(caught.value.fields) == ["to_watchlist_id"]
    repo.add(later.id, infy)
    with pytest.raises(InvalidInput) as duplicate:
        repo.move(entry.id, entry.version, later.id)
    assert duplicate.value.fields == {"security_id": "INFY is already on that watchlist"}
    other = repo.create("Other")
    with pytest.raises(EditConflict):
        repo.move(entry.id, entry.version + 5, other.id)


def test_remove_and_restore_an_entry_round_trip(uow: UnitOfWork, repo: WatchlistRepository, infy: int) -> None:
    watchlist = repo.create("Core")
    entry = repo.add(watchlist.id, infy, thesis="compounder")
    repo.remove(entry.id, entry.version)
    assert repo.entries(watchlist.id) == []
    with pytest.raises(NotFound):
        repo.entry(entry.id)
    assert repo.entry(entry.id, include_deleted=True).deleted_at is not None
    restored = repo.restore_entry(entry.id)
    assert (restored.deleted_at, restored.thesis, restored.version) == (None, "compounder", 3)
    assert [action for _, action in audit_actions(uow, entry.id)] == ["insert", "soft_delete", "restore"]


def test_remove_refuses_a_stale_version_and_restore_refuses_what_cannot_come_back(
    repo: WatchlistRepository, infy: int
) -> None:
    watchlist = repo.create("Core")
    entry = repo.add(watchlist.id, infy)
    with pytest.raises(EditConflict):
        repo.remove(entry.id, entry.version + 1)
    with pytest.raises(InvalidInput) as live:
        repo.restore_entry(entry.id)
    assert list(live.value.fields) == ["entry_id"]
    repo.remove(entry.id, entry.version)
    again = repo.add(watchlist.id, infy)
    with pytest.raises(InvalidInput) as duplicate:
        repo.restore_entry(entry.id)
    assert list(duplicate.value.fields) == ["security_id"]
    repo.remove(again.id, again.version)
    summary = repo.watchlist(watchlist.id)
    repo.delete(watchlist.id, summary.version)
    with pytest.raises(InvalidInput) as list_gone:
        repo.restore_entry(entry.id)
    assert "restore it first" in list_gone.value.fields["watchlist_id"]
    with pytest.raises(NotFound):
        repo.restore_entry(uuid.uuid4())


# Two analysts, one entry


def committed_entry(engine: Engine) -> uuid.UUID:
    with UnitOfWork(engine, actor="setup") as unit:
        repo = unit.repository(WatchlistRepository)
        watchlist = repo.create("Core")
        entry = repo.add(watchlist.id, add_security(unit, "INFY"), thesis="original")
        unit.commit()
    return entry.id


def entry_updates(engine: Engine, entry_id: uuid.UUID) -> list[tuple[str, str]]:
    with UnitOfWork(engine, actor="reader", read_only=True) as unit:
        rows = unit.session.execute(
            text("select actor, after->>'thesis' from audit_log where entity_id = :id and action = 'update'"),
            {"id": str(entry_id)},
        )
        return [(actor, thesis) for actor, thesis in rows]


def test_two_analysts_edit_one_entry_and_exactly_one_wins(fresh_db: Any) -> None:
    engine = fresh_db.engine
    entry_id = committed_entry(engine)
    with UnitOfWork(engine, actor="asha") as first, UnitOfWork(engine, actor="ravi") as second:
        asha, ravi = first.repository(WatchlistRepository), second.repository(WatchlistRepository)
        read_by_asha, read_by_ravi = asha.entry(entry_id), ravi.entry(entry_id)
        asha.edit(entry_id, read_by_asha.version, thesis="asha's thesis")
        first.commit()
        with pytest.raises(EditConflict) as caught:
            ravi.edit(entry_id, read_by_ravi.version, thesis="ravi's thesis")
    assert caught.value.stored["thesis"] == "asha's thesis"
    assert caught.value.stored["version"] == 2
    assert caught.value.attempted == {"thesis": "ravi's thesis"}
    assert entry_updates(engine, entry_id) == [("asha", "asha's thesis")]


def test_an_edit_waiting_on_the_row_lock_loses_when_the_other_commits(fresh_db: Any) -> None:
    engine = fresh_db.engine
    entry_id = committed_entry(engine)
    outcome: dict[str, BaseException | None] = {}

    def ravi_edits() -> None:
        try:
            with UnitOfWork(engine, actor="ravi") as unit:
                unit.repository(WatchlistRepository).edit(entry_id, 1, thesis="ravi's thesis")
                unit.commit()
            outcome["ravi"] = None
        except BaseException as exc:
            outcome["ravi"] = exc

    with UnitOfWork(engine, actor="asha") as first:
        first.repository(WatchlistRepository).edit(entry_id, 1, thesis="asha's thesis")
        ravi = threading.Thread(target=ravi_edits)
        ravi.start()
        wait_until_someone_waits_for_a_lock(engine)
        first.commit()
    ravi.join(timeout=30)
    assert isinstance(outcome["ravi"], EditConflict)
    assert entry_updates(engine, entry_id) == [("asha", "asha's thesis")]


def wait_until_someone_waits_for_a_lock(engine: Engine, timeout: float = 10.0) -> None:
    """Poll pg_stat_activity (from another connection) until a backend of this database waits on a lock."""
    deadline = time.monotonic() + timeout
    with engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                text(
                    "select count(*) from pg_stat_activity"
                    " where datname = current_database() and wait_event_type = 'Lock'"
                )
            ).scalar_one()
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the second edit never waited on the row lock")
