"""Records about generated reports: summaries for the list, the full report, and what changed since the last one."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One line of a report's recommendations: what to do about which symbol, and why."""

    symbol: str
    action: str
    rationale: str | None


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """A report as the list shows it; `recommendations_count` counts the recommendations the report carries."""

    id: uuid.UUID
    kind: str
    report_date: dt.date
    title: str
    generated_by: str
    generated_at: dt.datetime
    stocks_analyzed: int
    recommendations_count: int
    reviewed: bool
    reviewed_at: dt.datetime | None
    reviewed_by: str | None
    version: int


@dataclass(frozen=True, slots=True)
class Report(ReportSummary):
    """A whole report: its summary, its Markdown, its recommendations, and its review.

    `unreadable_recommendations` counts entries of the stored list that have no symbol or are not objects
    (written by another tool); they are left out of `recommendations`.
    """

    content: str
    recommendations: tuple[Recommendation, ...]
    unreadable_recommendations: int
    review_notes: str | None


@dataclass(frozen=True, slots=True)
class ActionChange:
    """A symbol in both reports whose recommended action changed."""

    symbol: str
    old_action: str
    new_action: str


@dataclass(frozen=True, slots=True)
class ReportComparison:
    """What a report recommends differently from the previous report of its kind (by report date).

    With no previous report, `previous` is None, `has_previous` is False and the differences are empty:
    there is nothing to compare with.
    """

    report: ReportSummary
    previous: ReportSummary | None
    added: tuple[Recommendation, ...]
    dropped: tuple[Recommendation, ...]
    changed: tuple[ActionChange, ...]
    unchanged: tuple[str, ...]

    @property
    def has_previous(self) -> bool:
        return self.previous is not None
