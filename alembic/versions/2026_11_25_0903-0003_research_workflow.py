"""Research workflow: signals, analysis results, watchlists and entries, the research queue, reports, agents.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:03:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("signal_type", sa.Text(), nullable=False),
        sa.Column("score", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("data", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("jsonb_typeof(data) = 'object'", name=op.f("ck_signals_data_object")),
        sa.ForeignKeyConstraint(
            ["security_id"], ["securities.id"], name=op.f("fk_signals_security_id_securities"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
    )
    op.create_index(op.f("ix_signals_observed_at"), "signals", ["observed_at"], unique=False)
    op.create_index(op.f("ix_signals_security_id_observed_at"), "signals", ["security_id", "observed_at"], unique=False)

    op.create_table(
        "analysis_results",
        sa.Column("id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("agent_name", sa.Text(), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("reasoning", sa.Text(), nullable=True),
        sa.Column("key_metrics", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("jsonb_typeof(key_metrics) = 'object'", name=op.f("ck_analysis_results_key_metrics_object")),
        sa.CheckConstraint(
            "recommendation in ('strong_buy', 'buy', 'hold', 'sell', 'strong_sell')",
            name=op.f("ck_analysis_results_recommendation"),
        ),
        sa.CheckConstraint("confidence between 0 and 1", name=op.f("ck_analysis_results_confidence_range")),
        sa.ForeignKeyConstraint(
            ["security_id"],
            ["securities.id"],
            name=op.f("fk_analysis_results_security_id_securities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_results")),
    )
    op.create_index(op.f("ix_analysis_results_analysed_at"), "analysis_results", ["analysed_at"], unique=False)
    op.create_index(
        op.f("ix_analysis_results_security_id_analysed_at"),
        "analysis_results",
        ["security_id", "analysed_at"],
        unique=False,
    )

    op.create_table(
        "watchlists",
        sa.Column("id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlists")),
    )
    op.create_index(
        "uq_watchlists_live_name", "watchlists", ["name"], unique=True, postgresql_where=sa.text("deleted_at IS NULL")
    )

    op.create_table(
        "watchlist_entries",
        sa.Column("id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("watchlist_id", sa.UUID(), nullable=False),
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("trigger_type", sa.Text(), server_default=sa.text("'manual'"), nullable=False),
        sa.Column("trigger_value", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("thesis", sa.Text(), nullable=True),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'active'"), nullable=False),
        sa.Column("triggered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trigger_bar", postgresql.JSONB(), nullable=True),
        sa.Column("added_by", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "jsonb_typeof(trigger_bar) = 'object'", name=op.f("ck_watchlist_entries_trigger_bar_object")
        ),
        sa.CheckConstraint(
            "status <> 'triggered' or triggered_at is not null", name=op.f("ck_watchlist_entries_triggered_has_time")
        ),
        sa.CheckConstraint(
            "status in ('active', 'triggered', 'expired', 'archived')", name=op.f("ck_watchlist_entries_status")
        ),
        sa.CheckConstraint(
            "trigger_type = 'manual' or trigger_value is not null",
            name=op.f("ck_watchlist_entries_trigger_value_required"),
        ),
        sa.CheckConstraint(
            "trigger_type in ('price_above', 'price_below', 'pct_change', 'volume_spike', 'ma_cross', 'manual')",
            name=op.f("ck_watchlist_entries_trigger_type"),
        ),
        sa.ForeignKeyConstraint(
            ["security_id"],
            ["securities.id"],
            name=op.f("fk_watchlist_entries_security_id_securities"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["watchlist_id"],
            ["watchlists.id"],
            name=op.f("fk_watchlist_entries_watchlist_id_watchlists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_entries")),
    )
    op.create_index(op.f("ix_watchlist_entries_security_id"), "watchlist_entries", ["security_id"], unique=False)
    op.create_index(op.f("ix_watchlist_entries_watchlist_id"), "watchlist_entries", ["watchlist_id"], unique=False)
    op.create_index(
        "uq_watchlist_entries_live_security",
        "watchlist_entries",
        ["watchlist_id", "security_id"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )

    op.create_table(
        "research_queue",
        sa.Column("id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'new'"), nullable=False),
        sa.Column("priority", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("assignee", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("data", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("jsonb_typeof(data) = 'object'", name=op.f("ck_research_queue_data_object")),
        sa.CheckConstraint(
            "status in ('new', 'researching', 'waiting', 'decided', 'rejected')", name=op.f("ck_research_queue_status")
        ),
        sa.ForeignKeyConstraint(
            ["security_id"],
            ["securities.id"],
            name=op.f("fk_research_queue_security_id_securities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_queue")),
    )
    op.create_index(op.f("ix_research_queue_security_id"), "research_queue", ["security_id"], unique=False)
    op.create_index(op.f("ix_research_queue_status_priority"), "research_queue", ["status", "priority"], unique=False)
    op.create_index(
        "uq_research_queue_open_security",
        "research_queue",
        ["security_id"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL AND status NOT IN ('decided', 'rejected')"),
    )

    op.create_table(
        "reports",
        sa.Column("id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("stocks_analyzed", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("recommendations_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("recommendations", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("generated_by", sa.Text(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Text(), nullable=True),
        sa.Column("review_notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint("jsonb_typeof(recommendations) = 'array'", name=op.f("ck_reports_recommendations_array")),
        sa.CheckConstraint(
            "kind in ('morning', 'evening', 'weekly', 'monthly', 'adhoc')", name=op.f("ck_reports_kind")
        ),
        sa.CheckConstraint("(reviewed_at is null) = (reviewed_by is null)", name=op.f("ck_reports_review_complete")),
        sa.CheckConstraint("recommendations_count >= 0", name=op.f("ck_reports_recommendations_count_non_negative")),
        sa.CheckConstraint("stocks_analyzed >= 0", name=op.f("ck_reports_stocks_analyzed_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("kind", "report_date", name=op.f("uq_reports_kind_report_date")),
    )
    op.create_index(op.f("ix_reports_report_date"), "reports", ["report_date"], unique=False)

    op.create_table(
        "agent_configs",
        sa.Column("id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("agent_name", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("weight", sa.Numeric(precision=18, scale=6), server_default=sa.text("1"), nullable=False),
        sa.Column("parameters", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint("jsonb_typeof(parameters) = 'object'", name=op.f("ck_agent_configs_parameters_object")),
        sa.CheckConstraint("weight >= 0", name=op.f("ck_agent_configs_weight_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_configs")),
        sa.UniqueConstraint("agent_name", name=op.f("uq_agent_configs_agent_name")),
    )


def downgrade() -> None:
    op.drop_table("agent_configs")
    op.drop_table("reports")
    op.drop_table("research_queue")
    op.drop_table("watchlist_entries")
    op.drop_table("watchlists")
    op.drop_table("analysis_results")
    op.drop_table("signals")
