"""Market events: bulk and block deals, surveillance measures.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:02:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deals",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("deal_date", sa.Date(), nullable=False),
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("client_name", sa.Text(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind in ('bulk', 'block')", name=op.f("ck_deals_kind")),
        sa.CheckConstraint("side in ('buy', 'sell')", name=op.f("ck_deals_side")),
        sa.CheckConstraint("price > 0", name=op.f("ck_deals_price_positive")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_deals_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["security_id"], ["securities.id"], name=op.f("fk_deals_security_id_securities"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deals")),
    )
    op.create_index(op.f("ix_deals_deal_date"), "deals", ["deal_date"], unique=False)
    op.create_index(op.f("ix_deals_security_id_deal_date"), "deals", ["security_id", "deal_date"], unique=False)

    op.create_table(
        "surveillance_measures",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("removed_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("measure <> ''", name=op.f("ck_surveillance_measures_measure_not_empty")),
        sa.CheckConstraint(
            "removed_date >= effective_date", name=op.f("ck_surveillance_measures_removed_after_effective")
        ),
        sa.ForeignKeyConstraint(
            ["security_id"],
            ["securities.id"],
            name=op.f("fk_surveillance_measures_security_id_securities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveillance_measures")),
        sa.UniqueConstraint(
            "security_id",
            "measure",
            "effective_date",
            name=op.f("uq_surveillance_measures_security_id_measure_effective_date"),
        ),
    )
    op.create_index(
        op.f("ix_surveillance_measures_effective_date"), "surveillance_measures", ["effective_date"], unique=False
    )


def downgrade() -> None:
    op.drop_table("surveillance_measures")
    op.drop_table("deals")
