"""What Home reads: one read-only unit of work in a thread worker, returning plain records (never touching widgets)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

import store
from store.records.ingestion import SourceFreshness
from store.records.market import FiredAlert, MarketBreadth, Movers
from store.records.reports import ReportSummary
from store.records.research_output import SignalRecord

MOVERS_SHOWN = 5
SIGNALS_SHOWN = 8
ALERTS_SHOWN = 20
TargetKind = Literal["security", "area", "queue-status", "watchlist-entry"]


@dataclass(frozen=True, slots=True)
class HomeView:
    """Everything Home shows, read in one transaction so the panels agree with each other.

    `alerts` are the entries that fired after the latest morning report was generated (all fired entries
    when there is no report yet).
    """

    report: ReportSummary | None
    alerts: list[FiredAlert]
    queue_counts: dict[str, int]
    breadth: MarketBreadth
    movers: Movers
    signals: list[SignalRecord]
    freshness: list[SourceFreshness]


@dataclass(frozen=True, slots=True)
class HomeTarget:
    """What `enter` on a Home item opens: a security's detail, an area, a queue status, or a watchlist entry."""

    kind: TargetKind
    security_id: int | None = None
    mode: str | None = None
    status: str | None = None
    watchlist_id: uuid.UUID | None = None
    entry_id: uuid.UUID | None = None


def read_home() -> HomeView:
    """The latest morning report and what happened since, the queue, the market and the loaders' runs."""
    with store.unit_of_work(read_only=True) as uow:
        latest = uow.reports.list("morning", limit=1)
        report = latest[0] if latest else None
        since = report.generated_at if report is not None else None
        return HomeView(
            report=report,
            alerts=uow.market.alerts_fired_since(since, limit=ALERTS_SHOWN),
            queue_counts=uow.research_queue.counts_by_status(),
            breadth=uow.market.breadth(),
            movers=uow.market.movers(limit=MOVERS_SHOWN),
            signals=uow.research_output.latest_signals(limit=SIGNALS_SHOWN),
            freshness=uow.ingestion.freshness(),
        )
