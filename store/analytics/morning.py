"""The morning report: the last session's market, what fired and what the agents said since the previous report.

A report dated D covers the last session before D (per exchange: each exchange's latest bar date before D) and
the events of the window [start, D), in UTC dates: start is the date of the previous morning report, or, for the
first one, the covered session's date. Consecutive reports therefore split time with no gap and no overlap:
- alerts: watchlist entries whose triggered_at falls in the window (the alerts job marks them after a load);
- signals and strong (strong_buy / strong_sell) analyses: observed_at / analysed_at in the window;
- watched names (live entries, active or triggered, on live lists) with deals dated in the window, or
  surveillance measures placed or lifted in it;
- research-queue counts by status as they stand, and how many items were added in the window.

Market summary, over active equities that traded in their exchange's covered session: breadth (advancers,
decliners, unchanged), the top gainers and losers by change from the previous bar (from adj_close where both bars
carry it, so a split is not a crash), and new 52-week highs / lows: the session's high (low) above (below) every
high (low) of the 52 weeks before it, both scaled by adj_close / close, for securities with at least 200 sessions
in those weeks.

`recommendations` lists every symbol the report mentions, once, with the strongest action it earned
(strong_buy / strong_sell from an analysis, else `review` for alerts, deals and surveillance, else `watch` for
movers, 52-week extremes and signals) and every reason joined. Regenerating a date replaces its report (an audited
UPDATE, store/repositories/reports.ReportRepository.store_generated).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from store.db import Database
from store.models.research import RESEARCH_STATUSES
from store.records.reports import Report
from store.repositories.checks import refuse
from store.repositories.reports import ReportRepository
from store.uow import UnitOfWork

REPORT_ACTOR = "system:morning-report"
MIN_SESSIONS_52W = 200
STALE_EXCHANGE_DAYS = 7  # an exchange whose last bar is this much older than the newest one is left out

_SESSION = text("select max(trade_date) from ohlcv_daily where trade_date < :day")
_PREVIOUS_REPORT = text("select max(report_date) from reports where kind = 'morning' and report_date < :day")

_MARKET = text(
    f"""
with latest as (
    select s.id, s.symbol, s.exchange, b.trade_date, b.high, b.low, b.close, b.adj_close
    from securities s
    cross join lateral (
        select d.trade_date, d.high, d.low, d.close, d.adj_close from ohlcv_daily d
        where d.security_id = s.id and d.trade_date < :day and d.trade_date >= :oldest
        order by d.trade_date desc limit 1
    ) b
    where s.instrument_type = 'equity' and s.is_active
),
sessions as (select exchange, max(trade_date) as session from latest group by exchange)
select l.symbol, l.exchange, l.trade_date, l.close::float8 as close,
       case when l.adj_close is not null and p.adj_close is not null
            then (l.adj_close / p.adj_close - 1) * 100 else (l.close / p.close - 1) * 100 end::float8 as change_pct,
       y.sessions >= {MIN_SESSIONS_52W} and l.high * coalesce(l.adj_close / l.close, 1) > y.high_52w as new_high,
       y.sessions >= {MIN_SESSIONS_52W} and l.low * coalesce(l.adj_close / l.close, 1) < y.low_52w as new_low
from latest l
join sessions on sessions.exchange = l.exchange and sessions.session = l.trade_date
    and sessions.session >= :session - {STALE_EXCHANGE_DAYS}
cross join lateral (
    select d.close, d.adj_close from ohlcv_daily d
    where d.security_id = l.id and d.trade_date < l.trade_date order by d.trade_date desc limit 1
) p
cross join lateral (
    select count(*) as sessions,
           max(d.high * coalesce(d.adj_close / d.close, 1)) as high_52w,
           min(d.low * coalesce(d.adj_close / d.close, 1)) as low_52w
    from ohlcv_daily d
    where d.security_id = l.id and d.trade_date >= l.trade_date - 364 and d.trade_date < l.trade_date
) y
order by l.exchange, l.symbol
"""
)

_ALERTS = text(
    """
select s.symbol, s.exchange, e.trigger_type, e.trigger_value, e.trigger_bar, e.triggered_at, w.name as watchlist
from watchlist_entries e
join securities s on s.id = e.security_id
join watchlists w on w.id = e.watchlist_id
where e.triggered_at >= :start and e.triggered_at < :end and e.deleted_at is null
order by e.triggered_at, s.symbol, s.exchange
"""
)

_SIGNALS = text(
    """
select g.source, g.signal_type, g.score, s.symbol, s.exchange
from signals g join securities s on s.id = g.security_id
where g.observed_at >= :start and g.observed_at < :end
order by g.source, g.score desc nulls last, s.symbol, s.exchange, g.signal_type
"""
)

_STRONG = text(
    """
select a.agent_name, a.recommendation, a.confidence, a.reasoning, s.symbol, s.exchange
from analysis_results a join securities s on s.id = a.security_id
where a.analysed_at >= :start and a.analysed_at < :end and a.recommendation in ('strong_buy', 'strong_sell')
order by a.confidence desc, s.symbol, s.exchange, a.agent_name
"""
)

_QUEUE = text(
    """
select status, count(*) as items, count(*) filter (where created_at >= :start and created_at < :end) as added
from research_queue where deleted_at is null group by status
"""
)

_WATCHED = """
with watched as (
    select distinct e.security_id from watchlist_entries e join watchlists w on w.id = e.watchlist_id
    where e.deleted_at is null and w.deleted_at is null and e.status in ('active', 'triggered')
)
"""

_DEALS = text(
    _WATCHED
    + """
select s.symbol, s.exchange, d.deal_date, d.kind, d.side, d.client_name, d.quantity, d.price
from deals d join watched using (security_id) join securities s on s.id = d.security_id
where d.deal_date >= :start_day and d.deal_date < :day
order by s.symbol, s.exchange, d.deal_date, d.kind, d.side, d.client_name, d.quantity
"""
)

_SURVEILLANCE = text(
    _WATCHED
    + """
select s.symbol, s.exchange, m.measure, m.stage, m.reason, m.effective_date, m.removed_date
from surveillance_measures m join watched using (security_id) join securities s on s.id = m.security_id
where (m.effective_date >= :start_day and m.effective_date < :day)
   or (m.removed_date >= :start_day and m.removed_date < :day)
order by s.symbol, s.exchange, m.effective_date, m.measure
"""
)


@dataclass(frozen=True, slots=True)
class MorningData:
    """Everything a morning report says, read in one transaction."""

    day: dt.date
    session: dt.date | None
    since: dt.date
    previous_report: dt.date | None
    market: list[Mapping[str, Any]]
    alerts: list[Mapping[str, Any]]
    signals: list[Mapping[str, Any]]
    strong: list[Mapping[str, Any]]
    queue: dict[str, tuple[int, int]]
    deals: list[Mapping[str, Any]]
    surveillance: list[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class GeneratedReport:
    """The stored report, and whether it replaced an earlier one of the same date."""

    report: Report
    replaced: bool


def generate_morning_report(database: Database, *, day: dt.date | None = None) -> GeneratedReport:
    """Build the morning report of `day` (default: today, UTC) and store it, replacing that date's report."""
    with UnitOfWork(
        database.engine, actor=REPORT_ACTOR, reason="morning report", target=database.target.display
    ) as uow:
        generated = generate_in(uow, day=day)
        uow.commit()
    return generated


def generate_in(uow: UnitOfWork, *, day: dt.date | None = None) -> GeneratedReport:
    """The report inside a caller's unit of work (which names the actor and commits)."""
    if day is not None and (isinstance(day, dt.datetime) or not isinstance(day, dt.date)):
        raise refuse("day", f"must be a date (not a time), not {day!r}")
    data = read_morning_data(uow.session, day or dt.datetime.now(dt.UTC).date())
    content, recommendations, analyzed = render(data)
    report, replaced = uow.repository(ReportRepository).store_generated(
        "morning",
        data.day,
        title=f"Morning report {data.day:%d %b %Y}",
        content=content,
        stocks_analyzed=analyzed,
        recommendations=recommendations,
        generated_by=REPORT_ACTOR,
    )
    return GeneratedReport(report=report, replaced=replaced)


def read_morning_data(session: Session, day: dt.date) -> MorningData:
    covered: dt.date | None = session.execute(_SESSION, {"day": day}).scalar_one_or_none()
    previous: dt.date | None = session.execute(_PREVIOUS_REPORT, {"day": day}).scalar_one_or_none()
    since = previous or covered or day - dt.timedelta(days=1)
    start, end = _midnight(since), _midnight(day)
    window = {"start": start, "end": end, "start_day": since, "day": day}
    market: list[Mapping[str, Any]] = []
    if covered is not None:
        oldest = covered - dt.timedelta(days=STALE_EXCHANGE_DAYS)
        market = _rows(session, _MARKET, {"day": day, "session": covered, "oldest": oldest})
    queue = {row["status"]: (row["items"], row["added"]) for row in _rows(session, _QUEUE, window)}
    return MorningData(
        day=day,
        session=covered,
        since=since,
        previous_report=previous,
        market=market,
        alerts=_rows(session, _ALERTS, window),
        signals=_rows(session, _SIGNALS, window),
        strong=_rows(session, _STRONG, window),
        queue={status: queue.get(status, (0, 0)) for status in RESEARCH_STATUSES},
        deals=_rows(session, _DEALS, window),
        surveillance=_rows(session, _SURVEILLANCE, window),
    )


def _rows(session: Session, statement: Any, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [dict(row) for row in session.execute(statement, params).mappings()]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def plain(value: decimal.Decimal | float | int | None) -> str:
    """A number as people write it: no trailing zeros, thousands separated."""
    if value is None:
        return "—"
    number = decimal.Decimal(str(value)).normalize()
    return f"{number:,f}"


# Rendering: Markdown sections, and the symbols they mention.

MOVERS = 5
LISTED_PER_AGENT = 10
LISTED_STRONG = 20
LISTED_EXTREMES = 20
REASONING_CHARS = 200
ACTION_STRENGTH = {"strong_buy": 3, "strong_sell": 3, "review": 2, "watch": 1}
_MARKDOWN_SPECIAL = str.maketrans({char: f"\\{char}" for char in "\\`*_[]|<>#"})


class Mentions:
    """Every symbol the report names, in order of first mention, with the strongest action it earned."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str], dict[str, Any]] = {}

    def add(self, symbol: str, exchange: str, action: str, reason: str) -> None:
        found = self._found.setdefault(
            (symbol, exchange), {"symbol": symbol, "exchange": exchange, "action": action, "reasons": []}
        )
        if ACTION_STRENGTH[action] > ACTION_STRENGTH[found["action"]]:
            found["action"] = action
        if reason not in found["reasons"]:
            found["reasons"].append(reason)

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {
                "symbol": item["symbol"],
                "exchange": item["exchange"],
                "action": item["action"],
                "rationale": "; ".join(item["reasons"]),
            }
            for item in self._found.values()
        ]


def render(data: MorningData) -> tuple[str, list[dict[str, Any]], int]:
    """The Markdown, the recommendations (every symbol mentioned) and how many equities the summary covers."""
    mentions = Mentions()
    lines = [
        *_header(data),
        *_market(data, mentions),
        *_alerts(data.alerts, mentions),
        *_signals(data.signals, mentions),
        *_strong(data.strong, mentions),
        *_queue(data.queue),
        *_watched(data, mentions),
    ]
    return "\n".join(lines).rstrip("\n") + "\n", mentions.as_json(), len(data.market)


def _escape(value: object) -> str:
    return " ".join(str(value).split()).translate(_MARKDOWN_SPECIAL)


def _name(symbol: str, exchange: str) -> str:
    return f"**{_escape(symbol)}** ({_escape(exchange)})"


def _header(data: MorningData) -> list[str]:
    last_event_day = data.day - dt.timedelta(days=1)
    events = f"events from {data.since} to {last_event_day}" if data.since <= last_event_day else "no events"
    covered = f"the session of {data.session}" if data.session else "no session (there are no bars yet)"
    since = f"the report of {data.previous_report}" if data.previous_report else "the first report"
    return [
        f"# Morning report — {data.day:%A %d %B %Y}",
        "",
        f"_Covers {covered} and the {events} (UTC dates; since {since})._",
        "",
    ]


def _market(data: MorningData, mentions: Mentions) -> list[str]:
    lines = ["## Market", ""]
    if not data.market:
        return [*lines, "No equity traded before this date.", ""]
    breadth = []
    for exchange in sorted({row["exchange"] for row in data.market}):
        rows = [row for row in data.market if row["exchange"] == exchange]
        changes = [row["change_pct"] for row in rows]
        up, down = sum(change > 0 for change in changes), sum(change < 0 for change in changes)
        breadth.append(f"{_escape(exchange)} {up} up / {down} down / {len(rows) - up - down} unchanged")
    highs = [row for row in data.market if row["new_high"]]
    lows = [row for row in data.market if row["new_low"]]
    lines += [f"**Breadth:** {' · '.join(breadth)}  ", f"**New 52-week highs / lows:** {len(highs)} / {len(lows)}", ""]
    lines += _movers(data.market, mentions)
    lines += _extremes("New 52-week highs", "new 52-week high", highs, mentions)
    lines += _extremes("New 52-week lows", "new 52-week low", lows, mentions)
    return lines


def _movers(market: Sequence[Mapping[str, Any]], mentions: Mentions) -> list[str]:
    ranked = sorted(market, key=lambda row: (-row["change_pct"], row["symbol"], row["exchange"]))
    gainers = [row for row in ranked if row["change_pct"] > 0][:MOVERS]
    losers = [row for row in reversed(ranked) if row["change_pct"] < 0][:MOVERS]
    lines = []
    for title, label, rows in (("Top gainers", "top gainer", gainers), ("Top losers", "top loser", losers)):
        lines += [f"### {title}", ""]
        if not rows:
            lines += ["None.", ""]
            continue
        lines += ["| Symbol | Exchange | Close | Change |", "|---|---|---:|---:|"]
        for row in rows:
            change = f"{row['change_pct']:+.2f}%"
            lines.append(f"| {_escape(row['symbol'])} | {_escape(row['exchange'])} | {row['close']:,.2f} | {change} |")
            mentions.add(row["symbol"], row["exchange"], "watch", f"{label} {change} on {row['trade_date']}")
        lines.append("")
    return lines


def _extremes(title: str, reason: str, rows: Sequence[Mapping[str, Any]], mentions: Mentions) -> list[str]:
    if not rows:
        return []
    shown = rows[:LISTED_EXTREMES]
    for row in shown:
        mentions.add(row["symbol"], row["exchange"], "watch", f"{reason} on {row['trade_date']}")
    more = f" and {len(rows) - len(shown)} more" if len(rows) > len(shown) else ""
    names = ", ".join(f"{_escape(row['symbol'])} ({_escape(row['exchange'])})" for row in shown)
    return [f"**{title}:** {names}{more}", ""]


def _alerts(alerts: Sequence[Mapping[str, Any]], mentions: Mentions) -> list[str]:
    lines = ["## Alerts since the last report", ""]
    for alert in alerts:
        bar = alert["trigger_bar"] or {}
        value = "" if alert["trigger_value"] is None else f" {plain(alert['trigger_value'])}"
        trigger = f"{alert['trigger_type'].replace('_', ' ')}{value}"
        on = bar.get("date") or f"{alert['triggered_at']:%Y-%m-%d}"
        lines.append(
            f"- {_name(alert['symbol'], alert['exchange'])} {trigger} on {on}: closed {plain(bar.get('close'))}, "
            f"measured {plain(bar.get('value'))} — list *{_escape(alert['watchlist'])}*"
        )
        reason = f"alert {alert['trigger_type']}{value} fired on {on} (close {plain(bar.get('close'))})"
        mentions.add(alert["symbol"], alert["exchange"], "review", reason)
    return [*lines, *([] if alerts else ["None."]), ""]


def _signals(signals: Sequence[Mapping[str, Any]], mentions: Mentions) -> list[str]:
    lines = ["## Signals by agent", ""]
    by_agent: dict[str, list[Mapping[str, Any]]] = {}
    for signal in signals:
        by_agent.setdefault(signal["source"], []).append(signal)
    for agent, own in by_agent.items():
        kinds = Counter(signal["signal_type"] for signal in own)
        counted = ", ".join(f"{_escape(kind.replace('_', ' '))} × {count}" for kind, count in sorted(kinds.items()))
        lines += [f"### {_escape(agent)} — {len(own)} signal{'s' if len(own) != 1 else ''} ({counted})", ""]
        for signal in own[:LISTED_PER_AGENT]:
            score = "" if signal["score"] is None else f", score {plain(signal['score'])}"
            kind = _escape(signal["signal_type"].replace("_", " "))
            lines.append(f"- {_name(signal['symbol'], signal['exchange'])} {kind}{score}")
            reason = f"{agent}: {signal['signal_type']}{score.replace(', score', ' score')}"
            mentions.add(signal["symbol"], signal["exchange"], "watch", reason)
        if len(own) > LISTED_PER_AGENT:
            lines.append(f"- … and {len(own) - LISTED_PER_AGENT} more")
        lines.append("")
    return [*lines, *([] if signals else ["No new signals.", ""])]


def _strong(analyses: Sequence[Mapping[str, Any]], mentions: Mentions) -> list[str]:
    lines = ["## Strong recommendations", ""]
    for analysis in analyses[:LISTED_STRONG]:
        action = analysis["recommendation"]
        reasoning = " ".join((analysis["reasoning"] or "").split())
        if len(reasoning) > REASONING_CHARS:
            reasoning = reasoning[: REASONING_CHARS - 1].rstrip() + "…"
        confidence = f"{analysis['confidence']:.0%}"
        lines.append(
            f"- {_name(analysis['symbol'], analysis['exchange'])} **{action.replace('_', ' ')}** — "
            f"{_escape(analysis['agent_name'])}, confidence {confidence}"
            + (f": {_escape(reasoning)}" if reasoning else "")
        )
        reason = f"{analysis['agent_name']} {action} ({confidence})" + (f": {reasoning}" if reasoning else "")
        mentions.add(analysis["symbol"], analysis["exchange"], action, reason)
    if len(analyses) > LISTED_STRONG:
        lines.append(f"- … and {len(analyses) - LISTED_STRONG} more")
    return [*lines, *([] if analyses else ["None."]), ""]


def _queue(queue: Mapping[str, tuple[int, int]]) -> list[str]:
    lines = ["## Research queue", "", "| Status | Items | Added since the last report |", "|---|---:|---:|"]
    lines += [f"| {status} | {items} | {added} |" for status, (items, added) in queue.items()]
    return [*lines, ""]


def _watched(data: MorningData, mentions: Mentions) -> list[str]:
    deals, measures = data.deals, data.surveillance
    lines = ["## Watched names: deals and surveillance", ""]
    for deal in deals:
        what = f"{deal['kind']} {deal['side']} of {deal['quantity']:,} at {plain(deal['price'])}"
        client = f" by {_escape(deal['client_name'])}" if deal["client_name"] else ""
        lines.append(f"- {_name(deal['symbol'], deal['exchange'])} {what}{client} on {deal['deal_date']}")
        reason = f"{what}{' by ' + deal['client_name'] if deal['client_name'] else ''} on {deal['deal_date']}"
        mentions.add(deal["symbol"], deal["exchange"], "review", reason)
    for measure in measures:
        stage = f" stage {measure['stage']}" if measure["stage"] else ""
        if measure["removed_date"] is not None and data.since <= measure["removed_date"] < data.day:
            change = f"lifted on {measure['removed_date']}"
        else:
            change = f"placed on {measure['effective_date']}"
        what = f"{measure['measure']}{stage} {change}"
        cause = f": {_escape(measure['reason'])}" if measure["reason"] else ""
        lines.append(f"- {_name(measure['symbol'], measure['exchange'])} {_escape(what)}{cause}")
        mentions.add(measure["symbol"], measure["exchange"], "review", f"surveillance {what}")
    return [*lines, *([] if deals or measures else ["None."]), ""]
