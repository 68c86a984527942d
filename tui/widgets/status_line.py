"""The status line: database, analyst, connection state, latest trade date and data freshness per source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from store.records.ingestion import SourceFreshness

# A source whose last successful load is older than this is shown as stale.
STALE_AFTER = dt.timedelta(hours=36)


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """What the status line shows; the app keeps the latest and every screen's line renders it."""

    database: str
    analyst: str
    connection: str = "connecting"  # connecting | connected | reconnecting
    detail: str = ""
    latest_trade_date: dt.date | None = None
    sources: tuple[SourceFreshness, ...] = ()


def describe_age(age: dt.timedelta) -> str:
    """4 min, 3 h, 2 d: an age as people say it."""
    seconds = max(int(age.total_seconds()), 0)
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def render_status(facts: StatusFacts) -> Text:
    """One line, most important first: is the data reachable, and how old is it."""
    line = Text()
    state_style = {"connected": "green", "reconnecting": "bold red"}.get(facts.connection, "yellow")
    line.append(f"● {facts.connection}", style=state_style)
    if facts.detail:
        line.append(f" ({facts.detail})", style=state_style)
    line.append(f"  {facts.database}  ·  {facts.analyst}")
    if facts.latest_trade_date is not None:
        line.append(f"  ·  data to {facts.latest_trade_date:%Y-%m-%d}")
    for source in facts.sources:
        stale = source.status == "failure" or source.age > STALE_AFTER
        mark = "✗" if source.status == "failure" else ("!" if stale else "✓")
        line.append(f"  {source.source} {describe_age(source.age)} {mark}", style="red" if stale else "dim")
    return line


class StatusLine(Static):
    """Docked at the bottom of every area; renders the app's latest StatusFacts."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def show(self, facts: StatusFacts) -> None:
        self.update(render_status(facts))
