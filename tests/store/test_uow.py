"""The unit of work: the actor reaches the audit trail, nothing is kept without commit, errors are translated."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from store.db import Database
from store.errors import EditConflict, InvalidInput, ReadOnlyViolation, StoreUnavailable
from store.models.research import Watchlist
from store.repositories.base import Repository
from store.uow import UnitOfWork


def add_watchlist(unit: UnitOfWork, name: str = "Breakouts") -> object:
    return unit.session.execute(
        text("insert into watchlists (name, owner) values (:name, 'asha') returning id"), {"name": name}
    ).scalar_one()


def test_the_actor_and_reason_reach_the_audit_trail(make_uow: Callable[..., UnitOfWork]) -> None:
    with make_uow(actor="asha", reason="morning review") as unit:
        watchlist_id = add_watchlist(unit)
        unit.commit()
        row = unit.session.execute(
            text("select actor, reason from audit_log where entity_id = :id"), {"id": str(watchlist_id)}
        ).one()
    assert tuple(row) == ("asha", "morning review")


def test_leaving_without_commit_keeps_nothing(fresh_db) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(fresh_db.engine, actor="asha") as unit:
        add_watchlist(unit)
    with UnitOfWork(fresh_db.engine, actor="asha") as unit:
        assert unit.session.execute(text("select count(*) from watchlists")).scalar_one() == 0
        add_watchlist(unit)
        unit.commit()
    with UnitOfWork(fresh_db.engine, actor="asha") as unit:
        assert unit.session.execute(text("select count(*) from watchlists")).scalar_one() == 1


def test_read_only_unit_refuses_writes(make_uow: Callable[..., UnitOfWork]) -> None:
    with make_uow(read_only=True) as unit, pytest.raises(ReadOnlyViolation):
        unit.commit()
    with pytest.raises(ReadOnlyViolation), make_uow(read_only=True) as unit:
        add_watchlist(unit)


def test_a_broken_rule_leaves_as_invalid_input_naming_the_field(make_uow: Callable[..., UnitOfWork]) -> None:
    with make_uow() as unit:
        add_watchlist(unit, "Momentum")
        unit.commit()
    with pytest.raises(InvalidInput) as caught, make_uow() as unit:
        add_watchlist(unit, "Momentum")
    assert caught.value.fields == {"name": "a watchlist with this name already exists"}


def test_a_stale_version_writes_nothing_and_reports_both_sides(make_uow: Callable[..., UnitOfWork]) -> None:
    table = Watchlist.__table__
    with make_uow() as unit:
        watchlist_id = add_watchlist(unit)
        repository = unit.repository(Repository)
        repository._update_versioned(table, watchlist_id, 1, {"description": "first"}, entity="watchlist")
        with pytest.raises(EditConflict) as caught:
            repository._update_versioned(table, watchlist_id, 1, {"description": "second"}, entity="watchlist")
        stored = unit.session.execute(
            text("select description, version from watchlists where id = :id"), {"id": watchlist_id}
        ).one()
    assert tuple(stored) == ("first", 2)
    assert caught.value.stored["description"] == "first"
    assert caught.value.attempted == {"description": "second"}
    assert "version 1" in str(caught.value)


def read_after_the_server_dropped_us(database: Database) -> None:
    with UnitOfWork(database.engine) as unit:
        pid = unit.session.execute(text("select pg_backend_pid()")).scalar_one()
        with database.connect() as other:
            other.execute("select pg_terminate_backend(%s)", (pid,))
        unit.session.execute(text("select 1"))


def test_lost_server_is_reported_as_unavailable(fresh_db) -> None:  # type: ignore[no-untyped-def]
    database = Database(fresh_db.target)
    with pytest.raises(StoreUnavailable, match="lost the connection"):
        read_after_the_server_dropped_us(database)
    database.close()
