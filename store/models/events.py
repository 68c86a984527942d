"""Market events: bulk and block deals, exchange surveillance measures."""

from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.models.columns import BigIdentityKey, CreatedAt, Timestamps, vocabulary

DEAL_KINDS = ("bulk", "block")
DEAL_SIDES = ("buy", "sell")


class Deal(BigIdentityKey, CreatedAt, Base):
    """A bulk or block deal published by the exchange."""

    __tablename__ = "deals"
    __table_args__ = (
        vocabulary("kind", DEAL_KINDS),
        vocabulary("side", DEAL_SIDES),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("price > 0", name="price_positive"),
        Index(None, "security_id", "deal_date"),
        Index(None, "deal_date"),
    )

    deal_date: Mapped[dt.date]
    security_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("securities.id", ondelete="CASCADE"))
    kind: Mapped[str]
    client_name: Mapped[str]
    side: Mapped[str]
    quantity: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[decimal.Decimal]
    remarks: Mapped[str | None]


class SurveillanceMeasure(BigIdentityKey, Timestamps, Base):
    """A surveillance measure (ASM, GSM, ESM…) placed on a security, and when it was lifted."""

    __tablename__ = "surveillance_measures"
    __table_args__ = (
        UniqueConstraint("security_id", "measure", "effective_date"),
        CheckConstraint("measure <> ''", name="measure_not_empty"),
        CheckConstraint("removed_date >= effective_date", name="removed_after_effective"),
        Index(None, "effective_date"),
    )

    security_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("securities.id", ondelete="CASCADE"))
    measure: Mapped[str]
    stage: Mapped[str | None]
    reason: Mapped[str | None]
    effective_date: Mapped[dt.date]
    removed_date: Mapped[dt.date | None]
