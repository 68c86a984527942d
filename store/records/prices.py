"""Records about prices: bars resampled to fit a width, and the names and order of the frames' columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

# Bucket periods from finest to coarsest; resampling takes the finest that fits.
PERIODS = ("day", "week", "month", "quarter", "year")

BAR_COLUMNS = ("trade_date", "open", "high", "low", "close", "volume")
RESAMPLED_COLUMNS = (*BAR_COLUMNS, "bars")
LATEST_BAR_COLUMNS = ("security_id", "symbol", "exchange", "is_active", *BAR_COLUMNS)


@dataclass(frozen=True, slots=True)
class Resampled:
    """Bars aggregated into `period` buckets (one of PERIODS).

    `frame` has RESAMPLED_COLUMNS: trade_date is the first trading day of the bucket, open its first open,
    high the highest high, low the lowest low, close its last close, volume the sum and bars the bar count.
    """

    frame: pl.DataFrame
    period: str
