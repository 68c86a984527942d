"""Bars for yearly partitions that were empty when a load began: copied into a plain table, then swapped in.

A COPY into ohlcv_daily pays, for every row, the foreign-key check against securities and the inserts
into the primary key and the trade_date index. When a year's partition holds nothing yet (the first
load of a history), its rows go instead into a plain table with the parent's columns, defaults and
CHECK constraints; at the end the table replaces the empty partition (DETACH, DROP, ATTACH) in the
same transaction. ATTACH builds the partition's primary key and trade_date index as the parent
defines them (named as for any partition, built by sorting), validates the foreign key with one
query, and checks the bounds against a CHECK constraint added just for it. A load is then about
twice as fast, and the database's rules are the same.

A partition is locked (SHARE ROW EXCLUSIVE: readers go on, writers wait until the commit) when it is
found empty, so no other writer's row can land in it and be dropped with it. A writer that waited
for it may get an error once the load commits (the partition it waited for is gone; not tested) and
then has to write again.
Only a role that owns ohlcv_daily may do this DDL; for any other, every row goes the usual way.
Used by the typed path of `import prices` (large CSV files), where first loads of histories happen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import polars as pl
from psycopg import sql

from store.ingest import load

PARENT = "ohlcv_daily"


class FreshPartitions:
    """The years of one load whose partitions were empty when first met, and the tables their rows went to."""

    def __init__(self, connection: load.Connection) -> None:
        row = connection.execute(
            "select pg_has_role(current_user, c.relowner, 'USAGE') from pg_class c where c.oid = %s::regclass",
            (PARENT,),
        ).fetchone()
        self.enabled = bool(row and row[0])
        self.tables: dict[int, str] = {}
        self._met: set[int] = set()

    def route(
        self,
        connection: load.Connection,
        bars: pl.DataFrame,
        *,
        source: str,
        verify: load.Verify | None,
        on_rows: Callable[[int], None] | None,
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """COPY the bars of fresh years into their tables; returns (those bars, the others) — the others go the
        usual way. The partitions of the bars' days must exist (ensure_partitions)."""
        if not self.enabled or not bars.height:
            return bars.clear(), bars
        years = bars.get_column("trade_date").dt.year()
        for year in years.drop_nulls().unique().sort().to_list():
            if year not in self._met:
                self._met.add(year)
                self._claim(connection, year)
        # A day that did not parse is null (its part fails verification): it stays on the usual way.
        fresh_mask = years.is_in(list(self.tables)).fill_null(value=False)
        fresh = bars.filter(fresh_mask)
        columns = [*load.KEY, *(name for name in load.VALUE_COLUMNS if name in bars.columns)]
        for (year,), rows in fresh.group_by(pl.col("trade_date").dt.year(), maintain_order=True):
            chunks = load.encoded_chunks(rows, columns, source, verify)
            load.copy_rows(connection, self.tables[int(year)], columns, chunks, on_rows)
        return fresh, bars.filter(~fresh_mask)

    def _claim(self, connection: load.Connection, year: int) -> None:
        """Lock the year's partition and, if it is empty, make the plain table its rows go to."""
        partition = _partition(year)
        if connection.execute("select to_regclass(%s)", (partition,)).fetchone() in (None, (None,)):
            return  # not a yearly partition of ours (ensure_partitions makes them): the usual way
        connection.execute(sql.SQL("lock table {} in share row exclusive mode").format(sql.Identifier(partition)))
        stored = connection.execute(sql.SQL("select exists (select from {})").format(sql.Identifier(partition)))
        if (stored.fetchone() or (True,))[0]:
            return
        table = f"{partition}_load"
        connection.execute(
            sql.SQL("create table {} (like {} including defaults including constraints)").format(
                sql.Identifier(table), sql.Identifier(PARENT)
            )
        )
        self.tables[year] = table

    def swap_in(self, connection: load.Connection) -> list[str]:
        """Each fresh year's table in place of its empty partition (ATTACH keys and indexes it); returns the
        partitions."""
        swapped = []
        for year, table in sorted(self.tables.items()):
            partition = _partition(year)
            first, after = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
            bounds = sql.SQL("trade_date >= {} and trade_date < {}").format(sql.Literal(first), sql.Literal(after))
            statements: Sequence[sql.Composed] = (
                sql.SQL("alter table {} detach partition {}").format(sql.Identifier(PARENT), sql.Identifier(partition)),
                sql.SQL("drop table {}").format(sql.Identifier(partition)),
                sql.SQL("alter table {} rename to {}").format(sql.Identifier(table), sql.Identifier(partition)),
                # Lets ATTACH skip scanning the rows for the partition's bounds.
                sql.SQL("alter table {} add constraint {} check ({})").format(
                    sql.Identifier(partition), sql.Identifier(f"{partition}_bounds"), bounds
                ),
                sql.SQL("alter table {} attach partition {} for values from ({}) to ({})").format(
                    sql.Identifier(PARENT), sql.Identifier(partition), sql.Literal(first), sql.Literal(after)
                ),
                sql.SQL("alter table {} drop constraint {}").format(
                    sql.Identifier(partition), sql.Identifier(f"{partition}_bounds")
                ),
            )
            for statement in statements:
                connection.execute(statement)
            swapped.append(partition)
        self.tables.clear()
        return swapped


def _partition(year: int) -> str:
    return f"{PARENT}_p{year:04d}"
