"""The Morning reports area (MR): reports by date, and a viewer that acts on a report's recommendations."""

from tui.screens.morning_reports.list_screen import MorningReportsScreen
from tui.screens.morning_reports.report_screen import ReportScreen

__all__ = ["MorningReportsScreen", "ReportScreen"]
