"""One report: its Markdown, and its recommendations as a table to open, watch or queue for research."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from store.errors import InvalidInput, NotFound
from store.records.reports import Recommendation, Report, ReportSummary
from tui.screens.morning_reports.actions import ReportActionsScreen
from tui.screens.morning_reports.data import find_security, queue_recommendation, read_report, recommendations_frame
from tui.screens.morning_reports.messages import (
    RecommendationNotQueued,
    RecommendationQueued,
    ReportLoaded,
    SecurityFound,
)
from tui.widgets.frame_table import FrameColumn, FrameTable

RECOMMENDATION_COLUMNS = (
    FrameColumn("symbol", "Symbol", 12, min_width=8),
    FrameColumn("action", "Action", 10, min_width=6),
    FrameColumn("rationale", "Rationale", 60, grow=True, min_width=20),
)


class ReportScreen(ReportActionsScreen):
    """A report read in full; enter opens the recommended security, w watches it, a queues it for research."""

    CSS_PATH = Path(__file__).parent / "morning_reports.tcss"
    SUB_TITLE = "Morning report"
    AUTO_FOCUS = "#report-recommendations"
    WATCHED_TABLES = frozenset({"reports"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "watch", "Watch", tooltip="Add the security to a watchlist", id="report.add-to-watchlist"),
        Binding("a", "queue", "Queue", tooltip="Send the security to the research queue", id="report.add-to-queue"),
        Binding("m", "review", "Reviewed", tooltip="Mark the report reviewed, with notes", id="report.review"),
        Binding("D", "compare", "Changes", tooltip="What changed against the previous report", id="report.compare"),
        Binding(
            "tab", "switch_pane", "Text/table", tooltip="Between the report's text and its table", id="report.pane"
        ),
        Binding("r", "refresh", "Refresh", show=False, tooltip="Read the report again", id="report.refresh"),
    ]

    def __init__(self, report_id: uuid.UUID) -> None:
        super().__init__(id="report")
        self.report_id = report_id
        self.report: Report | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("reading…", id="report-heading", markup=False)
        with VerticalScroll(id="report-body"):
            yield Markdown("", id="report-markdown")
        yield Static("Recommendations", id="report-recommendations-title", markup=False)
        yield FrameTable(
            RECOMMENDATION_COLUMNS, row_key="position", empty_text="No recommendations", id="report-recommendations"
        )

    def on_mount(self) -> None:
        self.reload()

    @property
    def table(self) -> FrameTable:
        return self.query_one("#report-recommendations", FrameTable)

    def reload(self) -> None:
        self._load()

    def action_refresh(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="report-load")
    def _load(self) -> None:
        self.post_message(ReportLoaded(read_report(self.report_id)))

    @on(ReportLoaded)
    async def show_report(self, message: ReportLoaded) -> None:
        first_read = self.report is None or self.report.content != message.report.content
        self.report = report = message.report
        self.query_one("#report-heading", Static).update(heading(report))
        if first_read:
            await self.query_one("#report-markdown", Markdown).update(report.content)
        self.table.set_frame(recommendations_frame(report))
        unreadable = (
            f" · {report.unreadable_recommendations} unreadable left out" if report.unreadable_recommendations else ""
        )
        self.query_one("#report-recommendations-title", Static).update(
            f"Recommendations ({len(report.recommendations)}){unreadable} · enter open · w watch · a research queue"
        )

    def chosen_report(self) -> ReportSummary | None:
        return self.report

    def action_switch_pane(self) -> None:
        body = self.query_one("#report-body", VerticalScroll)
        (self.table if body.has_focus else body).focus()

    # The recommendation at the cursor

    def _recommendation(self) -> Recommendation | None:
        row = self.table.cursor_data()
        if self.report is None or row is None:
            self.notify("No recommendation at the cursor", severity="warning")
            return None
        position: int = row["position"]
        return self.report.recommendations[position]

    @on(FrameTable.RowChosen, "#report-recommendations")
    def open_security(self, event: FrameTable.RowChosen) -> None:
        self._find_and_open(event.row["symbol"])

    @work(thread=True, exclusive=True, exit_on_error=False, group="report-open")
    def _find_and_open(self, symbol: str) -> None:
        self.post_message(SecurityFound(find_security(symbol)))

    @on(SecurityFound)
    def show_security(self, message: SecurityFound) -> None:
        open_detail: Callable[[int], None] = self.app.open_security  # type: ignore[attr-defined]
        open_detail(message.security_id)

    def action_watch(self) -> None:
        from tui.screens.watchlists import add_to_watchlist_flow

        recommendation = self._recommendation()
        if recommendation is not None:
            add_to_watchlist_flow(self.app, symbol=recommendation.symbol)

    def action_queue(self) -> None:
        recommendation = self._recommendation()
        if recommendation is not None and self.report is not None:
            self._queue(self.report, recommendation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="report-queue")
    def _queue(self, report: ReportSummary, recommendation: Recommendation) -> None:
        try:
            item = queue_recommendation(report, recommendation)
        except (InvalidInput, NotFound) as refused:
            reason = getattr(refused, "fields", {}).get("security_id") or str(refused)
            self.post_message(RecommendationNotQueued(recommendation.symbol, reason))
        else:
            self.post_message(RecommendationQueued(item))

    @on(RecommendationQueued)
    def say_queued(self, message: RecommendationQueued) -> None:
        item = message.item
        self.notify(
            f"{item.symbol} is in the research queue ({item.status}), from {item.source}", title="Research queue"
        )

    @on(RecommendationNotQueued)
    def say_not_queued(self, message: RecommendationNotQueued) -> None:
        self.notify(message.reason, title=f"{message.symbol} not queued", severity="warning")


def heading(report: Report) -> str:
    """`not reviewed (m) · Morning report 21 Nov · 2026-11-21 · morning · 3 recommendations · 120 stocks`.

    The review comes first: on a narrow terminal it is what must not be cut off.
    """
    count = len(report.recommendations)
    reviewed = f"✓ reviewed by {report.reviewed_by}" if report.reviewed else "not reviewed (m)"
    return (
        f"{reviewed} · {report.title} · {report.report_date.isoformat()} · {report.kind} · "
        f"{count} recommendation{'s' if count != 1 else ''} · {report.stocks_analyzed:,} stocks"
    )
