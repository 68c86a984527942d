"""Splits and bonus issues where prices ran up, dividend amounts from the as-traded price, adjustment factors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from store.demo.equities import EquityPaths
from store.demo.grid import Grid
from store.demo.universe import SecuritySpec

NASDAQ_SPLIT_RATIOS = (2, 3, 4, 5, 10, 20)
NSE_SPLIT_RATIOS = (2, 5, 10)  # the new face value must stay a whole rupee
SPLIT_LEVEL = {"NASDAQ": 1500.0, "NSE": 12000.0}  # quoted prices boards rarely let their shares stay above
ANNOUNCEMENT_LAG = 15  # sessions from the price crossing the level to the ex-date
MAX_EVENTS_EACH = 2
MINIMUM_SPLITS = 3
NSE_BONUSES = ((Decimal(2), "1:1"), (Decimal("1.5"), "1:2"))


@dataclass(frozen=True, slots=True)
class Split:
    """A split or bonus issue: from grid row `row` on, each old share is `ratio` new ones."""

    spec: int
    row: int
    ratio: Decimal
    action_type: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CorporateActionRow:
    spec: int
    action_type: str
    ex_date: dt.date
    ratio: Decimal | None
    amount: Decimal | None
    currency: str | None
    record_date: dt.date | None
    pay_date: dt.date | None
    details: dict[str, Any]


def _events_for(
    rng: np.random.Generator, grid: Grid, spec: SecuritySpec, index: int, closes: np.ndarray, first: int, last: int
) -> list[Split]:
    """Splits (or NSE bonuses) a board would call once the quoted price passes its exchange's comfort level."""
    found: list[Split] = []
    shares = 1.0
    row = first
    while len(found) < MAX_EVENTS_EACH:
        above = np.flatnonzero(closes[row:last] / shares > SPLIT_LEVEL[spec.exchange])
        if len(above) == 0:
            break
        ex_row = int(grid.next_trading(spec.exchange, np.array([row + above[0] + ANNOUNCEMENT_LAG]))[0])
        if ex_row >= last:
            break
        event = _event(rng, spec, index, ex_row, float(closes[ex_row - 1]) / shares)
        found.append(event)
        shares *= float(event.ratio)
        row = ex_row + 1
    return found


def choose_splits(rng: np.random.Generator, grid: Grid, specs: list[SecuritySpec], paths: EquityPaths) -> list[Split]:
    """Splits where the quoted price ran past its exchange's comfort level; at least a couple in any demo."""
    first = grid.start + (grid.days - grid.start) // 20
    last = grid.days - (grid.days - grid.start) // 20
    closes = paths.candles.close
    chosen: list[Split] = []
    for column, index in enumerate(paths.columns):
        if specs[index].exchange in SPLIT_LEVEL and specs[index].is_active:
            chosen += _events_for(rng, grid, specs[index], index, closes[:, column], first, last)
    if len({split.spec for split in chosen}) < MINIMUM_SPLITS:
        chosen += _top_up(rng, grid, specs, paths, first, last, {split.spec for split in chosen})
    return sorted(chosen, key=lambda split: (split.spec, split.row))


def _top_up(
    rng: np.random.Generator,
    grid: Grid,
    specs: list[SecuritySpec],
    paths: EquityPaths,
    first: int,
    last: int,
    taken: set[int],
) -> list[Split]:
    """In a small demo few prices run that far: the biggest run-ups split at their peak instead."""
    window = paths.candles.close[first:last]
    levels = np.array([SPLIT_LEVEL.get(specs[index].exchange, np.inf) for index in paths.columns])
    run_up = np.nan_to_num(np.nanmax(window, axis=0) / levels, nan=0.0)
    eligible = [
        c for c, index in enumerate(paths.columns) if index not in taken and specs[index].is_active and run_up[c] > 0
    ]
    found = []
    for column in sorted(eligible, key=lambda c: -run_up[c])[: MINIMUM_SPLITS - len(taken)]:
        index = paths.columns[column]
        row = int(grid.next_trading(specs[index].exchange, np.array([first + int(np.nanargmax(window[:, column]))]))[0])
        found.append(_event(rng, specs[index], index, row, float(paths.candles.close[row - 1, column])))
    return found


def _event(rng: np.random.Generator, spec: SecuritySpec, index: int, row: int, price: float) -> Split:
    """NASDAQ: an N-for-1 split to about $150. NSE: a face-value split while the face value allows, else a bonus."""
    if spec.exchange != "NSE":
        ratio = min(NASDAQ_SPLIT_RATIOS, key=lambda candidate: abs(np.log(price / candidate / 150.0)))
        return Split(index, row, Decimal(ratio), "split", {"purpose": f"{ratio}-for-1 stock split"})
    before = spec.face_value or Decimal(10)
    choices = [ratio for ratio in NSE_SPLIT_RATIOS if before % ratio == 0]
    if not choices or rng.random() < 0.35:
        bonus, label = NSE_BONUSES[int(rng.integers(0, len(NSE_BONUSES)))]
        return Split(index, row, bonus, "bonus", {"bonus_ratio": label, "purpose": "Bonus issue"})
    ratio = min(choices, key=lambda candidate: abs(np.log(price / candidate / 1500.0)))
    after = before / ratio
    spec.face_value = after
    details = {"purpose": f"Face value split from Rs {before:g} to Rs {after:g} per share",
               "old_face_value": f"{before:g}", "new_face_value": f"{after:g}"}  # fmt: skip
    return Split(index, row, Decimal(ratio), "split", details)


def split_factors(grid: Grid, splits: list[Split], columns: list[int]) -> np.ndarray:
    """Days x columns: how many shares one original share has become by each row (1 before any split)."""
    shares = np.ones((grid.days, len(columns)))
    position = {spec: column for column, spec in enumerate(columns)}
    for split in splits:
        if split.spec in position:
            shares[split.row :, position[split.spec]] *= float(split.ratio)
    return shares


def adjustment_factors(multipliers: np.ndarray) -> np.ndarray:
    """Back-adjustment: each row's factor is the product of the multipliers of all later ex-dates."""
    through = np.flip(np.cumprod(np.flip(multipliers, axis=0), axis=0), axis=0)
    return np.asarray(through / multipliers)


def dividend_kind(exchange: str, ex_date: dt.date) -> str:
    if exchange == "NASDAQ":
        return "quarterly"
    if exchange == "LSE":
        return "final" if ex_date.month in (3, 4, 5, 6) else "interim"
    return "final" if ex_date.month in (6, 7, 8, 9) else "interim"


def settlement_dates(ex_date: dt.date, rng: np.random.Generator) -> tuple[dt.date, dt.date]:
    """Record date: the next weekday; payment two to five weeks later, on a weekday."""
    record = ex_date + dt.timedelta(days=1)
    while record.weekday() >= 5:
        record += dt.timedelta(days=1)
    pay = record + dt.timedelta(days=int(rng.integers(14, 36)))
    while pay.weekday() >= 5:
        pay += dt.timedelta(days=1)
    return record, pay
