"""Reference data: the securities master, industry classification, index membership, exchange holidays."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Numeric, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.models.columns import BigIdentityKey, CreatedAt, Timestamps, vocabulary

INSTRUMENT_TYPES = (
    "equity",
    "etf",
    "index",
    "option",
    "future",
    "bond",
    "fund",
    "warrant",
    "currency",
    "crypto",
    "other",
)
ISIN_PATTERN = "^[A-Z]{2}[A-Z0-9]{9}[0-9]$"


class Security(BigIdentityKey, Timestamps, Base):
    """Every tradable or reference instrument (equities, ETFs, indices, derivatives…), one row each."""

    __tablename__ = "securities"
    __table_args__ = (
        UniqueConstraint("exchange", "symbol"),
        UniqueConstraint("isin"),
        vocabulary("instrument_type", INSTRUMENT_TYPES),
        CheckConstraint(f"isin ~ '{ISIN_PATTERN}'", name="isin_format"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_format"),
        CheckConstraint("country ~ '^[A-Z]{2}$'", name="country_format"),
        CheckConstraint("face_value > 0", name="face_value_positive"),
        CheckConstraint("paid_up_value > 0", name="paid_up_value_positive"),
        CheckConstraint("market_lot > 0", name="market_lot_positive"),
        CheckConstraint("jsonb_typeof(attributes) = 'object'", name="attributes_object"),
        # Options and futures must carry their metadata; migration 0006 also names the key in a trigger.
        CheckConstraint(
            "instrument_attribute_problem(instrument_type, attributes) IS NULL", name="instrument_attributes"
        ),
        Index(None, "symbol"),
        Index(None, "instrument_type"),
        Index(None, "attributes", postgresql_using="gin"),
    )

    symbol: Mapped[str]
    exchange: Mapped[str]
    instrument_type: Mapped[str]
    name: Mapped[str | None]
    isin: Mapped[str | None]
    currency: Mapped[str | None]
    country: Mapped[str | None]
    series: Mapped[str | None]
    listing_date: Mapped[dt.date | None]
    face_value: Mapped[decimal.Decimal | None]
    paid_up_value: Mapped[decimal.Decimal | None]
    market_lot: Mapped[int | None] = mapped_column(BigInteger)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))
    last_synced_at: Mapped[dt.datetime | None]
    attributes: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))


class IndustryClassification(Timestamps, Base):
    """Where a security sits in the industry tree (macro → sector → industry → basic industry)."""

    __tablename__ = "industry_classifications"
    __table_args__ = (
        Index(None, "sector"),
        Index(None, "industry"),
    )

    security_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("securities.id", ondelete="CASCADE"), primary_key=True
    )
    macro: Mapped[str | None]
    sector: Mapped[str | None]
    industry: Mapped[str | None]
    basic_industry: Mapped[str | None]


class IndexConstituent(BigIdentityKey, Timestamps, Base):
    """A member of an index (itself a security of type index) over a period, with its weight."""

    __tablename__ = "index_constituents"
    __table_args__ = (
        UniqueConstraint("index_id", "member_id", "valid_from"),
        CheckConstraint("valid_to >= valid_from", name="valid_to_after_valid_from"),
        CheckConstraint("weight >= 0 and weight <= 100", name="weight_range"),
        CheckConstraint("index_id <> member_id", name="not_own_member"),
        Index(None, "member_id"),
    )

    index_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("securities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("securities.id", ondelete="RESTRICT"))
    weight: Mapped[decimal.Decimal | None] = mapped_column(Numeric(9, 6))
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]


class MarketHoliday(BigIdentityKey, CreatedAt, Base):
    """A day an exchange is closed."""

    __tablename__ = "market_holidays"
    __table_args__ = (UniqueConstraint("exchange", "holiday_date"),)

    exchange: Mapped[str]
    holiday_date: Mapped[dt.date]
    name: Mapped[str | None]
