"""Research workflow: agent signals and analyses, watchlists, the research queue, reports, agent settings."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.models.columns import CreatedAt, SoftDeleted, Timestamps, UuidV7Key, Versioned, vocabulary

RECOMMENDATIONS = ("strong_buy", "buy", "hold", "sell", "strong_sell")
TRIGGER_TYPES = ("price_above", "price_below", "pct_change", "volume_spike", "ma_cross", "manual")
WATCHLIST_ENTRY_STATUSES = ("active", "triggered", "expired", "archived")
RESEARCH_STATUSES = ("new", "researching", "waiting", "decided", "rejected")
# An item in one of these statuses is closed: a new item may be opened for its security.
CLOSED_RESEARCH_STATUSES = ("decided", "rejected")
REPORT_KINDS = ("morning", "evening", "weekly", "monthly", "adhoc")


def security_reference() -> Mapped[int]:
    """A security that analyst work points at: it cannot be deleted while that work exists."""
    return mapped_column(BigInteger, ForeignKey("securities.id", ondelete="RESTRICT"))


class Signal(UuidV7Key, CreatedAt, Base):
    """Something an agent noticed about a security, with a score and its raw data."""

    __tablename__ = "signals"
    __table_args__ = (
        CheckConstraint("jsonb_typeof(data) = 'object'", name="data_object"),
        Index(None, "security_id", "observed_at"),
        Index(None, "observed_at"),
    )

    security_id: Mapped[int] = security_reference()
    signal_type: Mapped[str]
    score: Mapped[decimal.Decimal | None]
    source: Mapped[str]
    observed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    data: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))


class AnalysisResult(UuidV7Key, CreatedAt, Base):
    """An agent's recommendation on a security with its confidence and reasoning."""

    __tablename__ = "analysis_results"
    __table_args__ = (
        vocabulary("recommendation", RECOMMENDATIONS),
        CheckConstraint("confidence between 0 and 1", name="confidence_range"),
        CheckConstraint("jsonb_typeof(key_metrics) = 'object'", name="key_metrics_object"),
        Index(None, "security_id", "analysed_at"),
        Index(None, "analysed_at"),
    )

    security_id: Mapped[int] = security_reference()
    agent_name: Mapped[str]
    recommendation: Mapped[str]
    confidence: Mapped[decimal.Decimal]
    reasoning: Mapped[str | None]
    key_metrics: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    analysed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Watchlist(UuidV7Key, Timestamps, Versioned, SoftDeleted, Base):
    """A named list of securities an analyst follows."""

    __tablename__ = "watchlists"
    __table_args__ = (
        Index("uq_watchlists_live_name", "name", unique=True, postgresql_where=text("deleted_at IS NULL")),
    )

    name: Mapped[str]
    description: Mapped[str | None]
    owner: Mapped[str | None]

    entries: Mapped[list[WatchlistEntry]] = relationship(
        back_populates="watchlist", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class WatchlistEntry(UuidV7Key, Timestamps, Versioned, SoftDeleted, Base):
    """A security on a watchlist, with the thesis and the price or volume event that should alert."""

    __tablename__ = "watchlist_entries"
    __table_args__ = (
        vocabulary("trigger_type", TRIGGER_TYPES),
        vocabulary("status", WATCHLIST_ENTRY_STATUSES),
        CheckConstraint("trigger_type = 'manual' or trigger_value is not null", name="trigger_value_required"),
        CheckConstraint("status <> 'triggered' or triggered_at is not null", name="triggered_has_time"),
        CheckConstraint("jsonb_typeof(trigger_bar) = 'object'", name="trigger_bar_object"),
        Index(
            "uq_watchlist_entries_live_security",
            "watchlist_id",
            "security_id",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index(None, "watchlist_id"),
        Index(None, "security_id"),
    )

    watchlist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("watchlists.id", ondelete="CASCADE"))
    security_id: Mapped[int] = security_reference()
    trigger_type: Mapped[str] = mapped_column(server_default=text("'manual'"))
    trigger_value: Mapped[decimal.Decimal | None]
    thesis: Mapped[str | None]
    expiry_date: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(server_default=text("'active'"))
    triggered_at: Mapped[dt.datetime | None]
    trigger_bar: Mapped[dict[str, Any] | None]
    added_by: Mapped[str | None]

    watchlist: Mapped[Watchlist] = relationship(back_populates="entries", lazy="raise")


class ResearchQueueItem(UuidV7Key, Timestamps, Versioned, SoftDeleted, Base):
    """A security waiting for, or under, research; at most one open item per security."""

    __tablename__ = "research_queue"
    __table_args__ = (
        vocabulary("status", RESEARCH_STATUSES),
        CheckConstraint("jsonb_typeof(data) = 'object'", name="data_object"),
        Index(
            "uq_research_queue_open_security",
            "security_id",
            unique=True,
            postgresql_where=text("deleted_at IS NULL AND status NOT IN ('decided', 'rejected')"),
        ),
        Index(None, "security_id"),
        Index(None, "status", "priority"),
    )

    security_id: Mapped[int] = security_reference()
    score: Mapped[decimal.Decimal | None]
    status: Mapped[str] = mapped_column(server_default=text("'new'"))
    priority: Mapped[int] = mapped_column(server_default=text("0"))
    assignee: Mapped[str | None]
    notes: Mapped[str | None]
    data: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    source: Mapped[str | None]


class Report(UuidV7Key, Timestamps, Versioned, Base):
    """A generated report (the morning report…) in Markdown, with its recommendations and review."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("kind", "report_date"),
        vocabulary("kind", REPORT_KINDS),
        CheckConstraint("stocks_analyzed >= 0", name="stocks_analyzed_non_negative"),
        CheckConstraint("recommendations_count >= 0", name="recommendations_count_non_negative"),
        CheckConstraint("jsonb_typeof(recommendations) = 'array'", name="recommendations_array"),
        CheckConstraint("(reviewed_at is null) = (reviewed_by is null)", name="review_complete"),
        Index(None, "report_date"),
    )

    kind: Mapped[str]
    report_date: Mapped[dt.date]
    title: Mapped[str]
    content: Mapped[str] = mapped_column(server_default=text("''"))
    stocks_analyzed: Mapped[int] = mapped_column(server_default=text("0"))
    recommendations_count: Mapped[int] = mapped_column(server_default=text("0"))
    recommendations: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"))
    generated_by: Mapped[str]
    generated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_by: Mapped[str | None]
    review_notes: Mapped[str | None]


class AgentConfig(UuidV7Key, Timestamps, Versioned, Base):
    """Whether a research agent runs, how much its opinion weighs, and its parameters."""

    __tablename__ = "agent_configs"
    __table_args__ = (
        UniqueConstraint("agent_name"),
        CheckConstraint("weight >= 0", name="weight_non_negative"),
        CheckConstraint("jsonb_typeof(parameters) = 'object'", name="parameters_object"),
    )

    agent_name: Mapped[str]
    enabled: Mapped[bool] = mapped_column(server_default=text("true"))
    weight: Mapped[decimal.Decimal] = mapped_column(server_default=text("1"))
    parameters: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
