"""Operations: ingestion runs, system logs, the audit log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 09:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ingestion_logs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'running'"), nullable=False),
        sa.Column("records_fetched", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("records_inserted", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("records_updated", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("records_failed", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("errors", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("execution_time_ms", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("jsonb_typeof(errors) = 'array'", name=op.f("ck_ingestion_logs_errors_array")),
        sa.CheckConstraint(
            "status in ('running', 'success', 'partial', 'failure')", name=op.f("ck_ingestion_logs_status")
        ),
        sa.CheckConstraint("execution_time_ms >= 0", name=op.f("ck_ingestion_logs_execution_time_non_negative")),
        sa.CheckConstraint("finished_at >= started_at", name=op.f("ck_ingestion_logs_finished_after_started")),
        sa.CheckConstraint(
            "records_fetched >= 0 and records_inserted >= 0 and records_updated >= 0 and records_failed >= 0",
            name=op.f("ck_ingestion_logs_record_counts_non_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingestion_logs")),
    )
    op.create_index(
        op.f("ix_ingestion_logs_source_started_at"), "ingestion_logs", ["source", "started_at"], unique=False
    )
    op.create_index(op.f("ix_ingestion_logs_started_at"), "ingestion_logs", ["started_at"], unique=False)

    op.create_table(
        "system_logs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("logger", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("context", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("strategy_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("jsonb_typeof(context) = 'object'", name=op.f("ck_system_logs_context_object")),
        sa.CheckConstraint(
            "level in ('debug', 'info', 'warning', 'error', 'critical')", name=op.f("ck_system_logs_level")
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"], ["strategies.id"], name=op.f("fk_system_logs_strategy_id_strategies"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_logs")),
    )
    op.create_index(op.f("ix_system_logs_level_logged_at"), "system_logs", ["level", "logged_at"], unique=False)
    op.create_index(op.f("ix_system_logs_logged_at"), "system_logs", ["logged_at"], unique=False)
    op.create_index(op.f("ix_system_logs_strategy_id"), "system_logs", ["strategy_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "actor",
            sa.Text(),
            server_default=sa.text("coalesce(nullif(current_setting('app.actor', true), ''), session_user::text)"),
            nullable=False,
        ),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=True),
        sa.Column("before", postgresql.JSONB(), nullable=True),
        sa.Column("after", postgresql.JSONB(), nullable=True),
        sa.Column("details", postgresql.JSONB(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("transaction_id", sa.BigInteger(), server_default=sa.text("txid_current()"), nullable=True),
        sa.Column(
            "application_name",
            sa.Text(),
            server_default=sa.text("nullif(current_setting('application_name', true), '')"),
            nullable=True,
        ),
        sa.Column("reverses_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "action <> 'undo' or reverses_id is not null", name=op.f("ck_audit_log_undo_names_reversed")
        ),
        sa.CheckConstraint(
            "action in ('insert', 'update', 'delete', 'soft_delete', 'restore', 'undo', 'decision', 'review')",
            name=op.f("ck_audit_log_action"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["audit_log.id"], name=op.f("fk_audit_log_reverses_id_audit_log"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_actor"), "audit_log", ["actor"], unique=False)
    op.create_index(op.f("ix_audit_log_entity_type_entity_id"), "audit_log", ["entity_type", "entity_id"], unique=False)
    op.create_index(op.f("ix_audit_log_occurred_at"), "audit_log", ["occurred_at"], unique=False)
    op.create_index(op.f("ix_audit_log_reverses_id"), "audit_log", ["reverses_id"], unique=False)
    op.create_index(op.f("ix_audit_log_transaction_id"), "audit_log", ["transaction_id"], unique=False)


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("system_logs")
    op.drop_table("ingestion_logs")
