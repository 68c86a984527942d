"""What the research-queue screen's workers report: past tense, plain records inside."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from textual.message import Message

from tui.screens.research_queue.data import QueueView


@dataclass
class QueueRead(Message, bubble=False):
    """The queue was read for a status filter; `request` tells a stale read from the latest."""

    request: int
    view: QueueView


@dataclass
class QueueWritten(Message, bubble=False):
    """A write was committed: what it did, in a sentence, and the item to keep the cursor on."""

    note: str
    item_id: uuid.UUID


@dataclass
class QueueWriteRefused(Message, bubble=False):
    """The store refused a write (a move the item cannot make, someone else's newer edit): nothing was written."""

    title: str
    reason: str
