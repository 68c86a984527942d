"""Morning reports in Markdown for the last 30 sessions: markets, movers, alerts, signals and recommendations."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from store.demo.analysis import Analysis
from store.demo.bars import MICRO
from store.demo.loading import Connection, act_as, as_json, copy_rows
from store.demo.panel import Panel
from store.demo.prices import PriceBook
from store.demo.signals import AGENTS, SignalRow
from store.demo.universe import SecuritySpec
from store.demo.watchlists import Entry

WRITER = "report-writer"
RECOMMENDATIONS_PER_REPORT = 8
UNREVIEWED_LATEST = 2
REVIEWERS = ("priya.nair", "daniel.okafor", "mei.tanaka")
REVIEW_NOTES = (
    "Agree with the bank calls; trimmed conviction on the small caps.",
    "Fine. Flow signals look noisy this week, weighting them down.",
    "Checked the breakouts against volume: two are weak, kept on watch only.",
)


@dataclass(frozen=True, slots=True)
class Report:
    day: dt.date
    title: str
    content: str
    stocks_analyzed: int
    recommendations: list[dict[str, Any]]
    generated_at: dt.datetime


def _pct(value: float) -> str:
    return f"{value:+.2f}%"


def _markets(book: PriceBook, specs: list[SecuritySpec], day: dt.date) -> list[str]:
    lines = ["## Markets", "", "| Index | Last | Change |", "|---|---:|---:|"]
    for block in book.blocks.values():
        row = int(np.searchsorted(block.dates, np.datetime64(day, "D"))) - 1
        for column, spec in enumerate(block.columns):
            if specs[spec].instrument_type == "index" and row >= 1:
                last, before = block.close[row, column] / MICRO, block.close[row - 1, column] / MICRO
                lines.append(f"| {specs[spec].name} | {last:,.2f} | {_pct((last / before - 1) * 100)} |")
    return [*lines, ""]


def _movers(panels: dict[str, Panel], specs: list[SecuritySpec], day: dt.date) -> list[str]:
    moves: list[tuple[float, int, float]] = []
    breadth, highs, lows = [], 0, 0
    for panel in panels.values():
        row = panel.row_before(day)
        if row < 1:
            continue
        change = (panel.close[row] / panel.close[row - 1] - 1) * 100
        adjusted_change = (panel.adj_close[row] / panel.adj_close[row - 1] - 1) * 100
        breadth.append(
            f"{panel.exchange} {int((adjusted_change > 0).sum())} up / {int((adjusted_change < 0).sum())} down"
        )
        highs += int((panel.adj_close[row] > panel.high_52w[row]).sum())
        lows += int((panel.adj_close[row] < panel.low_52w[row]).sum())
        moves += [(float(adjusted_change[c]), panel.specs[c], float(panel.close[row, c])) for c in range(len(change))]
    moves.sort(key=lambda move: (-move[0], move[1]))
    lines = [
        f"**Breadth:** {' · '.join(breadth)}  ",
        f"**New 52-week highs / lows:** {highs} / {lows}",
        "",
        "## Movers",
        "",
        "| | Symbol | Exchange | Close | Change |",
        "|---|---|---|---:|---:|",
    ]
    for label, chosen in (("▲", moves[:5]), ("▼", moves[-5:][::-1])):
        for change, spec, close in chosen:
            lines.append(f"| {label} | {specs[spec].symbol} | {specs[spec].exchange} | {close:,.2f} | {_pct(change)} |")
    return [*lines, ""]


def _alerts(entries: list[Entry], specs: list[SecuritySpec], since: dt.date, day: dt.date) -> list[str]:
    fired = [e for e in entries if e.triggered_at is not None and since <= e.triggered_at.date() < day]
    lines = ["## Alerts since the last report", ""]
    for entry in sorted(fired, key=lambda e: (e.triggered_at, e.spec)):
        bar = entry.trigger_bar or {}
        spec = specs[entry.spec]
        lines.append(
            f"- **{spec.symbol}** ({spec.exchange}) {entry.trigger_type.replace('_', ' ')} "
            f"{entry.trigger_value if entry.trigger_value is not None else ''} on {bar.get('date')}: "
            f"closed {bar.get('close')} — list *{entry.list_name}*"
        )
    return [*lines, *([] if fired else ["None."]), ""]


def _signals(signals: list[SignalRow], specs: list[SecuritySpec], since: dt.date, day: dt.date) -> list[str]:
    lines = ["## Signals by agent", ""]
    for agent in AGENTS:
        own = [s for s in signals if s.source == agent.name and since <= s.observed_at.date() < day]
        kinds = ", ".join(
            f"{kind.replace('_', ' ')} × {count}" for kind, count in sorted(Counter(s.signal_type for s in own).items())
        )
        top = ", ".join(dict.fromkeys(specs[s.spec].symbol for s in sorted(own, key=lambda s: (-s.score, s.spec))[:5]))
        lines.append(f"- **{agent.name}** ({len(own)}): {kinds or 'nothing new'}" + (f" — top: {top}" if top else ""))
    return [*lines, ""]


def _recommendations(analyses: list[Analysis], specs: list[SecuritySpec], day: dt.date) -> list[dict[str, Any]]:
    strength = {"strong_buy": 2, "strong_sell": 2, "buy": 1, "sell": 1, "hold": 0}
    ranked = sorted(
        (a for a in analyses if a.day == day and a.recommendation != "hold"),
        key=lambda a: (-strength[a.recommendation], -a.confidence, a.spec),
    )
    chosen: dict[int, Analysis] = {}
    for analysis in ranked:
        chosen.setdefault(analysis.spec, analysis)
    return [
        {
            "symbol": specs[a.spec].symbol,
            "exchange": specs[a.spec].exchange,
            "action": a.recommendation,
            "confidence": a.confidence,
            "agent": a.agent,
            "rationale": a.reasoning,
        }
        for a in list(chosen.values())[:RECOMMENDATIONS_PER_REPORT]
    ]


def _recommendation_lines(recommendations: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Recommendations",
        "",
        "| Symbol | Exchange | Action | Confidence | Rationale |",
        "|---|---|---|---:|---|",
    ]
    for item in recommendations:
        action = item["action"].replace("_", " ")
        lines.append(
            f"| {item['symbol']} | {item['exchange']} | {action} | {item['confidence']:.0%} | {item['rationale']} |"
        )
    return lines if recommendations else [*lines[:2], "No strong opinions today."]


def plan_reports(
    days: list[dt.date],
    book: PriceBook,
    specs: list[SecuritySpec],
    panels: dict[str, Panel],
    signals: list[SignalRow],
    analyses: list[Analysis],
    entries: list[Entry],
) -> list[Report]:
    reports = []
    scanned = sum(len(panel.specs) for panel in panels.values())
    for number, day in enumerate(days):
        since = days[number - 1] if number else day - dt.timedelta(days=3)
        recommendations = _recommendations(analyses, specs, day)
        content = [
            f"# Morning report — {day:%A %d %B %Y}",
            "",
            f"_Covers the sessions before {day:%d %b}; {scanned} equities scanned by three agents._",
            "",
            *_markets(book, specs, day),
            *_movers(panels, specs, day),
            *_alerts(entries, specs, since, day),
            *_signals(signals, specs, since, day),
            *_recommendation_lines(recommendations),
        ]
        generated = dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)
        reports.append(
            Report(
                day, f"Morning report {day:%d %b %Y}", "\n".join(content) + "\n", scanned, recommendations, generated
            )
        )
    return reports


def insert_reports(connection: Connection, reports: list[Report]) -> int:
    """Written by the report writer; all but the latest ones then reviewed by an analyst (an audited update)."""
    act_as(connection, f"agent:{WRITER}", "morning report")
    columns = (
        "kind",
        "report_date",
        "title",
        "content",
        "stocks_analyzed",
        "recommendations_count",
        "recommendations",
        "generated_by",
        "generated_at",
    )
    rows = [
        (
            "morning",
            r.day,
            r.title,
            r.content,
            r.stocks_analyzed,
            len(r.recommendations),
            as_json(r.recommendations),
            WRITER,
            r.generated_at,
        )
        for r in reports
    ]
    count = copy_rows(connection, "reports", columns, rows)
    for number, reviewer in enumerate(REVIEWERS):
        reviewed = [r for i, r in enumerate(reports[:-UNREVIEWED_LATEST]) if i % len(REVIEWERS) == number]
        if not reviewed:
            continue
        act_as(connection, reviewer, "morning report review")
        with connection.cursor() as cursor:
            cursor.executemany(
                b"update reports set reviewed_at = generated_at + interval '2 hours 30 minutes', reviewed_by = %s,"
                b" review_notes = %s where kind = 'morning' and report_date = %s",
                [(reviewer, REVIEW_NOTES[(i + number) % len(REVIEW_NOTES)], r.day) for i, r in enumerate(reviewed)],
            )
    return count
