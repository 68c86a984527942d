"""Watchlists and their entries: lists with counts, entries with the latest close, triggers checked before writing."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Final, cast

from sqlalchemy import DateTime, Select, Table, and_, bindparam, func, insert, select, true, update
from sqlalchemy.engine import RowMapping

from store.errors import InvalidInput, NotFound
from store.models.market import OhlcvDaily
from store.models.reference import Security
from store.models.research import TRIGGER_TYPES, Watchlist, WatchlistEntry
from store.records.watchlists import TRIGGER_VALUE_RULES, TriggerBar, WatchlistEntryView, WatchlistSummary
from store.repositories.base import Repository
from store.repositories.checks import clean_text, refuse_all

LISTS = cast(Table, Watchlist.__table__)
ENTRIES = cast(Table, WatchlistEntry.__table__)
SECURITIES = cast(Table, Security.__table__)
BARS = cast(Table, OhlcvDaily.__table__)

NAME_MAX_LENGTH = 100
PRICE_TRIGGERS = ("price_above", "price_below")
MA_PERIODS = (10, 20, 50, 200)  # the averages calculated_metrics carries
# numeric(18, 6): twelve digits before the point.
VALUE_LIMIT = decimal.Decimal(10) ** 12
_TRIGGER_VALUE_OK: dict[str, Callable[[decimal.Decimal], bool]] = {
    "price_above": lambda value: value > 0,
    "price_below": lambda value: value > 0,
    "pct_change": lambda value: value != 0 and value > -100,
    "volume_spike": lambda value: value > 1,
    "ma_cross": lambda value: value in MA_PERIODS,
}


class Unset(enum.Enum):
    """The type of UNSET: an edit's field that was not given (None means "clear it")."""

    UNSET = enum.auto()


UNSET: Final = Unset.UNSET


class WatchlistRepository(Repository):
    """Lists and entries; every edit names the version it read; deletes are soft and can be restored."""

    # Lists

    def lists(self, *, include_deleted: bool = False) -> list[WatchlistSummary]:
        query = _list_query().order_by(LISTS.c.name, LISTS.c.id)
        if not include_deleted:
            query = query.where(LISTS.c.deleted_at.is_(None))
        return [_summary(row) for row in self._session.execute(query).mappings()]

    def watchlist(self, watchlist_id: uuid.UUID) -> WatchlistSummary:
        row = self._session.execute(_list_query().where(LISTS.c.id == watchlist_id)).mappings().one_or_none()
        if row is None:
            raise NotFound(f"no watchlist with id {watchlist_id}")
        return _summary(row)

    def create(self, name: str, description: str | None = None) -> WatchlistSummary:
        clean_name = self._checked_name(name)
        statement = insert(LISTS).values(name=clean_name, description=clean_text(description), owner=self._actor)
        return self.watchlist(self._session.execute(statement.returning(LISTS.c.id)).scalar_one())

    def rename(self, watchlist_id: uuid.UUID, version: int, name: str) -> WatchlistSummary:
        self._live_list(watchlist_id)
        clean_name = self._checked_name(name, renaming=watchlist_id)
        self._update_versioned(LISTS, watchlist_id, version, {"name": clean_name}, entity="watchlist")
        return self.watchlist(watchlist_id)

    def describe(self, watchlist_id: uuid.UUID, version: int, description: str | None) -> WatchlistSummary:
        self._live_list(watchlist_id)
        self._update_versioned(
            LISTS, watchlist_id, version, {"description": clean_text(description)}, entity="watchlist"
        )
        return self.watchlist(watchlist_id)

    def delete(self, watchlist_id: uuid.UUID, version: int) -> None:
        """Hide the list and its live entries, all with one deleted_at, so that restore brings back just those."""
        self._live_list(watchlist_id)
        deleted_at = self._now()
        self._update_versioned(LISTS, watchlist_id, version, {"deleted_at": deleted_at}, entity="watchlist")
        self._session.execute(
            update(ENTRIES)
            .where(ENTRIES.c.watchlist_id == watchlist_id, ENTRIES.c.deleted_at.is_(None))
            .values(deleted_at=deleted_at)
        )

    def restore(self, watchlist_id: uuid.UUID) -> WatchlistSummary:
        """Bring back a deleted list and the entries deleted with it (not those removed before)."""
        row = self._list_row(watchlist_id)
        if row["deleted_at"] is None:
            refuse_all("cannot restore the watchlist", {"watchlist_id": f"'{row['name']}' is not deleted"})
        self._checked_name(row["name"], restoring=True)
        self._update_versioned(LISTS, watchlist_id, row["version"], {"deleted_at": None}, entity="watchlist")
        self._session.execute(
            update(ENTRIES)
            .where(ENTRIES.c.watchlist_id == watchlist_id, ENTRIES.c.deleted_at == row["deleted_at"])
            .values(deleted_at=None)
        )
        return self.watchlist(watchlist_id)

    # Entries

    def entries(self, watchlist_id: uuid.UUID, *, include_deleted: bool = False) -> list[WatchlistEntryView]:
        """The list's entries by symbol; a deleted list is NotFound unless include_deleted."""
        row = self._list_row(watchlist_id)
        if row["deleted_at"] is not None and not include_deleted:
            raise NotFound(f"watchlist '{row['name']}' was deleted")
        query = entry_query().where(ENTRIES.c.watchlist_id == watchlist_id)
        if not include_deleted:
            query = query.where(ENTRIES.c.deleted_at.is_(None))
        query = query.order_by(SECURITIES.c.symbol, ENTRIES.c.id)
        return [entry_view(found) for found in self._session.execute(query).mappings()]

    def entry(self, entry_id: uuid.UUID, *, include_deleted: bool = False) -> WatchlistEntryView:
        found = self._session.execute(_ENTRY_BY_ID, {"entry_id": entry_id}).mappings().one_or_none()
        if found is None:
            raise NotFound(f"no watchlist entry with id {entry_id}")
        view = entry_view(found)
        if view.deleted_at is not None and not include_deleted:
            raise NotFound(f"the watchlist entry for {view.symbol} was removed")
        return view

    def add(
        self,
        watchlist_id: uuid.UUID,
        security_id: int,
        *,
        trigger_type: str = "manual",
        trigger_value: decimal.Decimal | int | None = None,
        thesis: str | None = None,
        expiry_date: dt.date | None = None,
    ) -> WatchlistEntryView:
        value = _decimal("trigger_value", trigger_value)
        problems = self._list_problem(watchlist_id, "watchlist_id")
        problems |= trigger_problems(trigger_type, value) | expiry_problems(expiry_date)
        if "watchlist_id" not in problems:
            problems |= self._security_problems(watchlist_id, security_id)
        if problems:
            refuse_all("cannot add the entry", problems)
        values = {
            "watchlist_id": watchlist_id,
            "security_id": security_id,
            "trigger_type": trigger_type,
            "trigger_value": value,
            "thesis": clean_text(thesis),
            "expiry_date": expiry_date,
            "added_by": self._actor,
        }
        return self.entry(self._session.execute(insert(ENTRIES).values(values).returning(ENTRIES.c.id)).scalar_one())

    def edit(
        self,
        entry_id: uuid.UUID,
        version: int,
        *,
        trigger_type: str | Unset = UNSET,
        trigger_value: decimal.Decimal | int | Unset | None = UNSET,
        thesis: str | Unset | None = UNSET,
        expiry_date: dt.date | Unset | None = UNSET,
    ) -> WatchlistEntryView:
        """Change only the fields given; None clears a field. Nothing given: the entry as it is."""
        current = self.entry(entry_id)
        given = {
            "trigger_type": trigger_type,
            "trigger_value": trigger_value,
            "thesis": thesis,
            "expiry_date": expiry_date,
        }
        values: dict[str, Any] = {name: value for name, value in given.items() if not isinstance(value, Unset)}
        if "trigger_value" in values:
            values["trigger_value"] = _decimal("trigger_value", values["trigger_value"])
        if "thesis" in values:
            values["thesis"] = clean_text(values["thesis"])
        if not values:
            return current
        # A stale version is a conflict whatever the values; _update_versioned reports it with both sides.
        if current.version == version:
            _check_edit(current, values)
        row = self._update_versioned(ENTRIES, entry_id, version, values, entity="watchlist entry")
        return _rebuilt(current, row)

    def move(self, entry_id: uuid.UUID, version: int, to_watchlist_id: uuid.UUID) -> WatchlistEntryView:
        current = self.entry(entry_id)
        if to_watchlist_id == current.watchlist_id:
            refuse_all("cannot move the entry", {"to_watchlist_id": f"{current.symbol} is already on that watchlist"})
        problems = self._list_problem(to_watchlist_id, "to_watchlist_id")
        if not problems:
            problems = self._duplicate_problem(to_watchlist_id, current.security_id, current.symbol)
        if problems:
            refuse_all("cannot move the entry", problems)
        values = {"watchlist_id": to_watchlist_id}
        return _rebuilt(current, self._update_versioned(ENTRIES, entry_id, version, values, entity="watchlist entry"))

    def remove(self, entry_id: uuid.UUID, version: int) -> None:
        self.entry(entry_id)
        self._update_versioned(ENTRIES, entry_id, version, {"deleted_at": self._now()}, entity="watchlist entry")

    def restore_entry(self, entry_id: uuid.UUID) -> WatchlistEntryView:
        """Bring back a removed entry, on a live list, if its security is not on that list again meanwhile."""
        current = self.entry(entry_id, include_deleted=True)
        if current.deleted_at is None:
            refuse_all("cannot restore the entry", {"entry_id": f"the entry for {current.symbol} is not removed"})
        problems = self._list_problem(current.watchlist_id, "watchlist_id")
        problems |= self._duplicate_problem(current.watchlist_id, current.security_id, current.symbol)
        if problems:
            refuse_all("cannot restore the entry", problems)
        values = {"deleted_at": None}
        return _rebuilt(current, self._update_versioned(ENTRIES, entry_id, current.version, values, entity="entry"))

    # The alerts job's writes (store/analytics/alerts.py): it holds the entries locked and read them active.

    def mark_triggered(
        self, entry_id: uuid.UUID, version: int, triggered_at: dt.datetime, bar: Mapping[str, Any]
    ) -> None:
        """Status 'triggered' with the time it fired and the bar that crossed (a JSON object: date, OHLC, volume,
        value); a stale version raises EditConflict. The version is bumped by the database."""
        values = {"status": "triggered", "triggered_at": triggered_at, "trigger_bar": dict(bar)}
        self._update_versioned(ENTRIES, entry_id, version, values, entity="watchlist entry")

    def mark_expired(self, entry_id: uuid.UUID, version: int) -> None:
        """Status 'expired' (its expiry date passed before it fired); a stale version raises EditConflict."""
        self._update_versioned(ENTRIES, entry_id, version, {"status": "expired"}, entity="watchlist entry")

    # Reads and checks shared by the methods above

    def _now(self) -> dt.datetime:
        """The server's clock at this statement: each delete in one transaction gets its own deleted_at,
        which is how restore tells the entries deleted with their list from those removed before."""
        return self._session.execute(select(func.clock_timestamp(type_=DateTime(timezone=True)))).scalar_one()

    def _list_row(self, watchlist_id: uuid.UUID) -> RowMapping:
        row = self._session.execute(select(LISTS).where(LISTS.c.id == watchlist_id)).mappings().one_or_none()
        if row is None:
            raise NotFound(f"no watchlist with id {watchlist_id}")
        return row

    def _live_list(self, watchlist_id: uuid.UUID) -> RowMapping:
        row = self._list_row(watchlist_id)
        if row["deleted_at"] is not None:
            raise NotFound(f"watchlist '{row['name']}' was deleted")
        return row

    def _checked_name(self, name: str, *, renaming: uuid.UUID | None = None, restoring: bool = False) -> str:
        clean = name.strip()
        if not clean:
            refuse_all("the watchlist needs a name", {"name": "a watchlist needs a name"})
        if len(clean) > NAME_MAX_LENGTH:
            refuse_all("the name is too long", {"name": f"at most {NAME_MAX_LENGTH} characters"})
        query = select(LISTS.c.id).where(LISTS.c.name == clean, LISTS.c.deleted_at.is_(None))
        if renaming is not None:
            query = query.where(LISTS.c.id != renaming)
        if self._session.execute(query.limit(1)).first() is not None:
            problem = f"a watchlist named '{clean}' already exists"
            if restoring:
                problem += ": rename it before restoring this one"
            refuse_all(problem, {"name": problem})
        return clean

    def _list_problem(self, watchlist_id: uuid.UUID, field: str) -> dict[str, str]:
        query = select(LISTS.c.name, LISTS.c.deleted_at).where(LISTS.c.id == watchlist_id)
        row = self._session.execute(query).mappings().one_or_none()
        if row is None:
            return {field: f"no watchlist with id {watchlist_id}"}
        if row["deleted_at"] is not None:
            return {field: f"watchlist '{row['name']}' was deleted: restore it first"}
        return {}

    def _security_problems(self, watchlist_id: uuid.UUID, security_id: int) -> dict[str, str]:
        query = select(SECURITIES.c.symbol).where(SECURITIES.c.id == security_id)
        symbol = self._session.execute(query).scalar_one_or_none()
        if symbol is None:
            return {"security_id": f"no security with id {security_id}"}
        return self._duplicate_problem(watchlist_id, security_id, symbol)

    def _duplicate_problem(self, watchlist_id: uuid.UUID, security_id: int, symbol: str) -> dict[str, str]:
        query = select(ENTRIES.c.id).where(
            ENTRIES.c.watchlist_id == watchlist_id,
            ENTRIES.c.security_id == security_id,
            ENTRIES.c.deleted_at.is_(None),
        )
        if self._session.execute(query.limit(1)).first() is None:
            return {}
        return {"security_id": f"{symbol} is already on that watchlist"}


def trigger_problems(trigger_type: str, value: decimal.Decimal | None) -> dict[str, str]:
    """What is wrong with a trigger type and value (empty when nothing is); the rules are TRIGGER_VALUE_RULES."""
    if trigger_type not in TRIGGER_TYPES:
        return {"trigger_type": f"'{trigger_type}' is not one of {', '.join(TRIGGER_TYPES)}"}
    rule = TRIGGER_VALUE_RULES[trigger_type]
    if trigger_type == "manual":
        return {"trigger_value": "a manual trigger takes no value: clear it"} if value is not None else {}
    if value is None:
        return {"trigger_value": f"{trigger_type} needs {rule}"}
    if not value.is_finite() or abs(value) >= VALUE_LIMIT or not _TRIGGER_VALUE_OK[trigger_type](value):
        return {"trigger_value": f"{value} does not fit {trigger_type}: it needs {rule}"}
    return {}


def expiry_problems(expiry_date: dt.date | None) -> dict[str, str]:
    """An expiry may be today or later (UTC dates); None means the entry never expires."""
    if expiry_date is None:
        return {}
    if isinstance(expiry_date, dt.datetime):
        return {"expiry_date": "give a date, not a date and time"}
    today = dt.datetime.now(dt.UTC).date()
    if expiry_date < today:
        return {"expiry_date": f"{expiry_date} is in the past (today is {today}, UTC)"}
    return {}


def trigger_distance_pct(
    trigger_type: str, trigger_value: decimal.Decimal | None, close: decimal.Decimal | None
) -> decimal.Decimal | None:
    """(trigger − close) / close · 100 for price triggers, to two places; None where it does not apply."""
    if trigger_type not in PRICE_TRIGGERS or trigger_value is None or close is None or close <= 0:
        return None
    return ((trigger_value - close) / close * 100).quantize(decimal.Decimal("0.01"))


def _check_edit(current: WatchlistEntryView, values: Mapping[str, Any]) -> None:
    problems: dict[str, str] = {}
    if "trigger_type" in values or "trigger_value" in values:
        trigger_type = values.get("trigger_type", current.trigger_type)
        problems |= trigger_problems(trigger_type, values.get("trigger_value", current.trigger_value))
    if "expiry_date" in values:
        problems |= expiry_problems(values["expiry_date"])
    if problems:
        refuse_all("cannot edit the entry", problems)


def _decimal(field: str, value: object) -> decimal.Decimal | None:
    if value is None or isinstance(value, decimal.Decimal):
        return value
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            return decimal.Decimal(str(value).strip())
        except decimal.InvalidOperation:
            pass
    raise InvalidInput(f"{field} must be a number, not {value!r}", fields={field: f"{value!r} is not a number"})


def _list_query() -> Select[Any]:
    live = ENTRIES.c.deleted_at.is_(None)
    return (
        select(
            *LISTS.c,
            func.count(ENTRIES.c.id).filter(live).label("entry_count"),
            func.count(ENTRIES.c.id).filter(and_(live, ENTRIES.c.status == "triggered")).label("triggered_count"),
        )
        .select_from(LISTS.outerjoin(ENTRIES, ENTRIES.c.watchlist_id == LISTS.c.id))
        .group_by(LISTS.c.id)
    )


def entry_query() -> Select[Any]:
    """Entries with their security and latest close, looked up by a LATERAL probe of each security's newest bar."""
    latest = (
        select(BARS.c.close, BARS.c.trade_date)
        .where(BARS.c.security_id == ENTRIES.c.security_id)
        .order_by(BARS.c.trade_date.desc())
        .limit(1)
        .lateral("latest_bar")
    )
    return (
        select(
            *ENTRIES.c,
            SECURITIES.c.symbol,
            SECURITIES.c.exchange,
            SECURITIES.c.name.label("security_name"),
            latest.c.close.label("last_close"),
            latest.c.trade_date.label("last_close_date"),
        )
        .join_from(ENTRIES, SECURITIES, SECURITIES.c.id == ENTRIES.c.security_id)
        .outerjoin(latest, true())
    )


# Built once: reading one entry is on every edit's path, and a statement's cache key is computed once.
_ENTRY_BY_ID = entry_query().where(ENTRIES.c.id == bindparam("entry_id"))


def _summary(row: RowMapping) -> WatchlistSummary:
    return WatchlistSummary(**{name: row[name] for name in WatchlistSummary.__dataclass_fields__})


def entry_view(row: RowMapping) -> WatchlistEntryView:
    distance = trigger_distance_pct(row["trigger_type"], row["trigger_value"], row["last_close"])
    computed = ("distance_to_trigger_pct", "trigger_bar")
    fields = {name: row[name] for name in WatchlistEntryView.__dataclass_fields__ if name not in computed}
    return WatchlistEntryView(
        **fields, distance_to_trigger_pct=distance, trigger_bar=TriggerBar.from_json(row["trigger_bar"])
    )


def _rebuilt(current: WatchlistEntryView, row: RowMapping) -> WatchlistEntryView:
    """The view after an update: the row's new values, the same security and close."""
    changed = {name: value for name, value in row.items() if name in WatchlistEntryView.__dataclass_fields__}
    changed["trigger_bar"] = TriggerBar.from_json(row["trigger_bar"])
    view = replace(current, **changed)
    distance = trigger_distance_pct(view.trigger_type, view.trigger_value, view.last_close)
    return replace(view, distance_to_trigger_pct=distance)
