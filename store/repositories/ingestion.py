"""Loader runs: how fresh each source is, the run history, the newest daily bar, and start/finish for loaders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, func, insert, literal, select, update
from sqlalchemy.engine import RowMapping

from store.errors import NotFound
from store.models.market import OhlcvDaily
from store.models.ops import INGESTION_STATUSES, IngestionLog
from store.records.ingestion import IngestionRunRecord, SourceFreshness
from store.records.research_output import freeze_json
from store.repositories.base import Repository
from store.repositories.checks import checked_json_array, checked_limit, checked_text, refuse

RUNS = cast(Table, IngestionLog.__table__)
DAILY = cast(Table, OhlcvDaily.__table__)
# A run is started as "running" and finished with one of the others.
FINISHED_STATUSES = tuple(status for status in INGESTION_STATUSES if status != "running")
_COUNTS = ("fetched", "inserted", "updated", "failed")
_MILLISECOND = dt.timedelta(milliseconds=1)


def run_record(row: RowMapping) -> IngestionRunRecord:
    return IngestionRunRecord(**{**row, "errors": freeze_json(row["errors"] or [])})


def checked_count(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise refuse(field, f"must be a whole number of 0 or more, not {value!r}")
    return value


class IngestionRepository(Repository):
    """Reads ingestion_logs and the newest daily bar; lets a loader record its run."""

    def freshness(self) -> list[SourceFreshness]:
        """Each source's latest run (by start), by source name, with its age and last success."""
        age = func.clock_timestamp() - func.coalesce(RUNS.c.finished_at, RUNS.c.started_at)
        runs = select(
            *(RUNS.c[name] for name in ("source", "status", "started_at", "finished_at")),
            *(RUNS.c[f"records_{count}"] for count in _COUNTS),
            func.greatest(age, literal(dt.timedelta(0))).label("age"),
            func.max(RUNS.c.finished_at)
            .filter(RUNS.c.status == "success")
            .over(partition_by=RUNS.c.source)
            .label("last_success_at"),
            func.row_number()
            .over(partition_by=RUNS.c.source, order_by=(RUNS.c.started_at.desc(), RUNS.c.id.desc()))
            .label("rank"),
        ).subquery()
        latest = select(*(column for column in runs.c if column.name != "rank")).where(runs.c.rank == 1)
        rows = self._session.execute(latest.order_by(runs.c.source)).mappings()
        return [SourceFreshness(**row) for row in rows]

    def runs(self, source: str | None = None, *, limit: int = 50) -> list[IngestionRunRecord]:
        """Runs, newest started first; an unknown source just finds none."""
        query = select(RUNS)
        if source is not None:
            query = query.where(RUNS.c.source == source)
        query = query.order_by(RUNS.c.started_at.desc(), RUNS.c.id.desc()).limit(checked_limit(limit))
        return [run_record(row) for row in self._session.execute(query).mappings()]

    def latest_trade_date(self) -> dt.date | None:
        """The newest trade_date in ohlcv_daily (None when there are no bars).

        A plain max() is cheap here: ix_ohlcv_daily_trade_date exists on every partition, so the planner
        turns max() into a Merge Append of one backward index-only probe per partition (about three
        buffers each, whatever the row count; no ordered Append because the default partition may hold
        any date). It is exact and current, where market_overview's max(trade_date) is only as new as the
        last refresh and scans the whole view.
        """
        latest: dt.date | None = self._session.execute(select(func.max(DAILY.c.trade_date))).scalar()
        return latest

    def start_run(self, source: str) -> int:
        """Record that a loader started now; returns the run id to finish it with."""
        statement = insert(RUNS).values(source=checked_text(source, "source"), started_at=func.clock_timestamp())
        run_id: int = self._session.execute(statement.returning(RUNS.c.id)).scalar_one()
        return run_id

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        fetched: int,
        inserted: int,
        updated: int,
        failed: int,
        errors: Sequence[Any] | None = None,
    ) -> IngestionRunRecord:
        """Record how a running run ended; the finish time and execution_time_ms come from the server clock."""
        if status not in FINISHED_STATUSES:
            raise refuse("status", f"{status!r} is not one of {', '.join(FINISHED_STATUSES)}")
        values: dict[str, Any] = {
            f"records_{name}": checked_count(count, name)
            for name, count in zip(_COUNTS, (fetched, inserted, updated, failed), strict=True)
        }
        values |= {"status": status, "errors": checked_json_array(errors, "errors")}
        started_at, now = self._running(run_id)
        finished_at = max(now, started_at)
        values |= {"finished_at": finished_at, "execution_time_ms": (finished_at - started_at) // _MILLISECOND}
        row = self._session.execute(update(RUNS).where(RUNS.c.id == run_id).values(values).returning(*RUNS.c))
        return run_record(row.mappings().one())

    def _running(self, run_id: int) -> tuple[dt.datetime, dt.datetime]:
        """The run's start (row locked, so two finishers cannot both finish it) and the server's clock now."""
        if isinstance(run_id, bool) or not isinstance(run_id, int):
            raise refuse("run_id", f"must be a run id (a whole number), not {run_id!r}")
        query = select(RUNS.c.started_at, RUNS.c.status).where(RUNS.c.id == run_id).with_for_update()
        row = self._session.execute(query).one_or_none()
        if row is None:
            raise NotFound(f"there is no ingestion run {run_id}")
        if row.status != "running":
            raise refuse("run_id", f"run {run_id} has already finished ({row.status})")
        now: dt.datetime = self._session.execute(select(func.clock_timestamp())).scalar_one()
        return row.started_at, now
