"""The Morning reports area: every report by date (reviewed ✓, kind, recommendations); enter opens the viewer."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from store.records.reports import ReportSummary
from tui.screens.morning_reports.actions import ReportActionsScreen
from tui.screens.morning_reports.data import read_reports, reports_frame
from tui.screens.morning_reports.messages import ReportsLoaded
from tui.widgets.frame_table import FrameColumn, FrameTable, plain

REPORT_COLUMNS = (
    FrameColumn("report_date", "Date", 10),
    FrameColumn("reviewed", "✓", 1),
    FrameColumn("kind", "Kind", 8, min_width=5),
    FrameColumn("title", "Title", 40, grow=True, min_width=16),
    FrameColumn("recommendations_count", "Recs", 4, "right", plain),
    FrameColumn("stocks_analyzed", "Stocks", 6, "right", plain, min_width=5),
    FrameColumn("reviewed_by", "Reviewed by", 14, min_width=8),
)


class MorningReportsScreen(ReportActionsScreen):
    """The reports, newest first; enter reads one, m marks it reviewed, D shows what changed since the last."""

    CSS_PATH = Path(__file__).parent / "morning_reports.tcss"
    SUB_TITLE = "Morning reports"
    AUTO_FOCUS = "#reports-table"
    WATCHED_TABLES = frozenset({"reports"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "review", "Reviewed", tooltip="Mark the report reviewed, with notes", id="reports.review"),
        Binding("D", "compare", "Changes", tooltip="What changed against the previous report", id="reports.compare"),
        Binding("r", "refresh", "Refresh", tooltip="Read the reports again", id="reports.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(id="morning-reports")
        self.reports: dict[str, ReportSummary] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("reading…", id="reports-heading", markup=False)
        yield FrameTable(REPORT_COLUMNS, row_key="id", empty_text="Reading reports…", id="reports-table")

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        """Back from a report (reviewed there, perhaps): read the list again, without waiting for the feed."""
        super().on_screen_resume()
        if self.reports:
            self.reload()

    @property
    def table(self) -> FrameTable:
        return self.query_one("#reports-table", FrameTable)

    def reload(self) -> None:
        self._load()

    def action_refresh(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="reports-load")
    def _load(self) -> None:
        reports = read_reports()
        self.post_message(ReportsLoaded(reports, reports_frame(reports)))

    @on(ReportsLoaded)
    def show_reports(self, message: ReportsLoaded) -> None:
        self.reports = {str(report.id): report for report in message.reports}
        self.table.empty_text = "No report yet: the report agents write them"
        self.table.set_frame(message.frame, changed_by=self.take_change_actors())
        waiting = sum(not report.reviewed for report in message.reports)
        count = len(message.reports)
        self.query_one("#reports-heading", Static).update(
            f"{count:,} report{'s' if count != 1 else ''} · {waiting:,} not reviewed · "
            "enter read · m reviewed · D changes"
        )

    def chosen_report(self) -> ReportSummary | None:
        row = self.table.cursor_data()
        return None if row is None else self.reports.get(row["id"])

    @on(FrameTable.RowChosen, "#reports-table")
    def open_report(self, event: FrameTable.RowChosen) -> None:
        from tui.screens.morning_reports.report_screen import ReportScreen

        self.app.push_screen(ReportScreen(uuid.UUID(event.row["id"])))
