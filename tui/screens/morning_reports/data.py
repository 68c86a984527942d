"""What the Morning reports area reads and writes, run in its thread workers: plain records and frames back."""

from __future__ import annotations

import uuid

import polars as pl

import store
from store.records.reports import Recommendation, Report, ReportComparison, ReportSummary
from store.records.research_queue import QueueItem
from store.repositories.securities import SecurityRepository
from store.uow import UnitOfWork

# Reports the list reads, newest first: a year and more of daily reports.
LIST_LIMIT = 500


def read_reports() -> list[ReportSummary]:
    with store.unit_of_work(read_only=True) as uow:
        return uow.reports.list(limit=LIST_LIMIT)


def read_report(report_id: uuid.UUID) -> Report:
    with store.unit_of_work(read_only=True) as uow:
        return uow.reports.get(report_id)


def compare_with_previous(report_id: uuid.UUID) -> ReportComparison:
    with store.unit_of_work(read_only=True) as uow:
        return uow.reports.compare_with_previous(report_id)


def mark_reviewed(report_id: uuid.UUID, version: int, notes: str) -> Report:
    """Reviewed now by the analyst; EditConflict when someone changed the report since it was read."""
    with store.unit_of_work(actor=store.current_actor()) as uow:
        reviewed = uow.reports.mark_reviewed(report_id, version, notes)
        uow.commit()
    return reviewed


def report_source(report: ReportSummary) -> str:
    """How a queue item names the report it came from: "morning report 2026-11-21"."""
    return f"{report.kind} report {report.report_date.isoformat()}"


def queue_recommendation(report: ReportSummary, recommendation: Recommendation) -> QueueItem:
    """The recommended security into the research queue; its source, data and audit reason name the report."""
    source = report_source(report)
    with store.unit_of_work(actor=store.current_actor(), reason=f"from the {source}") as uow:
        security_id = resolve_security(uow, recommendation.symbol)
        item = uow.research_queue.add(
            security_id,
            source=source,
            data={
                "report_id": str(report.id),
                "report_date": report.report_date.isoformat(),
                "recommended_action": recommendation.action,
            },
        )
        uow.commit()
    return item


def resolve_security(uow: UnitOfWork, typed: str) -> int:
    """`INFY` or `INFY:NSE` as a report writes it → the security's id (NotFound, InvalidInput say why not)."""
    symbol, _, exchange = typed.strip().upper().partition(":")
    return uow.repository(SecurityRepository).by_symbol(symbol, exchange or None).security_id


def find_security(typed: str) -> int:
    with store.unit_of_work(read_only=True) as uow:
        return resolve_security(uow, typed)


def reports_frame(reports: list[ReportSummary]) -> pl.DataFrame:
    """One row per report for the list: ids as text (a frame holds no UUIDs), reviewed as a tick."""
    return pl.DataFrame(
        {
            "id": [str(report.id) for report in reports],
            "report_date": [report.report_date.isoformat() for report in reports],
            "reviewed": ["✓" if report.reviewed else "" for report in reports],
            "kind": [report.kind for report in reports],
            "title": [report.title for report in reports],
            "recommendations_count": [report.recommendations_count for report in reports],
            "stocks_analyzed": [report.stocks_analyzed for report in reports],
            "reviewed_by": [report.reviewed_by for report in reports],
        },
        schema={
            "id": pl.String,
            "report_date": pl.String,
            "reviewed": pl.String,
            "kind": pl.String,
            "title": pl.String,
            "recommendations_count": pl.Int64,
            "stocks_analyzed": pl.Int64,
            "reviewed_by": pl.String,
        },
    )


def recommendations_frame(report: Report) -> pl.DataFrame:
    """A report's recommendations in its order; `position` keys the rows (a symbol may be named twice)."""
    recommendations = report.recommendations
    return pl.DataFrame(
        {
            "position": list(range(len(recommendations))),
            "symbol": [item.symbol for item in recommendations],
            "action": [item.action for item in recommendations],
            "rationale": [" ".join((item.rationale or "").split()) for item in recommendations],
        },
        schema={"position": pl.Int64, "symbol": pl.String, "action": pl.String, "rationale": pl.String},
    )
