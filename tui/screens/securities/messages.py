"""Messages of the Securities area: what its workers read and wrote, and what it asks the app to do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    import polars as pl

    from store.records.research_queue import QueueItem
    from store.records.securities import SecurityFacets


@dataclass
class SecuritiesLoaded(Message):
    """Every security with its latest figures, the lower-cased text the filter searches, and the facets."""

    bubble = False
    frame: pl.DataFrame
    search_text: pl.Series
    facets: SecurityFacets


@dataclass
class QueueItemAdded(Message):
    """The security was added to the research queue."""

    bubble = False
    item: QueueItem


@dataclass
class QueueItemRefused(Message):
    """The research queue refused the security (it already has an open item, which `reason` names)."""

    bubble = False
    symbol: str
    reason: str
