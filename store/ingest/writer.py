"""One file's bars written in the import's transaction: partitions made, copied or merged, logged, announced."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from store.ingest import load
from store.ingest.files import PriceFile
from store.ingest.fresh import FreshPartitions
from store.ingest.problems import Unverified, logged
from store.ingest.securities import SecurityIds
from store.ingest.validate import EARLIEST_DAY, latest_day


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
    """What one file did: its format, rows read, inserted, updated, unchanged, rejected and skipped.

    `merged` says whether its bars went through the staging table (they overlapped stored bars).
    """

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


@dataclass
class Tally:
    """What a file's bars did so far, part after part."""

    fetched: int = 0
    skipped: int = 0
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    merged: bool = False
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    bytes_read: int = 0
    years: Counter[int] = field(default_factory=Counter)
    keys: list[pl.Series] = field(default_factory=list)

    def add(self, bars: pl.DataFrame, span: tuple[dt.date, dt.date], written: load.Written) -> None:
        self.rows += bars.height
        self.inserted += written.inserted
        self.updated += written.updated
        self.merged = self.merged or written.merged
        self.first_day = min(self.first_day or span[0], span[0])
        self.last_day = max(self.last_day or span[1], span[1])
        self.years.update(dict(bars.group_by(pl.col("trade_date").dt.year()).len().iter_rows()))


def day_range(bars: pl.DataFrame) -> tuple[dt.date, dt.date] | None:
    if not bars.height:
        return None
    days = bars.select(pl.col("trade_date").min().alias("first"), pl.col("trade_date").max().alias("last")).row(0)
    return None if days[0] is None else (days[0], days[1])


def write_checked(
    connection: load.Connection,
    file: PriceFile,
    reasons: pl.DataFrame,
    started_at: dt.datetime,
    notify: Progress,
    *,
    merge: bool,
) -> tuple[FileReport, Tally]:
    """A verified file's bars (partitions already made for them), then its log row and change-feed notice."""
    clock = time.perf_counter()
    tally = Tally(fetched=file.fetched, skipped=file.skipped)
    span = day_range(file.bars)
    if span is not None:
        _write(connection, file, file.bars, span, tally, notify, merge=merge, verify=None)
    report = _finish_file(
        connection, file, tally, reasons.height, started_at, file.seconds + time.perf_counter() - clock
    )
    return report, tally


def write_typed(
    connection: load.Connection,
    file: PriceFile,
    ids: SecurityIds,
    started_at: dt.datetime,
    notify: Progress,
    *,
    merge: bool,
) -> tuple[FileReport, Tally]:
    """A typed file part by part: the next part is read while this one is copied. Raises Unverified."""
    clock = time.perf_counter()
    tally = Tally()
    fresh = FreshPartitions(connection)
    for part in load.prefetched(file.parts(), depth=1):
        bars = ids.attach(part.prepared.frame)
        span = _plausible(bars)
        tally.fetched, tally.skipped = tally.fetched + part.fetched, tally.skipped + part.skipped
        tally.bytes_read += part.size
        if span is not None:
            load.ensure_partitions(connection, *span)
            tally.keys.append(bars.select(_key()).to_series())
            verify = part.prepared.is_clean
            on_rows = _rows_sent(file, tally, bars, notify, "loading")
            into_fresh, bars = fresh.route(connection, bars, source=file.source, verify=verify, on_rows=on_rows)
            if into_fresh.height:
                tally.add(into_fresh, span, load.Written(inserted=into_fresh.height, updated=0, merged=False))
            if bars.height:
                rest = day_range(bars)
                if rest is None:
                    raise Unverified  # only days that did not parse are left
                _write(connection, file, bars, rest, tally, notify, merge=merge, verify=verify)
    keys = pl.concat(tally.keys) if tally.keys else pl.Series([], dtype=pl.Int64)
    if keys.n_unique() < keys.len():  # two bars of a security on one day, maybe in different parts
        raise Unverified
    fresh.swap_in(connection)
    report = _finish_file(connection, file, tally, 0, started_at, file.seconds + time.perf_counter() - clock)
    return report, tally


def _plausible(bars: pl.DataFrame) -> tuple[dt.date, dt.date] | None:
    """The days of a part, checked before partitions are made for them (a year 14 would make 2,000)."""
    span = day_range(bars)
    if bars.height and span is None:
        raise Unverified  # not one date could be read
    if span is not None and (span[0] < EARLIEST_DAY or span[1] > latest_day()):
        raise Unverified
    return span


def _key() -> pl.Expr:
    return (pl.col("security_id") * 1_000_000 + pl.col("trade_date").to_physical()).alias("key")


def _write(
    connection: load.Connection,
    file: PriceFile,
    bars: pl.DataFrame,
    span: tuple[dt.date, dt.date],
    tally: Tally,
    notify: Progress,
    *,
    merge: bool,
    verify: load.Verify | None,
) -> None:
    merging = merge or load.overlaps_stored(connection, bars)
    rows_sent = _rows_sent(file, tally, bars, notify, "merging" if merging else "loading")
    written = load.write_bars(connection, bars, source=file.source, merge=merging, verify=verify, on_rows=rows_sent)
    tally.add(bars, span, written)


def _rows_sent(
    file: PriceFile, tally: Tally, bars: pl.DataFrame, notify: Progress, stage: str
) -> Callable[[int], None]:
    """The progress callback of one COPY: rows sent so far of about how many the file holds."""
    sent = tally.rows

    def rows_sent(rows: int) -> None:
        nonlocal sent
        sent += rows
        notify(ProgressEvent(file.name, stage, sent, max(sent, _expected_rows(file, tally, bars))))

    return rows_sent


def _expected_rows(file: PriceFile, tally: Tally, bars: pl.DataFrame) -> int:
    """The file's rows: known when it was read whole, else estimated from the share of its bytes read."""
    if not tally.bytes_read:
        return bars.height
    return round(tally.fetched * len(file.data) / tally.bytes_read)


def _finish_file(
    connection: load.Connection, file: PriceFile, tally: Tally, failed: int, started_at: dt.datetime, seconds: float
) -> FileReport:
    """The file's ingestion_logs row and, when it changed bars, its notice on the change feed."""
    status = "success" if not file.problems else ("partial" if tally.rows else "failure")
    run = load.RunLog(
        file.source, started_at, status, tally.fetched, tally.inserted, tally.updated, failed,
        logged(file.problems), round(seconds * 1000),
    )  # fmt: skip
    load.log_run(connection, run)
    changed = tally.inserted + tally.updated
    if changed and tally.first_day is not None and tally.last_day is not None:
        load.announce(connection, file.source, tally.first_day, tally.last_day, changed)
    return FileReport(
        path=file.path,
        format=file.format.name if file.format else "unknown",
        source=file.source,
        fetched=tally.fetched,
        inserted=tally.inserted,
        updated=tally.updated,
        unchanged=tally.rows - changed,
        failed=failed,
        skipped=tally.skipped,
        first_day=tally.first_day,
        last_day=tally.last_day,
        merged=tally.merged,
    )
