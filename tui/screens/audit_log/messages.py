"""What the audit-log screen's workers report: past tense, plain records inside."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from store.records.audit import AuditEntry
from tui.screens.audit_log.data import AuditView, EntityTarget, EntryDetail, MatchCount


@dataclass
class AuditPageRead(Message, bubble=False):
    """A page of entries was read; `request` tells a stale read from the latest."""

    request: int
    view: AuditView


@dataclass
class MatchesCounted(Message, bubble=False):
    """The entries matching the filter were counted, after their first page was shown; `request` tells a stale
    count from the latest."""

    request: int
    total: MatchCount


@dataclass
class AuditDetailRead(Message, bubble=False):
    """The entry at the cursor was read with its field-by-field changes."""

    detail: EntryDetail


@dataclass
class ChangeUndone(Message, bubble=False):
    """The undo was committed: `undo` is the compensating change's own entry."""

    undone_id: int
    undo: AuditEntry


@dataclass
class UndoWasRefused(Message, bubble=False):
    """The store refused the undo and wrote nothing; `reason` says why (the row changed since, …)."""

    entry_id: int
    reason: str


@dataclass
class EntityFound(Message, bubble=False):
    """Where the entry at the cursor leads, read from the database."""

    target: EntityTarget
