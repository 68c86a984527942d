"""`import_prices`: daily OHLCV files checked with Polars and loaded in one transaction, all or nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl
import psycopg

from store.db import Database
from store.errors import InvalidInput, StoreError
from store.ingest import load
from store.ingest.files import PriceFile, read_price_file, write_rejected
from store.ingest.problems import ImportFailed, Problem, logged
from store.ingest.securities import resolve_securities
from store.ingest.validate import EARLIEST_DAY, has_duplicates, latest_day
from store.translation import translate_psycopg

ANALYST_ENV = "WORKSTATION_ANALYST"  # as store.uow, which this module does not import (no SQLAlchemy here)
DEFAULT_SERIES = ("EQ", "BE")


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """Where an import is: the file, the stage (reading, loading, merging, refreshing) and rows done of total."""

    file: str
    stage: str
    done: int
    total: int


Progress = Callable[[ProgressEvent], None]


@dataclass(frozen=True, slots=True)
class FileReport:
    """What one file did: its format, rows read, inserted, updated, unchanged, rejected and skipped."""

    path: Path
    format: str
    source: str
    fetched: int
    inserted: int
    updated: int
    unchanged: int
    failed: int
    skipped: int
    first_day: dt.date | None
    last_day: dt.date | None
    merged: bool = False
    rejected_path: Path | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of an import; a re-import of the same bars reports them as unchanged (0 inserted, 0 updated)."""

    files: tuple[FileReport, ...]
    problems: tuple[Problem, ...] = ()
    created_securities: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    formats: dict[Path, str] = field(default_factory=dict)

    @property
    def fetched(self) -> int:
        return sum(file.fetched for file in self.files)

    @property
    def inserted(self) -> int:
        return sum(file.inserted for file in self.files)

    @property
    def updated(self) -> int:
        return sum(file.updated for file in self.files)

    @property
    def unchanged(self) -> int:
        return sum(file.unchanged for file in self.files)

    @property
    def failed(self) -> int:
        return sum(file.failed for file in self.files)

    @property
    def rejected_paths(self) -> tuple[Path, ...]:
        return tuple(file.rejected_path for file in self.files if file.rejected_path is not None)


def default_actor() -> str:
    return f"import:prices:{os.environ.get(ANALYST_ENV) or getpass.getuser()}"


def import_prices(
    database: Database,
    paths: Iterable[str | Path] | str | Path,
    *,
    exchange: str | None = None,
    symbol: str | None = None,
    create_missing: bool = False,
    skip_invalid: bool = False,
    series: Sequence[str] | str = DEFAULT_SERIES,
    progress: Progress | None = None,
) -> ImportReport:
    """Import daily bars from price files into ohlcv_daily in one transaction.

    Raises ImportFailed (an InvalidInput) listing every problem when any row is invalid and `skip_invalid`
    is false; the market data is then unchanged (one ingestion_logs row per file records the failure).
    """
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC)
    chosen = [Path(paths)] if isinstance(paths, str | Path) else [Path(path) for path in paths]
    if not chosen:
        raise InvalidInput("no price files were named", fields={"paths": "name at least one file"})
    notify = progress or (lambda event: None)
    chosen_exchange, chosen_symbol, chosen_series = _options(exchange, symbol, series)
    files = []
    for path in chosen:
        notify(ProgressEvent(str(path), "reading", 0, 0))
        files.append(read_price_file(path, exchange=chosen_exchange, symbol=chosen_symbol, series=chosen_series))
    loaded = _load(database, files, create_missing, skip_invalid, started_at, notify)
    return _finish(database, loaded, skip_invalid, started, notify)


def _options(
    exchange: str | None, symbol: str | None, series: Sequence[str] | str
) -> tuple[str | None, str | None, set[str]]:
    names = series.split(",") if isinstance(series, str) else series
    wanted_series = {name.strip().upper() for name in names if name.strip()}
    if not wanted_series:
        raise InvalidInput("no NSE series were named", fields={"series": "name at least one series, e.g. EQ"})
    chosen_exchange = exchange.strip().upper() if exchange and exchange.strip() else None
    chosen_symbol = symbol.strip().upper() if symbol and symbol.strip() else None
    return chosen_exchange, chosen_symbol, wanted_series


@dataclass(frozen=True, slots=True)
class _Loaded:
    files: tuple[PriceFile, ...]
    reports: tuple[FileReport, ...]
    created: tuple[str, ...]
    reasons: dict[str, pl.DataFrame]


class _NeedsDiagnosis(Exception):
    """An unverified file has a problem: read it again as text and name every problem."""


# What ends the optimistic attempt: a chunk that broke a rule, a duplicate bar found by the key (or a
# concurrent writer's bars), a duplicate inside the staging table.
_RETRY = (_NeedsDiagnosis, load.Unverified, psycopg.errors.UniqueViolation, psycopg.errors.CardinalityViolation)


def _load(
    database: Database,
    files: list[PriceFile],
    create_missing: bool,
    skip_invalid: bool,
    started_at: dt.datetime,
    notify: Progress,
) -> _Loaded:
    """The optimistic attempt (typed files checked while they are copied), else a second one on checked files."""
    options = (create_missing, skip_invalid, started_at, notify)
    with database.connect() as connection:
        try:
            try:
                return _transaction(connection, files, *options, merge=False)
            except _RETRY as exc:
                connection.rollback()
                files = [file.diagnosed() for file in files]
                # A unique violation on checked files means someone stored these bars since we looked.
                merge = isinstance(exc, psycopg.errors.UniqueViolation)
                return _transaction(connection, files, *options, merge=merge)
        except ImportFailed as failure:
            connection.rollback()
            with contextlib.suppress(psycopg.Error):  # the import failed either way; say why, not this
                _log_failure(connection, files, failure, started_at)
            raise
        except psycopg.Error as exc:
            raise translate_psycopg(exc, target=database.target.display) from exc


def _transaction(
    connection: load.Connection,
    files: list[PriceFile],
    create_missing: bool,
    skip_invalid: bool,
    started_at: dt.datetime,
    notify: Progress,
    *,
    merge: bool,
) -> _Loaded:
    load.set_actor(connection, default_actor())
    resolved = resolve_securities(connection, files, create_missing=create_missing)
    checked = resolved.files
    if any(_needs_diagnosis(file) for file in checked):
        raise _NeedsDiagnosis
    problems = [problem for file in checked for problem in file.problems]
    if problems and not skip_invalid:
        raise ImportFailed(problems)
    spans = [span for span in (_day_range(file.bars) for file in checked) if span is not None]
    if spans:
        load.ensure_partitions(connection, min(first for first, _ in spans), max(last for _, last in spans))
    reports = [
        _write_file(connection, file, resolved.reasons[file.name], started_at, notify, merge=merge) for file in checked
    ]
    connection.commit()
    return _Loaded(tuple(checked), tuple(reports), resolved.created, resolved.reasons)


def _needs_diagnosis(file: PriceFile) -> bool:
    """Whether an unverified file has a problem to name before anything is written (even partitions)."""
    if file.verified or not file.bars.height:
        return False
    span = _day_range(file.bars)
    implausible = span is not None and (span[0] < EARLIEST_DAY or span[1] > latest_day())
    return bool(file.problems) or implausible or has_duplicates(file.bars)


def _day_range(bars: pl.DataFrame) -> tuple[dt.date, dt.date] | None:
    if not bars.height:
        return None
    days = bars.select(pl.col("trade_date").min().alias("first"), pl.col("trade_date").max().alias("last")).row(0)
    return None if days[0] is None else (days[0], days[1])


def _write_file(
    connection: load.Connection,
    file: PriceFile,
    reasons: pl.DataFrame,
    started_at: dt.datetime,
    notify: Progress,
    *,
    merge: bool,
) -> FileReport:
    clock = time.perf_counter()
    bars = file.bars
    first_day, last_day = _day_range(bars) or (None, None)
    written = load.Written(0, 0, merged=False)
    if bars.height:
        merging = merge or load.overlaps_stored(connection, bars)
        stage = "merging" if merging else "loading"
        done = [0]

        def rows_sent(rows: int) -> None:
            done[0] += rows
            notify(ProgressEvent(file.name, stage, done[0], bars.height))

        verify = file.prepared.is_clean if file.prepared is not None else None
        written = load.write_bars(connection, bars, source=file.source, merge=merging, verify=verify, on_rows=rows_sent)
    failed = reasons.height
    status = "success" if not file.problems else ("partial" if bars.height else "failure")
    elapsed_ms = round((file.seconds + time.perf_counter() - clock) * 1000)
    run = load.RunLog(
        file.source, started_at, status, file.fetched, written.inserted, written.updated, failed,
        logged(file.problems), elapsed_ms,
    )  # fmt: skip
    load.log_run(connection, run)
    changed = written.inserted + written.updated
    if changed and first_day is not None and last_day is not None:
        load.announce(connection, file.source, first_day, last_day, changed)
    return FileReport(
        path=file.path,
        format=file.format.name if file.format else "unknown",
        source=file.source,
        fetched=file.fetched,
        inserted=written.inserted,
        updated=written.updated,
        unchanged=bars.height - changed,
        failed=failed,
        skipped=file.skipped,
        first_day=first_day,
        last_day=last_day,
        merged=written.merged,
    )


def _log_failure(
    connection: load.Connection, files: list[PriceFile], failure: ImportFailed, started_at: dt.datetime
) -> None:
    """One failure row per file, in its own transaction: the market data stays as it was."""
    for file in files:
        problems = [problem for problem in failure.problems if problem.file == file.name]
        failed_lines = len({problem.line for problem in problems}) if problems else 0
        run = load.RunLog(
            file.source, started_at, "failure", file.fetched, 0, 0, failed_lines, logged(problems),
            round(file.seconds * 1000),
        )  # fmt: skip
        load.log_run(connection, run)
    connection.commit()


def _finish(database: Database, loaded: _Loaded, skip_invalid: bool, started: float, notify: Progress) -> ImportReport:
    notes = []
    if any(report.inserted or report.updated for report in loaded.reports):
        notify(ProgressEvent("market_overview", "refreshing", 0, 0))
        try:
            with database.connect() as connection:
                load.analyze_changed_partitions(connection, _rows_per_year(loaded.files))
                load.refresh_overview(connection)
                connection.commit()
        except (psycopg.Error, StoreError) as exc:
            notes.append(f"the bars are stored, but market_overview was not refreshed: {exc}")
    reports = []
    for file, report in zip(loaded.files, loaded.reports, strict=True):
        reasons = loaded.reasons[file.name]
        if skip_invalid and reasons.height and file.format is not None:
            report = _with_rejected(report, write_rejected(file, reasons))
        reports.append(report)
    problems = tuple(problem for file in loaded.files for problem in file.problems)
    return ImportReport(
        files=tuple(reports),
        problems=problems,
        created_securities=loaded.created,
        notes=tuple(notes),
        seconds=time.perf_counter() - started,
        formats={report.path: report.format for report in reports},
    )


def _rows_per_year(files: Sequence[PriceFile]) -> dict[int, int]:
    years = [file.bars.select(pl.col("trade_date").dt.year().alias("year")) for file in files if file.bars.height]
    if not years:
        return {}
    counted = pl.concat(years).group_by("year").len()
    return {int(year): int(count) for year, count in counted.iter_rows() if year is not None}


def _with_rejected(report: FileReport, path: Path) -> FileReport:
    return replace(report, rejected_path=path)
