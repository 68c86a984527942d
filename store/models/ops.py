"""Operations: ingestion runs, application logs and the audit log of every change and decision."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Computed, ForeignKey, Index, func, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.models.columns import BigIdentityKey, CreatedAt, vocabulary

INGESTION_STATUSES = ("running", "success", "partial", "failure")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
# Row changes (written by the audit trigger), undo of an earlier entry, and decisions people record.
AUDIT_ACTIONS = ("insert", "update", "delete", "soft_delete", "restore", "undo", "decision", "review")

# Who and what wrote an audit entry, for writers that do not say: the app's `SET LOCAL app.actor`,
# else the database user; the transaction and the client program come from the session.
AUDIT_ACTOR_DEFAULT = "coalesce(nullif(current_setting('app.actor', true), ''), session_user::text)"
AUDIT_TRANSACTION_DEFAULT = "txid_current()"
AUDIT_APPLICATION_DEFAULT = "nullif(current_setting('application_name', true), '')"
AUDIT_SEARCH_DOCUMENT = "audit_log_document(actor, entity_type, entity_id, reason, before, after)"


class IngestionLog(BigIdentityKey, CreatedAt, Base):
    """One run of a data loader: when, how it ended, and how many records it moved."""

    __tablename__ = "ingestion_logs"
    __table_args__ = (
        vocabulary("status", INGESTION_STATUSES),
        CheckConstraint(
            "records_fetched >= 0 and records_inserted >= 0 and records_updated >= 0 and records_failed >= 0",
            name="record_counts_non_negative",
        ),
        CheckConstraint("finished_at >= started_at", name="finished_after_started"),
        CheckConstraint("execution_time_ms >= 0", name="execution_time_non_negative"),
        CheckConstraint("jsonb_typeof(errors) = 'array'", name="errors_array"),
        Index(None, "source", "started_at"),
        Index(None, "started_at"),
    )

    source: Mapped[str]
    started_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(server_default=text("'running'"))
    records_fetched: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    records_inserted: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    records_updated: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    records_failed: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    errors: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"))
    execution_time_ms: Mapped[int | None] = mapped_column(BigInteger)


class SystemLog(BigIdentityKey, CreatedAt, Base):
    """A log record from any program on the schema, optionally about one strategy."""

    __tablename__ = "system_logs"
    __table_args__ = (
        vocabulary("level", LOG_LEVELS),
        CheckConstraint("jsonb_typeof(context) = 'object'", name="context_object"),
        Index(None, "logged_at"),
        Index(None, "level", "logged_at"),
        Index(None, "strategy_id"),
    )

    logged_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    level: Mapped[str]
    logger: Mapped[str]
    message: Mapped[str]
    context: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    strategy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("strategies.id", ondelete="SET NULL"))


class AuditLogEntry(BigIdentityKey, Base):
    """One change or decision, by any writer; ordered by id. An undo points at the entry it reverses."""

    __tablename__ = "audit_log"
    __table_args__ = (
        vocabulary("action", AUDIT_ACTIONS),
        CheckConstraint("action <> 'undo' or reverses_id is not null", name="undo_names_reversed"),
        Index(None, "entity_type", "entity_id"),
        Index(None, "actor"),
        Index(None, "occurred_at"),
        Index(None, "transaction_id"),
        Index(None, "reverses_id"),
        Index(None, "search_document", postgresql_using="gin"),
    )

    occurred_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    actor: Mapped[str] = mapped_column(server_default=text(AUDIT_ACTOR_DEFAULT))
    action: Mapped[str]
    entity_type: Mapped[str]
    entity_id: Mapped[str | None]
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    details: Mapped[dict[str, Any] | None]
    reason: Mapped[str | None]
    transaction_id: Mapped[int | None] = mapped_column(BigInteger, server_default=text(AUDIT_TRANSACTION_DEFAULT))
    application_name: Mapped[str | None] = mapped_column(server_default=text(AUDIT_APPLICATION_DEFAULT))
    reverses_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("audit_log.id", ondelete="RESTRICT"))
    # The words text search looks in, computed by the database (migration 0009 defines the function).
    search_document: Mapped[Any] = mapped_column(
        TSVECTOR, Computed(AUDIT_SEARCH_DOCUMENT, persisted=True), deferred=True, nullable=True
    )
