"""The Morning reports modals: the review (notes, then save) and what changed against the previous report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from store.records.reports import Report, ReportComparison, ReportSummary
from tui.modals import SavingModal, set_error


class ReviewModal(SavingModal[str, Report]):
    """Mark a report reviewed, with notes (multi-line); ctrl+s saves in a worker, escape leaves it as it was."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", tooltip="Mark the report reviewed with these notes", id="review.save"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving", id="review.cancel"),
    ]

    def __init__(self, report: ReportSummary, save: Callable[[str], Report], *, notes: str = "") -> None:
        super().__init__(save)
        self.report = report
        self.initial_notes = notes

    def compose(self) -> ComposeResult:
        report = self.report
        with Vertical(id="review-form", classes="form-modal"):
            yield Label(f"Review: {report.title}", classes="form-title", markup=False)
            if report.reviewed:
                yield Label(
                    f"Reviewed already by {report.reviewed_by}; saving records your review.", classes="form-hint"
                )
            with Horizontal(classes="form-row form-row-tall"):
                yield Label("Notes", classes="form-label")
                yield TextArea(self.initial_notes, id="review-notes", classes="form-field", compact=True)
            yield Label("", id="review-error", classes="form-error")
            yield Label("ctrl+s mark reviewed · esc cancel", classes="form-keys")

    def on_mount(self) -> None:
        self.query_one("#review-notes", TextArea).focus()

    def current_form(self) -> str:
        return self.query_one("#review-notes", TextArea).text

    def show_problems(self, problems: Mapping[str, str], message: str) -> None:
        problem = "; ".join(problems.values()) or (message if problems else "")
        set_error(self.query_one("#review-error", Label), problem)

    def show_saving(self, saving: bool) -> None:
        self.query_one("#review-form").set_class(saving, "-saving")


def comparison_text(comparison: ReportComparison) -> Text:
    """Added, dropped and changed names as lines, with the previous report named; plain when nothing differs."""
    previous = comparison.previous
    if previous is None:
        return Text("There is no earlier report of this kind to compare with.", style="italic")
    lines = Text()
    lines.append(f"Against {previous.title} ({previous.report_date.isoformat()})\n\n", style="bold")
    sections: list[tuple[str, str, list[str]]] = [
        ("Added", "green", [f"{item.symbol}  {item.action}" for item in comparison.added]),
        ("Dropped", "red", [f"{item.symbol}  {item.action}" for item in comparison.dropped]),
        (
            "Action changed",
            "yellow",
            [f"{item.symbol}  {item.old_action} → {item.new_action}" for item in comparison.changed],
        ),
    ]
    for title, colour, rows in sections:
        lines.append(f"{title} ({len(rows)})\n", style=f"bold {colour}")
        for row in rows or ["—"]:
            lines.append(f"  {row}\n")
        lines.append("\n")
    lines.append(f"Unchanged: {', '.join(comparison.unchanged) or '—'}", style="dim")
    return lines


class ComparisonModal(ModalScreen[None]):
    """What the report recommends differently from the previous one: names added, dropped, action changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,D,q", "close", "Close", tooltip="Back to the report", id="report-diff.close"),
    ]
    DEFAULT_CSS = """
    ComparisonModal {
        align: center middle;
        background: $background 60%;
    }
    ComparisonModal > Vertical {
        width: 80;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: thick $primary 70%;
        background: $panel;
    }
    ComparisonModal #diff-title { text-style: bold; width: 100%; margin-bottom: 1; }
    ComparisonModal VerticalScroll { height: auto; max-height: 30; }
    ComparisonModal #diff-keys { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, comparison: ReportComparison) -> None:
        super().__init__()
        self.comparison = comparison

    def compose(self) -> ComposeResult:
        report = self.comparison.report
        with Vertical():
            yield Label(
                f"What changed: {report.title} ({report.report_date.isoformat()})", id="diff-title", markup=False
            )
            with VerticalScroll(id="diff-scroll"):
                yield Static(comparison_text(self.comparison), id="diff-body")
            yield Label("esc close", id="diff-keys")

    def action_close(self) -> None:
        self.dismiss(None)
