"""What the research-queue screen reads and writes: plain functions its thread workers call, never touching widgets."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

import store
from store.errors import InvalidInput
from store.models.research import RESEARCH_STATUSES
from store.records.research_queue import PRIORITY_RANGE, QueueItem
from store.uow import UnitOfWork
from tui.widgets.status_line import describe_age

# The status filter, in the order `[`/`]` walk it: the open items first (the default), then everything.
OPEN_FILTER = "open"
ALL_FILTER = "all"
STATUS_FILTERS = (OPEN_FILTER, *RESEARCH_STATUSES, ALL_FILTER)
SCORE_STEP = decimal.Decimal(1)
QueueWriteKind = Literal["advance", "retreat", "rescore", "claim"]
FRAME_SCHEMA: dict[str, Any] = {
    "id": pl.String,
    "security_id": pl.Int64,
    "symbol": pl.String,
    "security_name": pl.String,
    "score": pl.Float64,
    "status": pl.String,
    "priority": pl.Int64,
    "assignee": pl.String,
    "age": pl.String,
    "source": pl.String,
}


@dataclass(frozen=True, slots=True)
class QueueView:
    """The items the filter picks, as records and as the table's frame, and how many items each status has."""

    items: tuple[QueueItem, ...]
    frame: pl.DataFrame
    counts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class QueueWrite:
    """A one-key write on one item, on the version the analyst saw."""

    kind: QueueWriteKind
    item_id: uuid.UUID
    version: int
    symbol: str
    score: decimal.Decimal | None = None


@dataclass(frozen=True, slots=True)
class QueueForm:
    """The add/edit form as typed (text, so nothing typed is lost to an error). `item_id` set: an edit."""

    symbol: str = ""
    score: str = ""
    priority: str = "0"
    assignee: str = ""
    notes: str = ""
    item_id: uuid.UUID | None = None
    version: int | None = None


def _unit(*, read_only: bool = False, reason: str | None = None) -> UnitOfWork:
    return store.unit_of_work(actor=store.current_actor(), read_only=read_only, reason=reason)


def read_queue(status_filter: str, now: dt.datetime) -> QueueView:
    """The items the filter picks, most urgent first, with the counts by status, in one read-only unit of work."""
    with _unit(read_only=True) as uow:
        queue = uow.research_queue
        if status_filter == OPEN_FILTER:
            items = queue.items()
        elif status_filter == ALL_FILTER:
            items = queue.items(include_closed=True)
        else:
            items = queue.items(statuses=[status_filter])
        counts = queue.counts_by_status()
    return QueueView(tuple(items), queue_frame(items, now), counts)


def queue_frame(items: list[QueueItem] | tuple[QueueItem, ...], now: dt.datetime) -> pl.DataFrame:
    """One row per item with the columns the table shows; `age` measured against the app's clock."""
    rows = [
        {
            "id": str(item.id),
            "security_id": item.security_id,
            "symbol": item.symbol,
            "security_name": item.security_name,
            "score": None if item.score is None else float(item.score),
            "status": item.status,
            "priority": item.priority,
            "assignee": item.assignee,
            "age": describe_age(now - item.created_at),
            "source": item.source,
        }
        for item in items
    ]
    return pl.DataFrame(rows, schema=FRAME_SCHEMA)


def apply_write(write: QueueWrite) -> QueueItem:
    """Carry out a one-key write in its own unit of work; EditConflict and InvalidInput leave nothing written."""
    with _unit() as uow:
        queue = uow.research_queue
        if write.kind == "advance":
            item = queue.advance(write.item_id, write.version)
        elif write.kind == "retreat":
            item = queue.retreat(write.item_id, write.version)
        elif write.kind == "rescore":
            item = queue.rescore(write.item_id, write.version, write.score)
        else:
            item = queue.claim(write.item_id, write.version)
        uow.commit()
    return item


def stepped_score(score: decimal.Decimal | None, step: int) -> decimal.Decimal:
    """The score one step up or down; an unscored item starts from zero."""
    return (score or decimal.Decimal(0)) + SCORE_STEP * step


def describe_write(write: QueueWrite, item: QueueItem) -> str:
    if write.kind in ("advance", "retreat"):
        return f"{item.symbol} is now {item.status}"
    if write.kind == "rescore":
        return f"{item.symbol} scored {shown_score(item.score)}"
    return f"{item.symbol} is assigned to {item.assignee}"


def shown_score(score: decimal.Decimal | None) -> str:
    return "none" if score is None else format(score.normalize(), "f")


def form_from_item(item: QueueItem) -> QueueForm:
    return QueueForm(
        symbol=item.symbol,
        score="" if item.score is None else shown_score(item.score),
        priority=str(item.priority),
        assignee=item.assignee or "",
        notes=item.notes or "",
        item_id=item.id,
        version=item.version,
    )


@dataclass(frozen=True, slots=True)
class QueueValues:
    """The form read as values the repository takes."""

    score: decimal.Decimal | None
    priority: int
    assignee: str | None
    notes: str | None


def parse_queue_form(form: QueueForm) -> QueueValues:
    """The typed form as values; InvalidInput names every field that cannot be read (the store checks the rest)."""
    problems: dict[str, str] = {}
    if form.item_id is None and not form.symbol.strip():
        problems["symbol"] = "type a symbol, e.g. INFY (→ accepts the suggestion)"
    score: decimal.Decimal | None = None
    if form.score.strip():
        try:
            score = decimal.Decimal(form.score.strip().replace(",", ""))
        except decimal.InvalidOperation:
            problems["score"] = f"'{form.score.strip()}' is not a number"
        else:
            if not score.is_finite():
                problems["score"] = f"'{form.score.strip()}' is not a number"
    priority = 0
    first, last = PRIORITY_RANGE[0], PRIORITY_RANGE[-1]
    typed_priority = form.priority.strip() or "0"
    if typed_priority.isdigit() and int(typed_priority) in PRIORITY_RANGE:
        priority = int(typed_priority)
    else:
        problems["priority"] = f"'{typed_priority}' is not a priority: a whole number from {first} to {last}"
    if problems:
        details = "; ".join(f"{field}: {problem}" for field, problem in problems.items())
        raise InvalidInput(f"the form cannot be read ({details})", fields=problems)
    return QueueValues(score, priority, form.assignee.strip() or None, form.notes.strip() or None)


def add_item(form: QueueForm) -> QueueItem:
    """The form's security queued by the analyst (the add form's save; runs in the form's worker)."""
    from tui.screens.watchlists.data import resolve_security

    values = parse_queue_form(form)
    with _unit() as uow:
        security_id = resolve_security(uow, form.symbol)
        queue = uow.research_queue
        item = queue.add(security_id, score=values.score, priority=values.priority, notes=values.notes)
        if values.assignee is not None:
            item = queue.assign(item.id, item.version, values.assignee)
        uow.commit()
    return item


def edit_item(basis: QueueForm, form: QueueForm) -> QueueItem:
    """Write the fields changed from `basis` (what the form opened with), all in one transaction on its version."""
    assert form.item_id is not None
    assert form.version is not None
    values, before = parse_queue_form(form), parse_queue_form(basis)
    with _unit() as uow:
        queue = uow.research_queue
        item = queue.item(form.item_id)
        version = form.version
        if values.priority != before.priority:
            version = queue.prioritise(form.item_id, version, values.priority).version
        if values.score != before.score:
            version = queue.rescore(form.item_id, version, values.score).version
        if values.assignee != before.assignee:
            version = queue.assign(form.item_id, version, values.assignee).version
        if values.notes != before.notes:
            version = queue.annotate(form.item_id, version, values.notes).version
        if version != form.version:
            item = queue.item(form.item_id)
            uow.commit()
    return item


def reject_item(item_id: uuid.UUID, version: int, reason: str) -> QueueItem:
    """Reject the item with the analyst's reason (the reject form's save)."""
    with _unit(reason=reason.strip() or None) as uow:
        item = uow.research_queue.reject(item_id, version, reason)
        uow.commit()
    return item
