"""Daily bars into ohlcv_daily with binary COPY: straight in when nothing overlaps, else staged and merged."""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from store.ingest import binary
from store.ingest.problems import Unverified

Connection = psycopg.Connection[tuple[Any, ...]]
KEY = ("security_id", "trade_date")
VALUE_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume", "prev_close", "vwap")
STAGING = "ohlcv_staging"
ANALYZE_SHARE = 0.1  # as autovacuum's default analyze_scale_factor
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Written:
    """What one file's bars did to ohlcv_daily."""

    inserted: int
    updated: int
    merged: bool


def set_actor(connection: Connection, actor: str) -> None:
    connection.execute("select set_config('app.actor', %s, true)", (actor,))


def security_ids(connection: Connection, wanted: pl.DataFrame) -> pl.DataFrame:
    """exchange, symbol → security_id for the pairs that exist (one query for all of them)."""
    rows = connection.execute(
        "select s.exchange, s.symbol, s.id from securities s"
        " join unnest(%s::text[], %s::text[]) as w(exchange, symbol) using (exchange, symbol)",
        (wanted["exchange"].to_list(), wanted["symbol"].to_list()),
    ).fetchall()
    return _id_frame(rows)


def create_securities(connection: Connection, missing: pl.DataFrame) -> pl.DataFrame:
    """New equities for unknown (exchange, symbol) pairs: named by the file's name column, else the symbol."""
    rows = connection.execute(
        "insert into securities (exchange, symbol, name, series, instrument_type)"
        " select exchange, symbol, coalesce(nullif(name, ''), symbol), nullif(series, ''), 'equity'"
        " from unnest(%s::text[], %s::text[], %s::text[], %s::text[]) as m(exchange, symbol, name, series)"
        " returning exchange, symbol, id",
        tuple(missing[name].to_list() for name in ("exchange", "symbol", "name", "series")),
    ).fetchall()
    return _id_frame(rows)


def _id_frame(rows: Sequence[tuple[Any, ...]]) -> pl.DataFrame:
    schema = {"exchange": pl.String, "symbol": pl.String, "security_id": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def existing_ids(connection: Connection, ids: Sequence[int]) -> set[int]:
    rows = connection.execute("select id from securities where id = any(%s)", (list(ids),)).fetchall()
    return {int(row[0]) for row in rows}


def ensure_partitions(connection: Connection, first_day: dt.date, last_day: dt.date) -> None:
    connection.execute("select ensure_ohlcv_partitions('ohlcv_daily', %s, %s)", (first_day, last_day)).fetchall()


def overlaps_stored(connection: Connection, bars: pl.DataFrame) -> bool:
    """Whether any stored bar falls in a security's date range of the file (then the rows are merged)."""
    ranges = bars.group_by("security_id").agg(
        pl.col("trade_date").min().alias("first"), pl.col("trade_date").max().alias("last")
    )
    with key_lookups(connection):
        row = connection.execute(
            "select exists (select 1 from unnest(%s::bigint[], %s::date[], %s::date[]) as r(id, first_day, last_day),"
            " lateral (select 1 from ohlcv_daily d where d.security_id = r.id"
            " and (d.security_id, d.trade_date) between (r.id, r.first_day) and (r.id, r.last_day) limit 1) as stored)",
            (ranges["security_id"].to_list(), ranges["first"].to_list(), ranges["last"].to_list()),
        ).fetchone()
    return bool(row and row[0])


@contextlib.contextmanager
def key_lookups(connection: Connection) -> Iterator[None]:
    """Plan the statements inside on the (security_id, trade_date) key, whatever the statistics say.

    Partitions this transaction has been filling still have the statistics of before (often "empty"):
    the planner then scans them whole, or takes the trade_date index, once per security, and a check
    that takes milliseconds took minutes. So the overlap check probes each security once (LATERAL,
    LIMIT 1) with the days as a row comparison, which only the key can serve, and sequential scans
    are switched off for the statement (the setting is put back after).
    """
    row = connection.execute("select current_setting('enable_seqscan')").fetchone()
    connection.execute("select set_config('enable_seqscan', 'off', true)")
    try:
        yield
    finally:
        if connection.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
            connection.execute("select set_config('enable_seqscan', %s, true)", (row[0] if row else "on",))


Verify = Callable[[pl.DataFrame], bool]


def write_bars(
    connection: Connection,
    bars: pl.DataFrame,
    *,
    source: str,
    merge: bool,
    verify: Verify | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> Written:
    """COPY the bars into ohlcv_daily, or into a staging table merged with ON CONFLICT when `merge`.

    `verify` (for bars not checked yet) is asked about each chunk before it is sent; a False raises
    Unverified, which aborts the COPY (the caller rolls back).
    """
    columns = [*KEY, *(name for name in VALUE_COLUMNS if name in bars.columns)]
    chunks = encoded_chunks(bars, columns, source, verify)
    if not merge:
        copy_rows(connection, "ohlcv_daily", columns, chunks, on_rows)
        return Written(inserted=bars.height, updated=0, merged=False)
    connection.execute(
        f"create temp table if not exists {STAGING} (like ohlcv_daily including defaults) on commit drop"
    )
    connection.execute(f"truncate pg_temp.{STAGING}")
    copy_rows(connection, f"pg_temp.{STAGING}", columns, chunks, on_rows)
    inserted, updated = _merge(connection, columns, bars.height)
    return Written(inserted=inserted, updated=updated, merged=True)


def encoded_chunks(
    bars: pl.DataFrame, columns: list[str], source: str, verify: Verify | None
) -> Iterator[tuple[int, bytes]]:
    for start in range(0, bars.height, binary.CHUNK_ROWS):
        chunk = bars.slice(start, binary.CHUNK_ROWS)
        if verify is not None and not verify(chunk):
            raise Unverified
        yield from binary.encode(chunk, columns, source.encode())


def copy_rows(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    chunks: Iterator[tuple[int, bytes]],
    on_rows: Callable[[int], None] | None,
) -> None:
    statement = sql.SQL("copy {} ({}) from stdin (format binary)").format(
        sql.SQL(table), sql.SQL(", ").join(sql.Identifier(name) for name in [*columns, "source"])
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(binary.SIGNATURE)
        for rows, payload in prefetched(chunks):
            copy.write(payload)
            if on_rows is not None:
                on_rows(rows)
        copy.write(binary.TRAILER)


def prefetched(items: Iterator[T], depth: int = 3) -> Iterator[T]:
    """The items of `items`, produced in a thread `depth` ahead: Polars and numpy work while the server loads."""
    ready: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(entry: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                ready.put(entry, timeout=0.1)
                return True
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer((True, item)):
                    return
            offer((False, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            offer((False, exc))

    worker = threading.Thread(target=produce, name="copy-encoder", daemon=True)
    worker.start()
    try:
        while True:
            has_item, item = ready.get()
            if not has_item:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        worker.join()


def _merge(connection: Connection, columns: Sequence[str], rows: int) -> tuple[int, int]:
    """Insert new bars, update changed ones; identical bars are left alone (not counted as updated).

    RETURNING xmax cannot tell inserted from updated rows of a partitioned table, so the bars that
    already exist are counted first: inserted = staged - existing, updated = written - inserted.
    """
    values = [name for name in columns if name not in KEY]
    names = sql.SQL(", ").join(sql.Identifier(name) for name in [*columns, "source"])
    assignments = sql.SQL(", ").join(
        sql.SQL("{0} = excluded.{0}").format(sql.Identifier(name)) for name in [*values, "source"]
    )
    stored = sql.SQL(", ").join(sql.SQL("d.{}").format(sql.Identifier(name)) for name in values)
    incoming = sql.SQL(", ").join(sql.SQL("excluded.{}").format(sql.Identifier(name)) for name in values)
    with key_lookups(connection):
        existing = connection.execute(
            sql.SQL(
                "select count(*) from pg_temp.{} as s, lateral (select 1 from ohlcv_daily d"
                " where d.security_id = s.security_id and (d.security_id, d.trade_date)"
                " between (s.security_id, s.trade_date) and (s.security_id, s.trade_date) limit 1) as stored"
            ).format(sql.Identifier(STAGING))
        ).fetchone()
    statement = sql.SQL(
        "insert into ohlcv_daily as d ({names}) select {names} from pg_temp.{staging}"
        " on conflict (security_id, trade_date) do update set {assignments}, ingested_at = now()"
        " where row({stored}) is distinct from row({incoming})"
    ).format(names=names, staging=sql.Identifier(STAGING), assignments=assignments, stored=stored, incoming=incoming)
    written = connection.execute(statement).rowcount
    inserted = rows - int(existing[0] if existing else 0)
    return inserted, written - inserted


@dataclass(frozen=True, slots=True)
class RunLog:
    """One ingestion_logs row."""

    source: str
    started_at: dt.datetime
    status: str
    fetched: int
    inserted: int
    updated: int
    failed: int
    errors: list[dict[str, Any]]
    execution_time_ms: int


def log_run(connection: Connection, run: RunLog) -> None:
    connection.execute(
        "insert into ingestion_logs (source, started_at, finished_at, status, records_fetched, records_inserted,"
        " records_updated, records_failed, errors, execution_time_ms)"
        " values (%s, %s, greatest(%s, clock_timestamp()), %s, %s, %s, %s, %s, %s, %s)",
        (
            run.source,
            run.started_at,
            run.started_at,
            run.status,
            run.fetched,
            run.inserted,
            run.updated,
            run.failed,
            Jsonb(run.errors),
            run.execution_time_ms,
        ),
    )


def announce(connection: Connection, source: str, first_day: dt.date, last_day: dt.date, rows: int) -> None:
    """The change feed's one notice for a load (delivered when the transaction commits)."""
    connection.execute("select notify_price_load(%s, %s, %s, %s)", (source, first_day, last_day, rows))


def analyze_changed_partitions(connection: Connection, rows_per_year: Mapping[int, int]) -> list[str]:
    """ANALYZE the key columns of the yearly partitions a load grew by a tenth or more, and name them.

    market_overview looks up each security's latest bars; on a partition whose statistics still say
    "empty" the planner scans it whole for every security, and the refresh takes minutes instead of
    a second. Only security_id and trade_date are analysed (a third of the time of all columns): an
    ANALYZE of some columns leaves the change counter alone, so autovacuum still analyses them all.
    """
    partitions = connection.execute(
        "select c.relname, c.reltuples from pg_inherits i join pg_class c on c.oid = i.inhrelid"
        " where i.inhparent = 'ohlcv_daily'::regclass"
    ).fetchall()
    analysed = []
    for name, estimated_rows in partitions:
        year = name.removeprefix("ohlcv_daily_p")
        loaded = rows_per_year.get(int(year), 0) if year.isdigit() else 0
        if loaded and (estimated_rows <= 0 or loaded >= ANALYZE_SHARE * estimated_rows):
            connection.execute(sql.SQL("analyze {} (security_id, trade_date)").format(sql.Identifier(name)))
            analysed.append(name)
    return analysed


def refresh_overview(connection: Connection) -> None:
    connection.execute("select refresh_market_overview()")
