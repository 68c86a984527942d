"""What the report list and the report viewer share: review a report (modal) and compare it with the previous one."""

from __future__ import annotations

import uuid
from functools import partial

from textual import on, work

from store.records.reports import Report, ReportSummary
from tui.modals import FormOutcome
from tui.screens.base import AreaScreen
from tui.screens.morning_reports.data import compare_with_previous, mark_reviewed, read_report
from tui.screens.morning_reports.messages import ComparisonLoaded, ReviewReady
from tui.screens.morning_reports.modals import ComparisonModal, ReviewModal


class ReportActionsScreen(AreaScreen):
    """An area screen showing reports; subclasses say which report `m` and `D` act on."""

    def chosen_report(self) -> ReportSummary | None:
        raise NotImplementedError

    def action_review(self) -> None:
        report = self.chosen_report()
        if report is None:
            self.notify("No report chosen", severity="warning")
            return
        self._read_for_review(report.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="report-review")
    def _read_for_review(self, report_id: uuid.UUID) -> None:
        """The review form opens on the report as stored now: its notes, and the version the save is checked against."""
        self.post_message(ReviewReady(read_report(report_id)))

    @on(ReviewReady)
    def open_review(self, message: ReviewReady) -> None:
        report = message.report
        save = partial(mark_reviewed, report.id, report.version)
        self.app.push_screen(ReviewModal(report, save, notes=report.review_notes or ""), self.say_reviewed)

    def say_reviewed(self, outcome: FormOutcome[str, Report] | None) -> None:
        if outcome is None:
            return
        if outcome.conflict is not None:
            self.notify(
                "Someone changed the report since it was read; it is read again — press m to review it",
                title="Not saved",
                severity="warning",
                timeout=10,
            )
        elif outcome.saved is not None:
            self.notify(f"{outcome.saved.title} marked reviewed", title="Reviewed")
        self.reload()

    def action_compare(self) -> None:
        report = self.chosen_report()
        if report is None:
            self.notify("No report chosen", severity="warning")
            return
        self._read_comparison(report)

    @work(thread=True, exclusive=True, exit_on_error=False, group="report-compare")
    def _read_comparison(self, report: ReportSummary) -> None:
        self.post_message(ComparisonLoaded(compare_with_previous(report.id)))

    @on(ComparisonLoaded)
    def show_comparison(self, message: ComparisonLoaded) -> None:
        self.app.push_screen(ComparisonModal(message.comparison))
