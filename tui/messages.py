"""Messages workers post to the UI: past tense, plain records inside."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from store.records import DatabaseOverview


@dataclass
class OverviewLoaded(Message):
    """The connection screen's facts were read from the database."""

    overview: DatabaseOverview
