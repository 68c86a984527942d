"""Records of the data loaders' runs and how fresh each source's data is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class IngestionRunRecord:
    """One loader run: when, how it ended (running while unfinished), what it moved, what went wrong."""

    id: int
    source: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    records_fetched: int
    records_inserted: int
    records_updated: int
    records_failed: int
    errors: tuple[Any, ...]
    execution_time_ms: int | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class SourceFreshness:
    """A source's latest run and how long ago it ended (or started, while it runs).

    `last_success_at` is when its latest successful run finished: after a failure it says how old the
    data really is. None when no run of the source has succeeded.
    """

    source: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    records_fetched: int
    records_inserted: int
    records_updated: int
    records_failed: int
    age: dt.timedelta
    last_success_at: dt.datetime | None
