"""What every repository shares: its session, the acting analyst, and versioned (optimistic) updates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from store.errors import EditConflict, NotFound


class Repository:
    """Base of the repositories: they read and flush; only the unit of work commits."""

    def __init__(self, session: Session, *, actor: str) -> None:
        self._session = session
        self._actor = actor

    def _update_versioned(
        self, table: Table, row_id: Any, read_version: int, values: Mapping[str, Any], *, entity: str
    ) -> RowMapping:
        """UPDATE … WHERE id AND version: a stale version writes nothing and raises EditConflict.

        The version itself is bumped by the database trigger, for every writer.
        """
        statement = (
            update(table)
            .where(table.c.id == row_id, table.c.version == read_version)
            .values(**values)
            .returning(*table.c)
        )
        row = self._session.execute(statement).mappings().one_or_none()
        if row is not None:
            return row
        stored = self._session.execute(select(table).where(table.c.id == row_id)).mappings().one_or_none()
        if stored is None:
            raise NotFound(f"{entity} {row_id} no longer exists")
        raise EditConflict(
            f"{entity} was changed by someone else since you read it (you read version {read_version}, "
            f"it is now at version {stored['version']}): nothing was written",
            stored=dict(stored),
            attempted=dict(values),
        )
