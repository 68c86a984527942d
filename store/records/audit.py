"""Records of the audit trail: one entry per change, a page of entries, and one field's change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change or decision: who, what, when, why, and a one-line summary of what changed.

    `reverses_id` names the entry an undo reversed.
    """

    id: int
    occurred_at: dt.datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str | None
    reason: str | None
    summary: str
    reverses_id: int | None


@dataclass(frozen=True, slots=True)
class AuditPage:
    """Entries newest first, from `offset`, at most `limit` of them, out of `total` that matched."""

    entries: tuple[AuditEntry, ...]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.entries) < self.total


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One column of a row before and after a change (None on the side where the row did not exist)."""

    field: str
    before: object
    after: object
