"""The audit trail: search it, show one change field by field, and undo a change with a compensating one."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, Text, cast, delete, func, insert, null, select, text, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.types import JSON, Date, DateTime, Integer, Numeric, Uuid

from store.errors import InvalidInput, NotFound, StoreError, UndoRefused
from store.models import Base
from store.records.audit import AuditEntry, AuditPage, FieldChange
from store.repositories.audit_search import search_condition
from store.repositories.base import Repository

# The tables whose rows the audit trigger of migration 0007 records (its WATCHED_TABLES); only these are undone.
_RESEARCH_TABLES = ("signals", "analysis_results", "watchlists", "watchlist_entries", "research_queue", "reports")
_CONFIG_AND_TRADING_TABLES = ("agent_configs", "strategies", "portfolio_positions", "orders", "trades")
AUDITED_TABLES = (*_RESEARCH_TABLES, *_CONFIG_AND_TRADING_TABLES, "portfolio_snapshots")
# Columns the database keeps itself: never shown as a change, never compared, never written back.
BOOKKEEPING_COLUMNS = frozenset({"updated_at", "version"})
# What the trigger writes; decisions and reviews are recorded by people and have no opposite.
_ROW_CHANGES = frozenset({"insert", "update", "delete", "soft_delete", "restore", "undo"})
MAX_PAGE_SIZE = 1000
_SHOWN_TEXT_LIMIT = 40

_AUDIT = Base.metadata.tables["audit_log"]
_RECORD_FIELDS = ("id", "occurred_at", "actor", "action", "entity_type", "entity_id", "reason", "reverses_id")
_ENTRY_COLUMNS = (
    *(_AUDIT.c[name] for name in _RECORD_FIELDS),
    # As text, so numeric values are read exactly (psycopg would turn jsonb numbers into floats).
    cast(_AUDIT.c.before, Text).label("before_json"),
    cast(_AUDIT.c.after, Text).label("after_json"),
)


@dataclass(frozen=True, slots=True)
class _StoredEntry:
    """An audit row as read, with its before/after rows parsed from JSON."""

    id: int
    occurred_at: dt.datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str | None
    reason: str | None
    reverses_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def label(self) -> str:
        return f"{self.entity_type} {_short_id(self.entity_id)}" if self.entity_id else self.entity_type


class AuditRepository(Repository):
    """Reads audit_log (written only by the database trigger) and undoes a change with a new, compensating one."""

    def query(
        self,
        *,
        actor: str | None = None,
        entity_type: str | None = None,
        entity_id: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        text: str | None = None,
        before_id: int | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> AuditPage:
        """Entries newest first; `since` is inclusive, `until` exclusive; `text` as `search_condition` reads it.

        `before_id` starts the page after (older than) that entry: the next page costs what the first did,
        where `offset` reads and skips every entry before it. The matches are not counted (`count` does that,
        at the cost of reading them all): one entry more than `limit` is read to tell whether more follow.
        """
        conditions = _query_conditions(actor, entity_type, entity_id, since, until, text)
        _check_paging(before_id, offset, limit)
        if before_id is not None:
            conditions.append(_AUDIT.c.id < before_id)
        statement = select(*_ENTRY_COLUMNS).where(*conditions).order_by(_AUDIT.c.id.desc())
        rows = self._session.execute(statement.offset(offset).limit(limit + 1)).mappings().all()
        entries = tuple(_record(_stored(row)) for row in rows[:limit])
        return AuditPage(entries=entries, offset=offset, limit=limit, has_more=len(rows) > limit)

    def count(
        self,
        *,
        actor: str | None = None,
        entity_type: str | None = None,
        entity_id: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        text: str | None = None,
        at_most: int | None = None,
    ) -> int:
        """How many entries `query` pages through with these filters; with `at_most`, counting stops after one
        more than that (a result above `at_most` means "more than at_most")."""
        conditions = _query_conditions(actor, entity_type, entity_id, since, until, text)
        if at_most is not None and (isinstance(at_most, bool) or not isinstance(at_most, int) or at_most < 0):
            raise InvalidInput("at_most must be a whole number ≥ 0", fields={"at_most": "must be ≥ 0"})
        matching = select(_AUDIT.c.id).where(*conditions)
        if at_most is not None:
            matching = matching.limit(at_most + 1)
        return int(self._session.execute(select(func.count()).select_from(matching.subquery())).scalar_one())

    def entry(self, entry_id: int) -> AuditEntry:
        return _record(self._read(entry_id))

    def diff(self, entry_id: int) -> list[FieldChange]:
        """The fields the entry changed (all fields for a row created or deleted), bookkeeping columns left out."""
        entry = self._read(entry_id)
        return _field_changes(Base.metadata.tables.get(entry.entity_type), entry.before, entry.after)

    def undo(self, entry_id: int, *, reason: str | None = None) -> AuditEntry:
        """Reverse one change by writing its opposite; the trigger records it as an 'undo' naming `entry_id`.

        Refused (UndoRefused, nothing written) when the row changed since, no longer exists (or exists again),
        the entry was already undone, or it is not a change to a row of an audited table.
        """
        if reason is not None and not isinstance(reason, str):
            raise InvalidInput("the reason must be text", fields={"reason": "must be text"})
        entry = self._read(entry_id)
        table = _undoable_table(entry)
        self._session.execute(
            text("select pg_advisory_xact_lock(hashtext('audit_log.undo'), hashtext(:id))"), {"id": str(entry.id)}
        )
        self._refuse_if_undone(entry)
        row_id = _typed(table.c.id, entry.entity_id)
        current = self._session.execute(select(table).where(table.c.id == row_id).with_for_update()).mappings().first()
        self._refuse_if_moved_on(table, entry, current)
        with self._session.begin_nested():
            previous_reason = self._session.execute(text("select current_setting('app.reason', true)")).scalar()
            self._set_context(str(entry.id), (reason or "").strip() or previous_reason or "")
            self._compensate(table, entry, row_id, current)
            self._set_context("", previous_reason or "")
        return self._undo_entry_of(entry)

    def _read(self, entry_id: int) -> _StoredEntry:
        if isinstance(entry_id, bool) or not isinstance(entry_id, int) or entry_id <= 0:
            raise InvalidInput("an audit entry id is a positive whole number", fields={"entry_id": "not an id"})
        entry = self._first(_AUDIT.c.id == entry_id)
        if entry is None:
            raise NotFound(f"audit entry #{entry_id} does not exist")
        return entry

    def _first(self, *conditions: ColumnElement[bool], newest: bool = True) -> _StoredEntry | None:
        order = _AUDIT.c.id.desc() if newest else _AUDIT.c.id
        statement = select(*_ENTRY_COLUMNS).where(*conditions).order_by(order).limit(1)
        row = self._session.execute(statement).mappings().first()
        return None if row is None else _stored(row)

    def _refuse_if_undone(self, entry: _StoredEntry) -> None:
        by = self._first(_AUDIT.c.reverses_id == entry.id, newest=False)
        if by is not None:
            raise UndoRefused(
                f"#{entry.id} was already undone by #{by.id} ({by.actor}, {_when(by.occurred_at)})",
                entry_id=entry.id,
                blocking_entry_id=by.id,
            )

    def _refuse_if_moved_on(self, table: Table, entry: _StoredEntry, current: RowMapping | None) -> None:
        """The row must still be as the entry left it: present and unchanged, or still absent after a delete."""
        assert entry.entity_id is not None
        if entry.after is None and current is None:
            return
        latest = self._first(_AUDIT.c.entity_type == entry.entity_type, _AUDIT.c.entity_id == entry.entity_id)
        assert latest is not None  # the entry itself, at least
        by = f"by {latest.actor} at {_when(latest.occurred_at)} (#{latest.id})"
        if entry.after is None:
            message = f"{entry.label} exists again (written {by}): #{entry.id} cannot be undone"
        elif current is None:
            message = f"{entry.label} no longer exists (removed {by}): #{entry.id} cannot be undone"
        else:
            differing = _differing_fields(table, entry.after, current)
            if not differing:
                return
            if latest.id == entry.id:
                by = "by a writer the audit trail does not show"
            message = (
                f"{entry.label} was changed {by} after #{entry.id} ({', '.join(differing)}): "
                "undo the later change first"
            )
        raise UndoRefused(message, entry_id=entry.id, blocking_entry_id=latest.id if latest.id != entry.id else None)

    def _set_context(self, undo_of: str, reason: str) -> None:
        self._session.execute(
            text("select set_config('app.undo_of', :undo_of, true), set_config('app.reason', :reason, true)"),
            {"undo_of": undo_of, "reason": reason},
        )

    def _compensate(self, table: Table, entry: _StoredEntry, row_id: Any, current: RowMapping | None) -> None:
        """Write the opposite of the entry: re-insert a deleted row, remove a created one, put changed fields back."""
        if entry.before is None:
            assert entry.after is not None
            if entry.action == "insert" and "deleted_at" in table.c and entry.after.get("deleted_at") is None:
                self._write(table, row_id, current, {"deleted_at": func.now()}, entity=entry.label)
            else:
                self._session.execute(delete(table).where(table.c.id == row_id))
        elif entry.after is None:
            restored = _typed_row(table, entry.before)
            restored.pop("updated_at", None)
            self._session.execute(insert(table).values(**_for_write(restored)))
        else:
            changed = {change.field: change.before for change in _field_changes(table, entry.before, entry.after)}
            self._write(table, row_id, current, _for_write(changed), entity=entry.label)

    def _write(
        self, table: Table, row_id: Any, current: RowMapping | None, values: Mapping[str, Any], *, entity: str
    ) -> None:
        assert current is not None
        if "version" in table.c:
            self._update_versioned(table, row_id, current["version"], values, entity=entity)
        else:
            self._session.execute(update(table).where(table.c.id == row_id).values(**values))

    def _undo_entry_of(self, entry: _StoredEntry) -> AuditEntry:
        undo = self._first(
            _AUDIT.c.reverses_id == entry.id,
            _AUDIT.c.entity_type == entry.entity_type,
            _AUDIT.c.entity_id == entry.entity_id,
        )
        if undo is None:
            raise StoreError(f"the undo of #{entry.id} left no audit entry: is {entry.entity_type} still audited?")
        return _record(undo)


def _query_conditions(
    actor: str | None,
    entity_type: str | None,
    entity_id: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    search: str | None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for field, value in (("actor", actor), ("entity_type", entity_type), ("entity_id", entity_id)):
        wanted = _filter_text(field, value)
        if wanted is not None:
            conditions.append(_AUDIT.c[field] == wanted)
    for field, moment in (("since", since), ("until", until)):
        if moment is not None and (not isinstance(moment, dt.datetime) or moment.utcoffset() is None):
            raise InvalidInput(f"{field} must be a timezone-aware datetime", fields={field: "needs a time zone"})
    if since is not None and until is not None and since > until:
        raise InvalidInput("the time range ends before it starts", fields={"until": "is before since"})
    if since is not None:
        conditions.append(_AUDIT.c.occurred_at >= since)
    if until is not None:
        conditions.append(_AUDIT.c.occurred_at < until)
    searched_for = _filter_text("text", search)
    if searched_for is not None:
        conditions.append(search_condition(searched_for))
    return conditions


def _filter_text(field: str, value: object) -> str | None:
    """The text to filter on: None and blank mean no filter; anything but text is refused."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", fields={field: "must be text"})
    return value.strip() or None


def _check_paging(before_id: int | None, offset: int, limit: int) -> None:
    if before_id is not None and (isinstance(before_id, bool) or not isinstance(before_id, int)):
        raise InvalidInput("before_id must be an entry id", fields={"before_id": "not an id"})
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidInput("the offset must be a whole number ≥ 0", fields={"offset": "must be ≥ 0"})
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"the page size must be between 1 and {MAX_PAGE_SIZE}", fields={"limit": f"must be 1–{MAX_PAGE_SIZE}"}
        )


def _undoable_table(entry: _StoredEntry) -> Table:
    if entry.entity_type not in AUDITED_TABLES:
        raise UndoRefused(
            f"#{entry.id} is about {entry.entity_type}, which is not an audited table: it cannot be undone",
            entry_id=entry.id,
        )
    table = Base.metadata.tables[entry.entity_type]
    row_change = entry.action in _ROW_CHANGES and not (entry.before is None and entry.after is None)
    if entry.entity_id is None or not row_change or "id" not in table.c:
        raise UndoRefused(
            f"#{entry.id} records a {entry.action}, not a change to a row: there is nothing to undo", entry_id=entry.id
        )
    return table


def _stored(row: RowMapping) -> _StoredEntry:
    def parsed(raw: str | None) -> dict[str, Any] | None:
        return None if raw is None else dict(json.loads(raw, parse_float=decimal.Decimal))

    fields = {name: row[name] for name in _RECORD_FIELDS}
    return _StoredEntry(**fields, before=parsed(row["before_json"]), after=parsed(row["after_json"]))


def _record(entry: _StoredEntry) -> AuditEntry:
    return AuditEntry(**{name: getattr(entry, name) for name in _RECORD_FIELDS}, summary=_summary(entry))


def _summary(entry: _StoredEntry) -> str:
    """One line: what happened to which row, and the fields that changed."""
    changes = [
        f"{change.field} {_shown(change.before)} → {_shown(change.after)}"
        for change in _field_changes(Base.metadata.tables.get(entry.entity_type), entry.before, entry.after)
        if change.field != "deleted_at"
    ]
    if entry.before is None and entry.after is None:
        what = entry.action
    elif entry.before is None:
        what = "created" if entry.action != "undo" else "re-created"
    elif entry.after is None:
        what = "deleted"
    else:
        what = "; ".join([*_deleted_at_flip(entry.before, entry.after), *changes]) or "updated"
    if entry.action == "undo":
        what = f"undo of #{entry.reverses_id}: {what}"
    return f"{entry.label}: {what}"


def _deleted_at_flip(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    if "deleted_at" not in before or "deleted_at" not in after:
        return []
    if before["deleted_at"] is None and after["deleted_at"] is not None:
        return ["soft-deleted"]
    if before["deleted_at"] is not None and after["deleted_at"] is None:
        return ["restored"]
    return []


def _field_changes(
    table: Table | None, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[FieldChange]:
    """Field by field in column order; for a created (deleted) row every field, with None on the missing side."""
    known = [column.name for column in table.columns] if table is not None else []
    present = {*(before or {}), *(after or {})}
    fields = [name for name in known if name in present] + sorted(present - set(known))
    changes = []
    for name in fields:
        column = table.c.get(name) if table is not None else None
        old = _typed(column, before.get(name)) if before is not None else None
        new = _typed(column, after.get(name)) if after is not None else None
        if name in BOOKKEEPING_COLUMNS or (before is not None and after is not None and old == new):
            continue
        changes.append(FieldChange(field=name, before=old, after=new))
    return changes


def _differing_fields(table: Table, expected: Mapping[str, Any], current: RowMapping) -> list[str]:
    return [
        name
        for name, value in _typed_row(table, expected).items()
        if name not in BOOKKEEPING_COLUMNS and current[name] != value
    ]


def _typed_row(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row from audit JSON with each value in its column's Python type; keys that are no longer columns dropped."""
    return {name: _typed(table.c[name], value) for name, value in row.items() if name in table.c}


def _typed(column: Any, value: Any) -> Any:
    """A JSON value from to_jsonb(row) back in the column's type (uuid, numeric, date, timestamptz…)."""
    if value is None or column is None:
        return value
    kind = column.type
    if isinstance(kind, JSON):
        return _floats(value)
    if isinstance(kind, Uuid):
        return uuid.UUID(str(value))
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, Numeric):
        return decimal.Decimal(str(value))
    if isinstance(kind, Integer):
        return int(value)
    return value


def _floats(value: Any) -> Any:
    """jsonb content as psycopg reads it: numbers with a fraction are floats."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_floats(item) for item in value]
    return value


def _for_write(values: Mapping[str, Any]) -> dict[str, Any]:
    """None as SQL NULL, also in jsonb columns (where SQLAlchemy would otherwise write the JSON null)."""
    return {name: null() if value is None else value for name, value in values.items()}


def _shown(value: object) -> str:
    if value is None:
        return "∅"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        shown = format(value.normalize(), "f")
    elif isinstance(value, dt.datetime):
        return _when(value)
    elif isinstance(value, dict | list):
        shown = json.dumps(value, default=str, ensure_ascii=False)
    elif isinstance(value, str):
        return "'" + _clip(value.replace("\n", " ")) + "'"
    else:
        shown = str(value)
    return _clip(shown)


def _clip(shown: str) -> str:
    return shown if len(shown) <= _SHOWN_TEXT_LIMIT else shown[: _SHOWN_TEXT_LIMIT - 1] + "…"


def _short_id(entity_id: str | None) -> str:
    if entity_id is None:
        return ""
    return entity_id if len(entity_id) <= 12 else entity_id[:8] + "…"


def _when(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"
