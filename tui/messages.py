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
class StatusChanged(Message, bubble=False):
    """The status line's facts changed (a status read finished, or the connection state moved)."""

    facts: StatusFacts


@dataclass
class DataChanged(Message, bubble=False):
    """Another writer (or this app) committed a change the change feed announced.

    It does not bubble: the app forwards it to the current screen, which must not send it back up.
    """

    change: Change


class DataResynced(Message, bubble=False):
    """The change feed reconnected: whatever a screen shows may be stale, so reload it."""


class Reconnected(Message, bubble=False):
    """The server answers again after it was lost: the screens read what failed to load."""


class ConnectionLost(Message, bubble=False):
    """The change feed's connection was lost: the server may be gone, so the app starts reconnecting."""
