"""What the audit-log screen reads and writes: plain functions its thread workers call, never touching widgets."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

import store
from store.errors import InvalidInput
from store.records.audit import AuditEntry, AuditPage, FieldChange
from store.uow import UnitOfWork

PAGE_SIZE = 200
# A text search is counted up to this many matches (then shown as "more than"): counting reads each match.
COUNT_AT_MOST = 10_000
FRAME_SCHEMA: dict[str, Any] = {
    "id": pl.Int64,
    "time": pl.String,
    "actor": pl.String,
    "action": pl.String,
    "entity": pl.String,
    "summary": pl.String,
}
TIME_HELP = "YYYY-MM-DD, YYYY-MM-DD HH:MM (UTC), or 3d / 12h / 30m ago"
_AGO = re.compile(r"^(\d+)\s*([dhm])$")
_AGO_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
TargetKind = Literal["security", "queue-item", "watchlist", "none"]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the analyst narrowed the log to; None and blank mean no filter. `until` is exclusive."""

    actor: str | None = None
    entity_type: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    text: str | None = None

    @property
    def is_empty(self) -> bool:
        return self == AuditFilter()

    def describe(self) -> str:
        """The filters as a line: "actor asha.rao · entity research_queue · since 2026-11-20 00:00"."""
        parts = []
        if self.actor:
            parts.append(f"actor {self.actor}")
        if self.entity_type:
            parts.append(f"entity {self.entity_type}")
        if self.since is not None:
            parts.append(f"since {shown_time(self.since, seconds=False)}")
        if self.until is not None:
            parts.append(f"before {shown_time(self.until, seconds=False)}")
        if self.text:
            parts.append(f"text “{self.text}”")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class FilterForm:
    """The filter form as typed."""

    actor: str = ""
    entity_type: str = ""
    since: str = ""
    until: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class AuditView:
    """One page of entries, newest first, as records and as the table's frame."""

    page: AuditPage
    frame: pl.DataFrame


@dataclass(frozen=True, slots=True)
class MatchCount:
    """How many entries match the filter; `more`: more than `count` do (counting stopped there)."""

    count: int
    more: bool = False

    def shown(self) -> str:
        return f"more than {self.count:,}" if self.more else f"{self.count:,}"


@dataclass(frozen=True, slots=True)
class EntryDetail:
    """One entry and its field-by-field changes."""

    entry: AuditEntry
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class EntityTarget:
    """Where `enter` on an entry goes: a security's detail, a queue item in its area, a watchlist, or nowhere."""

    kind: TargetKind
    security_id: int | None = None
    row_id: uuid.UUID | None = None
    status: str | None = None
    explanation: str = ""


def _unit(*, read_only: bool = False, reason: str | None = None) -> UnitOfWork:
    return store.unit_of_work(actor=store.current_actor(), read_only=read_only, reason=reason)


def shown_time(moment: dt.datetime, *, seconds: bool = True) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M{':%S' if seconds else ''}}"


def read_page(wanted: AuditFilter, before_id: int | None = None, limit: int = PAGE_SIZE) -> AuditView:
    """A page of matches, newest first, older than entry `before_id` (None: from the newest)."""
    with _unit(read_only=True) as uow:
        page = uow.audit.query(
            actor=wanted.actor,
            entity_type=wanted.entity_type,
            since=wanted.since,
            until=wanted.until,
            text=wanted.text,
            before_id=before_id,
            limit=limit,
        )
    return AuditView(page, audit_frame(page.entries))


def count_matches(wanted: AuditFilter) -> MatchCount:
    """How many entries match: read after the page, as every match is read to count it.

    A text search stops counting after COUNT_AT_MOST: a common word matches most of a large log.
    """
    at_most = COUNT_AT_MOST if wanted.text else None
    with _unit(read_only=True) as uow:
        counted = uow.audit.count(
            actor=wanted.actor,
            entity_type=wanted.entity_type,
            since=wanted.since,
            until=wanted.until,
            text=wanted.text,
            at_most=at_most,
        )
    if at_most is not None and counted > at_most:
        return MatchCount(at_most, more=True)
    return MatchCount(counted)


def audit_frame(entries: tuple[AuditEntry, ...]) -> pl.DataFrame:
    rows = [
        {
            "id": entry.id,
            "time": shown_time(entry.occurred_at),
            "actor": entry.actor,
            "action": entry.action,
            "entity": entry.summary.partition(": ")[0] if ": " in entry.summary else entry.entity_type,
            "summary": entry.summary.partition(": ")[2] or entry.summary,
        }
        for entry in entries
    ]
    return pl.DataFrame(rows, schema=FRAME_SCHEMA)


def read_detail(entry_id: int) -> EntryDetail:
    with _unit(read_only=True) as uow:
        return EntryDetail(uow.audit.entry(entry_id), tuple(uow.audit.diff(entry_id)))


def undo_entry(entry_id: int) -> AuditEntry:
    """Undo one change with a compensating one (itself audited); UndoRefused (nothing written) says why not."""
    with _unit(reason="undo from the audit log") as uow:
        undone = uow.audit.undo(entry_id)
        uow.commit()
    return undone


def entity_target(entry: AuditEntry) -> EntityTarget:
    """What the entry is about, read now: the row may have moved on or gone since the entry was written."""
    from store.errors import NotFound

    if entry.entity_id is None:
        return EntityTarget("none", explanation=f"#{entry.id} names no row")
    try:
        with _unit(read_only=True) as uow:
            if entry.entity_type == "securities":
                return EntityTarget("security", security_id=int(entry.entity_id))
            if entry.entity_type == "research_queue":
                item = uow.research_queue.item(uuid.UUID(entry.entity_id))
                return EntityTarget("queue-item", security_id=item.security_id, row_id=item.id, status=item.status)
            if entry.entity_type == "watchlist_entries":
                watched = uow.watchlists.entry(uuid.UUID(entry.entity_id), include_deleted=True)
                return EntityTarget("security", security_id=watched.security_id)
            if entry.entity_type == "watchlists":
                return EntityTarget("watchlist", row_id=uow.watchlists.watchlist(uuid.UUID(entry.entity_id)).id)
    except NotFound as gone:
        return EntityTarget("none", explanation=f"{gone}: it was removed since #{entry.id}")
    return EntityTarget("none", explanation=f"the workstation has no screen for {entry.entity_type} rows yet")


def parse_filter_form(form: FilterForm, now: dt.datetime) -> AuditFilter:
    """The typed filter; InvalidInput names each field that cannot be read."""
    problems: dict[str, str] = {}
    moments: dict[str, dt.datetime | None] = {}
    for field, typed in (("since", form.since), ("until", form.until)):
        try:
            moments[field] = parse_moment(typed, now, end_of_day=field == "until")
        except ValueError as exc:
            problems[field] = str(exc)
    since, until = moments.get("since"), moments.get("until")
    if since is not None and until is not None and since > until:
        problems["until"] = "is before the start of the range"
    if problems:
        details = "; ".join(f"{field}: {problem}" for field, problem in problems.items())
        raise InvalidInput(f"the filter cannot be read ({details})", fields=problems)
    return AuditFilter(
        actor=form.actor.strip() or None,
        entity_type=form.entity_type.strip() or None,
        since=since,
        until=until,
        text=form.text.strip() or None,
    )


def form_from_filter(wanted: AuditFilter) -> FilterForm:
    return FilterForm(
        actor=wanted.actor or "",
        entity_type=wanted.entity_type or "",
        since="" if wanted.since is None else shown_time(wanted.since, seconds=False),
        until="" if wanted.until is None else shown_time(wanted.until, seconds=False),
        text=wanted.text or "",
    )


def parse_moment(typed: str, now: dt.datetime, *, end_of_day: bool = False) -> dt.datetime | None:
    """'2026-11-20' (a whole day: its end when `end_of_day`), '2026-11-20 14:05' (UTC), '3d'/'12h'/'30m' ago."""
    cleaned = typed.strip().lower()
    if not cleaned:
        return None
    ago = _AGO.match(cleaned)
    if ago is not None:
        return now - dt.timedelta(**{_AGO_UNITS[ago.group(2)]: int(ago.group(1))})
    try:
        if len(cleaned) == 10:
            day = dt.date.fromisoformat(cleaned)
            start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            return start + dt.timedelta(days=1) if end_of_day else start
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"'{typed.strip()}' is not a time: {TIME_HELP}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
