"""The price book: simulate every path, derive indices and ETFs, cut as-traded bars per exchange, COPY them in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import psycopg
from psycopg.copy import QueuedLibpqWriter

from store.demo import model
from store.demo.actions import CorporateActionRow, choose_splits
from store.demo.bars import Block, Simulation, build_block
from store.demo.binary_copy import HEADER, TRAILER, Field, encode_rows
from store.demo.equities import alive_mask, simulate_equities
from store.demo.grid import Grid
from store.demo.indices import (
    Constituent,
    constituents,
    etf_candles,
    index_candles,
    index_levels,
    index_rules,
    market_caps,
)
from store.demo.model import Candles
from store.demo.universe import EXCHANGE_CODES, SecuritySpec

BAR_COLUMNS = (
    "security_id",
    "trade_date",
    "open",
    "high",
    "low",
    "close",
    "adj_close",
    "volume",
    "vwap",
    "prev_close",
    "upper_circuit",
    "lower_circuit",
    "source",
)
SOURCE = b"demo"
_WRITE_SLICE = 8 << 20


@dataclass(frozen=True, slots=True)
class PriceBook:
    """Everything the bar model produced: per-exchange blocks, index members, corporate actions, regimes."""

    grid: Grid
    blocks: dict[str, Block]
    constituents: list[Constituent]
    actions: list[CorporateActionRow]
    regimes: np.ndarray

    def block_of(self, spec: int) -> Block:
        return next(block for block in self.blocks.values() if spec in block.columns)


def _stack(parts: list[Candles]) -> Candles:
    return Candles(*(np.hstack([getattr(part, name) for part in parts]) for name in Candles.__dataclass_fields__))


def simulate_prices(random: Callable[[str], np.random.Generator], grid: Grid, specs: list[SecuritySpec]) -> PriceBook:
    """All paths from one seed: each part draws from its own named stream, so parts do not disturb each other."""
    market = model.market_paths(random("market"), grid.days, len(EXCHANGE_CODES))
    equities = simulate_equities(random("equities"), grid, specs, market)
    caps = market_caps(specs, equities)
    members = constituents(grid, specs, equities, caps)
    rules = index_rules(specs)
    indices = index_candles(grid, rules, members, equities, caps)
    etf_columns = [position for position, spec in enumerate(specs) if spec.instrument_type == "etf"]
    etfs = etf_candles(random("etfs"), grid, specs, etf_columns, equities, index_levels(rules, indices), market)
    etf_alive = alive_mask(grid, [specs[index] for index in etf_columns])
    simulation = Simulation(
        columns=equities.columns + etf_columns + [index for index, _ in rules],
        candles=_stack([equities.candles, etfs, indices]),
        alive=np.hstack([equities.alive, etf_alive, np.ones((grid.days, len(rules)), dtype=bool)]),
        dividend_yield=np.hstack([equities.dividend_yield, np.zeros((grid.days, len(etf_columns) + len(rules)))]),
        splits=choose_splits(random("splits"), grid, specs, equities),
    )
    blocks: dict[str, Block] = {}
    actions: list[CorporateActionRow] = []
    for code in EXCHANGE_CODES:
        blocks[code], found = build_block(random(f"bars-{code}"), grid, specs, simulation, code)
        actions += found
    actions.sort(key=lambda action: (action.spec, action.ex_date, action.action_type))
    return PriceBook(grid, blocks, members, actions, market.regimes)


def _fields(block: Block, picked: np.ndarray, ids: np.ndarray, kind: str) -> tuple[list[Field], int]:
    """The COPY fields of some columns of a block, security by security, date by date (the key's order)."""
    listed = block.listed[:, picked].T
    rows = int(listed.sum())

    def flat(values: np.ndarray) -> np.ndarray:
        return np.asarray(values[:, picked].T[listed])

    security = np.repeat(ids, listed.sum(axis=1))
    dates = np.broadcast_to(block.dates[None, :], listed.shape)[listed]
    numeric = [Field("numeric", flat(getattr(block, name))) for name in ("open", "high", "low", "close")]
    null = Field("null")
    if kind == "index":
        tail = [Field("numeric", flat(block.close)), null, null, Field("numeric", flat(block.prev_close)), null, null]
    else:
        bands = [Field("numeric", flat(block.upper_circuit)), Field("numeric", flat(block.lower_circuit))]
        tail = [
            Field("numeric", flat(block.adj_close)),
            Field("int8", flat(block.volume)),
            Field("numeric", flat(block.vwap)),
            Field("numeric", flat(block.prev_close)),
            *(bands if block.exchange == "NSE" else [null, null]),
        ]
    return [Field("int8", security), Field("date", dates), *numeric, *tail, Field("text", constant=SOURCE)], rows


def encoded_blocks(book: PriceBook, specs: list[SecuritySpec], ids: dict[int, int]) -> Iterator[tuple[bytes, int]]:
    """Binary COPY rows, one chunk per exchange and kind (traded securities, then indices)."""
    for block in book.blocks.values():
        kinds = np.array(["index" if specs[spec].instrument_type == "index" else "traded" for spec in block.columns])
        for kind in ("traded", "index"):
            picked = np.flatnonzero(kinds == kind)
            if len(picked) == 0:
                continue
            security_ids = np.array([ids[block.columns[position]] for position in picked], dtype=np.int64)
            fields, rows = _fields(block, picked, security_ids, kind)
            yield encode_rows(fields, rows), rows


def copy_bars(
    connection: psycopg.Connection[tuple[object, ...]], book: PriceBook, specs: list[SecuritySpec], ids: dict[int, int]
) -> int:
    """Create the year partitions, then stream every bar with one binary COPY; returns the row count."""
    connection.execute(
        "select ensure_ohlcv_partitions('ohlcv_daily', %s, %s)", (book.grid.first_day, book.grid.last_day)
    ).fetchall()
    total = 0
    statement = f"COPY ohlcv_daily ({', '.join(BAR_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
        copy.write(HEADER)  # a writer thread sends while the next block is encoded
        for data, rows in encoded_blocks(book, specs, ids):
            for offset in range(0, len(data), _WRITE_SLICE):
                copy.write(data[offset : offset + _WRITE_SLICE])
            total += rows
        copy.write(TRAILER)
    return total
