"""Three watchlists whose triggers make sense against the bars: some near, some triggered, some expired."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from store.demo.loading import Connection, act_as, as_json, copy_rows, fetch_map
from store.demo.panel import Panel, sma, trailing
from store.demo.universe import SecuritySpec

ALERT_ACTOR = "system:alerts"
RECENT_ROWS = 25
LISTS = (
    ("Breakout candidates", "Stage-2 bases close to a breakout level", "priya.nair"),
    ("Pullback buys", "Quality names to accumulate on weakness", "daniel.okafor"),
    ("Event watch", "Results, volume and trend-change alerts", "mei.tanaka"),
)


@dataclass(slots=True)
class Entry:
    """A watchlist entry to be, with the state the alerts job would have brought it to by the last session."""

    list_name: str
    spec: int
    trigger_type: str
    trigger_value: float | None
    thesis: str
    created_at: dt.datetime
    added_by: str
    expiry_date: dt.date | None
    status: str = "active"
    triggered_at: dt.datetime | None = None
    trigger_bar: dict[str, Any] | None = None
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def first_trigger(panel: Panel, column: int, trigger_type: str, value: float | None, after: int) -> int | None:
    """The first session after row `after` on which the trigger fires (the semantics of the watchlist screen)."""
    if value is None:
        return None  # manual entries are watched by eye
    close = panel.close[:, column]
    rows = np.arange(len(close))
    if trigger_type == "price_above":
        hits = close > value
    elif trigger_type == "price_below":
        hits = close < value
    elif trigger_type == "pct_change":
        change = np.concatenate([[0.0], (close[1:] / close[:-1] - 1) * 100])
        hits = change >= value if value > 0 else change <= value
    elif trigger_type == "volume_spike":
        hits = panel.volume[:, column] >= value * trailing(panel.volume[:, [column]], 20, "mean")[:, 0]
    elif trigger_type == "ma_cross":
        side = np.nan_to_num(np.sign(close - sma(close[:, None], int(value))[:, 0]))
        hits = np.concatenate([[False], (side[1:] != side[:-1]) & (side[:-1] != 0) & (side[1:] != 0)])
    else:
        return None
    found = np.flatnonzero(hits & (rows > after))
    return int(found[0]) if len(found) else None


def _bar(panel: Panel, row: int, column: int, value: float) -> dict[str, Any]:
    return {
        "date": panel.date(row).isoformat(),
        "open": round(float(panel.open[row, column]), 4),
        "high": round(float(panel.high[row, column]), 4),
        "low": round(float(panel.low[row, column]), 4),
        "close": round(float(panel.close[row, column]), 4),
        "volume": int(panel.volume[row, column]),
        "value": round(value, 4),
    }


def _settle(entry: Entry, panel: Panel, column: int, created_row: int) -> Entry:
    """Apply what the alerts job would have done: trigger on the first crossing, else expire past the expiry."""
    fired = first_trigger(panel, column, entry.trigger_type, entry.trigger_value, created_row)
    last = panel.date(len(panel.dates) - 1)
    expiry_row = None if entry.expiry_date is None else panel.row_before(entry.expiry_date + dt.timedelta(days=1))
    if fired is not None and (expiry_row is None or fired <= expiry_row):
        measured = _measured(panel, column, entry.trigger_type, fired)
        entry.status, entry.triggered_at = "triggered", panel.session_close(fired) + dt.timedelta(minutes=5)
        entry.trigger_bar = _bar(panel, fired, column, measured)
    elif entry.expiry_date is not None and entry.expiry_date < last:
        entry.status = "expired"
    return entry


def _measured(panel: Panel, column: int, trigger_type: str, row: int) -> float:
    close = panel.close[:, column]
    if trigger_type == "pct_change":
        return float((close[row] / close[row - 1] - 1) * 100)
    if trigger_type == "volume_spike":
        return float(panel.volume[row, column] / panel.volume_average[row, column])
    return float(close[row])


def _price_entries(
    rng: np.random.Generator,
    panel: Panel,
    columns: np.ndarray,
    specs: list[SecuritySpec],
    direction: int,
    list_name: str,
    owner: str,
) -> list[Entry]:
    """price_above (direction 1) or price_below (-1) entries: near, triggered, expired and far ones."""
    found = []
    last = len(panel.dates) - 1
    for number, column in enumerate(columns):
        created = last - int(rng.integers(12, 60))
        since = panel.close[created + 1 :, column] * direction
        extreme = float(since.max()) * direction
        plan = ("near", "triggered", "near", "expired", "far", "triggered")[number % 6]
        value, expiry = _price_plan(rng, panel, column, created, extreme, direction, plan)
        spec = specs[panel.specs[column]]
        thesis = _price_thesis(spec, value, direction, panel.close[last, column])
        entry = Entry(
            list_name,
            panel.specs[column],
            "price_above" if direction > 0 else "price_below",
            round(value, 2),
            thesis,
            _added_at(panel, created),
            owner,
            expiry,
        )
        found.append(_settle(entry, panel, int(column), created))
    return found


def _price_plan(
    rng: np.random.Generator, panel: Panel, column: int, created: int, extreme: float, direction: int, plan: str
) -> tuple[float, dt.date | None]:
    close = panel.close[:, column]
    last = len(close) - 1
    future = panel.date(last) + dt.timedelta(days=int(rng.integers(20, 120)))
    if plan == "triggered":
        for row in range(max(last - RECENT_ROWS, created + 2), last + 1):
            before = float((close[created + 1 : row] * direction).max()) * direction
            if (close[row] - before) * direction > 0:
                return before + (close[row] - before) * rng.uniform(0.2, 0.8), future
    if plan == "expired":
        expiry_row = int(rng.integers(created + 3, last))
        before = float((close[created + 1 : expiry_row + 1] * direction).max()) * direction
        return before * (1 + direction * rng.uniform(0.01, 0.04)), panel.date(expiry_row)
    reach = rng.uniform(0.005, 0.025) if plan == "near" else rng.uniform(0.08, 0.2)
    edge = max(extreme * direction, close[last] * direction) * direction
    return edge * (1 + direction * reach), future if rng.random() < 0.7 else None


def _price_thesis(spec: SecuritySpec, value: float, direction: int, last_close: float) -> str:
    industry = spec.industry.industry if spec.industry else "its sector"
    if direction > 0:
        return (
            f"{spec.name} has based for several weeks under {value:,.2f}; a close above it on rising volume "
            f"would confirm a breakout. {industry} peers are firm."
        )
    return (
        f"Quality {industry} name pulling back; accumulate below {value:,.2f} "
        f"({abs(value / last_close - 1):.1%} under the last close) if selling dries up."
    )


def _added_at(panel: Panel, row: int) -> dt.datetime:
    return panel.session_close(row) + dt.timedelta(hours=2)


EVENT_PLANS = (
    ("pct_change", 5.0),
    ("volume_spike", 2.5),
    ("ma_cross", 50.0),
    ("pct_change", -5.0),
    ("manual", None),
    ("volume_spike", 3.0),
    ("ma_cross", 20.0),
    ("manual", None),
)
EVENT_THESES = {
    "pct_change": "Results due; a {value:+.0f}% day would show the market's verdict on the margin guidance.",
    "volume_spike": "Watching for institutional activity: an alert at {value:g}x the 20-day average volume.",
    "ma_cross": "Trend change if the close crosses its {value:.0f}-day average; review the position size then.",
    "manual": "Management change announced; revisit after the AGM and the first quarter under the new CEO.",
}


def _event_entries(
    rng: np.random.Generator, panel: Panel, columns: np.ndarray, list_name: str, owner: str
) -> list[Entry]:
    found = []
    last = len(panel.dates) - 1
    for number, column in enumerate(columns):
        trigger_type, value = EVENT_PLANS[number % len(EVENT_PLANS)]
        created = last - int(rng.integers(5, 45))
        expiry = panel.date(last) + dt.timedelta(days=int(rng.integers(10, 90)))
        if number % 5 == 4 and trigger_type != "manual":
            expiry = panel.date(created) + dt.timedelta(days=int(rng.integers(3, 10)))
        thesis = EVENT_THESES[trigger_type].format(value=value or 0)
        added_by = "agent:flow-agent" if trigger_type == "volume_spike" else owner
        entry = Entry(
            list_name, panel.specs[column], trigger_type, value, thesis, _added_at(panel, created), added_by, expiry
        )
        found.append(_settle(entry, panel, int(column), created))
    return found


def plan_watchlists(
    rng: np.random.Generator, panels: dict[str, Panel], specs: list[SecuritySpec], avoid: set[int], size: int
) -> list[Entry]:
    """Entries for the three lists, spread over the exchanges; split-affected names are left out."""
    pool = [
        (panel, column) for panel in panels.values() for column, spec in enumerate(panel.specs) if spec not in avoid
    ]
    order = rng.permutation(len(pool))
    chunks = [order[i * size : (i + 1) * size] for i in range(len(LISTS))]
    entries: list[Entry] = []
    for (name, _, owner), chunk in zip(LISTS, chunks, strict=True):
        for code, panel in panels.items():
            columns = np.array([pool[i][1] for i in chunk if pool[i][0].exchange == code], dtype=int)
            if name == "Event watch":
                entries += _event_entries(rng, panel, columns, name, owner)
            else:
                entries += _price_entries(
                    rng, panel, columns, specs, 1 if name.startswith("Breakout") else -1, name, owner
                )
    actives = [entry for entry in entries if entry.status == "active"]
    for entry in actives[3::9]:
        entry.status = "archived"
    if actives:
        actives[1].deleted = True
    return entries


ENTRY_COLUMNS = ("watchlist_id", "security_id", "trigger_type", "trigger_value", "thesis", "expiry_date", "status",
                 "added_by", "created_at")  # fmt: skip
# (who, why, what) for each change after the entries were added: the alerts job, then the lists' owners.
LATER_CHANGES = (
    ("triggered", ALERT_ACTOR, "trigger crossed", "status = 'triggered', triggered_at = %s, trigger_bar = %s"),
    ("expired", ALERT_ACTOR, "expiry date passed", "status = 'expired'"),
    ("archived", "owner", "thesis played out", "status = 'archived'"),
    ("deleted", "owner", "no longer relevant", "deleted_at = created_at + interval '3 days'"),
)


def _entry_row(entry: Entry, list_id: object, security: int) -> tuple[Any, ...]:
    value = None if entry.trigger_value is None else f"{entry.trigger_value:.4f}"
    return (list_id, security, entry.trigger_type, value, entry.thesis, entry.expiry_date, "active", entry.added_by,
            entry.created_at)  # fmt: skip


def _changed(entry: Entry, change: str) -> bool:
    return entry.deleted if change == "deleted" else entry.status == change


def insert_watchlists(connection: Connection, entries: list[Entry], ids: dict[int, int]) -> tuple[int, int]:
    """Lists and entries as analysts added them; then the alerts job's triggers and expiries, and owners' tidying."""
    owners = {name: owner for name, _, owner in LISTS}
    for name, description, owner in LISTS:
        act_as(connection, owner)
        copy_rows(connection, "watchlists", ("name", "description", "owner"), [(name, description, owner)])
    list_ids = fetch_map(connection, "select name, id from watchlists where deleted_at is null")
    for added_by in sorted({entry.added_by for entry in entries}):
        act_as(connection, added_by)
        rows = [_entry_row(e, list_ids[e.list_name], ids[e.spec]) for e in entries if e.added_by == added_by]
        copy_rows(connection, "watchlist_entries", ENTRY_COLUMNS, rows)
    entry_ids = fetch_map(connection, "select watchlist_id::text || ':' || security_id, id from watchlist_entries")
    for change, actor, reason, assignment in LATER_CHANGES:
        for who in [owner for _, _, owner in LISTS] if actor == "owner" else [actor]:
            changed = [e for e in entries if _changed(e, change) and who in (actor, owners[e.list_name])]
            rows = [
                ((e.triggered_at, as_json(e.trigger_bar)) if change == "triggered" else ())
                + (entry_ids[f"{list_ids[e.list_name]}:{ids[e.spec]}"],)
                for e in changed
            ]
            if rows:
                act_as(connection, who, reason)
                with connection.cursor() as cursor:
                    cursor.executemany(f"update watchlist_entries set {assignment} where id = %s".encode(), rows)
    return len(LISTS), len(entries)
