"""Reference-data imports: checked rows staged with binary COPY and merged with ON CONFLICT, in one transaction.

Each kind (securities, corporate actions, market caps, deals, classifications, holidays) says how its
file is read and checked (`Kind.read`) and where its rows go (`Target`); this module does the rest the
same way for all of them: unknown securities named, all or nothing unless `skip_invalid`, an
ingestion_logs row, one change-feed notice, and the rejected rows written next to the input.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import psycopg
from psycopg import sql

from store import changes
from store.db import Database
from store.ingest import load
from store.ingest.problems import ImportFailed, Problem, logged
from store.ingest.tables import Checked, Layout, reasons_of, write_rejected
from store.translation import translate_psycopg

ANALYST_ENV = "WORKSTATION_ANALYST"
STAGING = "reference_staging"
IMPORT_ADVICE = "import it first with `workstation import securities`"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a kind's rows go: the table, the staged columns with their SQL types, and the conflict key.

    `kept` columns keep their stored value when the file has none (a listing without ISINs does not
    erase them); `stamp` is set to now() on every insert or change (e.g. ingested_at). A table without
    a unique key for the rows (deals) gives `natural_key`: rows equal on it are the same row.
    """

    table: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    kept: tuple[str, ...] = ()
    stamp: str | None = None
    natural_key: bool = False

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    @property
    def values(self) -> list[str]:
        return [name for name in self.names if name not in self.key]


@dataclass(frozen=True, slots=True)
class Options:
    """What the caller says about a file: its exchange; the kind of deals; a surveillance list's measure and date."""

    exchange: str | None = None
    deal_kind: str | None = None
    measure: str | None = None
    effective_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ReadFile:
    """A file read and checked without the database: layout, raw text rows, the checked rows, the problems."""

    path: Path
    layout: Layout
    raw: pl.DataFrame
    fetched: int
    checked: Checked
    resolve: bool = True
    skipped: int = 0

    @property
    def name(self) -> str:
        return str(self.path)


Read = Callable[[Path, bytes, Options], ReadFile | str]
Rows = Callable[[pl.DataFrame], pl.DataFrame]
DatabaseCheck = Callable[[load.Connection, ReadFile, pl.DataFrame], list[Problem]]


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of reference file: how it is read and checked, its rows for the target, extra checks."""

    name: str
    target: Target
    read: Read
    rows: Rows
    database_check: DatabaseCheck | None = None


@dataclass(frozen=True, slots=True)
class ReferenceReport:
    """What one import did; a re-import of the same file reports its rows as unchanged."""

    kind: str
    path: Path | None
    format: str
    source: str
    fetched: int
    inserted: int
    updated: int
    unchanged: int
    failed: int
    skipped: int = 0
    problems: tuple[Problem, ...] = ()
    rejected_path: Path | None = None
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())


def default_actor(kind: str) -> str:
    return f"import:{kind}:{os.environ.get(ANALYST_ENV) or getpass.getuser()}"


def import_file(
    database: Database, kind: Kind, path: str | Path, *, options: Options | None = None, skip_invalid: bool = False
) -> ReferenceReport:
    """Import one file of `kind` in one transaction.

    Raises ImportFailed (an InvalidInput) listing every problem when any row is invalid and `skip_invalid`
    is false, or when the file cannot be read at all; the data is then unchanged (an ingestion_logs row
    records the failure).
    """
    started, started_at = time.perf_counter(), dt.datetime.now(dt.UTC)
    chosen = Path(path)
    try:
        read = kind.read(chosen, chosen.read_bytes(), options or Options())
    except OSError as exc:
        read = f"cannot be read: {exc.strerror or exc}"
    if isinstance(read, str):
        failure = ImportFailed([Problem(str(chosen), None, None, None, read)])
        with connection_to(database) as connection:
            _log_failure(connection, kind.name, started_at, 0, failure.problems, started)
        raise failure
    source = f"{kind.name}:{read.layout.name}"
    with connection_to(database) as connection:
        try:
            rows, problems = _judged(connection, kind, read)
            if problems and not skip_invalid:
                raise ImportFailed(problems)
            inserted, updated = merge(connection, kind.target, kind.rows(rows))
            run = _run(source, started_at, read.fetched, inserted, updated, problems, rows.height, started)
            load.log_run(connection, run)
            announce(connection, kind.target.table, source, inserted + updated)
            connection.commit()
        except ImportFailed as failure:
            connection.rollback()
            _log_failure(connection, source, started_at, read.fetched, failure.problems, started)
            raise
    rejected = None
    if problems:
        rejected = write_rejected(chosen, read.layout.header, read.raw, reasons_of(problems))
    return ReferenceReport(
        kind=kind.name,
        path=chosen,
        format=read.layout.name,
        source=source,
        fetched=read.fetched,
        inserted=inserted,
        updated=updated,
        unchanged=rows.height - inserted - updated,
        failed=len({problem.line for problem in problems}),
        skipped=read.skipped,
        problems=tuple(problems),
        rejected_path=rejected,
        seconds=time.perf_counter() - started,
    )


@contextlib.contextmanager
def connection_to(database: Database) -> Iterator[load.Connection]:
    """A psycopg connection whose database errors leave as StoreErrors (the transaction rolled back)."""
    with database.connect() as connection:
        try:
            yield connection
        except psycopg.Error as exc:
            raise translate_psycopg(exc, target=database.target.display) from exc


def _judged(connection: load.Connection, kind: Kind, read: ReadFile) -> tuple[pl.DataFrame, list[Problem]]:
    """The rows that passed every check (securities resolved, the kind's own database checks) and all problems."""
    load.set_actor(connection, default_actor(kind.name))
    rows, problems = read.checked.rows, list(read.checked.problems)
    if read.resolve:
        rows, unknown = attach_security_ids(connection, rows, read)
        problems += unknown
    if kind.database_check is not None:
        found = kind.database_check(connection, read, rows)
        bad_lines = {problem.line for problem in found}
        rows = rows.filter(~pl.col("line").is_in(list(bad_lines)))
        problems += found
    return rows, sorted(problems, key=lambda problem: problem.line or 0)


def attach_security_ids(
    connection: load.Connection, rows: pl.DataFrame, read: ReadFile
) -> tuple[pl.DataFrame, list[Problem]]:
    """security_id for each row's (exchange, symbol); a row naming an unknown security is a problem."""
    pairs = rows.select("exchange", "symbol").unique(maintain_order=True)
    known = load.security_ids(connection, pairs) if pairs.height else pairs.with_columns(security_id=pl.lit(0))
    joined = rows.join(known, on=["exchange", "symbol"], how="left")
    unknown = joined.filter(pl.col("security_id").is_null())
    label = read.layout.label("symbol")
    problems = [
        Problem(read.name, line, label, symbol, f"is not a known security on {exchange}: {IMPORT_ADVICE}")
        for line, symbol, exchange in unknown.select("line", "symbol", "exchange").iter_rows()
    ]
    return joined.filter(pl.col("security_id").is_not_null()), problems


def merge(connection: load.Connection, target: Target, rows: pl.DataFrame) -> tuple[int, int]:
    """(inserted, updated): the rows staged with binary COPY, then merged; identical rows are left alone."""
    if not rows.height:
        return 0, 0
    stage(connection, target, rows)
    if target.natural_key:
        return _merge_by_natural_key(connection, target, rows.height)
    return _merge_on_conflict(connection, target)


def stage(connection: load.Connection, target: Target, rows: pl.DataFrame) -> None:
    """A temporary table (dropped at commit) filled with `rows` by a binary COPY."""
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(_staged_type(kind))) for name, kind in target.columns
    )
    connection.execute(sql.SQL("create temp table {} ({}) on commit drop").format(sql.Identifier(STAGING), columns))
    statement = sql.SQL("copy pg_temp.{} ({}) from stdin (format binary)").format(
        sql.Identifier(STAGING), sql.SQL(", ").join(sql.Identifier(name) for name in target.names)
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types([_staged_type(kind) for _, kind in target.columns])
        for row in rows.select(target.names).iter_rows():
            copy.write_row(row)


def _staged_type(kind: str) -> str:
    """jsonb travels as text (cast in the merge): psycopg's binary COPY would need a wrapper per value."""
    return "text" if kind == "jsonb" else kind


def _selected(target: Target) -> sql.Composable:
    return sql.SQL(", ").join(
        sql.SQL("s.{}::{}").format(sql.Identifier(name), sql.SQL(kind)) for name, kind in target.columns
    )


def _incoming(target: Target, name: str) -> sql.Composable:
    if name in target.kept and dict(target.columns)[name] == "jsonb":
        return sql.SQL("t.{0} || excluded.{0}").format(sql.Identifier(name))
    if name in target.kept:
        return sql.SQL("coalesce(excluded.{0}, t.{0})").format(sql.Identifier(name))
    return sql.SQL("excluded.{}").format(sql.Identifier(name))


def _merge_on_conflict(connection: load.Connection, target: Target) -> tuple[int, int]:
    names = [*target.names, *([target.stamp] if target.stamp else [])]
    selected = [_selected(target), *([sql.SQL("now()")] if target.stamp else [])]
    assignments = [sql.SQL("{} = {}").format(sql.Identifier(name), _incoming(target, name)) for name in target.values]
    if target.stamp:
        assignments.append(sql.SQL("{} = now()").format(sql.Identifier(target.stamp)))
    stored = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(name)) for name in target.values)
    incoming = sql.SQL(", ").join(_incoming(target, name) for name in target.values)
    statement = sql.SQL(
        "insert into {table} as t ({names}) select {selected} from pg_temp.{staging} as s"
        " on conflict ({key}) do update set {assignments} where row({stored}) is distinct from row({incoming})"
        " returning (xmax = 0)"
    ).format(
        table=sql.Identifier(target.table),
        names=sql.SQL(", ").join(sql.Identifier(name) for name in names),
        selected=sql.SQL(", ").join(selected),
        staging=sql.Identifier(STAGING),
        key=sql.SQL(", ").join(sql.Identifier(name) for name in target.key),
        assignments=sql.SQL(", ").join(assignments),
        stored=stored,
        incoming=incoming,
    )
    written = [bool(row[0]) for row in connection.execute(statement).fetchall()]
    inserted = sum(written)
    return inserted, len(written) - inserted


def _merge_by_natural_key(connection: load.Connection, target: Target, rows: int) -> tuple[int, int]:
    """For a table without a unique key: rows equal on `key` are updated when their other values differ."""
    matches = sql.SQL(" and ").join(
        sql.SQL("t.{0} = s.{0}::{1}").format(sql.Identifier(name), sql.SQL(kind))
        for name, kind in target.columns
        if name in target.key
    )
    values = [(name, kind) for name, kind in target.columns if name not in target.key]
    assignments = sql.SQL(", ").join(
        sql.SQL("{0} = s.{0}::{1}").format(sql.Identifier(name), sql.SQL(kind)) for name, kind in values
    )
    differs = sql.SQL(" or ").join(
        sql.SQL("t.{0} is distinct from s.{0}::{1}").format(sql.Identifier(name), sql.SQL(kind))
        for name, kind in values
    )
    table, staging = sql.Identifier(target.table), sql.Identifier(STAGING)
    updated = connection.execute(
        sql.SQL("update {} as t set {} from pg_temp.{} as s where {} and ({})").format(
            table, assignments, staging, matches, differs
        )
    ).rowcount
    inserted = connection.execute(
        sql.SQL(
            "insert into {} ({}) select {} from pg_temp.{} as s where not exists (select 1 from {} as t where {})"
        ).format(
            table,
            sql.SQL(", ").join(sql.Identifier(name) for name in target.names),
            _selected(target),
            staging,
            table,
            matches,
        )
    ).rowcount
    return inserted, updated


def announce(connection: load.Connection, table: str, source: str, rows: int) -> None:
    """One change-feed notice for a load that changed rows (delivered when the transaction commits)."""
    if rows:
        payload = {"table": table, "op": "load", "id": None, "source": source, "rows": rows}
        changes.announce(connection, payload)


def _run(
    source: str,
    started_at: dt.datetime,
    fetched: int,
    inserted: int,
    updated: int,
    problems: Sequence[Problem],
    loaded: int,
    started: float,
) -> load.RunLog:
    failed = len({problem.line for problem in problems})
    status = "success" if not problems else ("partial" if loaded else "failure")
    elapsed = round((time.perf_counter() - started) * 1000)
    return load.RunLog(source, started_at, status, fetched, inserted, updated, failed, logged(problems), elapsed)


def _log_failure(
    connection: load.Connection,
    source: str,
    started_at: dt.datetime,
    fetched: int,
    problems: Sequence[Problem],
    started: float,
) -> None:
    """The failure's ingestion_logs row, in its own transaction: the data stays as it was."""
    with contextlib.suppress(psycopg.Error):  # the import failed either way; say why, not this
        load.log_run(connection, _run(source, started_at, fetched, 0, 0, problems, 0, started))
        connection.commit()
