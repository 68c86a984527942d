"""The store's small error hierarchy: messages a human can act on, raised from the original."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class NotFound(StoreError):
    """The row asked for does not exist (or no longer does)."""


class InvalidInput(StoreError):
    """Input broke a rule; `fields` maps each field name to what is wrong with it."""

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})


class EditConflict(StoreError):
    """Someone changed the row since it was read; nothing was written."""

    def __init__(self, message: str, *, stored: Mapping[str, Any], attempted: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.stored = dict(stored)
        self.attempted = dict(attempted)


class ReadOnlyViolation(StoreError):
    """A read-only unit of work was asked to write; nothing was written."""


class UndoRefused(StoreError):
    """An audit entry cannot be undone; nothing was written. `blocking_entry_id` names a later change in the way."""

    def __init__(self, message: str, *, entry_id: int, blocking_entry_id: int | None = None) -> None:
        super().__init__(message)
        self.entry_id = entry_id
        self.blocking_entry_id = blocking_entry_id


class StoreUnavailable(StoreError):
    """The database cannot be reached or refused the connection."""

    def __init__(self, message: str, *, target: str) -> None:
        super().__init__(message)
        self.target = target


class InvalidDatabaseUrl(StoreError):
    """The database URL given on the command line or in the environment is malformed."""


class EmbeddedServerError(StoreError):
    """The embedded PostgreSQL could not be started."""


class SchemaMismatch(StoreError):
    """The database schema is not at the revision this version of the code expects."""

    def __init__(self, message: str, *, current: tuple[str, ...], expected: tuple[str, ...]) -> None:
        super().__init__(message)
        self.current = current
        self.expected = expected
