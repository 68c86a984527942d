"""Typed models of the shared research schema; importing this registers every table."""

from store.models.base import Base
from store.models.events import Deal, SurveillanceMeasure
from store.models.market import CalculatedMetric, CorporateAction, MarketCapHistory, OhlcvDaily, OhlcvIntraday
from store.models.ops import AuditLogEntry, IngestionLog, SystemLog
from store.models.reference import IndexConstituent, IndustryClassification, MarketHoliday, Security
from store.models.research import (
    AgentConfig,
    AnalysisResult,
    Report,
    ResearchQueueItem,
    Signal,
    Watchlist,
    WatchlistEntry,
)
from store.models.trading import Order, PortfolioPosition, PortfolioSnapshot, Strategy, Trade

__all__ = [
    "AgentConfig",
    "AnalysisResult",
    "AuditLogEntry",
    "Base",
    "CalculatedMetric",
    "CorporateAction",
    "Deal",
    "IndexConstituent",
    "IndustryClassification",
    "IngestionLog",
    "MarketCapHistory",
    "MarketHoliday",
    "OhlcvDaily",
    "OhlcvIntraday",
    "Order",
    "PortfolioPosition",
    "PortfolioSnapshot",
    "Report",
    "ResearchQueueItem",
    "Security",
    "Signal",
    "Strategy",
    "SurveillanceMeasure",
    "SystemLog",
    "Trade",
    "Watchlist",
    "WatchlistEntry",
]
