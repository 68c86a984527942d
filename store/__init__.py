"""The data layer of the workstation: models, repositories, unit of work. Never imports Textual."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.errors import StoreError

if TYPE_CHECKING:
    from store.db import Database
    from store.uow import UnitOfWork

_database: Database | None = None
_actor: str | None = None


def use_database(database: Database, *, actor: str | None = None) -> None:
    """Make `database` the one this process works on (the engine is created once), and `actor` its analyst."""
    global _database, _actor
    _database = database
    _actor = actor


def current_database() -> Database:
    if _database is None:
        raise StoreError("no database is open: call store.use_database() first")
    return _database


def current_actor() -> str:
    """Who this process acts as: the configured analyst, else WORKSTATION_ANALYST, else the OS user."""
    from store.uow import default_actor

    return _actor or default_actor()


def unit_of_work(*, actor: str | None = None, reason: str | None = None, read_only: bool = False) -> UnitOfWork:
    """A unit of work on the process's database; see store.uow.UnitOfWork."""
    from store.uow import UnitOfWork

    database = current_database()
    return UnitOfWork(database.engine, actor=actor, reason=reason, read_only=read_only, target=database.target.display)


__all__ = ["StoreError", "current_actor", "current_database", "unit_of_work", "use_database"]
