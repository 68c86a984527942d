"""Messages workers post to the UI: past tense, plain records inside."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from store.changes import Change
from store.records import DatabaseOverview
from tui.widgets.status_line import StatusFacts


@dataclass
class OverviewLoaded(Message):
    """The connection screen's facts were read from the database."""

    overview: DatabaseOverview


@dataclass
class StatusChanged(Message):
    """The status line's facts changed (a status read finished, or the connection state moved)."""

    bubble = False
    facts: StatusFacts


@dataclass
class DataChanged(Message):
    """Another writer (or this app) committed a change the change feed announced.

    It does not bubble: the app forwards it to the current screen, which must not send it back up.
    """

    bubble = False
    change: Change


class DataResynced(Message):
    """The change feed reconnected: whatever a screen shows may be stale, so reload it."""

    bubble = False
