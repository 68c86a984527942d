"""`import_prices`: daily OHLCV files checked with Polars and loaded in one transaction, all or nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl
import psycopg

from store.db import Database
from store.errors import InvalidInput, StoreError
from store.ingest import load
from store.ingest.files import PriceFile, read_price_file, write_rejected
from store.ingest.problems import ImportFailed, Problem, Unverified, logged
from store.ingest.securities import SecurityIds, resolve_securities
from store.ingest.writer import FileReport, Progress, ProgressEvent, day_range, write_checked, write_typed
from store.translation import translate_psycopg

ANALYST_ENV = "WORKSTATION_ANALYST"  # as store.uow, which this module does not import (no SQLAlchemy here)
DEFAULT_SERIES = ("EQ", "BE")


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
    rows_per_year: dict[int, int]


# What ends the attempt on typed files: a part that does not parse or breaks a rule or names an unknown
# security, a duplicate bar found by the key (or a concurrent writer's bars), one inside the staging table.
_RETRY = (Unverified, psycopg.errors.UniqueViolation, psycopg.errors.CardinalityViolation)


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
    """Checked files are resolved and judged first (all or nothing); typed ones are loaded part by part."""
    load.set_actor(connection, default_actor())
    resolved = resolve_securities(connection, [file for file in files if file.verified], create_missing=create_missing)
    problems = [problem for file in resolved.files for problem in file.problems]
    if problems and not skip_invalid:
        raise ImportFailed(problems)
    spans = [span for span in (day_range(file.bars) for file in resolved.files) if span is not None]
    if spans:
        load.ensure_partitions(connection, min(first for first, _ in spans), max(last for _, last in spans))
    checked = {file.name: file for file in resolved.files}
    ids = SecurityIds(connection, create_missing=create_missing)
    loaded, reports, years = [], [], Counter[int]()
    for file in files:
        if file.verified:
            file = checked[file.name]
            report, tally = write_checked(
                connection, file, resolved.reasons[file.name], started_at, notify, merge=merge
            )
        else:
            report, tally = write_typed(connection, file, ids, started_at, notify, merge=merge)
        loaded.append(replace(file, fetched=tally.fetched))
        reports.append(report)
        years.update(tally.years)
    connection.commit()
    created = (*resolved.created, *ids.created)
    return _Loaded(tuple(loaded), tuple(reports), created, resolved.reasons, dict(years))


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
                load.analyze_changed_partitions(connection, loaded.rows_per_year)
                load.refresh_overview(connection)
                connection.commit()
        except (psycopg.Error, StoreError) as exc:
            notes.append(f"the bars are stored, but market_overview was not refreshed: {exc}")
    reports = []
    for file, report in zip(loaded.files, loaded.reports, strict=True):
        reasons = loaded.reasons.get(file.name)
        if skip_invalid and reasons is not None and reasons.height and file.format is not None:
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


def _with_rejected(report: FileReport, path: Path) -> FileReport:
    return replace(report, rejected_path=path)


__all__ = ["FileReport", "ImportReport", "ProgressEvent", "import_prices"]
