"""What the watchlists screen's workers report: past tense, plain records inside."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from textual.message import Message

from store.errors import EditConflict
from store.records.audit import AuditEntry
from tui.screens.watchlists.data import PendingWrite, WatchlistsView, WriteDone


@dataclass(frozen=True, slots=True)
class ConflictContext:
    """A write that met someone else's: what to re-apply (on their version), what the analyst had read, and
    how to reopen the form (None where there was no form: delete, move, extend)."""

    pending: PendingWrite
    conflict: EditConflict
    read: Mapping[str, Any]
    entity_type: str
    read_version: int
    reopen: Callable[[], None] | None = None


@dataclass
class WatchlistsRead(Message, bubble=False):
    """The lists and the shown list's entries were read; `request` tells a stale read from the latest."""

    request: int
    view: WatchlistsView


@dataclass
class WriteSaved(Message, bubble=False):
    """A write was committed."""

    done: WriteDone


@dataclass
class WriteConflicted(Message, bubble=False):
    """A write met someone else's edit and wrote nothing."""

    pending: PendingWrite
    conflict: EditConflict


@dataclass
class ConflictExplained(Message, bubble=False):
    """The last change to the contested row was read, so the conflict modal can say whose it was."""

    context: ConflictContext
    changed_by: AuditEntry | None


@dataclass
class UndoSaved(Message, bubble=False):
    """The analyst's last change on the list was undone."""

    undone: AuditEntry


@dataclass
class UndoDeclined(Message, bubble=False):
    """Nothing was undone: the store refused (the row moved on) or there was nothing left to undo."""

    reason: str
