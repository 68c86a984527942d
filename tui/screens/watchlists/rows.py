"""How watchlist entries read on screen: table cells, sort orders, the detail of one entry, conflict rows."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from store.errors import EditConflict
from store.records.watchlists import WatchlistEntryView
from tui.modals.edit_conflict import ConflictRow
from tui.modals.watchlist_entry import TRIGGER_TYPE_LABELS, plain_number, security_label
from tui.widgets.status_line import describe_age

SORTS = ("distance", "symbol", "age")
# Within this distance (in %) of its trigger an entry is "near" and shown in the warning colour.
NEAR_PCT = decimal.Decimal(2)
THESIS_MIN_WIDTH = 12
# Cell padding of the DataTable (one cell on each side) and its vertical scrollbar.
_PADDING, _SCROLLBAR = 2, 2


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int
    justify: str = "left"


COLUMNS = (
    Column("symbol", "Symbol", 10),
    Column("last", "Last", 10, "right"),
    Column("trigger", "Trigger", 15),
    Column("distance", "Dist %", 7, "right"),
    Column("thesis", "Thesis", 0),
    Column("expiry", "Expiry", 10),
    Column("status", "Status", 9),
    Column("age", "Age", 5, "right"),
)
FIELD_LABELS = {
    "name": "Name",
    "trigger_type": "Trigger",
    "trigger_value": "Value",
    "thesis": "Thesis",
    "expiry_date": "Expiry",
    "status": "Status",
    "watchlist_id": "Watchlist",
    "deleted_at": "Removed",
}


def thesis_width(table_width: int) -> int:
    """The room left for the thesis; 0 when there is too little and the column is left out."""
    fixed = sum(column.width + _PADDING for column in COLUMNS if column.key != "thesis")
    room = table_width - fixed - _PADDING - _SCROLLBAR
    return room if room >= THESIS_MIN_WIDTH else 0


def shown_columns(width_for_thesis: int) -> list[Column]:
    return [
        Column(c.key, c.label, width_for_thesis, c.justify) if c.key == "thesis" else c
        for c in COLUMNS
        if c.key != "thesis" or width_for_thesis
    ]


def sorted_entries(entries: list[WatchlistEntryView], sort: str) -> list[WatchlistEntryView]:
    """distance: triggered first, then nearest to the trigger (none last); symbol; age: newest first."""
    if sort == "symbol":
        return sorted(entries, key=lambda entry: (entry.symbol, entry.exchange))
    if sort == "age":
        return sorted(entries, key=lambda entry: entry.created_at, reverse=True)
    return sorted(entries, key=_distance_key)


def _distance_key(entry: WatchlistEntryView) -> tuple[int, decimal.Decimal, str]:
    distance = entry.distance_to_trigger_pct
    triggered = entry.status == "triggered"
    return (0 if triggered else 1, abs(distance) if distance is not None else decimal.Decimal("Infinity"), entry.symbol)


def marked_cells(cells: list[Text], columns: list[Column], label: str, color: str) -> list[Text]:
    """A row another writer changed: its symbol marked, and "changed by …" in place of the thesis (else the
    status), in `color`, until the mark is cleared."""
    keys = [column.key for column in columns]
    at = keys.index("thesis") if "thesis" in keys else keys.index("status")
    marked = list(cells)
    marked[at] = Text(label, style=f"bold on {color}", justify=cells[at].justify, no_wrap=True, overflow="ellipsis")
    marked[0] = marked[0].copy()
    marked[0].stylize(f"on {color}")
    return marked


def entry_cells(entry: WatchlistEntryView, now: dt.datetime, columns: list[Column], accent: str) -> list[Text]:
    """One table row; a triggered entry is drawn in the accent colour, bold."""
    cells = {
        "symbol": Text(entry.symbol, style="bold"),
        "last": Text(_price(entry.last_close)),
        "trigger": Text(trigger_text(entry.trigger_type, entry.trigger_value)),
        "distance": _distance_cell(entry, accent),
        "thesis": Text(first_line(entry.thesis)),
        "expiry": _expiry_cell(entry.expiry_date, now.date(), accent),
        "status": Text(entry.status, style="dim" if entry.status in ("expired", "archived") else ""),
        "age": Text(describe_age(now - entry.created_at)),
    }
    row = []
    for column in columns:
        cell = cells[column.key]
        cell.justify = column.justify  # type: ignore[assignment]
        cell.no_wrap, cell.overflow = True, "ellipsis"
        if entry.status == "triggered":
            cell.stylize(f"bold {accent}")
        row.append(cell)
    return row


def trigger_text(trigger_type: str, value: decimal.Decimal | None) -> str:
    """price above 1,540.00 → 'above 1,540.00'; short enough for the table."""
    if trigger_type == "manual" or value is None:
        return "manual" if trigger_type == "manual" else trigger_type
    shown = {
        "price_above": f"above {_price(value)}",
        "price_below": f"below {_price(value)}",
        "pct_change": f"day {value:+.4g}%",
        "volume_spike": f"volume ×{plain_number(value)}",
        "ma_cross": f"cross MA {plain_number(value)}",
    }
    return shown.get(trigger_type, f"{trigger_type} {plain_number(value)}")


def count_of(count: int, one: str, many: str) -> str:
    """1 entry, 3 entries."""
    return f"{count} {one if count == 1 else many}"


def first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _price(value: decimal.Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _distance_cell(entry: WatchlistEntryView, accent: str) -> Text:
    distance = entry.distance_to_trigger_pct
    if distance is None:
        return Text("")
    return Text(f"{distance:+.2f}", style=accent if abs(distance) <= NEAR_PCT else "")


def _expiry_cell(expiry: dt.date | None, today: dt.date, accent: str) -> Text:
    if expiry is None:
        return Text("—", style="dim")
    if expiry < today:
        return Text(f"{expiry:%Y-%m-%d}", style="dim strike")
    return Text(f"{expiry:%Y-%m-%d}", style=accent if (expiry - today).days <= 7 else "")


def entry_detail(entry: WatchlistEntryView, accent: str) -> Text:
    """Under the table, for the entry at the cursor: the security and close; the trigger (or the bar that fired
    it); the whole thesis."""
    detail = Text()
    detail.append(security_label(entry.symbol, entry.exchange, entry.security_name), style="bold")
    if entry.last_close is not None and entry.last_close_date is not None:
        detail.append(f"  last {_price(entry.last_close)} on {entry.last_close_date:%Y-%m-%d}", style="dim")
    detail.append("\n")
    fired = fired_bar_text(entry)
    if fired is not None:
        detail.append(fired, style=f"bold {accent}")
    else:
        detail.append(_trigger_sentence(entry))
    detail.append("\n")
    detail.append((entry.thesis or "no thesis written").strip(), style="" if entry.thesis else "dim italic")
    return detail


def _trigger_sentence(entry: WatchlistEntryView) -> str:
    kind = TRIGGER_TYPE_LABELS.get(entry.trigger_type, entry.trigger_type)
    value = "" if entry.trigger_value is None else f" {plain_number(entry.trigger_value)}"
    distance = entry.distance_to_trigger_pct
    away = "" if distance is None else f"  ·  {distance:+.2f}% away"
    return f"{kind}{value}{away}  ·  {entry.status}"


def fired_bar_text(entry: WatchlistEntryView) -> str | None:
    """'▲ fired 2026-11-12: O … H … L … C … V … (measured …)' from the entry's trigger_bar, else its time."""
    if entry.status != "triggered":
        return None
    # The bar is stored on the row (trigger_bar); the record carries it once the store exposes it.
    bar: Mapping[str, Any] | None = getattr(entry, "trigger_bar", None)
    if not bar:
        when = f" {entry.triggered_at:%Y-%m-%d %H:%M} UTC" if entry.triggered_at is not None else ""
        return f"▲ fired{when}"
    prices = "  ".join(f"{key[0].upper()} {_bar_number(bar.get(key))}" for key in ("open", "high", "low", "close"))
    volume = f"  V {int(bar['volume']):,}" if bar.get("volume") is not None else ""
    measured = f"  (measured {_bar_number(bar.get('value'))})" if bar.get("value") is not None else ""
    return f"▲ fired {bar.get('date', '')}: {prices}{volume}{measured}"


def _bar_number(value: object) -> str:
    if value is None:
        return "—"
    return f"{decimal.Decimal(str(value)):,.2f}"


def conflict_rows(
    conflict: EditConflict, read: Mapping[str, Any], list_name: Callable[[uuid.UUID], str]
) -> list[ConflictRow]:
    """The fields you changed and the fields they changed since you read them, theirs beside yours."""
    stored, attempted = conflict.stored, conflict.attempted
    fields = [
        name
        for name in FIELD_LABELS
        if name in attempted or (name in stored and name in read and stored[name] != read[name])
    ]
    return [
        ConflictRow(
            FIELD_LABELS[name],
            shown_value(name, stored.get(name), list_name),
            shown_value(name, attempted[name], list_name) if name in attempted else None,
        )
        for name in fields
    ]


def shown_value(field: str, value: object, list_name: Callable[[uuid.UUID], str]) -> str:
    """A stored value as the analyst reads it."""
    if value is None:
        return "—"
    if field == "watchlist_id" and isinstance(value, uuid.UUID):
        return list_name(value)
    if field == "trigger_type" and isinstance(value, str):
        return TRIGGER_TYPE_LABELS.get(value, value)
    if isinstance(value, decimal.Decimal):
        return plain_number(value)
    if isinstance(value, dt.datetime):
        return f"{value.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
