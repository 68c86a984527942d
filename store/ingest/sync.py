"""`sync`: each active security's bars after its latest one, fetched, checked, merged and marked, one transaction each.

A security's new bars and its `last_synced_at` are committed together, so a run killed halfway leaves the
finished securities stored and marked, and the next run (which skips those synced within `stale_after`)
resumes with the others. One ingestion_logs row and one change-feed notice per run; market_overview is
refreshed once at the end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import psycopg

from store.db import Database
from store.errors import InvalidInput
from store.ingest import load
from store.ingest.problems import LOGGED_PROBLEMS, Problem
from store.ingest.sync_sources import Fetched, SourceFailed, SymbolUnavailable, SyncSource, SyncTarget
from store.ingest.writer import ProgressEvent
from store.translation import translate_psycopg

ANALYST_ENV = "WORKSTATION_ANALYST"
SYNCED_TYPES = ("equity", "etf", "index", "fund")  # the instrument types that have daily bars
DEFAULT_STALE_AFTER = dt.timedelta(hours=20)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw]?)")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks", "": "hours"}

SyncProgress = Callable[[ProgressEvent], None]


@dataclass(frozen=True, slots=True)
class SecurityResult:
    """What the run did for one security: `outcome` is synced, failed (reported) or absent (the source has none)."""

    target: SyncTarget
    outcome: str
    received: int = 0
    inserted: int = 0
    updated: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    message: str | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def rejected(self) -> int:
        return len({problem.line for problem in self.problems})


@dataclass(frozen=True, slots=True)
class SyncReport:
    """A run: per security what happened, the fresh ones skipped, and why it stopped early (None: it did not)."""

    source: str
    origin: str
    results: tuple[SecurityResult, ...]
    skipped: tuple[SyncTarget, ...]
    stopped: str | None = None
    dry_run: bool = False
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    def _of(self, outcome: str) -> tuple[SecurityResult, ...]:
        return tuple(result for result in self.results if result.outcome == outcome)

    @property
    def synced(self) -> tuple[SecurityResult, ...]:
        return self._of("synced")

    @property
    def failed(self) -> tuple[SecurityResult, ...]:
        return self._of("failed")

    @property
    def absent(self) -> tuple[SecurityResult, ...]:
        return self._of("absent")

    @property
    def received(self) -> int:
        return sum(result.received for result in self.results)

    @property
    def inserted(self) -> int:
        return sum(result.inserted for result in self.results)

    @property
    def updated(self) -> int:
        return sum(result.updated for result in self.results)

    @property
    def rejected(self) -> int:
        return sum(result.rejected for result in self.results)

    @property
    def status(self) -> str:
        """ingestion_logs' word for the run: success, partial (some failed, or it stopped) or failure."""
        if not self.failed and self.stopped is None:
            return "success"
        return "partial" if self.synced else "failure"


def parse_duration(text: str) -> dt.timedelta:
    """20h, 90m, 2d, 1w, 30s, 1.5h (a bare number is hours; 0 syncs everything)."""
    found = _DURATION.fullmatch(text.strip().lower())
    if found is None:
        raise InvalidInput(
            f"--stale-after {text!r} is not a duration", fields={"stale_after": "e.g. 20h, 90m, 2d or 0"}
        )
    return dt.timedelta(**{_UNITS[found.group(2)]: float(found.group(1))})


def default_actor(kind: str) -> str:
    return f"sync:{kind}:{os.environ.get(ANALYST_ENV) or getpass.getuser()}"


def sync(
    database: Database,
    source: SyncSource,
    *,
    stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
    symbols: Iterable[str] = (),
    dry_run: bool = False,
    progress: SyncProgress | None = None,
) -> SyncReport:
    """Sync every active security (or those of `symbols`: SYMBOL or EXCHANGE:SYMBOL) not synced within `stale_after`.

    Raises InvalidInput for a named symbol that is unknown, inactive or has no daily bars (nothing is fetched).
    A source that fails (SourceFailed) stops the run: the report says why; the securities done stay done.
    `dry_run` fetches and checks everything and writes nothing (the counts say what would have changed).
    """
    started, started_at = time.perf_counter(), dt.datetime.now(dt.UTC)
    notify = progress or (lambda event: None)
    name = f"sync:{source.kind}"
    with database.connect() as connection:
        try:
            targets, skipped = _targets(connection, list(symbols), stale_after)
            source.prepare([*targets, *skipped])
            run = _Run(connection, source, name, dry_run)

            def finish() -> tuple[str, ...]:
                return () if dry_run else run.finish(started_at, round((time.perf_counter() - started) * 1000))

            try:
                run.sync_all(targets, notify)
            except KeyboardInterrupt:
                with contextlib.suppress(psycopg.Error):  # interrupted either way; log it if the server lets us
                    finish()
                raise
            notes = finish()
        except psycopg.Error as exc:
            raise translate_psycopg(exc, target=database.target.display) from exc
    return SyncReport(
        name, source.description, tuple(run.results), tuple(skipped), run.stopped, dry_run, notes,
        time.perf_counter() - started,
    )  # fmt: skip


_TARGETS = """
select s.id, s.exchange, s.symbol, s.instrument_type, s.is_active,
       (select max(d.trade_date) from ohlcv_daily d where d.security_id = s.id) as latest_day,
       s.last_synced_at, coalesce(s.last_synced_at > now() - %(stale_after)s, false) as fresh
from securities s
where (s.is_active and s.instrument_type = any(%(types)s)) or s.symbol = any(%(symbols)s)
order by s.last_synced_at nulls first, s.exchange, s.symbol
"""


def _targets(
    connection: load.Connection, symbols: Sequence[str], stale_after: dt.timedelta
) -> tuple[list[SyncTarget], list[SyncTarget]]:
    """The securities to sync and the fresh ones skipped, in the order of their last sync (never first)."""
    wanted = [_named(text) for text in symbols if text.strip()]
    rows = connection.execute(
        _TARGETS,
        {"stale_after": stale_after, "types": list(SYNCED_TYPES), "symbols": [symbol for _, symbol in wanted]},
    ).fetchall()
    connection.commit()
    if wanted:
        rows = _chosen(rows, wanted)
    due: list[SyncTarget] = []
    fresh: list[SyncTarget] = []
    for security_id, exchange, symbol, kind, active, latest, synced_at, is_fresh in rows:
        if not active or kind not in SYNCED_TYPES:
            continue
        target = SyncTarget(int(security_id), exchange, symbol, kind, latest, synced_at)
        (fresh if is_fresh else due).append(target)
    return due, fresh


def _named(text: str) -> tuple[str | None, str]:
    exchange, _, symbol = text.strip().upper().rpartition(":")
    return exchange or None, symbol


def _chosen(rows: Sequence[tuple[Any, ...]], wanted: Sequence[tuple[str | None, str]]) -> list[tuple[Any, ...]]:
    """The rows of the named securities; a name that is unknown, inactive or without daily bars is an error."""
    chosen: dict[int, tuple[Any, ...]] = {}
    wrong: dict[str, str] = {}
    for exchange, symbol in wanted:
        shown = f"{exchange}:{symbol}" if exchange else symbol
        matches = [row for row in rows if row[2] == symbol and exchange in (None, row[1])]
        usable = [row for row in matches if row[4] and row[3] in SYNCED_TYPES]
        if not matches:
            wrong[shown] = "is not a known security"
        elif not usable:
            active = any(row[4] for row in matches)
            wrong[shown] = f"has no daily bars ({matches[0][3]})" if active else "is not active"
        chosen.update((int(row[0]), row) for row in usable)
    if wrong:
        listed = "; ".join(f"{name} {why}" for name, why in wrong.items())
        raise InvalidInput(f"--symbols: {listed}", fields={f"symbols {name}": why for name, why in wrong.items()})
    return [row for row in rows if int(row[0]) in chosen]


@dataclass
class _Run:
    """One run's work on one connection: a transaction per security, then the run's log row and notice."""

    connection: load.Connection
    source: SyncSource
    name: str
    dry_run: bool
    results: list[SecurityResult] = field(default_factory=list)
    stopped: str | None = None
    years: Counter[int] = field(default_factory=Counter)
    partitioned_years: set[int] = field(default_factory=set)  # partitions known to exist

    def sync_all(self, targets: Sequence[SyncTarget], notify: SyncProgress) -> None:
        try:
            for index, target in enumerate(targets):
                notify(ProgressEvent(target.label, "syncing", index, len(targets)))
                if not self._sync_one(target):
                    return
            notify(ProgressEvent("", "synced", len(targets), len(targets)))
        except KeyboardInterrupt:
            with contextlib.suppress(psycopg.Error):  # the security in hand is dropped; a lost connection says so later
                self.connection.rollback()
            self.stopped = "interrupted"
            raise

    def _sync_one(self, target: SyncTarget) -> bool:
        """Fetch, check and store one security; False when the source failed and the run must stop."""
        try:
            fetched = self.source.fetch(target)
        except SymbolUnavailable as exc:
            self.results.append(SecurityResult(target, "absent" if exc.absent else "failed", message=str(exc)))
            return True
        except SourceFailed as exc:
            self.stopped = str(exc)
            return False
        if fetched.problems:
            message = f"{len(fetched.problems)} problem{'s' if len(fetched.problems) != 1 else ''} in {fetched.origin}"
            failed = SecurityResult(target, "failed", fetched.received, message=message, problems=fetched.problems)
            self.results.append(failed)
            return True
        self.results.append(self._store(target, fetched))
        return True

    def _store(self, target: SyncTarget, fetched: Fetched) -> SecurityResult:
        """The bars and last_synced_at in one transaction; a bar the database refuses fails only this security."""
        bars, span = fetched.bars, _span(fetched.bars)
        try:
            try:
                written = self._transaction(target, bars, span, merge=False)
            except psycopg.errors.UniqueViolation:
                self.connection.rollback()  # another writer stored some of these days since we looked: merge
                written = self._transaction(target, bars, span, merge=True)
        except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as exc:
            self.connection.rollback()
            refused = translate_psycopg(exc, target=self.name)
            return SecurityResult(target, "failed", fetched.received, message=f"the database refused a bar: {refused}")
        if span is not None:
            self.years.update(dict(bars.group_by(pl.col("trade_date").dt.year()).len().iter_rows()))
        first, last = span or (None, None)
        return SecurityResult(target, "synced", fetched.received, written.inserted, written.updated, first, last)

    def _transaction(
        self, target: SyncTarget, bars: pl.DataFrame, span: tuple[dt.date, dt.date] | None, *, merge: bool
    ) -> load.Written:
        """The bars (copied straight in, or merged) and the mark, committed together.

        The bars are after the latest stored one, so they overlap stored bars only when another writer
        stored some meanwhile: the COPY then fails on the key and the caller merges instead. The commit
        does not wait for the WAL flush: a server crash may lose the last few securities, bars and mark
        together, and the next run syncs them again.
        """
        self.connection.execute(
            "select set_config('app.actor', %s, true), set_config('synchronous_commit', 'off', true)",
            (default_actor(self.source.kind),),
        )
        written, years = load.Written(0, 0, merged=False), set[int]()
        if span is not None:
            years = set(range(span[0].year, span[1].year + 1))
            if not years <= self.partitioned_years:
                load.ensure_partitions(self.connection, *span)
            written = load.write_bars(self.connection, bars, source=self.name, merge=merge)
        self.connection.execute("update securities set last_synced_at = now() where id = %s", (target.security_id,))
        if self.dry_run:
            self.connection.rollback()
        else:
            self.connection.commit()
            self.partitioned_years |= years  # made and committed: they stay for the rest of the run
        return written

    def finish(self, started_at: dt.datetime, milliseconds: int) -> tuple[str, ...]:
        """market_overview refreshed when bars changed, then the run's log row and change-feed notice."""
        notes = []
        changed = [result for result in self.results if result.inserted or result.updated]
        if changed:
            try:
                load.analyze_changed_partitions(self.connection, self.years)
                load.refresh_overview(self.connection)
            except psycopg.Error as exc:
                self.connection.rollback()
                notes.append(f"the bars are stored, but market_overview was not refreshed: {exc}")
        report = SyncReport(self.name, "", tuple(self.results), (), self.stopped)
        run = load.RunLog(
            self.name, started_at, report.status, report.received, report.inserted, report.updated,
            report.rejected, _logged_errors(report), milliseconds,
        )  # fmt: skip
        load.set_actor(self.connection, default_actor(self.source.kind))  # the run's log and notice name it too
        load.log_run(self.connection, run)
        if changed:
            first = min(result.first_day for result in changed if result.first_day is not None)
            last = max(result.last_day for result in changed if result.last_day is not None)
            load.announce(self.connection, self.name, first, last, report.inserted + report.updated)
        self.connection.commit()
        return tuple(notes)


def _span(bars: pl.DataFrame) -> tuple[dt.date, dt.date] | None:
    if not bars.height:
        return None
    first, last = bars.select(pl.col("trade_date").min().alias("first"), pl.col("trade_date").max().alias("last")).row(
        0
    )
    return first, last


def _logged_errors(report: SyncReport) -> list[dict[str, Any]]:
    """What ingestion_logs keeps: why the run stopped, then each failed security and its rows' problems."""
    entries: list[dict[str, Any]] = []
    if report.stopped is not None:
        entries.append({"message": f"stopped: {report.stopped}"})
    for result in report.failed:
        entries.append({"security": result.target.label, "message": result.message})
        entries.extend({"security": result.target.label, **problem.as_json()} for problem in result.problems)
    if len(entries) > LOGGED_PROBLEMS:
        entries = [*entries[:LOGGED_PROBLEMS], {"message": f"… and {len(entries) - LOGGED_PROBLEMS} more"}]
    return entries


__all__ = ["DEFAULT_STALE_AFTER", "SecurityResult", "SyncReport", "parse_duration", "sync"]
