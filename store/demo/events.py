"""Market events into the database: corporate actions, market caps, bulk and block deals, surveillance measures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np

from store.demo.bars import MICRO, Block
from store.demo.binary_copy import HEADER, TRAILER, Field, encode_rows
from store.demo.loading import Connection, as_json, copy_rows
from store.demo.prices import PriceBook
from store.demo.universe import EXCHANGES, GBX_PER_GBP, SecuritySpec

DAILY_CAP_SESSIONS = 60
NSE_CAP_RANKS = ((100, "Large Cap"), (250, "Mid Cap"), (10**9, "Small Cap"))
CAP_THRESHOLDS = ((200e9, "Mega Cap"), (10e9, "Large Cap"), (2e9, "Mid Cap"), (300e6, "Small Cap"), (0.0, "Micro Cap"))
DEAL_CLIENTS = (
    "Aldgate Emerging Markets Fund",
    "Kestrel Capital LLP",
    "Ganga Growth Trust",
    "Northbrook Global Opportunities",
    "Sahyadri Mutual Fund",
    "Meridian Asia Master Fund Ltd",
    "Vindhya Family Trust",
    "Harbor Value Partners",
    "Konkan Securities Pvt Ltd",
    "Polaris Frontier Equity Fund",
    "Nilgiri Life Insurance Corporation",
    "Chola Stock Broking Ltd",
    "Zephyr Quant Strategies",
    "Pennine Investment Management",
    "Deccan Promoter Group",
)
MEASURES = (
    ("ASM", ("LT-ASM Stage I", "LT-ASM Stage II", "ST-ASM Stage I", "ST-ASM Stage II")),
    ("GSM", ("Stage 0", "Stage I", "Stage II")),
    ("ESM", ("Stage I", "Stage II")),
)
REASONS = (
    "Close-to-close price variation beyond threshold",
    "High-low price variation beyond threshold",
    "Client concentration in trading volume",
    "Market capitalisation below Rs 500 crore with PE above 2x index",
    "Spurt in volume with low delivery percentage",
)


def insert_corporate_actions(connection: Connection, book: PriceBook, ids: dict[int, int]) -> int:
    rows = [
        (
            ids[action.spec],
            action.action_type,
            action.ex_date,
            action.ratio,
            action.amount,
            action.currency,
            action.record_date,
            action.pay_date,
            as_json(action.details),
        )
        for action in book.actions
    ]
    columns = (
        "security_id",
        "action_type",
        "ex_date",
        "ratio",
        "amount",
        "currency",
        "record_date",
        "pay_date",
        "details",
    )
    return copy_rows(connection, "corporate_actions", columns, rows)


def _cap_rows(block: Block) -> np.ndarray:
    """Rows of the block that get a market cap: the last session of every month, and every recent session."""
    months = block.dates.astype("datetime64[M]")
    month_ends = np.flatnonzero(np.append(months[1:] != months[:-1], True))
    recent = np.arange(max(len(block.dates) - DAILY_CAP_SESSIONS, 0), len(block.dates))
    return np.union1d(month_ends, recent)


def _categories(exchange: str, caps: np.ndarray, listed: np.ndarray) -> np.ndarray:
    if exchange == "NSE":
        ranks = np.argsort(np.argsort(-np.where(listed, caps, -1.0), axis=1), axis=1) + 1
        return np.select([ranks <= limit for limit, _ in NSE_CAP_RANKS], [label for _, label in NSE_CAP_RANKS], "")
    usd = caps * (1.27 if exchange == "LSE" else 1.0)
    return np.select([usd >= limit for limit, _ in CAP_THRESHOLDS], [label for _, label in CAP_THRESHOLDS], "")


def insert_market_caps(connection: Connection, specs: list[SecuritySpec], book: PriceBook, ids: dict[int, int]) -> int:
    """Month ends over the window and every recent session, per equity, with a size category of that day."""
    total = 0
    statement = (
        "COPY market_cap_history (security_id, trade_date, market_cap, close_price, issue_size, category, currency)"
        " FROM STDIN (FORMAT BINARY)"
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(HEADER)
        for block in book.blocks.values():
            equities = np.array([specs[spec].instrument_type == "equity" for spec in block.columns])
            rows = _cap_rows(block)
            close = block.close[np.ix_(rows, equities)]
            shares = np.rint(block.shares[np.ix_(rows, equities)]).astype(np.int64)
            listed = block.listed[np.ix_(rows, equities)]
            divisor = GBX_PER_GBP if block.exchange == "LSE" else 1.0
            caps = np.rint(shares * (close / MICRO) / divisor).astype(np.int64)
            categories = _categories(block.exchange, caps.astype(float), listed)
            security = np.array([ids[spec] for spec, equity in zip(block.columns, equities, strict=True) if equity])
            currency = EXCHANGES[block.exchange].currency.encode()
            for category in np.unique(categories[listed]):
                chosen = listed & (categories == category)
                fields = [
                    Field("int8", np.broadcast_to(security, chosen.shape)[chosen]),
                    Field("date", np.broadcast_to(block.dates[rows][:, None], chosen.shape)[chosen]),
                    Field("numeric", caps[chosen], integer_groups=4, decimals=0),
                    Field("numeric", close[chosen]),
                    Field("int8", shares[chosen]),
                    Field("text", constant=str(category).encode()),
                    Field("text", constant=currency),
                ]
                copy.write(encode_rows(fields, int(chosen.sum())))
                total += int(chosen.sum())
        copy.write(TRAILER)
    return total


def _nse_equity_columns(specs: list[SecuritySpec], block: Block) -> np.ndarray:
    return np.array([p for p, spec in enumerate(block.columns) if specs[spec].instrument_type == "equity"], dtype=int)


def plan_deals(rng: np.random.Generator, specs: list[SecuritySpec], book: PriceBook) -> list[tuple[Any, ...]]:
    """NSE bulk and block deals on the busiest days of the last two years; many come as a buyer and a seller."""
    block = book.blocks["NSE"]
    columns = _nse_equity_columns(specs, block)
    volume = block.volume[:, columns].astype(float)
    average = np.vstack(
        [
            np.full((20, len(columns)), np.inf),
            np.lib.stride_tricks.sliding_window_view(volume, 20, axis=0)[:-1].mean(axis=2),
        ]
    )
    busy = (volume > 2.5 * average) & block.listed[:, columns]
    busy[: max(len(block.dates) - 500, 0)] = False
    rows, slots = np.nonzero(busy)
    picked = np.sort(rng.permutation(len(rows))[: round(1.3 * len(columns))])
    deals = []
    for row, slot in zip(rows[picked], slots[picked], strict=True):
        deals += _deal(rng, block, int(row), int(columns[slot]))
    return deals


def insert_deals(connection: Connection, deals: list[tuple[Any, ...]], ids: dict[int, int]) -> int:
    columns = ("deal_date", "security_id", "kind", "client_name", "side", "quantity", "price", "remarks")
    return copy_rows(connection, "deals", columns, [(deal[0], ids[deal[1]], *deal[2:]) for deal in deals])


def _deal(rng: np.random.Generator, block: Block, row: int, column: int) -> list[tuple[Any, ...]]:
    kind = "block" if rng.random() < 0.3 else "bulk"
    low, high = int(block.low[row, column]), int(block.high[row, column])
    if kind == "block":
        price = int(np.clip(block.open[row, column] * (1 + rng.uniform(-0.01, 0.01)) // 50_000 * 50_000, low, high))
    else:
        price = low + int(rng.integers(0, (high - low) // 50_000 + 1)) * 50_000
    quantity = max(int(block.volume[row, column] * rng.uniform(0.12, 0.4)), 1)
    side = "buy" if rng.random() < 0.5 else "sell"
    clients = rng.permutation(len(DEAL_CLIENTS))[:2]
    remarks = "Block deal window (morning session)" if kind == "block" else None
    day = dt.date.fromisoformat(str(block.dates[row]))
    security = block.columns[column]
    found: list[tuple[Any, ...]] = [
        (day, security, kind, DEAL_CLIENTS[clients[0]], side, quantity, Decimal(price) / MICRO, remarks)
    ]
    if rng.random() < 0.45:
        other = "sell" if side == "buy" else "buy"
        found.append((day, security, kind, DEAL_CLIENTS[clients[1]], other, quantity, Decimal(price) / MICRO, remarks))
    return found


def plan_surveillance(rng: np.random.Generator, specs: list[SecuritySpec], book: PriceBook) -> list[tuple[Any, ...]]:
    """The most volatile NSE names of the last two years under ASM/GSM/ESM; some measures since lifted."""
    block = book.blocks["NSE"]
    columns = _nse_equity_columns(specs, block)
    recent = slice(max(len(block.dates) - 500, 1), len(block.dates))
    moves = np.abs(np.diff(np.log(np.maximum(block.adj_close[:, columns], 1)), axis=0))[recent.start - 1 :]
    volatility = np.where(block.listed[recent, columns].all(axis=0), moves.std(axis=0), 0.0)
    chosen = columns[np.argsort(-volatility, kind="stable")[: max(3, round(0.12 * len(columns)))]]
    rows = []
    for column in chosen:
        rows += _measures(rng, block, int(column), block.columns[column], recent.start)
    return rows


def insert_surveillance(connection: Connection, measures: list[tuple[Any, ...]], ids: dict[int, int]) -> int:
    columns = ("security_id", "measure", "stage", "reason", "effective_date", "removed_date")
    return copy_rows(connection, "surveillance_measures", columns, [(ids[row[0]], *row[1:]) for row in measures])


def _measures(
    rng: np.random.Generator, block: Block, column: int, security: int, first_row: int
) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    row = first_row + int(rng.integers(0, 120))
    while row < len(block.dates) - 5:
        measure, stages = MEASURES[int(rng.choice(3, p=[0.7, 0.15, 0.15]))]
        stage = stages[int(rng.integers(0, len(stages)))]
        lifted = row + int(rng.integers(20, 140))
        removed = (
            dt.date.fromisoformat(str(block.dates[lifted]))
            if lifted < len(block.dates) and rng.random() < 0.65
            else None
        )
        reason = REASONS[int(rng.integers(0, len(REASONS)))]
        found.append((security, measure, stage, reason, dt.date.fromisoformat(str(block.dates[row])), removed))
        if removed is None:
            break
        row = lifted + int(rng.integers(30, 200))
    return found
