"""The database side of `metrics compute`: which days to compute, the bars to load, the upsert of the rows."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
import psycopg
from psycopg import sql

from store import changes
from store.analytics.adjust import DIVIDEND, adjust_bars, load_actions
from store.analytics.compute import METRIC_COLUMNS
from store.errors import InvalidInput
from store.ingest import binary
from store.ingest.load import ANALYZE_SHARE, key_lookups, set_actor

Connection = psycopg.Connection[tuple[Any, ...]]
STAGING = "metrics_staging"
LOADING = "metrics_loading"
RANKED_TYPES = ("equity",)  # the universe of RS ratings and VARS
WHOLE_NUMBER_METRICS = ("rs_rating", "stage")
SOURCE = b"metrics"
NUMERIC_LIMIT = 1e12  # numeric(18,6) holds less; larger values (a volume ratio over a zero-ish average) are null

__all__ = ["load_bars", "refresh_and_announce", "resolve_symbols", "set_actor", "target_days", "write_metrics"]


def resolve_symbols(connection: Connection, symbols: Sequence[str]) -> list[int]:
    """Security ids of SYMBOL or EXCHANGE:SYMBOL names; InvalidInput naming those not found or ambiguous."""
    names = [name.strip() for name in symbols if name.strip()]
    exchanges = [name.split(":", 1)[0].upper() if ":" in name else None for name in names]
    bare = [name.split(":", 1)[-1].upper() for name in names]
    rows = connection.execute(
        "select w.name, s.id from unnest(%s::text[], %s::text[], %s::text[]) as w(name, exchange, symbol)"
        " join securities s on upper(s.symbol) = w.symbol and (w.exchange is null or upper(s.exchange) = w.exchange)",
        (names, exchanges, bare),
    ).fetchall()
    found: dict[str, list[int]] = {}
    for name, security_id in rows:
        found.setdefault(name, []).append(int(security_id))
    problems = {name: "unknown symbol" for name in names if name not in found}
    problems.update(
        {name: "on several exchanges: name it EXCHANGE:SYMBOL" for name, ids in found.items() if len(ids) > 1}
    )
    if problems:
        listed = ", ".join(f"{name} ({reason})" for name, reason in problems.items())
        raise InvalidInput(f"--symbols: {listed}", fields=problems)
    return sorted({ids[0] for ids in found.values()})


def target_days(connection: Connection, chosen: list[int] | None, since: dt.date | None) -> pl.DataFrame:
    """security_id, first_day: the first day to compute of each security that has bars on or after it.

    Without `since` that is the day after the security's latest stored metric (its first bar if none).
    """
    # The first bar is looked up only for a security without metrics (coalesce stops at its first
    # non-null argument), and "has a bar on or after" probes only the partitions from that day on.
    rows = connection.execute(
        "select t.id, t.first_day from (select s.id, coalesce(%(since)s::date,"
        "   (select m.trade_date + 1 from calculated_metrics m where m.security_id = s.id"
        "     order by m.trade_date desc limit 1),"
        "   (select d.trade_date from ohlcv_daily d where d.security_id = s.id order by d.trade_date limit 1))"
        "   as first_day from securities s"
        "   where (%(chosen)s::bigint[] is null or s.id = any(%(chosen)s::bigint[]))) as t"
        " where exists (select 1 from ohlcv_daily d where d.security_id = t.id and d.trade_date >= t.first_day)",
        {"since": since, "chosen": chosen},
    ).fetchall()
    return pl.DataFrame(rows, schema={"security_id": pl.Int64, "first_day": pl.Date}, orient="row")


def load_bars(connection: Connection, targets: pl.DataFrame, warmup: int) -> pl.DataFrame:
    """Adjusted bars of the targets and of the ranking universe, from `warmup` bars before the first day.

    Every security is loaded from the same first day (the earliest target's), so that each day's
    RS ratings rank the whole universe; `ranked` marks the universe's rows. The bars come in one
    scan of the partitions from the earliest cutoff on, cut to each security's own cutoff here.
    """
    start = targets["first_day"].min()
    connection.execute(
        f"create temp table if not exists {LOADING} (security_id bigint primary key, from_day date, ranked boolean)"
        " on commit drop"
    )
    connection.execute(f"truncate pg_temp.{LOADING}")
    with key_lookups(connection):
        connection.execute(
            f"insert into pg_temp.{LOADING}"
            " select s.id, coalesce(cutoff.trade_date, (select d.trade_date from ohlcv_daily d"
            "   where d.security_id = s.id order by d.trade_date limit 1), %(start)s),"
            " s.instrument_type = any(%(ranked)s)"
            " from securities s"
            " left join lateral (select d.trade_date from ohlcv_daily d where d.security_id = s.id"
            "   and d.trade_date < %(start)s order by d.trade_date desc offset %(warmup)s limit 1) as cutoff on true"
            " where s.id = any(%(targets)s)"
            "   or (s.instrument_type = any(%(ranked)s) and exists (select 1 from ohlcv_daily d"
            "       where d.security_id = s.id and d.trade_date >= %(start)s))",
            {
                "ranked": list(RANKED_TYPES),
                "start": start,
                "warmup": warmup - 1,
                "targets": targets["security_id"].to_list(),
            },
        )
    connection.execute(f"analyze pg_temp.{LOADING}")
    # The scalar subquery is a parameter of the executor, which skips the partitions before it.
    # Open is not loaded: no metric uses it (each numeric converted costs the server more than the scan).
    bars = _copy_out(
        connection,
        f"select d.security_id, d.trade_date, (d.high * {MICRO})::int8, (d.low * {MICRO})::int8,"
        f" (d.close * {MICRO})::int8, coalesce(d.volume, 0), l.ranked::int"
        f" from ohlcv_daily d join pg_temp.{LOADING} l on l.security_id = d.security_id"
        f" where d.trade_date >= (select min(from_day) from pg_temp.{LOADING}) and d.trade_date >= l.from_day",
    )
    return _adjusted(bars, load_actions(connection, LOADING), _published_previous_closes(connection))


def _adjusted(bars: pl.DataFrame, actions: pl.DataFrame, previous_closes: pl.DataFrame) -> pl.DataFrame:
    """The bars with the corporate actions applied; only the securities that have actions are worked on.

    Most securities have no action in the loaded stretch: their bars are already in the latest basis.
    """
    affected = bars["security_id"].is_in(actions["security_id"].unique().implode())
    if not affected.any():
        return bars
    keyed = bars.filter(affected).join(
        previous_closes, on=["security_id", "trade_date"], how="left", maintain_order="left"
    )
    adjusted = adjust_bars(keyed, actions)
    rows = np.flatnonzero(affected.to_numpy())
    replaced = []
    for name in _ADJUSTED:
        values = bars[name].to_numpy().copy()
        values[rows] = adjusted[name].to_numpy()
        replaced.append(pl.Series(name, values))
    return bars.with_columns(replaced)


def _published_previous_closes(connection: Connection) -> pl.DataFrame:
    """prev_close of the loaded securities' bars on dividend ex-dates (what a dividend is measured against)."""
    rows = connection.execute(
        sql.SQL(
            "select d.security_id, d.trade_date, d.prev_close::float8 from corporate_actions a"
            " join pg_temp.{} l on l.security_id = a.security_id and a.ex_date > l.from_day"
            " join ohlcv_daily d on d.security_id = a.security_id and d.trade_date = a.ex_date"
            " where a.action_type = %s and d.prev_close is not null"
        ).format(sql.Identifier(LOADING)),
        (DIVIDEND,),
    ).fetchall()
    schema = {"security_id": pl.Int64, "trade_date": pl.Date, "prev_close": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row")


# Binary COPY rows of the bars query: every field is fixed-width and never null, so the rows are
# numpy records (field count, then length and value of each field), read without a parser. Prices
# travel as millionths in bigint: numeric to bigint is a direct conversion on the server (numeric to
# double goes through text), and millionths / 1e6 is the double nearest the stored decimal.
MICRO = 1_000_000
_PRICES = ("high", "low", "close")
_ADJUSTED = (*_PRICES, "volume")
_BAR_FIELDS = [("security_id", ">i8"), ("trade_date", ">i4")]
_BAR_FIELDS += [(name, ">i8") for name in ("high", "low", "close", "volume")]
_BAR_FIELDS += [("ranked", ">i4")]
_BAR_RECORD = np.dtype(
    [("fields", ">i2")] + [item for name, wire in _BAR_FIELDS for item in ((f"{name}_length", ">i4"), (name, wire))]
)
_COPY_HEADER = len(binary.SIGNATURE)
_DAYS_1970_TO_2000 = 10_957


def _copy_out(connection: Connection, query: str) -> pl.DataFrame:
    """The bars query's rows over binary COPY (far faster than fetching tuples or formatting text)."""
    buffer = io.BytesIO()
    statement = sql.SQL("copy ({}) to stdout (format binary)").format(sql.SQL(query))
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for block in copy:
            buffer.write(block)
    payload = buffer.getbuffer()[_COPY_HEADER : len(buffer.getbuffer()) - len(binary.TRAILER)]
    records = np.frombuffer(payload, dtype=_BAR_RECORD)
    order = _by_security_and_day(records["security_id"].astype(np.int64), records["trade_date"].astype(np.int64))
    columns = {name: records[name][order].astype(wire.replace(">", "<")) for name, wire in _BAR_FIELDS}
    for name in _PRICES:
        columns[name] = columns[name] / MICRO
    frame = pl.DataFrame(columns)
    return frame.with_columns(
        (pl.col("trade_date") + _DAYS_1970_TO_2000).cast(pl.Date),
        pl.col("ranked").cast(pl.Boolean),
        pl.col("volume").cast(pl.Float64),
    )


def _by_security_and_day(security_ids: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The order that sorts the rows by security, then day.

    The rows come partition by partition, each security's days mostly in order already: a stable
    sort of one combined key (security · 2^32 + day) runs through such data in a few milliseconds,
    several times faster than sorting on two keys.
    """
    if len(security_ids) and (security_ids.min() < 0 or security_ids.max() >= 1 << 31):
        return np.lexsort((days, security_ids))
    return np.argsort((security_ids << 32) + (days + (1 << 31)), kind="stable")


def write_metrics(connection: Connection, table: pl.DataFrame) -> int:
    """Binary COPY into a staging table, then one upsert; rows whose values did not change are left alone.

    Values numeric(18,6) cannot hold are written as null.
    """
    decimals = [name for name in METRIC_COLUMNS if name not in WHOLE_NUMBER_METRICS]
    storable = [pl.when(pl.col(name).abs() < NUMERIC_LIMIT).then(pl.col(name)).alias(name) for name in decimals]
    frame = table.with_columns(storable).with_columns(
        *(pl.col(name).cast(pl.Decimal(18, binary.SCALE)) for name in decimals),
        *(pl.col(name).cast(pl.Int64) for name in WHOLE_NUMBER_METRICS),
    )
    columns = ["security_id", "trade_date", *METRIC_COLUMNS]
    types = {name: "bigint" if name in WHOLE_NUMBER_METRICS else "numeric" for name in METRIC_COLUMNS}
    definition = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(types[name])) for name in METRIC_COLUMNS
    )
    connection.execute(
        sql.SQL(
            "create temp table if not exists {} (security_id bigint, trade_date date, {}, source text) on commit drop"
        ).format(sql.Identifier(STAGING), definition)
    )
    connection.execute(sql.SQL("truncate pg_temp.{}").format(sql.Identifier(STAGING)))
    names = sql.SQL(", ").join(sql.Identifier(name) for name in [*columns, "source"])
    statement = sql.SQL("copy pg_temp.{} ({}) from stdin (format binary)").format(sql.Identifier(STAGING), names)
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(binary.SIGNATURE)
        for _, payload in binary.encode(frame, columns, SOURCE):
            copy.write(payload)
        copy.write(binary.TRAILER)
    written = _upsert(connection)
    _analyze_if_grown(connection, written)
    return written


def _upsert(connection: Connection) -> int:
    metric = [sql.Identifier(name) for name in METRIC_COLUMNS]
    selected = sql.SQL(", ").join(
        sql.SQL("{}::smallint").format(sql.Identifier(name)) if name in WHOLE_NUMBER_METRICS else sql.Identifier(name)
        for name in METRIC_COLUMNS
    )
    statement = sql.SQL(
        "insert into calculated_metrics as m (security_id, trade_date, {names}, computed_at)"
        " select security_id, trade_date, {selected}, now() from pg_temp.{staging}"
        " on conflict (security_id, trade_date) do update set {assignments}, computed_at = excluded.computed_at"
        " where row({stored}) is distinct from row({incoming})"
    ).format(
        names=sql.SQL(", ").join(metric),
        selected=selected,
        staging=sql.Identifier(STAGING),
        assignments=sql.SQL(", ").join(sql.SQL("{0} = excluded.{0}").format(name) for name in metric),
        stored=sql.SQL(", ").join(sql.SQL("m.{}").format(name) for name in metric),
        incoming=sql.SQL(", ").join(sql.SQL("excluded.{}").format(name) for name in metric),
    )
    return connection.execute(statement).rowcount


def _analyze_if_grown(connection: Connection, written: int) -> None:
    """ANALYZE calculated_metrics when a write added a tenth or more of its rows.

    market_overview looks up each security's latest metrics; with statistics that still say
    "nearly empty" the planner scans the whole table for every security, and the refresh after a
    first full compute takes half a minute instead of a second.
    """
    row = connection.execute("select reltuples from pg_class where oid = 'calculated_metrics'::regclass").fetchone()
    estimated = float(row[0]) if row else 0.0
    if written and (estimated <= 0 or written >= ANALYZE_SHARE * estimated):
        connection.execute("analyze calculated_metrics (security_id, trade_date)")


def refresh_and_announce(
    connection: Connection, first_day: dt.date | None, last_day: dt.date | None, rows: int
) -> None:
    """Refresh market_overview and tell the change feed (the notice is delivered when the transaction commits)."""
    connection.execute("select refresh_market_overview()")
    payload = {
        "table": "calculated_metrics",
        "op": "compute",
        "id": None,
        "first_day": first_day.isoformat() if first_day else None,
        "last_day": last_day.isoformat() if last_day else None,
        "rows": rows,
    }
    changes.announce(connection, payload)
