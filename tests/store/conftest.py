"""Units of work for store tests: inside the test's rolled-back transaction, or on a fresh database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Connection

from store.uow import UnitOfWork


@pytest.fixture
def make_uow(conn: Connection) -> Callable[..., UnitOfWork]:
    """UnitOfWork factory bound to `conn`: its commit() releases a savepoint; the test still rolls back."""

    def make(*, actor: str = "tester", reason: str | None = None, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(conn, actor=actor, reason=reason, read_only=read_only, target="the test database")

    return make


@pytest.fixture
def uow(make_uow: Callable[..., UnitOfWork]) -> Iterator[UnitOfWork]:
    """An open unit of work acting as 'tester'."""
    with make_uow() as unit:
        yield unit
