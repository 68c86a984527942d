"""Watchlist alerts: evaluate active entries on the bars that came after them, mark what fired, expire the rest.

The rules (the vocabulary of store/records/watchlists.TRIGGER_VALUE_RULES), on daily bars as traded:
- price_above / price_below: the first close strictly above / below the value (the close, not the high or low:
  an intraday wick that closes back is not a breakout);
- pct_change: the first day whose close changed by at least the value in % from the previous session's close
  (≥ +v for a positive value, ≤ −v for a negative one); where both bars carry adj_close the change is taken
  from adj_close, so a split or dividend does not fire it;
- volume_spike: the first volume ≥ value × the average volume of the 20 sessions before that bar (all 20 must
  be there);
- ma_cross: the first close on the other side of its N-session simple moving average (N = the value, the average
  including that day's close) from where the previous session's close stood relative to its own average; a
  close exactly on its average is neither side and never starts or ends a cross.

"After them" means bars whose trade date is after the UTC date the entry was created (an entry added during a
session is first compared with the next session). Entries are evaluated against every such bar up to the as-of
date (by default the latest bar in the database) and, when they have one, up to their expiry date inclusive.
The evaluation is a function of the bars, so running it again finds nothing new: an entry fires once and is
then no longer active. Active entries whose expiry date is before the as-of date and that did not fire become
'expired' (manual entries too). All of it is one transaction as actor `system:alerts`; the audit trigger records
each change and the version trigger bumps each entry's version.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from store.records.watchlists import TriggerBar
from store.repositories.checks import refuse
from store.repositories.watchlists import MA_PERIODS, WatchlistRepository
from store.uow import UnitOfWork

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from store.db import Database

ALERT_ACTOR = "system:alerts"
VOLUME_SESSIONS = 20
# Calendar days of bars read before the earliest entry: the 200-session average of the day after it, with room
# for holidays (200 sessions are about 290 calendar days).
LOOKBACK_DAYS = 400
_LOCK = text("select pg_advisory_xact_lock(hashtext('research-workstation alerts check'))")
_LATEST_DAY = text("select max(trade_date) from ohlcv_daily")
_NOW = text("select now()")

_ACTIVE_ENTRIES = text(
    """
select e.id, e.version, e.security_id, e.trigger_type, e.trigger_value, e.expiry_date,
       (e.created_at at time zone 'UTC')::date as armed_on, s.symbol, s.exchange, w.name as watchlist_name
from watchlist_entries e
join securities s on s.id = e.security_id
join watchlists w on w.id = e.watchlist_id
where e.status = 'active' and e.deleted_at is null and (e.created_at at time zone 'UTC')::date <= :as_of
order by s.symbol, s.exchange, e.id
for update of e
"""
)


def _moving_average_columns() -> tuple[str, str, str]:
    """SQL for each period of MA_PERIODS (constants): the average, the side of the close, the previous side."""
    averages = ",\n".join(
        f"case when count(*) over (w rows between {period - 1} preceding and current row) = {period}"
        f" then avg(d.close) over (w rows between {period - 1} preceding and current row) end as ma_{period}"
        for period in MA_PERIODS
    )
    sides = ",\n".join(f"sign(b.close - b.ma_{period}) as side_{period}" for period in MA_PERIODS)
    previous = ",\n".join(f"lag(s.side_{period}) over w as previous_side_{period}" for period in MA_PERIODS)
    return averages, sides, previous


def _pick(column: str) -> str:
    """The column of the entry's moving-average period (trigger_value is one of MA_PERIODS for ma_cross)."""
    cases = " ".join(f"when {period} then {column.format(period=period)}" for period in MA_PERIODS)
    return f"(case e.trigger_value {cases} end)"


def _first_crossing_sql() -> str:
    averages, sides, previous = _moving_average_columns()
    moving_average, side, previous_side = (
        _pick("b.ma_{period}"),
        _pick("b.side_{period}"),
        _pick("b.previous_side_{period}"),
    )
    # The comparisons are exact: numeric, with divisions moved to the other side (pct_change, volume_spike),
    # and averages over 10, 20, 50 or 200 bars, which are exact decimals.
    return f"""
with entry as (
    select * from unnest(
        cast(:ids as uuid[]), cast(:security_ids as bigint[]), cast(:trigger_types as text[]),
        cast(:trigger_values as numeric[]), cast(:armed_on as date[]), cast(:last_days as date[])
    ) as e(id, security_id, trigger_type, trigger_value, armed_on, last_day)
),
wanted as (
    select security_id, min(armed_on) - {LOOKBACK_DAYS} as first_day from entry group by security_id
),
b as (
    select d.security_id, d.trade_date, d.open, d.high, d.low, d.close, d.volume,
           lag(d.close) over w as previous_close,
           lag(d.adj_close) over w as previous_adj_close, d.adj_close,
           sum(d.volume) over (w rows between {VOLUME_SESSIONS} preceding and 1 preceding) as prior_volume,
           count(d.volume) over (w rows between {VOLUME_SESSIONS} preceding and 1 preceding) as prior_sessions,
           {averages}
    from wanted
    join ohlcv_daily d on d.security_id = wanted.security_id
        and d.trade_date > wanted.first_day and d.trade_date <= :as_of
    window w as (partition by d.security_id order by d.trade_date)
),
s as (select b.*, {sides} from b),
bar as (
    select s.*,
           case when s.adj_close is not null and s.previous_adj_close is not null
                then s.adj_close else s.close end as change_to,
           case when s.adj_close is not null and s.previous_adj_close is not null
                then s.previous_adj_close else s.previous_close end as change_from,
           {previous}
    from s
    window w as (partition by s.security_id order by s.trade_date)
)
select distinct on (e.id)
       e.id, b.trade_date, b.open, b.high, b.low, b.close, b.volume,
       case e.trigger_type
           when 'pct_change' then round((b.change_to / b.change_from - 1) * 100, 6)
           when 'volume_spike' then round(b.volume::numeric * {VOLUME_SESSIONS} / nullif(b.prior_volume, 0), 6)
           when 'ma_cross' then round({moving_average}, 6)
           else b.close
       end as value
from entry e
join bar b on b.security_id = e.security_id and b.trade_date > e.armed_on and b.trade_date <= e.last_day
where case e.trigger_type
    when 'price_above' then b.close > e.trigger_value
    when 'price_below' then b.close < e.trigger_value
    when 'pct_change' then
        case when e.trigger_value > 0 then b.change_to * 100 >= b.change_from * (100 + e.trigger_value)
             else b.change_to * 100 <= b.change_from * (100 + e.trigger_value) end
    when 'volume_spike' then
        b.prior_sessions = {VOLUME_SESSIONS} and b.prior_volume > 0
        and b.volume * {VOLUME_SESSIONS} >= e.trigger_value * b.prior_volume
    when 'ma_cross' then {side} <> 0 and {previous_side} <> 0 and {side} <> {previous_side}
    else false
end
order by e.id, b.trade_date
"""


_FIRST_CROSSING = text(_first_crossing_sql())


@dataclass(frozen=True, slots=True)
class AlertEntry:
    """An entry the check changed: which security on which list, its trigger and expiry."""

    entry_id: uuid.UUID
    watchlist_name: str
    symbol: str
    exchange: str
    trigger_type: str
    trigger_value: decimal.Decimal | None
    expiry_date: dt.date | None


@dataclass(frozen=True, slots=True)
class FiredAlert:
    """An entry that fired, and the bar on which it did."""

    entry: AlertEntry
    bar: TriggerBar


@dataclass(frozen=True, slots=True)
class AlertCheck:
    """What one check did: the as-of trade date (None when there are no bars), entries looked at, fired, expired."""

    as_of: dt.date | None
    checked: int
    fired: tuple[FiredAlert, ...]
    expired: tuple[AlertEntry, ...]


def check_alerts(database: Database, *, as_of: dt.date | None = None) -> AlertCheck:
    """Evaluate the active watchlist entries on the bars up to `as_of` (default: the latest bar) and commit.

    One transaction: every entry that fired is 'triggered' (with triggered_at and trigger_bar), every one past
    its expiry is 'expired', or nothing is written. Concurrent checks wait for each other.
    """
    with UnitOfWork(database.engine, actor=ALERT_ACTOR, reason="alerts check", target=database.target.display) as uow:
        result = check_alerts_in(uow, as_of=as_of)
        uow.commit()
    return result


def check_alerts_in(uow: UnitOfWork, *, as_of: dt.date | None = None) -> AlertCheck:
    """The check inside a caller's unit of work (which names the actor and commits)."""
    if as_of is not None and (isinstance(as_of, dt.datetime) or not isinstance(as_of, dt.date)):
        raise refuse("as_of", f"must be a date (not a time), not {as_of!r}")
    session = uow.session
    session.execute(_LOCK)
    day = as_of or session.execute(_LATEST_DAY).scalar_one_or_none()
    if day is None:
        return AlertCheck(as_of=None, checked=0, fired=(), expired=())
    entries = [dict(row) for row in session.execute(_ACTIVE_ENTRIES, {"as_of": day}).mappings()]
    bars = _first_crossings(session, [entry for entry in entries if entry["trigger_type"] != "manual"], day)
    now: dt.datetime = session.execute(_NOW).scalar_one()
    repository = uow.repository(WatchlistRepository)
    fired, expired = [], []
    for entry in entries:
        bar = bars.get(entry["id"])
        if bar is not None:
            repository.mark_triggered(entry["id"], entry["version"], now, bar)
            found = TriggerBar.from_json(bar)
            assert found is not None
            fired.append(FiredAlert(_alert_entry(entry), found))
        elif entry["expiry_date"] is not None and entry["expiry_date"] < day:
            repository.mark_expired(entry["id"], entry["version"])
            expired.append(_alert_entry(entry))
    return AlertCheck(as_of=day, checked=len(entries), fired=tuple(fired), expired=tuple(expired))


def _first_crossings(session: Session, entries: Sequence[Mapping[str, Any]], day: dt.date) -> dict[Any, dict[str, Any]]:
    """Entry id → the JSON of the first bar on which it fired (entries that did not fire are left out)."""
    if not entries:
        return {}
    params = {
        "ids": [entry["id"] for entry in entries],
        "security_ids": [entry["security_id"] for entry in entries],
        "trigger_types": [entry["trigger_type"] for entry in entries],
        "trigger_values": [entry["trigger_value"] for entry in entries],
        "armed_on": [entry["armed_on"] for entry in entries],
        "last_days": [min(day, entry["expiry_date"] or day) for entry in entries],
        "as_of": day,
    }
    return {row["id"]: _bar_json(dict(row)) for row in session.execute(_FIRST_CROSSING, params).mappings()}


def _bar_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """The stored trigger_bar: JSON numbers (numeric(18,6) values print the same as floats)."""

    def number(value: decimal.Decimal | None) -> float | None:
        return None if value is None else float(value)

    return {
        "date": row["trade_date"].isoformat(),
        **{key: number(row[key]) for key in ("open", "high", "low", "close")},
        "volume": row["volume"],
        "value": number(row["value"]),
    }


def _alert_entry(entry: Mapping[str, Any]) -> AlertEntry:
    return AlertEntry(
        entry_id=entry["id"],
        watchlist_name=entry["watchlist_name"],
        symbol=entry["symbol"],
        exchange=entry["exchange"],
        trigger_type=entry["trigger_type"],
        trigger_value=entry["trigger_value"],
        expiry_date=entry["expiry_date"],
    )
