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
    """Entries newest first, from `offset`, at most `limit` of them; `has_more` when older ones match too.

    How many match in all is not part of a page: counting every match costs more than reading a page
    (`AuditRepository.count` does it).
    """

    entries: tuple[AuditEntry, ...]
    offset: int
    limit: int
    has_more: bool


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One column of a row before and after a change (None on the side where the row did not exist)."""

    field: str
    before: object
    after: object
