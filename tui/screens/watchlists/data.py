"""What the watchlists screen reads and writes: plain functions its thread workers call, never touching widgets."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import store
from store.errors import InvalidInput, NotFound
from store.records.audit import AuditEntry
from store.records.watchlists import WatchlistEntryView, WatchlistSummary
from store.uow import UnitOfWork
from tui.modals.watchlist_entry import EntryForm, parse_entry_form

EXTEND_DAYS = 30
# How far back `u` looks for the analyst's last change on a list.
UNDO_SCAN = 200
WATCHLIST_TABLES = ("watchlists", "watchlist_entries")
ENTRY_FIELDS = ("trigger_type", "trigger_value", "thesis", "expiry_date")
WriteKind = Literal["edit", "move", "remove", "rename", "delete-list"]


@dataclass(frozen=True, slots=True)
class WatchlistsView:
    """The lists, the one shown, and its live entries, read in one unit of work."""

    lists: list[WatchlistSummary]
    current: WatchlistSummary | None
    entries: list[WatchlistEntryView]


@dataclass(frozen=True, slots=True)
class PendingWrite:
    """A write the analyst asked for, kept whole so a conflict can show it and apply it on the newer version."""

    kind: WriteKind
    target_id: uuid.UUID
    version: int
    values: Mapping[str, Any]
    subject: str

    def on_version(self, version: int) -> PendingWrite:
        return replace(self, version=version)


@dataclass(frozen=True, slots=True)
class WriteDone:
    """What a write did, in a sentence, and which entry to keep the cursor on."""

    note: str
    entry_id: uuid.UUID | None = None


class NothingToUndo(Exception):
    """The analyst has no change on this list that is not undone already."""


def _unit(*, read_only: bool = False, reason: str | None = None) -> UnitOfWork:
    """A unit of work acting as the process's analyst (store.current_actor(), which config.toml may set)."""
    return store.unit_of_work(actor=store.current_actor(), read_only=read_only, reason=reason)


def read_watchlists(wanted_id: uuid.UUID | None, wanted_name: str | None = None) -> WatchlistsView:
    """All live lists; the wanted one (by id, else by name, else the first) with its entries."""
    with _unit(read_only=True) as uow:
        lists = uow.watchlists.lists()
        current = _pick(lists, wanted_id, wanted_name)
        entries = uow.watchlists.entries(current.id) if current is not None else []
    return WatchlistsView(lists, current, entries)


def _pick(
    lists: list[WatchlistSummary], wanted_id: uuid.UUID | None, wanted_name: str | None
) -> WatchlistSummary | None:
    by_id = next((summary for summary in lists if summary.id == wanted_id), None)
    by_name = next((summary for summary in lists if wanted_name and summary.name == wanted_name), None)
    return by_id or by_name or (lists[0] if lists else None)


def apply_write(pending: PendingWrite) -> WriteDone:
    """Carry out one write in its own unit of work; EditConflict and InvalidInput leave it unwritten."""
    with _unit() as uow:
        done = _apply(uow, pending)
        uow.commit()
    return done


def _apply(uow: UnitOfWork, pending: PendingWrite) -> WriteDone:
    lists, target, version = uow.watchlists, pending.target_id, pending.version
    if pending.kind == "edit":
        edited = lists.edit(target, version, **pending.values)
        return WriteDone(f"{pending.subject} saved{_expiry_note(pending.values)}", edited.id)
    if pending.kind == "move":
        moved = lists.move(target, version, pending.values["watchlist_id"])
        return WriteDone(f"{pending.subject} moved to {lists.watchlist(moved.watchlist_id).name}")
    if pending.kind == "remove":
        lists.remove(target, version)
        return WriteDone(f"{pending.subject} removed (u undoes it)")
    if pending.kind == "rename":
        renamed = lists.rename(target, version, pending.values["name"])
        return WriteDone(f"{pending.subject} renamed to '{renamed.name}'")
    lists.delete(target, version)
    return WriteDone(f"{pending.subject} deleted")


def _expiry_note(values: Mapping[str, Any]) -> str:
    expiry = values.get("expiry_date")
    return f": expires {expiry:%Y-%m-%d}" if isinstance(expiry, dt.date) and len(values) == 1 else ""


def extended_expiry(expiry: dt.date | None, today: dt.date, days: int = EXTEND_DAYS) -> dt.date:
    """`days` after the later of today and the current expiry."""
    return max(today, expiry or today) + dt.timedelta(days=days)


def add_entry(watchlist_id: uuid.UUID, form: EntryForm, *, today: dt.date) -> WatchlistEntryView:
    """The form's security added to the list (the form's save; runs in the form's worker)."""
    values = parse_entry_form(form, today)
    with _unit() as uow:
        security_id = form.security_id if form.security_id is not None else resolve_security(uow, form.symbol)
        added = uow.watchlists.add(watchlist_id, security_id, **values.as_fields())
        uow.commit()
    return added


def edit_entry(
    entry_id: uuid.UUID, version: int, basis: Mapping[str, Any], form: EntryForm, *, today: dt.date
) -> WatchlistEntryView:
    """Write the fields the analyst changed from `basis` (the values the form opened with) on `version`."""
    values = parse_entry_form(form, today).as_fields()
    changed = {name: value for name, value in values.items() if basis.get(name) != value}
    with _unit() as uow:
        if not changed:
            return uow.watchlists.entry(entry_id)
        edited = uow.watchlists.edit(entry_id, version, **changed)
        uow.commit()
    return edited


def entry_basis(entry: WatchlistEntryView) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in ENTRY_FIELDS}


def resolve_security(uow: UnitOfWork, typed: str) -> int:
    """INFY or INFY:NSE → the security's id; a problem is reported on the symbol field."""
    from store.repositories.securities import SecurityRepository

    symbol, _, exchange = typed.strip().upper().partition(":")
    try:
        return uow.repository(SecurityRepository).by_symbol(symbol, exchange or None).security_id
    except NotFound as missing:
        raise InvalidInput(str(missing), fields={"symbol": f"{missing}: check the symbol"}) from missing
    except InvalidInput as unclear:
        problem = next(iter(unclear.fields.values()), str(unclear))
        raise InvalidInput(str(unclear), fields={"symbol": f"{problem}, e.g. {symbol}:NSE"}) from unclear


def create_list(name: str) -> WatchlistSummary:
    with _unit() as uow:
        created = uow.watchlists.create(name)
        uow.commit()
    return created


def rename_list(watchlist_id: uuid.UUID, version: int, name: str) -> WatchlistSummary:
    with _unit() as uow:
        renamed = uow.watchlists.rename(watchlist_id, version, name)
        uow.commit()
    return renamed


def undo_last_change(watchlist_id: uuid.UUID, actor: str) -> AuditEntry:
    """Undo the analyst's newest change on this list (its row or its entries) that is not undone yet.

    Returns the entry undone; UndoRefused (from the store) says why not, NothingToUndo when there is none.
    """
    with _unit(reason="undo on the watchlists screen") as uow:
        target = last_undoable(uow, watchlist_id, actor)
        if target is None:
            raise NothingToUndo(f"none of your changes on this list is left to undo ({actor})")
        uow.audit.undo(target.id)
        uow.commit()
    return target


def last_undoable(uow: UnitOfWork, watchlist_id: uuid.UUID, actor: str) -> AuditEntry | None:
    """Newest first: the list's row, and entries whose row (before or after) names the list; undos are skipped
    along with the changes they reversed."""
    page = uow.audit.query(actor=actor, text=str(watchlist_id), limit=UNDO_SCAN)
    reversed_ids: set[int] = set()
    for entry in page.entries:
        if entry.entity_type not in WATCHLIST_TABLES:
            continue
        if entry.reverses_id is not None:
            reversed_ids.add(entry.reverses_id)
        elif entry.id not in reversed_ids:
            return entry
    return None


def last_change_of(entity_type: str, entity_id: uuid.UUID) -> AuditEntry | None:
    """Who changed a row last (to tell the analyst whose edit came first)."""
    with _unit(read_only=True) as uow:
        page = uow.audit.query(entity_type=entity_type, entity_id=str(entity_id), limit=1)
    return page.entries[0] if page.entries else None
