"""The audit trail: search it, read a change field by field, undo a change (and refuse when that would be wrong)."""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, CursorResult, text
from sqlalchemy.exc import IntegrityError

from store.errors import InvalidInput, NotFound
from store.records.audit import FieldChange
from store.repositories.audit import AUDITED_TABLES, AuditRepository, UndoRefused
from store.uow import UnitOfWork

MakeUow = Callable[..., UnitOfWork]
UTC = dt.UTC


def run(make_uow: MakeUow, actor: str, statement: str, **params: Any) -> Any:
    """One committed unit of work by `actor` running one statement; returns the first column of the first row."""
    with make_uow(actor=actor) as unit:
        result = unit.session.execute(text(statement), params)
        assert isinstance(result, CursorResult)
        value = result.scalar() if result.returns_rows else None
        unit.commit()
    return value


def add_security(make_uow: MakeUow, symbol: str = "RELIANCE") -> int:
    statement = "insert into securities (symbol, exchange, instrument_type) values (:s, 'NSE', 'equity') returning id"
    return int(run(make_uow, "loader", statement, s=symbol))


def add_watchlist(make_uow: MakeUow, name: str = "Breakouts", actor: str = "asha") -> uuid.UUID:
    return run(make_uow, actor, "insert into watchlists (name) values (:name) returning id", name=name)  # type: ignore[no-any-return]


def add_entry(make_uow: MakeUow, *, thesis: str = "a", trigger_value: str = "1650") -> uuid.UUID:
    watchlist_id = add_watchlist(make_uow)
    security_id = add_security(make_uow)
    return run(  # type: ignore[no-any-return]
        make_uow,
        "asha",
        "insert into watchlist_entries (watchlist_id, security_id, trigger_type, trigger_value, thesis)"
        " values (:w, :s, 'price_above', :v, :t) returning id",
        w=watchlist_id,
        s=security_id,
        v=Decimal(trigger_value),
        t=thesis,
    )


def edit_entry(make_uow: MakeUow, entry_id: uuid.UUID, actor: str, **values: Any) -> int:
    """Update the entry as `actor`; returns the audit entry the change wrote."""
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    run(make_uow, actor, f"update watchlist_entries set {assignments} where id = :id", id=entry_id, **values)
    return latest_audit_id(make_uow, entry_id)


def latest_audit_id(make_uow: MakeUow, entity_id: object) -> int:
    statement = "select max(id) from audit_log where entity_id = :id"
    return int(run(make_uow, "reader", statement, id=str(entity_id)))


def entry_row(conn: Connection, entry_id: uuid.UUID) -> dict[str, Any]:
    row = conn.execute(text("select * from watchlist_entries where id = :id"), {"id": entry_id}).mappings().first()
    return dict(row) if row is not None else {}


def undo(make_uow: MakeUow, entry_id: int, actor: str = "asha", reason: str | None = None) -> Any:
    with make_uow(actor=actor) as unit:
        undone = unit.repository(AuditRepository).undo(entry_id, reason=reason)
        unit.commit()
    return undone


def record_decision(conn: Connection, **values: Any) -> int:
    values = {"action": "decision", "entity_type": "securities", "entity_id": None, "reason": None, **values}
    columns = ", ".join(values)
    placeholders = ", ".join(f":{name}" for name in values)
    statement = text(f"insert into audit_log ({columns}) values ({placeholders}) returning id")
    return int(conn.execute(statement, values).scalar_one())


# --- undo ---------------------------------------------------------------------------------------------------


def test_undo_of_an_edit_restores_the_before_values_and_is_linked_to_the_entry(
    make_uow: MakeUow, conn: Connection
) -> None:
    entry_id = add_entry(make_uow, thesis="a", trigger_value="1650")
    edit = edit_entry(make_uow, entry_id, "bob", thesis="b", trigger_value=Decimal("1700"))

    undone = undo(make_uow, edit, actor="asha", reason="bob edited the wrong entry")

    row = entry_row(conn, entry_id)
    assert (row["thesis"], row["trigger_value"], row["version"]) == ("a", Decimal("1650"), 3)
    assert (undone.action, undone.reverses_id, undone.actor) == ("undo", edit, "asha")
    assert undone.reason == "bob edited the wrong entry"
    assert undone.summary.endswith(f": undo of #{edit}: trigger_value 1700 → 1650; thesis 'b' → 'a'")


def test_after_an_undo_later_writes_of_the_same_unit_are_plain_changes(make_uow: MakeUow, conn: Connection) -> None:
    entry_id = add_entry(make_uow)
    edit = edit_entry(make_uow, entry_id, "bob", thesis="b")
    with make_uow(actor="asha", reason="tidy up") as unit:
        unit.repository(AuditRepository).undo(edit, reason="wrong entry")
        unit.session.execute(text("update watchlist_entries set status = 'archived' where id = :id"), {"id": entry_id})
        unit.commit()
    action, reverses_id, reason = conn.execute(
        text("select action, reverses_id, reason from audit_log where entity_id = :id order by id desc limit 1"),
        {"id": str(entry_id)},
    ).one()
    assert (action, reverses_id, reason) == ("update", None, "tidy up")


def test_undo_is_refused_after_someone_elses_later_edit_and_names_them(make_uow: MakeUow, conn: Connection) -> None:
    entry_id = add_entry(make_uow)
    mine = edit_entry(make_uow, entry_id, "asha", thesis="b")
    theirs = edit_entry(make_uow, entry_id, "carol", trigger_value=Decimal("1800"))

    with pytest.raises(UndoRefused) as refused:
        undo(make_uow, mine)

    assert "carol" in str(refused.value)
    assert "trigger_value" in str(refused.value)
    assert refused.value.blocking_entry_id == theirs
    assert entry_row(conn, entry_id)["thesis"] == "b"
    # Undoing the later change first makes the earlier one undoable again.
    undo(make_uow, theirs)
    undo(make_uow, mine)
    assert (entry_row(conn, entry_id)["thesis"], entry_row(conn, entry_id)["trigger_value"]) == ("a", Decimal("1650"))


def test_undo_of_a_created_row_that_can_be_hidden_soft_deletes_it(make_uow: MakeUow, conn: Connection) -> None:
    watchlist_id = add_watchlist(make_uow, "Momentum")
    created = latest_audit_id(make_uow, watchlist_id)

    undone = undo(make_uow, created)

    deleted_at = conn.execute(text("select deleted_at from watchlists where id = :id"), {"id": watchlist_id}).scalar()
    assert deleted_at is not None
    assert undone.summary.endswith(f"undo of #{created}: soft-deleted")


def test_undo_of_a_created_row_that_cannot_be_hidden_deletes_it(make_uow: MakeUow, conn: Connection) -> None:
    security_id = add_security(make_uow)
    signal_id = run(
        make_uow,
        "agent",
        "insert into signals (security_id, signal_type, source) values (:s, 'breakout', 'scanner') returning id",
        s=security_id,
    )

    undone = undo(make_uow, latest_audit_id(make_uow, signal_id))

    assert conn.execute(text("select count(*) from signals where id = :id"), {"id": signal_id}).scalar() == 0
    assert undone.summary.endswith(": deleted")


def test_undo_of_a_delete_puts_the_row_back_exactly(make_uow: MakeUow, conn: Connection) -> None:
    entry_id = add_entry(make_uow, trigger_value="123456789012.123456")
    edit_entry(make_uow, entry_id, "asha", expiry_date=dt.date(2026, 3, 31))
    before = entry_row(conn, entry_id)
    run(make_uow, "bob", "delete from watchlist_entries where id = :id", id=entry_id)

    undone = undo(make_uow, latest_audit_id(make_uow, entry_id))

    after = entry_row(conn, entry_id)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    assert after["trigger_bar"] is None  # SQL NULL, not the JSON null its check would refuse
    assert undone.summary.endswith(": re-created")


def test_undo_of_a_soft_delete_and_of_a_restore_flip_deleted_at_back(make_uow: MakeUow, conn: Connection) -> None:
    watchlist_id = add_watchlist(make_uow, "Swing")
    run(make_uow, "bob", "update watchlists set deleted_at = now() where id = :id", id=watchlist_id)
    soft_delete = latest_audit_id(make_uow, watchlist_id)

    undo(make_uow, soft_delete)
    live = "select deleted_at is null from watchlists where id = :id"
    assert conn.execute(text(live), {"id": watchlist_id}).scalar() is True

    run(make_uow, "bob", "update watchlists set deleted_at = now() where id = :id", id=watchlist_id)
    run(make_uow, "bob", "update watchlists set deleted_at = null where id = :id", id=watchlist_id)
    undo(make_uow, latest_audit_id(make_uow, watchlist_id))
    assert conn.execute(text(live), {"id": watchlist_id}).scalar() is False


def test_an_entry_is_undone_once_and_its_undo_can_be_undone(make_uow: MakeUow, conn: Connection) -> None:
    entry_id = add_entry(make_uow)
    edit = edit_entry(make_uow, entry_id, "bob", thesis="b")
    first = undo(make_uow, edit)

    with pytest.raises(UndoRefused, match=rf"already undone by #{first.id}") as refused:
        undo(make_uow, edit)
    assert refused.value.blocking_entry_id == first.id

    redo = undo(make_uow, first.id)
    assert entry_row(conn, entry_id)["thesis"] == "b"
    assert redo.reverses_id == first.id
    assert redo.summary.endswith(f"undo of #{first.id}: thesis 'a' → 'b'")


def test_undo_of_an_edit_is_refused_when_the_row_is_gone(make_uow: MakeUow) -> None:
    entry_id = add_entry(make_uow)
    edit = edit_entry(make_uow, entry_id, "asha", thesis="b")
    run(make_uow, "carol", "delete from watchlist_entries where id = :id", id=entry_id)

    with pytest.raises(UndoRefused, match=r"no longer exists \(removed by carol"):
        undo(make_uow, edit)


def test_undo_of_a_delete_is_refused_when_the_row_exists_again(make_uow: MakeUow) -> None:
    signal_id = uuid.uuid4()
    security_id = add_security(make_uow)
    insert = "insert into signals (id, security_id, signal_type, source) values (:id, :s, 'breakout', 'scanner')"
    run(make_uow, "agent", insert, id=signal_id, s=security_id)
    run(make_uow, "bob", "delete from signals where id = :id", id=signal_id)
    deleted = latest_audit_id(make_uow, signal_id)
    run(make_uow, "agent", insert, id=signal_id, s=security_id)

    with pytest.raises(UndoRefused, match=r"exists again \(written by agent"):
        undo(make_uow, deleted)


def test_undo_of_an_edit_on_a_table_without_versions(make_uow: MakeUow, conn: Connection) -> None:
    security_id = add_security(make_uow)
    statement = (
        "insert into signals (security_id, signal_type, source, score) values (:s, 'gap', 'x', 0.5) returning id"
    )
    signal_id = run(make_uow, "agent", statement, s=security_id)
    run(make_uow, "bob", "update signals set score = 0.9, data = '{\"k\": 1.25}' where id = :id", id=signal_id)

    undo(make_uow, latest_audit_id(make_uow, signal_id))

    row = conn.execute(text("select score, data from signals where id = :id"), {"id": signal_id}).one()
    assert tuple(row) == (Decimal("0.5"), {})


def test_undo_compares_times_whatever_time_zone_the_writer_used(make_uow: MakeUow, conn: Connection) -> None:
    entry_id = add_entry(make_uow)
    conn.execute(text("set timezone = 'Asia/Kolkata'"))
    edit = edit_entry(
        make_uow, entry_id, "bob", status="triggered", triggered_at=dt.datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    )
    conn.execute(text("set timezone = 'UTC'"))

    undo(make_uow, edit)

    row = entry_row(conn, entry_id)
    assert (row["status"], row["triggered_at"]) == ("active", None)


def test_an_undo_that_breaks_a_rule_writes_nothing_and_leaves_the_unit_usable(
    make_uow: MakeUow, conn: Connection
) -> None:
    watchlist_id = add_watchlist(make_uow, "Momentum")
    run(make_uow, "bob", "update watchlists set deleted_at = now() where id = :id", id=watchlist_id)
    soft_delete = latest_audit_id(make_uow, watchlist_id)
    add_watchlist(make_uow, "Momentum", actor="carol")

    # Leaving the unit with the database's refusal, the caller sees which field to fix.
    with pytest.raises(InvalidInput) as refused, make_uow(actor="asha") as unit:
        unit.repository(AuditRepository).undo(soft_delete)
    assert refused.value.fields == {"name": "a watchlist with this name already exists"}
    # Caught inside the unit, the refusal leaves no undo marker behind for the unit's next write.
    with make_uow(actor="asha") as unit:
        with pytest.raises(IntegrityError, match="uq_watchlists_live_name"):
            unit.repository(AuditRepository).undo(soft_delete)
        unit.session.execute(text("update watchlists set description = 'kept' where id = :id"), {"id": watchlist_id})
        unit.commit()
    action, reverses_id = conn.execute(
        text("select action, reverses_id from audit_log where entity_id = :id order by id desc limit 1"),
        {"id": str(watchlist_id)},
    ).one()
    assert (action, reverses_id) == ("update", None)


def test_undo_refuses_what_is_not_a_change_to_an_audited_row(make_uow: MakeUow, conn: Connection) -> None:
    about_a_security = record_decision(conn, entity_type="securities", entity_id="1", reason="retire it")
    about_a_watchlist = record_decision(conn, entity_type="watchlists", entity_id=str(uuid.uuid4()))
    with make_uow() as unit:
        audit = unit.repository(AuditRepository)
        with pytest.raises(UndoRefused, match="securities, which is not an audited table"):
            audit.undo(about_a_security)
        with pytest.raises(UndoRefused, match="records a decision, not a change to a row"):
            audit.undo(about_a_watchlist)
        with pytest.raises(NotFound, match="#999999999 does not exist"):
            audit.undo(999_999_999)
        for wrong in (0, -3, "12", True):
            with pytest.raises(InvalidInput) as refused:
                audit.undo(wrong)  # type: ignore[arg-type]
            assert set(refused.value.fields) == {"entry_id"}
        with pytest.raises(InvalidInput) as refused:
            audit.undo(about_a_watchlist, reason=42)  # type: ignore[arg-type]
        assert set(refused.value.fields) == {"reason"}


def test_the_audited_tables_are_the_ones_the_trigger_watches(conn: Connection) -> None:
    watched = conn.execute(
        text("select tgrelid::regclass::text from pg_trigger where tgname like 'trg\\_%\\_audit' and not tgisinternal")
    ).scalars()
    assert set(watched) == set(AUDITED_TABLES)


# --- query --------------------------------------------------------------------------------------------------


def test_query_pages_newest_first_and_tells_whether_more_follow(make_uow: MakeUow) -> None:
    ids = [add_watchlist(make_uow, f"List {n}", actor="pager") for n in range(5)]
    with make_uow() as unit:
        audit = unit.repository(AuditRepository)
        first = audit.query(actor="pager", limit=2)
        last = audit.query(actor="pager", offset=4, limit=2)
        exactly_all = audit.query(actor="pager", limit=5)
        all_but_one = audit.query(actor="pager", limit=4)
    assert [entry.entity_id for entry in first.entries] == [str(ids[4]), str(ids[3])]
    assert first.has_more
    assert [entry.entity_id for entry in last.entries] == [str(ids[0])]
    assert not last.has_more
    assert (len(exactly_all.entries), exactly_all.has_more) == (5, False)
    assert (len(all_but_one.entries), all_but_one.has_more) == (4, True)
    assert first.entries[0].summary == f"watchlists {str(ids[4])[:8]}…: created"


def test_query_pages_on_from_an_entry_without_gaps_or_repeats(make_uow: MakeUow) -> None:
    ids = [add_watchlist(make_uow, f"List {n}", actor="keyset") for n in range(5)]
    seen: list[str | None] = []
    before_id = None
    with make_uow() as unit:
        audit = unit.repository(AuditRepository)
        while True:
            page = audit.query(actor="keyset", before_id=before_id, limit=2)
            seen += [entry.entity_id for entry in page.entries]
            if not page.has_more:
                break
            before_id = page.entries[-1].id
    assert seen == [str(watchlist_id) for watchlist_id in reversed(ids)]


def test_count_is_exact_or_stops_after_at_most(make_uow: MakeUow) -> None:
    for n in range(5):
        add_watchlist(make_uow, f"List {n}", actor="counter")
    with make_uow() as unit:
        audit = unit.repository(AuditRepository)
        assert audit.count(actor="counter") == 5
        assert audit.count(actor="counter", at_most=5) == 5
        assert audit.count(actor="counter", at_most=3) == 4  # above at_most: "more than 3"
        assert audit.count(actor="counter", text="List") == 5
        assert audit.count(actor="nobody") == 0


def test_query_filters_by_actor_and_entity(make_uow: MakeUow) -> None:
    entry_id = add_entry(make_uow)
    edit_entry(make_uow, entry_id, "bob", thesis="b")
    edit_entry(make_uow, entry_id, "carol", thesis="c")
    with make_uow() as unit:
        audit = unit.repository(AuditRepository)
        by_bob = audit.query(actor="bob", entity_type="watchlist_entries")
        on_entry = audit.query(entity_id=str(entry_id))
        nobody = audit.query(actor="nobody")
    assert [(e.actor, e.action) for e in by_bob.entries] == [("bob", "update")]
    assert [e.actor for e in on_entry.entries] == ["carol", "bob", "asha"]
    assert (nobody.entries, nobody.has_more) == ((), False)


def test_query_filters_by_time_range(make_uow: MakeUow, conn: Connection) -> None:
    moments = [dt.datetime(2026, 1, day, 12, tzinfo=UTC) for day in (1, 2, 3)]
    ids = [record_decision(conn, occurred_at=moment, actor="timekeeper") for moment in moments]
    with make_uow() as unit:
        audit = unit.repository(AuditRepository)
        middle = audit.query(actor="timekeeper", since=moments[1], until=moments[2])
        later = audit.query(actor="timekeeper", since=moments[1])
        earlier = audit.query(actor="timekeeper", until=moments[1])
    assert [e.id for e in middle.entries] == [ids[1]]
    assert [e.id for e in later.entries] == [ids[2], ids[1]]
    assert [e.id for e in earlier.entries] == [ids[0]]


def test_search_finds_words_and_their_starts_in_any_field(make_uow: MakeUow, conn: Connection) -> None:
    entry_id = add_entry(make_uow, thesis="INFY.NS cup and handle, 50% retrace")
    record_decision(conn, actor="searcher", reason="buy 500 shares")
    record_decision(conn, actor="searcher", reason="keep_it")
    record_decision(conn, actor="searcher", reason="keepXit")
    with make_uow() as unit:
        audit = unit.repository(AuditRepository)

        def found(search: str, **filters: Any) -> list[str | None]:
            return [entry.reason or entry.entity_id for entry in audit.query(text=search, **filters).entries]

        assert found("CUP AND HANDLE") == [str(entry_id)]  # every word, any case
        assert found("infy") == [str(entry_id)]  # the start of INFY.NS
        assert found("retr cup") == [str(entry_id)]  # starts of words, in any order
        assert found("watchl", entity_id=str(entry_id)) == [str(entry_id)]  # the entity type, watchlist_entries
        assert found("ns") == []  # a piece from inside a word is not a word
        assert found("handle zyzzyva") == []
        assert found("shares searcher") == ["buy 500 shares"]  # a word of the reason and the actor
        assert found("500") == ["buy 500 shares"]
        assert found("keep_it") == ["keep_it"]  # its parts, next to each other
        assert found("   ", actor="searcher") == ["keepXit", "keep_it", "buy 500 shares"]


def test_search_finds_a_value_of_the_row_before_and_after(make_uow: MakeUow) -> None:
    entry_id = add_entry(make_uow, thesis="first thought")
    edit_entry(make_uow, entry_id, "bob", thesis="second thought", trigger_value=Decimal("1777.5"))
    with make_uow() as unit:
        audit = unit.repository(AuditRepository)
        before = audit.query(text="first", actor="bob").entries
        after = audit.query(text="second", actor="bob").entries
        number = audit.query(text="1777.5").entries
        by_id = audit.query(text=str(entry_id)).entries
    assert [entry.action for entry in before] == [entry.action for entry in after] == ["update"]
    assert [entry.actor for entry in number] == ["bob"]
    assert [entry.actor for entry in by_id] == ["bob", "asha"]


@pytest.mark.parametrize(
    "typed",
    ["a & b | !c :*", "(", ")", "'", "''", "\\", "it's", "<->", "!keep", "keep:*", "keep:A", "x & (y | z)", "é ß ǅ"],
)
def test_search_operators_typed_are_searched_as_text(make_uow: MakeUow, conn: Connection, typed: str) -> None:
    record_decision(conn, actor="operators", reason="keep it simple")
    with make_uow() as unit:
        found, refused = searched(unit, typed, actor="operators")
    if refused is not None:
        assert set(refused.fields) == {"text"}
    else:
        assert found == (["keep it simple"] if typed in ("!keep", "keep:*", "it's") else [])


def searched(unit: UnitOfWork, typed: str, **filters: Any) -> tuple[list[str | None], InvalidInput | None]:
    """The reasons of the entries found (the count must agree), or the refusal."""
    audit = unit.repository(AuditRepository)
    try:
        page = audit.query(text=typed, **filters)
        counted = audit.count(text=typed, **filters)
    except InvalidInput as refused:
        return [], refused
    assert counted == len(page.entries)
    return [entry.reason for entry in page.entries], None


def test_search_with_nothing_to_look_up_is_refused(uow: UnitOfWork) -> None:
    for typed in ("&", "!!", ":* ( )", "'"):
        with pytest.raises(InvalidInput) as refused:
            uow.repository(AuditRepository).query(text=typed)
        assert set(refused.value.fields) == {"text"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.text(min_size=1, max_size=30))
def test_any_typed_search_reads_or_is_refused_never_fails(uow: UnitOfWork, typed: str) -> None:
    found, refused = searched(uow, typed, actor="hypothesis")
    assert found == [] or refused is not None
    assert refused is None or set(refused.fields) == {"text"}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"since": dt.datetime(2026, 1, 1)}, "since"),
        ({"until": dt.date(2026, 1, 1)}, "until"),
        ({"since": dt.datetime(2026, 2, 1, tzinfo=UTC), "until": dt.datetime(2026, 1, 1, tzinfo=UTC)}, "until"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"offset": -1}, "offset"),
        ({"actor": 5}, "actor"),
        ({"text": ["x"]}, "text"),
        ({"before_id": "12"}, "before_id"),
    ],
)
def test_query_refuses_bad_filters_naming_them(uow: UnitOfWork, arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        uow.repository(AuditRepository).query(**arguments)
    assert set(refused.value.fields) == {field}


# --- diff and summaries ---------------------------------------------------------------------------------------


def test_diff_of_an_edit_shows_the_changed_fields_in_their_types(make_uow: MakeUow) -> None:
    entry_id = add_entry(make_uow, thesis="a", trigger_value="1650")
    edit = edit_entry(make_uow, entry_id, "bob", thesis="b", trigger_value=Decimal("1700.5"))
    with make_uow() as unit:
        audit = unit.repository(AuditRepository)
        changes = audit.diff(edit)
        summary = audit.query(entity_id=str(entry_id), limit=1).entries[0].summary
    assert changes == [
        FieldChange("trigger_value", Decimal("1650"), Decimal("1700.5")),
        FieldChange("thesis", "a", "b"),
    ]
    assert summary == f"watchlist_entries {str(entry_id)[:8]}…: trigger_value 1650 → 1700.5; thesis 'a' → 'b'"


def test_diff_of_a_created_and_a_deleted_row_shows_every_field(make_uow: MakeUow) -> None:
    entry_id = add_entry(make_uow)
    created = latest_audit_id(make_uow, entry_id)
    run(make_uow, "bob", "delete from watchlist_entries where id = :id", id=entry_id)
    deleted = latest_audit_id(make_uow, entry_id)
    with make_uow() as unit:
        audit = unit.repository(AuditRepository)
        on_create, on_delete = audit.diff(created), audit.diff(deleted)
    assert all(change.before is None for change in on_create)
    assert all(change.after is None for change in on_delete)
    fields = [change.field for change in on_create]
    assert fields == [change.field for change in on_delete]
    assert fields[0] == "id"
    assert {"thesis", "created_at", "deleted_at"} <= set(fields)
    assert not {"updated_at", "version"} & set(fields)
    assert on_create[0].after == entry_id
    created_at = next(c.after for c in on_create if c.field == "created_at")
    assert isinstance(created_at, dt.datetime)
    assert created_at.tzinfo is not None


def test_summaries_say_what_happened(make_uow: MakeUow) -> None:
    watchlist_id = add_watchlist(make_uow, "Summaries", actor="summarist")
    run(make_uow, "summarist", "update watchlists set deleted_at = now() where id = :id", id=watchlist_id)
    run(make_uow, "summarist", "update watchlists set deleted_at = null, name = 'S2' where id = :id", id=watchlist_id)
    run(make_uow, "summarist", "delete from watchlists where id = :id", id=watchlist_id)
    with make_uow() as unit:
        summaries = [e.summary for e in unit.repository(AuditRepository).query(actor="summarist").entries]
    short = str(watchlist_id)[:8] + "…"
    assert summaries == [
        f"watchlists {short}: deleted",
        f"watchlists {short}: restored; name 'Summaries' → 'S2'",
        f"watchlists {short}: soft-deleted",
        f"watchlists {short}: created",
    ]


def test_diff_of_a_decision_is_empty_and_an_unknown_entry_is_not_found(uow: UnitOfWork, conn: Connection) -> None:
    decision = record_decision(conn, reason="retire it")
    audit = uow.repository(AuditRepository)
    assert audit.diff(decision) == []
    assert audit.entry(decision).summary == "securities: decision"
    with pytest.raises(NotFound):
        audit.diff(999_999_999)


def test_two_people_undoing_the_same_change_at_once_undo_it_once(fresh_db) -> None:  # type: ignore[no-untyped-def]
    def unit(actor: str) -> UnitOfWork:
        return UnitOfWork(fresh_db.engine, actor=actor)

    entry_id = add_entry(unit)
    edit = edit_entry(unit, entry_id, "bob", thesis="b")
    outcome: queue.Queue[BaseException | None] = queue.Queue()

    def second_undo() -> None:
        try:
            undo(unit, edit, actor="carol")
            outcome.put(None)
        except BaseException as error:  # handed to the test thread
            outcome.put(error)

    with unit("asha") as first:
        first.repository(AuditRepository).undo(edit)
        racer = threading.Thread(target=second_undo, daemon=True)
        racer.start()
        blocked = "select count(*) from pg_locks where locktype = 'advisory' and not granted"
        deadline = time.monotonic() + 5
        while run(unit, "watcher", blocked) == 0:
            assert time.monotonic() < deadline, "the second undo never waited for the first"
            threading.Event().wait(0.02)
        first.commit()
    racer.join(timeout=5)
    refused = outcome.get(timeout=1)
    assert isinstance(refused, UndoRefused)
    assert f"#{edit} was already undone by #" in str(refused)
    assert "(asha," in str(refused)
