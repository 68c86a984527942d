"""Adjusted prices from corporate_actions: splits and bonus issues by their ratio, cash dividends by 1 - amount/close.

A bar's price factor is the product, over the security's actions with an ex-date after the bar, of
1/ratio (split, bonus: `ratio` new shares per old one) and 1 - amount / previous close (cash dividend;
the ex-date bar's published prev_close, else the close of the last bar before). Volume is multiplied
by the ratios alone. Other action types (rights, …) leave prices as they are. `sync_adj_close` fills
or checks ohlcv_daily.adj_close.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl
import psycopg
from psycopg import sql

from store.errors import InvalidInput

if TYPE_CHECKING:
    from store.db import Database

Connection = psycopg.Connection[tuple[Any, ...]]
SHARE_ACTIONS = ("split", "bonus")
DIVIDEND = "dividend"
PRICE_COLUMNS = ("open", "high", "low", "close")
ACTION_SCHEMA = {
    "security_id": pl.Int64,
    "action_type": pl.String,
    "ex_date": pl.Date,
    "ratio": pl.Float64,
    "amount": pl.Float64,
}
ADJ_STAGING = "adj_close_staging"
ADJ_CHOSEN = "adj_close_securities"
ADJ_SCALE = 6


def adjustment_factors(bars: pl.DataFrame, actions: pl.DataFrame) -> pl.DataFrame:
    """security_id, trade_date, price_factor, volume_factor for each bar (1 where no later action).

    `bars` needs security_id, trade_date, close (as traded); `actions` the columns of ACTION_SCHEMA.
    With a `prev_close` column, the previous close a dividend is measured against is the ex-date
    bar's published prev_close when it has one (exchanges publish the base they adjust from).
    """
    published = [pl.col("prev_close").cast(pl.Float64)] if "prev_close" in bars.columns else []
    key = bars.select("security_id", "trade_date", pl.col("close").cast(pl.Float64), *published)
    multipliers = _multipliers(key, actions.cast(ACTION_SCHEMA, strict=False))  # type: ignore[arg-type]
    if multipliers.is_empty():
        return key.select("security_id", "trade_date", price_factor=pl.lit(1.0), volume_factor=pl.lit(1.0))
    later = (
        multipliers.sort("security_id", "ex_date")
        .with_columns(
            pl.col("price").cum_prod(reverse=True).over("security_id").alias("price_factor"),
            pl.col("volume").cum_prod(reverse=True).over("security_id").alias("volume_factor"),
        )
        .select("security_id", "ex_date", "price_factor", "volume_factor")
        .sort("ex_date")
    )
    factors = (
        key.with_row_index("row")
        .sort("trade_date")
        .join_asof(
            later,
            left_on="trade_date",
            right_on="ex_date",
            by="security_id",
            strategy="forward",
            allow_exact_matches=False,
            check_sortedness=False,
        )
    )
    return factors.sort("row").select(
        "security_id",
        "trade_date",
        pl.col("price_factor").fill_null(1.0),
        pl.col("volume_factor").fill_null(1.0),
    )


def _multipliers(key: pl.DataFrame, actions: pl.DataFrame) -> pl.DataFrame:
    """One row per security and ex-date: the price and volume multipliers of that day's actions."""
    shares = actions.filter(pl.col("action_type").is_in(SHARE_ACTIONS)).select(
        "security_id", "ex_date", (1.0 / pl.col("ratio")).alias("price"), pl.col("ratio").alias("volume")
    )
    dividends = actions.filter(pl.col("action_type") == DIVIDEND).sort("ex_date")
    with_close = dividends.join_asof(
        key.sort("trade_date"),
        left_on="ex_date",
        right_on="trade_date",
        by="security_id",
        strategy="backward",
        allow_exact_matches=False,
        check_sortedness=False,
    ).filter(pl.col("close").is_not_null())  # a dividend before the first bar adjusts nothing
    if "prev_close" in key.columns:
        on_ex_date = key.select("security_id", pl.col("trade_date").alias("ex_date"), "prev_close")
        with_close = with_close.drop("prev_close").join(on_ex_date, on=["security_id", "ex_date"], how="left")
        with_close = with_close.with_columns(pl.coalesce("prev_close", "close").alias("close"))
    too_large = with_close.filter(pl.col("amount") >= pl.col("close"))
    if too_large.height:
        first = too_large.row(0, named=True)
        raise InvalidInput(
            f"dividend of {first['amount']:g} on {first['ex_date']} (security {first['security_id']}) is not"
            f" below the previous close {first['close']:g}",
            fields={"amount": "not below the previous close"},
        )
    cash = with_close.select(
        "security_id", "ex_date", (1.0 - pl.col("amount") / pl.col("close")).alias("price"), pl.lit(1.0).alias("volume")
    )
    return (
        pl.concat([shares, cash])
        .group_by("security_id", "ex_date")
        .agg(pl.col("price").product(), pl.col("volume").product())
    )


def adjust_bars(bars: pl.DataFrame, actions: pl.DataFrame) -> pl.DataFrame:
    """The bars with open, high, low, close (those present) and volume adjusted; other columns as they are.

    Also `adjustment`: the price factor applied (1 for bars after the last action).
    """
    factors = adjustment_factors(bars, actions)
    prices = [name for name in PRICE_COLUMNS if name in bars.columns]
    adjusted = bars.with_columns(
        *(pl.col(name).cast(pl.Float64) * factors["price_factor"] for name in prices),
        factors["price_factor"].alias("adjustment"),
    )
    if "volume" in bars.columns:
        adjusted = adjusted.with_columns(pl.col("volume").cast(pl.Float64) * factors["volume_factor"])
    return adjusted


def load_actions(connection: Connection, securities_table: str) -> pl.DataFrame:
    """The corporate actions of the securities listed in a temp table (security_id, from_day), after from_day."""
    rows = connection.execute(
        sql.SQL(
            "select a.security_id, a.action_type, a.ex_date, a.ratio::float8, a.amount::float8"
            " from corporate_actions a join pg_temp.{} t on t.security_id = a.security_id"
            " where a.ex_date > t.from_day and a.action_type = any(%s)"
        ).format(sql.Identifier(securities_table)),
        ([*SHARE_ACTIONS, DIVIDEND],),
    ).fetchall()
    return pl.DataFrame(rows, schema=ACTION_SCHEMA, orient="row")


@dataclass(frozen=True, slots=True)
class AdjCloseReport:
    """What `sync_adj_close` found: bars compared, bars whose adj_close differed, bars written."""

    checked: int
    differing: int
    written: int
    examples: tuple[tuple[int, dt.date, str | None, str], ...]  # security, day, stored, computed


def sync_adj_close(
    database: Database, *, security_ids: Sequence[int] | None = None, check_only: bool = False
) -> AdjCloseReport:
    """Compare ohlcv_daily.adj_close with close x price factor (rounded to 6 places); write the differing ones.

    With `check_only` nothing is written. The write is one set-based UPDATE from a staging table
    (ohlcv_daily is partitioned and large), in one transaction.
    """
    with database.connect() as connection:
        stored = _stored_closes(connection, security_ids)
        actions = _all_actions(connection, security_ids)
        factors = adjustment_factors(stored, actions)
        computed = stored.with_columns(
            (pl.col("close") * factors["price_factor"]).round(ADJ_SCALE).cast(pl.Decimal(18, ADJ_SCALE)).alias("want")
        )
        differing = computed.filter(pl.col("adj_close").is_null() | (pl.col("adj_close") != pl.col("want")))
        examples = tuple(
            (int(row[0]), row[1], None if row[2] is None else str(row[2]), str(row[3]))
            for row in differing.select("security_id", "trade_date", "adj_close", "want").head(5).iter_rows()
        )
        written = 0
        if differing.height and not check_only:
            written = _write_adj_close(connection, differing.select("security_id", "trade_date", "want"))
            connection.commit()
    return AdjCloseReport(stored.height, differing.height, written, examples)


def _stored_closes(connection: Connection, security_ids: Sequence[int] | None) -> pl.DataFrame:
    """The bars' security_id, trade_date, close, adj_close, prev_close (all securities without a list), over COPY."""
    connection.execute(f"create temp table if not exists {ADJ_CHOSEN} (security_id bigint primary key) on commit drop")
    connection.execute(f"truncate pg_temp.{ADJ_CHOSEN}")
    connection.execute(
        f"insert into pg_temp.{ADJ_CHOSEN} select distinct s.id from securities s"
        " where %(ids)s::bigint[] is null or s.id = any(%(ids)s::bigint[])",
        {"ids": None if security_ids is None else list(security_ids)},
    )
    query = sql.SQL(
        "copy (select d.security_id, d.trade_date, d.close, d.adj_close, d.prev_close from ohlcv_daily d"
        " join pg_temp.{} c using (security_id) order by 1, 2) to stdout (format csv)"
    ).format(sql.Identifier(ADJ_CHOSEN))
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.copy(query) as copy:
        for block in copy:
            buffer.write(block)
    buffer.seek(0)
    schema: dict[str, pl.DataType] = {
        "security_id": pl.Int64(),
        "trade_date": pl.Date(),
        "close": pl.Float64(),
        "adj_close": pl.Decimal(18, ADJ_SCALE),
        "prev_close": pl.Float64(),
    }
    return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=schema)


def _all_actions(connection: Connection, security_ids: Sequence[int] | None) -> pl.DataFrame:
    rows = connection.execute(
        "select security_id, action_type, ex_date, ratio::float8, amount::float8 from corporate_actions"
        " where action_type = any(%s) and (%s::bigint[] is null or security_id = any(%s::bigint[]))",
        ([*SHARE_ACTIONS, DIVIDEND], *[None if security_ids is None else list(security_ids)] * 2),
    ).fetchall()
    return pl.DataFrame(rows, schema=ACTION_SCHEMA, orient="row")


def _write_adj_close(connection: Connection, rows: pl.DataFrame) -> int:
    from store.ingest import binary

    connection.execute(
        f"create temp table if not exists {ADJ_STAGING} (security_id bigint, trade_date date, adj_close numeric,"
        " source text) on commit drop"
    )
    connection.execute(f"truncate pg_temp.{ADJ_STAGING}")
    columns = ["security_id", "trade_date", "want"]
    statement = sql.SQL("copy pg_temp.{} (security_id, trade_date, adj_close, source) from stdin (format binary)")
    with connection.cursor() as cursor, cursor.copy(statement.format(sql.Identifier(ADJ_STAGING))) as copy:
        copy.write(binary.SIGNATURE)
        for _, payload in binary.encode(rows, columns, b"adjust"):
            copy.write(payload)
        copy.write(binary.TRAILER)
    return connection.execute(
        sql.SQL(
            "update ohlcv_daily d set adj_close = s.adj_close from pg_temp.{} s"
            " where d.security_id = s.security_id and d.trade_date = s.trade_date"
            " and d.adj_close is distinct from s.adj_close"
        ).format(sql.Identifier(ADJ_STAGING))
    ).rowcount
