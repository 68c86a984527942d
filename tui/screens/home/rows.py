"""Home's panels as lines: each item a prompt the analyst reads and the target `enter` opens (pure functions)."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass

from rich.text import Text

from store.records.ingestion import SourceFreshness
from store.records.market import FiredAlert, MarketBreadth, Mover
from store.records.reports import ReportSummary
from store.records.research_output import SignalRecord
from tui.screens.home.data import HomeTarget, HomeView
from tui.screens.watchlists.rows import trigger_text
from tui.widgets.status_line import STALE_AFTER, describe_age

# What the measured value of a fired trigger is, by trigger type (TriggerBar.value).
_MEASURED = {
    "price_above": "close",
    "price_below": "close",
    "pct_change": "day %",
    "volume_spike": "volume ×",
    "ma_cross": "MA",
}
SYMBOL_WIDTH = 11


@dataclass(frozen=True, slots=True)
class HomeItem:
    """One line (or two) of a panel: a stable id (the cursor stays on it across reloads), its prompt and target.

    An item without a target only informs (an empty panel's sentence).
    """

    id: str
    prompt: Text
    target: HomeTarget | None = None


def panel_items(view: HomeView, now: dt.datetime, *, compact: bool = False) -> dict[str, list[HomeItem]]:
    """Every panel's items, by panel name; `compact` (a narrow terminal) leaves out what matters least."""
    return {
        "report": report_items(view.report, now),
        "alerts": alert_items(view.alerts, compact=compact),
        "queue": queue_items(view.queue_counts),
        "breadth": breadth_items(view.breadth),
        "gainers": mover_items(view.movers.gainers, "No security rose", compact=compact),
        "losers": mover_items(view.movers.losers, "No security fell", compact=compact),
        "signals": signal_items(view.signals, now, compact=compact),
        "freshness": freshness_items(view.freshness, now),
    }


def panel_titles(view: HomeView) -> dict[str, str]:
    """Border titles that carry a count or a date."""
    day = view.breadth.trade_date
    on_day = f" {day:%Y-%m-%d}" if day is not None else ""
    since = "since the report" if view.report is not None else "fired (no report yet)"
    return {
        "report": "Morning report",
        "alerts": f"Alerts {since} · {len(view.alerts)}",
        "queue": f"Research queue · {sum(view.queue_counts.values())}",
        "breadth": f"Breadth{on_day}",
        "gainers": "Top gainers",
        "losers": "Top losers",
        "signals": "Latest signals",
        "freshness": "Data freshness",
    }


def report_items(report: ReportSummary | None, now: dt.datetime) -> list[HomeItem]:
    """Title (and date, unless the title says it); reviewed or not and how many recommendations; who generated
    it and when."""
    if report is None:
        return [HomeItem("report-none", Text("No morning report yet", style="dim italic"))]
    day = f"{report.report_date:%Y-%m-%d}"
    prompt = Text.assemble((report.title, "bold"), "" if day in report.title else f"  {day}", "\n")
    if report.reviewed:
        prompt.append(f"✓ reviewed by {report.reviewed_by or 'someone'}", style="green")
    else:
        prompt.append("✗ not reviewed", style="bold yellow")
    prompt.append(f"  ·  {count_of(report.recommendations_count, 'recommendation', 'recommendations')}\n")
    prompt.append(f"{report.kind} report by {report.generated_by}, {ago(now - report.generated_at)}", style="dim")
    return [HomeItem("report", prompt, HomeTarget("area", mode="morning-reports"))]


def alert_items(alerts: list[FiredAlert], *, compact: bool = False) -> list[HomeItem]:
    """Symbol, trigger, the bar that fired it (date and the value measured), and the list (unless compact)."""
    if not alerts:
        return [HomeItem("alerts-none", Text("No alert has fired", style="dim italic"))]
    return [_alert_item(alert, compact) for alert in alerts]


def _alert_item(alert: FiredAlert, compact: bool) -> HomeItem:
    entry = alert.entry
    trigger = trigger_text(entry.trigger_type, entry.trigger_value)
    prompt = Text.assemble((f"{entry.symbol:<{SYMBOL_WIDTH}}", "bold"), trigger)
    bar = entry.trigger_bar
    if bar is not None:
        measured = _MEASURED.get(entry.trigger_type, "value")
        value = f" {measured} {number(bar.value)}" if bar.value is not None else ""
        day = f"{bar.date:%m-%d}" if compact else f"{bar.date:%Y-%m-%d}"
        prompt.append(f"  ▲ {day}{value}", style="bold")
    elif entry.triggered_at is not None:
        prompt.append(f"  ▲ {entry.triggered_at:%Y-%m-%d %H:%M} UTC", style="bold")
    if not compact:
        prompt.append(f"  {alert.watchlist_name}", style="dim")
    target = HomeTarget("watchlist-entry", watchlist_id=entry.watchlist_id, entry_id=entry.id)
    return HomeItem(f"alert-{entry.id}", prompt, target)


def queue_items(counts: dict[str, int]) -> list[HomeItem]:
    """One line per status, in the workflow's order."""
    return [
        HomeItem(
            f"queue-{status}",
            Text.assemble(f"{status:<12}", (f"{count:>5}", "bold" if count else "dim")),
            HomeTarget("queue-status", mode="research-queue", status=status),
        )
        for status, count in counts.items()
    ]


def breadth_items(breadth: MarketBreadth) -> list[HomeItem]:
    """Advancers, decliners and unchanged; the advance/decline ratio and how many stocks traded that day."""
    if breadth.trade_date is None or breadth.total == 0:
        return [HomeItem("breadth-none", Text("No prices loaded yet", style="dim italic"))]
    prompt = Text.assemble(
        (f"▲ {breadth.advancers:,}", "bold green"),
        " up  ",
        (f"▼ {breadth.decliners:,}", "bold red"),
        " down  ",
        (f"= {breadth.unchanged:,}", "bold"),
    )
    ratio = "—" if breadth.decliners == 0 else f"{breadth.advancers / breadth.decliners:.2f}"
    prompt.append(f"\nA/D {ratio}  ·  {breadth.total:,} stocks", style="dim")
    return [HomeItem("breadth", prompt, HomeTarget("area", mode="securities"))]


def mover_items(movers: tuple[Mover, ...], empty: str, *, compact: bool = False) -> list[HomeItem]:
    """Symbol, close (unless compact) and change %."""
    if not movers:
        return [HomeItem("movers-none", Text(empty, style="dim italic"))]
    return [
        HomeItem(
            f"mover-{mover.security_id}",
            Text.assemble(
                (f"{mover.symbol:<{SYMBOL_WIDTH}}", "bold"),
                "" if compact else f"{number(mover.close):>10}",
                (f"{mover.change_pct:>+8.2f}%", "green" if mover.change_pct > 0 else "red"),
            ),
            HomeTarget("security", security_id=mover.security_id),
        )
        for mover in movers
    ]


def signal_items(signals: list[SignalRecord], now: dt.datetime, *, compact: bool = False) -> list[HomeItem]:
    """Age, symbol, signal type, score and (unless compact) the agent that saw it, newest first."""
    if not signals:
        return [HomeItem("signals-none", Text("No signals yet", style="dim italic"))]
    return [
        HomeItem(
            f"signal-{signal.id}",
            Text.assemble(
                (f"{ago(now - signal.observed_at):>8}  ", "dim"),
                (f"{signal.symbol:<{SYMBOL_WIDTH}}", "bold"),
                f"{signal.signal_type}",
                f"  {number(signal.score, places=0)}" if signal.score is not None else "",
                ("" if compact else f"  {signal.source}", "dim"),
            ),
            HomeTarget("security", security_id=signal.security_id),
        )
        for signal in signals
    ]


def freshness_items(sources: list[SourceFreshness], now: dt.datetime) -> list[HomeItem]:
    """Each source's last run: how long ago, ✓ fresh, ! stale, ✗ failed (then when it last succeeded)."""
    if not sources:
        return [HomeItem("freshness-none", Text("No loader has run yet", style="dim italic"))]
    return [_freshness_item(source, now) for source in sources]


def _freshness_item(source: SourceFreshness, now: dt.datetime) -> HomeItem:
    age = now - (source.finished_at or source.started_at)
    last_good = source.last_success_at
    stale = last_good is None or now - last_good > STALE_AFTER
    mark, style = ("✓", "green")
    if source.status == "failure":
        mark, style = ("✗", "bold red")
    elif source.status == "running":
        mark, style = ("…", "yellow")
    elif stale:
        mark, style = ("!", "yellow")
    prompt = Text.assemble((f"{mark} ", style), (source.source, "bold"), "\n  ", ago(age))
    if source.status != "success":
        good = "never" if last_good is None else ago(now - last_good)
        prompt.append(f"\n  last ok {good}", style="dim")
    return HomeItem(f"source-{source.source}", prompt, HomeTarget("area", mode="about"))


def ago(age: dt.timedelta) -> str:
    """just now, 5 min ago, 3 h ago, 2 d ago."""
    return "just now" if age < dt.timedelta(minutes=1) else f"{describe_age(age)} ago"


def number(value: decimal.Decimal | None, *, places: int = 2) -> str:
    return "—" if value is None else f"{value:,.{places}f}"


def count_of(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"
