"""The unit of work: one Session in the calling thread, the actor named for the audit trigger, commit or roll back."""

from __future__ import annotations

import getpass
import os
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, SessionTransaction

from store.errors import StoreError
from store.repositories.catalog import CatalogRepository

ANALYST_ENV = "WORKSTATION_ANALYST"


def default_actor() -> str:
    """The configured analyst name, else the OS user."""
    return os.environ.get(ANALYST_ENV) or getpass.getuser()


class ReadOnlyViolation(StoreError):
    """A read-only unit of work was asked to commit a change."""


class UnitOfWork:
    """`with UnitOfWork(engine, actor=...) as uow:` — nothing is kept unless `uow.commit()` is called."""

    def __init__(
        self, engine: Engine, *, actor: str | None = None, reason: str | None = None, read_only: bool = False
    ) -> None:
        self._engine = engine
        self.actor = actor or default_actor()
        self.reason = reason
        self.read_only = read_only
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise StoreError("the unit of work is used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = Session(self._engine, expire_on_commit=False, autoflush=False)
        event.listen(self._session, "after_begin", self._name_transaction)
        self.catalog = CatalogRepository(self._session)
        return self

    def _name_transaction(self, session: Session, transaction: SessionTransaction, connection: Any) -> None:
        """Every transaction of this unit carries the actor (and reason) the audit trigger records."""
        if self.read_only:
            connection.exec_driver_sql("set transaction read only")
        connection.execute(
            text("select set_config('app.actor', :actor, true), set_config('app.reason', :reason, true)"),
            {"actor": self.actor, "reason": self.reason or ""},
        )

    def commit(self) -> None:
        if self.read_only:
            raise ReadOnlyViolation("this unit of work is read-only; nothing was written")
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self.session, None
        session.rollback()
        session.close()
