"""Trading: strategies, positions, orders, trades, portfolio snapshots.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:04:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "strategies",
        sa.Column("id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("strategy_type", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("parameters", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("max_position_pct", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("risk_per_trade_pct", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("max_drawdown_pct", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("max_open_positions", sa.Integer(), nullable=True),
        sa.Column("total_trades", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("winning_trades", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("realized_pnl", sa.Numeric(precision=18, scale=6), server_default=sa.text("0"), nullable=False),
        sa.Column("sharpe_ratio", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("performance_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint("jsonb_typeof(parameters) = 'object'", name=op.f("ck_strategies_parameters_object")),
        sa.CheckConstraint(
            "max_drawdown_pct > 0 and max_drawdown_pct <= 100", name=op.f("ck_strategies_max_drawdown_pct_range")
        ),
        sa.CheckConstraint("max_open_positions > 0", name=op.f("ck_strategies_max_open_positions_positive")),
        sa.CheckConstraint(
            "max_position_pct > 0 and max_position_pct <= 100", name=op.f("ck_strategies_max_position_pct_range")
        ),
        sa.CheckConstraint(
            "risk_per_trade_pct > 0 and risk_per_trade_pct <= 100", name=op.f("ck_strategies_risk_per_trade_pct_range")
        ),
        sa.CheckConstraint(
            "total_trades >= 0 and winning_trades between 0 and total_trades", name=op.f("ck_strategies_trade_counts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategies")),
        sa.UniqueConstraint("name", name=op.f("uq_strategies_name")),
    )

    op.create_table(
        "portfolio_positions",
        sa.Column("id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("strategy_id", sa.UUID(), nullable=True),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("entry_price", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("stop_loss", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("target", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("exit_date", sa.Date(), nullable=True),
        sa.Column("exit_price", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'open'"), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status <> 'closed' or (exit_date is not null and exit_price is not null)",
            name=op.f("ck_portfolio_positions_closed_has_exit"),
        ),
        sa.CheckConstraint("status in ('open', 'closed')", name=op.f("ck_portfolio_positions_status")),
        sa.CheckConstraint("entry_price > 0", name=op.f("ck_portfolio_positions_entry_price_positive")),
        sa.CheckConstraint("exit_date >= entry_date", name=op.f("ck_portfolio_positions_exit_after_entry")),
        sa.CheckConstraint("exit_price > 0", name=op.f("ck_portfolio_positions_exit_price_positive")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_portfolio_positions_quantity_positive")),
        sa.CheckConstraint("stop_loss > 0", name=op.f("ck_portfolio_positions_stop_loss_positive")),
        sa.CheckConstraint("target > 0", name=op.f("ck_portfolio_positions_target_positive")),
        sa.ForeignKeyConstraint(
            ["security_id"],
            ["securities.id"],
            name=op.f("fk_portfolio_positions_security_id_securities"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_portfolio_positions_strategy_id_strategies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_positions")),
    )
    op.create_index(op.f("ix_portfolio_positions_security_id"), "portfolio_positions", ["security_id"], unique=False)
    op.create_index(op.f("ix_portfolio_positions_status"), "portfolio_positions", ["status"], unique=False)
    op.create_index(op.f("ix_portfolio_positions_strategy_id"), "portfolio_positions", ["strategy_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("strategy_id", sa.UUID(), nullable=True),
        sa.Column("parent_order_id", sa.UUID(), nullable=True),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("order_type", sa.Text(), nullable=False),
        sa.Column("time_in_force", sa.Text(), server_default=sa.text("'day'"), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("limit_price", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("stop_price", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("filled_quantity", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("avg_fill_price", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("exchange_order_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint(
            "order_type in ('market', 'limit', 'stop', 'stop_limit')", name=op.f("ck_orders_order_type")
        ),
        sa.CheckConstraint(
            "order_type not in ('limit', 'stop_limit') or limit_price is not null",
            name=op.f("ck_orders_limit_price_required"),
        ),
        sa.CheckConstraint(
            "order_type not in ('stop', 'stop_limit') or stop_price is not null",
            name=op.f("ck_orders_stop_price_required"),
        ),
        sa.CheckConstraint("side in ('buy', 'sell')", name=op.f("ck_orders_side")),
        sa.CheckConstraint(
            "status in ('pending', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired')",
            name=op.f("ck_orders_status"),
        ),
        sa.CheckConstraint("time_in_force in ('day', 'gtc', 'ioc', 'fok')", name=op.f("ck_orders_time_in_force")),
        sa.CheckConstraint("avg_fill_price > 0", name=op.f("ck_orders_avg_fill_price_positive")),
        sa.CheckConstraint("filled_quantity between 0 and quantity", name=op.f("ck_orders_filled_quantity_range")),
        sa.CheckConstraint("limit_price > 0", name=op.f("ck_orders_limit_price_positive")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_orders_quantity_positive")),
        sa.CheckConstraint("stop_price > 0", name=op.f("ck_orders_stop_price_positive")),
        sa.ForeignKeyConstraint(
            ["parent_order_id"], ["orders.id"], name=op.f("fk_orders_parent_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["security_id"], ["securities.id"], name=op.f("fk_orders_security_id_securities"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"], ["strategies.id"], name=op.f("fk_orders_strategy_id_strategies"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    op.create_index(op.f("ix_orders_exchange_order_id"), "orders", ["exchange_order_id"], unique=False)
    op.create_index(op.f("ix_orders_parent_order_id"), "orders", ["parent_order_id"], unique=False)
    op.create_index(op.f("ix_orders_security_id_placed_at"), "orders", ["security_id", "placed_at"], unique=False)
    op.create_index(op.f("ix_orders_status"), "orders", ["status"], unique=False)
    op.create_index(op.f("ix_orders_strategy_id"), "orders", ["strategy_id"], unique=False)

    op.create_table(
        "trades",
        sa.Column("id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("strategy_id", sa.UUID(), nullable=True),
        sa.Column("order_id", sa.UUID(), nullable=True),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("fees", sa.Numeric(precision=18, scale=6), server_default=sa.text("0"), nullable=False),
        sa.Column("realized_pnl", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("outcome in ('win', 'loss', 'breakeven')", name=op.f("ck_trades_outcome")),
        sa.CheckConstraint("side in ('buy', 'sell')", name=op.f("ck_trades_side")),
        sa.CheckConstraint("fees >= 0", name=op.f("ck_trades_fees_non_negative")),
        sa.CheckConstraint("price > 0", name=op.f("ck_trades_price_positive")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_trades_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_trades_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["security_id"], ["securities.id"], name=op.f("fk_trades_security_id_securities"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"], ["strategies.id"], name=op.f("fk_trades_strategy_id_strategies"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trades")),
    )
    op.create_index(op.f("ix_trades_order_id"), "trades", ["order_id"], unique=False)
    op.create_index(op.f("ix_trades_security_id_executed_at"), "trades", ["security_id", "executed_at"], unique=False)
    op.create_index(op.f("ix_trades_strategy_id_executed_at"), "trades", ["strategy_id", "executed_at"], unique=False)

    op.create_table(
        "portfolio_snapshots",
        sa.Column("id", sa.UUID(), server_default=sa.text("uuidv7()"), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("strategy_id", sa.UUID(), nullable=True),
        sa.Column("cash", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("equity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("gross_exposure", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("net_exposure", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("drawdown_pct", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("risk", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("jsonb_typeof(risk) = 'object'", name=op.f("ck_portfolio_snapshots_risk_object")),
        sa.CheckConstraint("drawdown_pct between 0 and 100", name=op.f("ck_portfolio_snapshots_drawdown_pct_range")),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_portfolio_snapshots_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_snapshots")),
    )
    op.create_index(
        op.f("ix_portfolio_snapshots_strategy_id_taken_at"),
        "portfolio_snapshots",
        ["strategy_id", "taken_at"],
        unique=False,
    )
    op.create_index(op.f("ix_portfolio_snapshots_taken_at"), "portfolio_snapshots", ["taken_at"], unique=False)


def downgrade() -> None:
    op.drop_table("portfolio_snapshots")
    op.drop_table("trades")
    op.drop_table("orders")
    op.drop_table("portfolio_positions")
    op.drop_table("strategies")
