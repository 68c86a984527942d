"""Daily prices as Polars frames: bars, bars resampled to fit a width, the latest bars and cross-sections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.errors import NotFound
from store.models.reference import Security
from store.records.prices import BAR_COLUMNS, LATEST_BAR_COLUMNS, RESAMPLED_COLUMNS, Resampled
from store.repositories.base import Repository
from store.repositories.checks import checked_security_id, refuse
from store.translation import translate_psycopg

if TYPE_CHECKING:
    import polars as pl

# Polars dtypes by column name, resolved when a frame is built: Polars is imported only when prices are read.
DTYPES: dict[str, str] = {
    "security_id": "Int64",
    "symbol": "String",
    "exchange": "String",
    "is_active": "Boolean",
    "trade_date": "Date",
    "open": "Float64",
    "high": "Float64",
    "low": "Float64",
    "close": "Float64",
    "volume": "Int64",
    "bars": "Int64",
    "period": "String",
}

# Prices stay numeric in the table; they are cast to float8 on the server for charts and analytics, because
# decoding numeric in Python is 1.5–2.6× slower. Adjusted prices scale each bar by adj_close / close as the
# source published it; proper adjustment from corporate_actions belongs to the analytics layer.
_AS_TRADED = {column: f"d.{column}::float8" for column in ("open", "high", "low", "close")}
_FACTOR = "coalesce(d.adj_close::float8 / d.close::float8, 1)"
_ADJUSTED = {
    "open": f"d.open::float8 * {_FACTOR}",
    "high": f"d.high::float8 * {_FACTOR}",
    "low": f"d.low::float8 * {_FACTOR}",
    "close": "coalesce(d.adj_close, d.close)::float8",
}

_BARS = """
select d.trade_date, {open} as open, {high} as high, {low} as low, {close} as close, d.volume
from ohlcv_daily d
where d.security_id = %(security_id)s and d.trade_date >= %(start)s and d.trade_date <= %(end)s
"""

# One statement: choose the finest period whose buckets fit, aggregate by it, then take each bucket's open
# and close from its first and last bar (a hash join on the bucket's days; cheaper than ordered array_agg).
_RESAMPLED = """
with b as materialized ({bars}),
chosen as (
    select case when count(*) <= %(max_buckets)s then 'day'
                when count(distinct date_trunc('week', trade_date::timestamp)) <= %(max_buckets)s then 'week'
                when count(distinct date_trunc('month', trade_date::timestamp)) <= %(max_buckets)s then 'month'
                when count(distinct date_trunc('quarter', trade_date::timestamp)) <= %(max_buckets)s then 'quarter'
                else 'year' end as period
    from b
),
buckets as (
    select min(b.trade_date) as first_day, max(b.trade_date) as last_day, max(b.high) as high,
           min(b.low) as low, sum(b.volume)::int8 as volume, count(*)::int8 as bars
    from b cross join chosen
    group by date_trunc(chosen.period, b.trade_date::timestamp)
)
select k.first_day as trade_date, first_bar.open, k.high, k.low, last_bar.close, k.volume, k.bars,
       (select period from chosen) as period
from buckets k
join b first_bar on first_bar.trade_date = k.first_day
join b last_bar on last_bar.trade_date = k.last_day
order by k.first_day
"""

# Per security, the latest bar on or before a date: a LATERAL lookup on the primary key. The key range is
# written as bounds and a row comparison, and ordered by the whole key, so that ix_ohlcv_daily_trade_date
# cannot serve it: for `security_id = s.id order by trade_date desc limit 1`, in a partition that holds few
# securities, the planner may walk that index backwards and read the whole partition for each security with
# no bar there (measured on 10,000 securities: 6.7 s with 100 of them holding old bars, 180 s with 50; this
# form 0.1–0.3 s, and no slower than the plain one where that one plans well).
_LATEST = """
select s.id as security_id, s.symbol, s.exchange, s.is_active, b.trade_date, b.open::float8 as open,
       b.high::float8 as high, b.low::float8 as low, b.close::float8 as close, b.volume
from securities s
left join lateral (
    select d.trade_date, d.open, d.high, d.low, d.close, d.volume from ohlcv_daily d
    where d.security_id >= s.id and (d.security_id, d.trade_date) <= (s.id, %(as_of)s) and d.trade_date <= %(as_of)s
    order by d.security_id desc, d.trade_date desc
    limit 1
) b on true
where %(ids)s::int8[] is null or s.id = any(%(ids)s)
order by s.symbol, s.exchange, s.id
"""


def read_frame(
    session: Session,
    sql: str,
    params: Mapping[str, Any],
    columns: Sequence[str],
    *,
    dtypes: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Run `sql` on the session's connection (in its transaction) and decode the rows into a frame.

    A plain psycopg cursor in binary format: no ORM, no SQLAlchemy rows. Column types are named by `dtypes`,
    else by DTYPES (Polars dtype names).
    """
    import polars as pl

    names = {**DTYPES, **(dtypes or {})}
    try:
        with driver_connection(session).cursor(binary=True) as cursor:
            rows = cursor.execute(sql.encode(), params, binary=True).fetchall()
    except psycopg.Error as exc:
        raise translate_psycopg(exc, target="the database") from exc
    values: Iterable[Sequence[Any]] = zip(*rows, strict=True) if rows else ([] for _ in columns)
    return pl.DataFrame(
        [pl.Series(name, column, dtype=getattr(pl, names[name])) for name, column in zip(columns, values, strict=True)]
    )


def driver_connection(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection under the session, in the session's transaction (begun if need be)."""
    return cast("psycopg.Connection[Any]", session.connection().connection.driver_connection)


def _check_day(value: object, field: str) -> dt.date | None:
    # A datetime is a date too; a day boundary taken from a timestamp would depend on its time zone.
    if value is not None and (isinstance(value, dt.datetime) or not isinstance(value, dt.date)):
        raise refuse(field, f"must be a date (not a time), not {value!r}")
    return value


def _check_range(start: object, end: object) -> tuple[dt.date, dt.date]:
    first, last = _check_day(start, "start"), _check_day(end, "end")
    if first is not None and last is not None and first > last:
        raise refuse("start", f"must be on or before end ({first.isoformat()} is after {last.isoformat()})")
    return first or dt.date.min, last or dt.date.max


class PriceRepository(Repository):
    """Reads ohlcv_daily into Polars frames (prices as Float64, volume as Int64, oldest bar first)."""

    def bars(
        self, security_id: int, start: dt.date | None = None, end: dt.date | None = None, *, adjusted: bool = False
    ) -> pl.DataFrame:
        """Daily bars between start and end (inclusive, either open), columns BAR_COLUMNS.

        adjusted=True scales open, high and low by adj_close / close and closes at adj_close, bar by bar,
        where the source gave adj_close (as traded where it did not).
        """
        params = self._range_params(security_id, start, end)
        frame = read_frame(self._session, bars_sql(adjusted), params, BAR_COLUMNS)
        if frame.is_empty():
            self._require_security(params["security_id"])
        return frame

    def resampled(
        self,
        security_id: int,
        max_buckets: int,
        start: dt.date | None = None,
        end: dt.date | None = None,
        *,
        adjusted: bool = False,
    ) -> Resampled:
        """At most `max_buckets` bars: days, else weeks, months, quarters or years, the finest that fits.

        When even years do not fit, one bucket per year is returned (more than max_buckets).
        """
        if isinstance(max_buckets, bool) or not isinstance(max_buckets, int) or max_buckets < 1:
            raise refuse("max_buckets", f"must be a whole number of at least 1, not {max_buckets!r}")
        params = {**self._range_params(security_id, start, end), "max_buckets": max_buckets}
        frame = read_frame(self._session, resampled_sql(adjusted), params, (*RESAMPLED_COLUMNS, "period"))
        if frame.is_empty():
            self._require_security(params["security_id"])
            return Resampled(frame=frame.drop("period"), period="day")
        return Resampled(frame=frame.drop("period"), period=str(frame["period"][0]))

    def latest_bars(self, security_ids: Iterable[int] | None = None) -> pl.DataFrame:
        """The latest bar of each security (all of them, or those named), columns LATEST_BAR_COLUMNS.

        A security without bars has a row of nulls; an id that is not a security raises NotFound.
        """
        if security_ids is None:
            return self._latest(dt.date.max, None)
        if isinstance(security_ids, str | bytes) or not isinstance(security_ids, Iterable):
            raise refuse("security_ids", f"must be a list of security ids, not {security_ids!r}")
        wanted = sorted({checked_security_id(value, "security_ids") for value in security_ids})
        frame = self._latest(dt.date.max, wanted)
        missing = sorted(set(wanted) - set(frame["security_id"].to_list()))
        if missing:
            raise NotFound(f"no security with id {', '.join(map(str, missing))}")
        return frame

    def cross_section(self, as_of: dt.date) -> pl.DataFrame:
        """For every security, its latest bar on or before `as_of` (columns LATEST_BAR_COLUMNS).

        A security that did not trade that day carries its older bar's trade_date; one with no bar then has nulls.
        """
        if _check_day(as_of, "as_of") is None:
            raise refuse("as_of", "must be a date")
        return self._latest(as_of, None)

    def _latest(self, as_of: dt.date, security_ids: list[int] | None) -> pl.DataFrame:
        return read_frame(self._session, _LATEST, {"as_of": as_of, "ids": security_ids}, LATEST_BAR_COLUMNS)

    def _range_params(self, security_id: int, start: object, end: object) -> dict[str, Any]:
        first, last = _check_range(start, end)
        return {"security_id": checked_security_id(security_id), "start": first, "end": last}

    def _require_security(self, security_id: int) -> None:
        """Told apart only when no bars came back: an unknown security is NotFound, a known one has none."""
        securities = Security.__table__
        if self._session.execute(select(securities.c.id).where(securities.c.id == security_id)).first() is None:
            raise NotFound(f"no security with id {security_id}")


def bars_sql(adjusted: bool) -> str:
    """The exact SQL of `bars` (also for EXPLAIN in benchmarks)."""
    return _BARS.format(**(_ADJUSTED if adjusted else _AS_TRADED)) + "order by d.trade_date"


def resampled_sql(adjusted: bool) -> str:
    """The exact SQL of `resampled` (also for EXPLAIN in benchmarks)."""
    return _RESAMPLED.format(bars=_BARS.format(**(_ADJUSTED if adjusted else _AS_TRADED)))
