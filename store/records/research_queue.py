"""Records about the research queue: an item with its security, status, priority, assignee and age."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Where an item may go from each status. Forward along new → researching → waiting → decided; an open item
# may be rejected at any step (triage rejects without research); research may end in a decision without
# waiting; back one step where work resumes; a closed item reopens into research.
QUEUE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("researching", "rejected"),
    "researching": ("waiting", "decided", "rejected", "new"),
    "waiting": ("decided", "rejected", "researching"),
    "decided": ("researching",),
    "rejected": ("researching",),
}
# The `>` key's path; `<` walks it back, and from decided or rejected it reopens into research.
QUEUE_PATH = ("new", "researching", "waiting", "decided")
PRIORITY_RANGE = range(0, 10)  # 0 = none … 9 = most urgent; the queue lists the most urgent first


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A security waiting for or under research; `age` is how long since it was queued."""

    id: uuid.UUID
    security_id: int
    symbol: str
    security_name: str | None
    score: decimal.Decimal | None
    status: str
    priority: int
    assignee: str | None
    source: str | None
    notes: str | None
    status_reason: str | None
    data: Mapping[str, Any]
    age: dt.timedelta
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
