"""The research queue: one open item per security, moved along its statuses by allowed transitions only."""

from __future__ import annotations

import decimal
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import Select, Table, func, insert, select
from sqlalchemy.engine import RowMapping

from store.errors import NotFound
from store.models.reference import Security
from store.models.research import CLOSED_RESEARCH_STATUSES, RESEARCH_STATUSES, ResearchQueueItem
from store.records.research_queue import PRIORITY_RANGE, QUEUE_PATH, QUEUE_TRANSITIONS, QueueItem
from store.repositories.base import Repository
from store.repositories.checks import clean_text, refuse_all

QUEUE = cast(Table, ResearchQueueItem.__table__)
SECURITIES = cast(Table, Security.__table__)

OPEN_STATUSES = tuple(status for status in RESEARCH_STATUSES if status not in CLOSED_RESEARCH_STATUSES)
# numeric(18, 6): twelve digits before the point.
SCORE_LIMIT = decimal.Decimal(10) ** 12
STATUS_REASON_KEY = "status_reason"
ENTITY = "research-queue item"


class ResearchQueueRepository(Repository):
    """Queue items; every edit names the version it read."""

    def items(
        self, *, statuses: Iterable[str] | None = None, assignee: str | None = None, include_closed: bool = False
    ) -> list[QueueItem]:
        """Most urgent first. `statuses` picks exactly those (closed ones too); else the open items, and the
        closed ones as well with include_closed."""
        query = _item_query()
        if statuses is not None:
            wanted = tuple(statuses)
            unknown = [status for status in wanted if status not in RESEARCH_STATUSES]
            if unknown:
                refuse_all("cannot list the queue", {"statuses": f"{', '.join(unknown)}: not a queue status"})
            query = query.where(QUEUE.c.status.in_(wanted))
        elif not include_closed:
            query = query.where(QUEUE.c.status.in_(OPEN_STATUSES))
        if assignee is not None:
            query = query.where(QUEUE.c.assignee == assignee)
        query = query.order_by(
            QUEUE.c.priority.desc(), QUEUE.c.score.desc().nulls_last(), QUEUE.c.created_at, QUEUE.c.id
        )
        return [_item(row) for row in self._session.execute(query).mappings()]

    def item(self, item_id: uuid.UUID) -> QueueItem:
        row = self._session.execute(_item_query().where(QUEUE.c.id == item_id)).mappings().one_or_none()
        if row is None:
            raise NotFound(f"no research-queue item with id {item_id}")
        return _item(row)

    def counts_by_status(self) -> dict[str, int]:
        """Every status, with zero where no item is in it."""
        query = select(QUEUE.c.status, func.count()).where(QUEUE.c.deleted_at.is_(None)).group_by(QUEUE.c.status)
        counts = dict.fromkeys(RESEARCH_STATUSES, 0)
        counts.update(dict(self._session.execute(query).all()))
        return counts

    def add(
        self,
        security_id: int,
        *,
        score: decimal.Decimal | int | None = None,
        priority: int = 0,
        source: str = "analyst",
        notes: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> QueueItem:
        problems = self._security_problems(security_id)
        problems |= _score_problems(score) | _priority_problems(priority) | _data_problems(data)
        if not (source or "").strip():
            problems["source"] = "say where the item comes from"
        if problems:
            refuse_all("cannot queue the security", problems)
        values = {
            "security_id": security_id,
            "score": score,
            "priority": priority,
            "source": source.strip(),
            "notes": clean_text(notes),
            "data": dict(data or {}),
        }
        return self.item(self._session.execute(insert(QUEUE).values(values).returning(QUEUE.c.id)).scalar_one())

    def move(self, item_id: uuid.UUID, version: int, to_status: str, *, reason: str | None = None) -> QueueItem:
        """Move along an allowed transition (QUEUE_TRANSITIONS); the reason is kept with the new status."""
        current = self.item(item_id)
        reason_text = clean_text(reason)
        # A stale version is a conflict whatever the move; _update_versioned reports it with both sides.
        if current.version == version:
            self._check_move(current, to_status, reason_text)
        data = {key: value for key, value in current.data.items() if key != STATUS_REASON_KEY}
        if reason_text is not None:
            data[STATUS_REASON_KEY] = reason_text
        return self._apply(item_id, version, {"status": to_status, "data": data})

    def advance(self, item_id: uuid.UUID, version: int) -> QueueItem:
        """The next step along new → researching → waiting → decided."""
        status = self.item(item_id).status
        if status not in QUEUE_PATH[:-1]:
            problem = "it is closed" if status in CLOSED_RESEARCH_STATUSES else "it is the last step"
            refuse_all("cannot advance the item", {"status": f"nothing comes after {status}: {problem}"})
        return self.move(item_id, version, QUEUE_PATH[QUEUE_PATH.index(status) + 1])

    def retreat(self, item_id: uuid.UUID, version: int) -> QueueItem:
        """One step back along the path; a decided or rejected item reopens into research."""
        status = self.item(item_id).status
        if status == QUEUE_PATH[0]:
            refuse_all("cannot move the item back", {"status": f"{status} is the first step"})
        previous = "researching" if status in CLOSED_RESEARCH_STATUSES else QUEUE_PATH[QUEUE_PATH.index(status) - 1]
        return self.move(item_id, version, previous)

    def reject(self, item_id: uuid.UUID, version: int, reason: str) -> QueueItem:
        return self.move(item_id, version, "rejected", reason=reason)

    def rescore(self, item_id: uuid.UUID, version: int, score: decimal.Decimal | int | None) -> QueueItem:
        problems = _score_problems(score)
        if problems:
            refuse_all("cannot rescore the item", problems)
        return self._write(item_id, version, {"score": score})

    def prioritise(self, item_id: uuid.UUID, version: int, priority: int) -> QueueItem:
        problems = _priority_problems(priority)
        if problems:
            refuse_all("cannot change the priority", problems)
        return self._write(item_id, version, {"priority": priority})

    def assign(self, item_id: uuid.UUID, version: int, assignee: str | None) -> QueueItem:
        """Give the item to an analyst; None (or blank) leaves it unassigned."""
        return self._write(item_id, version, {"assignee": clean_text(assignee)})

    def claim(self, item_id: uuid.UUID, version: int) -> QueueItem:
        return self.assign(item_id, version, self._actor)

    def annotate(self, item_id: uuid.UUID, version: int, notes: str | None) -> QueueItem:
        """Replace the notes; None (or blank) clears them."""
        return self._write(item_id, version, {"notes": clean_text(notes)})

    def _write(self, item_id: uuid.UUID, version: int, values: Mapping[str, Any]) -> QueueItem:
        self.item(item_id)
        return self._apply(item_id, version, values)

    def _apply(self, item_id: uuid.UUID, version: int, values: Mapping[str, Any]) -> QueueItem:
        self._update_versioned(QUEUE, item_id, version, values, entity=ENTITY)
        return self.item(item_id)

    def _check_move(self, current: QueueItem, to_status: str, reason: str | None) -> None:
        allowed = QUEUE_TRANSITIONS[current.status]
        if to_status not in allowed:
            known = "" if to_status in RESEARCH_STATUSES else f" ('{to_status}' is not a queue status)"
            problem = f"{current.status} cannot go to {to_status}{known}; it can go to {', '.join(allowed)}"
            refuse_all("cannot move the item", {"status": problem})
        if to_status == "rejected" and reason is None:
            refuse_all("cannot reject the item", {"reason": "say why the item is rejected"})
        if current.status in CLOSED_RESEARCH_STATUSES:
            open_item = self._open_item_problem(current.security_id, current.symbol)
            if open_item:
                refuse_all("cannot reopen the item", open_item)

    def _security_problems(self, security_id: int) -> dict[str, str]:
        query = select(SECURITIES.c.symbol).where(SECURITIES.c.id == security_id)
        symbol = self._session.execute(query).scalar_one_or_none()
        if symbol is None:
            return {"security_id": f"no security with id {security_id}"}
        return self._open_item_problem(security_id, symbol)

    def _open_item_problem(self, security_id: int, symbol: str) -> dict[str, str]:
        query = select(QUEUE.c.status).where(
            QUEUE.c.security_id == security_id, QUEUE.c.deleted_at.is_(None), QUEUE.c.status.in_(OPEN_STATUSES)
        )
        status = self._session.execute(query.limit(1)).scalar_one_or_none()
        if status is None:
            return {}
        return {"security_id": f"{symbol} already has an open research-queue item (status {status})"}


def _score_problems(score: decimal.Decimal | int | None) -> dict[str, str]:
    if score is None:
        return {}
    if isinstance(score, bool) or not isinstance(score, decimal.Decimal | int):
        return {"score": f"{score!r} is not a number"}
    if not decimal.Decimal(score).is_finite() or abs(decimal.Decimal(score)) >= SCORE_LIMIT:
        return {"score": f"{score} is not a usable score"}
    return {}


def _priority_problems(priority: int) -> dict[str, str]:
    if isinstance(priority, bool) or not isinstance(priority, int) or priority not in PRIORITY_RANGE:
        first, last = PRIORITY_RANGE[0], PRIORITY_RANGE[-1]
        return {"priority": f"a whole number from {first} (none) to {last} (most urgent), not {priority!r}"}
    return {}


def _data_problems(data: Mapping[str, Any] | None) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        return {"data": "an object (a mapping of names to values)"}
    try:
        json.dumps(data)
    except (TypeError, ValueError) as exc:
        return {"data": f"not storable as JSON: {exc}"}
    return {}


def _item_query() -> Select[Any]:
    return (
        select(
            *QUEUE.c,
            SECURITIES.c.symbol,
            SECURITIES.c.name.label("security_name"),
            (func.now() - QUEUE.c.created_at).label("age"),
        )
        .join_from(QUEUE, SECURITIES, SECURITIES.c.id == QUEUE.c.security_id)
        .where(QUEUE.c.deleted_at.is_(None))
    )


def _item(row: RowMapping) -> QueueItem:
    data = dict(row["data"] or {})
    reason = data.get(STATUS_REASON_KEY)
    fields = {name: row[name] for name in QueueItem.__dataclass_fields__ if name not in ("status_reason", "data")}
    return QueueItem(**fields, data=data, status_reason=reason if isinstance(reason, str) else None)
