"""Messages of the Morning reports area: what its workers read and wrote."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    import polars as pl

    from store.records.reports import Report, ReportComparison, ReportSummary
    from store.records.research_queue import QueueItem


@dataclass
class ReportsLoaded(Message):
    """The reports, newest first, and the list's frame of them."""

    bubble = False
    reports: list[ReportSummary]
    frame: pl.DataFrame


@dataclass
class ReportLoaded(Message):
    """A whole report was read (its Markdown and recommendations)."""

    bubble = False
    report: Report


@dataclass
class ReviewReady(Message):
    """The report was read again for its review form (notes and version as stored now)."""

    bubble = False
    report: Report


@dataclass
class ComparisonLoaded(Message):
    """What a report recommends differently from the previous one."""

    bubble = False
    comparison: ReportComparison


@dataclass
class RecommendationQueued(Message):
    """A recommended security went into the research queue."""

    bubble = False
    item: QueueItem


@dataclass
class RecommendationNotQueued(Message):
    """The research queue refused the security (an open item already, or no such security): `reason` says why."""

    bubble = False
    symbol: str
    reason: str


@dataclass
class SecurityFound(Message):
    """A recommended symbol was found: open its detail."""

    bubble = False
    security_id: int
