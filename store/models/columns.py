"""Column groups shared by many tables: keys, creation and update times, versions, soft delete."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import BigInteger, CheckConstraint, Identity, func, text
from sqlalchemy.orm import Mapped, mapped_column

# Bookkeeping columns go after a table's own columns, in this order.
_CREATED_AT_ORDER = 900
_UPDATED_AT_ORDER = 901
_VERSION_ORDER = 902
_DELETED_AT_ORDER = 903


class BigIdentityKey:
    """A compact key for reference, event and log rows: bigint generated always as identity."""

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True, sort_order=-100)


class UuidV7Key:
    """A key for rows that agents and analysts create: a time-ordered UUIDv7 made by the server."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=text("uuidv7()"), sort_order=-100)


class CreatedAt:
    """When the row was inserted, by the server's clock."""

    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), sort_order=_CREATED_AT_ORDER)


class Timestamps(CreatedAt):
    """Creation and last update times; a trigger (migration 0007) keeps updated_at for every writer."""

    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), sort_order=_UPDATED_AT_ORDER)


class Versioned:
    """Optimistic concurrency: an update names the version it read and bumps it."""

    version: Mapped[int] = mapped_column(server_default=text("1"), sort_order=_VERSION_ORDER)


class SoftDeleted:
    """Rows are hidden, not removed; partial unique indexes look only at live rows."""

    deleted_at: Mapped[dt.datetime | None] = mapped_column(sort_order=_DELETED_AT_ORDER)


def one_of(column: str, values: Sequence[str]) -> str:
    """The SQL of a vocabulary CHECK: `column in ('a', 'b')`."""
    listed = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"{column} in ({listed})"


def vocabulary(column: str, values: Sequence[str], name: str | None = None) -> CheckConstraint:
    """A named CHECK that keeps `column` inside a small vocabulary (named after the column by default)."""
    return CheckConstraint(one_of(column, values), name=name or column)
