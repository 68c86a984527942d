"""As-traded bars per exchange: split-scaled prices on the tick grid, previous close, price bands, VWAP, adj_close."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from store.demo.actions import (
    CorporateActionRow,
    Split,
    adjustment_factors,
    dividend_kind,
    settlement_dates,
    split_factors,
)
from store.demo.grid import Grid, to_date
from store.demo.model import Candles
from store.demo.universe import SecuritySpec

MICRO = 1_000_000
NSE_PRICE_BAND = 0.2
IPO_LISTING_GAIN = 1.08


@dataclass(frozen=True, slots=True)
class Simulation:
    """Economic candles of every priced security (equities, ETFs, indices) on the grid, and their events."""

    columns: list[int]
    candles: Candles
    alive: np.ndarray
    dividend_yield: np.ndarray
    splits: list[Split]


@dataclass(frozen=True, slots=True)
class Block:
    """One exchange's bars: rows are its trading days in the window, columns its priced securities (micro units)."""

    exchange: str
    columns: list[int]
    dates: np.ndarray
    rows: np.ndarray
    listed: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    adj_close: np.ndarray
    volume: np.ndarray
    vwap: np.ndarray
    prev_close: np.ndarray
    upper_circuit: np.ndarray
    lower_circuit: np.ndarray
    shares: np.ndarray  # shares outstanding (equities), for market caps

    def series(self, spec: int, values: np.ndarray) -> np.ndarray:
        """A column of `values` (or the dates) for one security, over its listed rows."""
        column = self.columns.index(spec)
        listed = self.listed[:, column]
        return np.asarray(values[listed] if values.ndim == 1 else values[listed, column])


def ticks(price: np.ndarray, exchange: str, is_index: np.ndarray) -> np.ndarray:
    """The price step in micro units for every element: it depends on the exchange and the price level."""
    if exchange == "NSE":
        step = np.full(price.shape, 50_000)
    elif exchange == "LSE":  # pence
        step = np.select([price >= 1000, price >= 100], [500_000, 100_000], 10_000)
    else:
        step = np.where(price >= 1, 10_000, 100)
    return np.where(is_index[None, :], 10_000, step).astype(np.int64)


def _to_ticks(values: np.ndarray, step: np.ndarray, how: str) -> np.ndarray:
    scaled = np.nan_to_num(values * MICRO / step, nan=1.0)
    rounded = {"nearest": np.rint, "up": np.ceil, "down": np.floor}[how](scaled)
    return np.asarray(np.maximum(rounded.astype(np.int64), 1) * step)


def _on_ticks(raw: list[np.ndarray], step: np.ndarray) -> tuple[np.ndarray, ...]:
    """Open and close to the nearest tick, high up and low down, then widened so the candle holds its body."""
    open_, close = _to_ticks(raw[0], step, "nearest"), _to_ticks(raw[3], step, "nearest")
    high = np.maximum(_to_ticks(raw[1], step, "up"), np.maximum(open_, close))
    low = np.minimum(_to_ticks(raw[2], step, "down"), np.minimum(open_, close))
    return open_, high, low, close


def build_block(
    rng: np.random.Generator, grid: Grid, specs: list[SecuritySpec], simulation: Simulation, exchange: str
) -> tuple[Block, list[CorporateActionRow]]:
    """The exchange's trading days in the window; prices divided by the shares each original share became."""
    picked = np.array([p for p, spec in enumerate(simulation.columns) if specs[spec].exchange == exchange], np.intp)
    columns = [simulation.columns[position] for position in picked]
    trading = np.flatnonzero(grid.trading[exchange])
    rows = trading[trading >= grid.start]
    previous_rows = np.concatenate([[trading[trading < grid.start][-1]], rows[:-1]])
    scale = split_factors(grid, simulation.splits, columns)[rows]
    candles = simulation.candles
    raw = [getattr(candles, name)[np.ix_(rows, picked)] / scale for name in ("open", "high", "low", "close")]
    is_index = np.array([specs[spec].instrument_type == "index" for spec in columns])
    listed = simulation.alive[np.ix_(rows, picked)]
    step = ticks(np.nan_to_num(raw[3], nan=1.0), exchange, is_index)
    open_, high, low, close = _on_ticks(raw, step)
    prev_close = _previous_close(candles.close[np.ix_(previous_rows, picked)] / scale, open_, listed, step)
    vwap = np.clip(np.rint((high + low + close) / 3 / 10_000).astype(np.int64) * 10_000, low, high)
    volume = np.rint(np.nan_to_num(candles.volume[np.ix_(rows, picked)]) * scale).astype(np.int64)
    upper, lower = _price_band(prev_close, high, low, step)
    multipliers, actions = _multipliers(rng, grid, specs, simulation, picked, rows, prev_close, listed)
    adj_close = np.maximum(np.rint(close * adjustment_factors(multipliers)).astype(np.int64), 1)
    shares = np.array([_shares(specs[spec]) for spec in columns]) * scale
    prices = (open_, high, low, close, adj_close, volume, vwap, prev_close, upper, lower)
    return Block(exchange, columns, grid.dates[rows], rows, listed, *prices, shares), actions


def _shares(spec: SecuritySpec) -> float:
    return spec.profile.shares if spec.profile is not None else 0.0


def _previous_close(previous: np.ndarray, open_: np.ndarray, listed: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Yesterday's close in today's share units (so a split day shows the adjusted base, as exchanges publish it).

    On a listing day there is no yesterday: the issue price stands in, a little below the first open.
    """
    known = np.isfinite(previous)
    issue = np.rint(open_ / IPO_LISTING_GAIN / step).astype(np.int64) * step
    values = np.where(known, _to_ticks(np.where(known, previous, 1.0), step, "nearest"), issue)
    return np.where(listed, np.maximum(values, step), 0)


def _price_band(
    prev_close: np.ndarray, high: np.ndarray, low: np.ndarray, step: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    upper = np.rint(prev_close * (1 + NSE_PRICE_BAND) / step).astype(np.int64) * step
    lower = np.rint(prev_close * (1 - NSE_PRICE_BAND) / step).astype(np.int64) * step
    return np.maximum(upper, high), np.maximum(np.minimum(lower, low), step)


def _split_rows(
    rng: np.random.Generator,
    grid: Grid,
    simulation: Simulation,
    picked: np.ndarray,
    rows: np.ndarray,
    multipliers: np.ndarray,
) -> list[CorporateActionRow]:
    """Divide by the ratio on each split's ex-date row; the corporate action rows of those splits."""
    position_of = {int(row): position for position, row in enumerate(rows)}
    column_of = {simulation.columns[p]: column for column, p in enumerate(picked)}
    found = []
    for split in simulation.splits:
        if split.spec not in column_of or split.row not in position_of:
            continue
        multipliers[position_of[split.row], column_of[split.spec]] /= float(split.ratio)
        ex_date = to_date(grid.dates[split.row])
        record, _ = settlement_dates(ex_date, rng)
        found.append(
            CorporateActionRow(
                split.spec, split.action_type, ex_date, split.ratio, None, None, record, None, split.details
            )
        )
    return found


def _multipliers(
    rng: np.random.Generator,
    grid: Grid,
    specs: list[SecuritySpec],
    simulation: Simulation,
    picked: np.ndarray,
    rows: np.ndarray,
    prev_close: np.ndarray,
    listed: np.ndarray,
) -> tuple[np.ndarray, list[CorporateActionRow]]:
    """Per-row adjustment multipliers (1/ratio at splits, 1 − dividend/previous close at dividends) and the rows."""
    multipliers = np.ones(prev_close.shape)
    actions = _split_rows(rng, grid, simulation, picked, rows, multipliers)
    paid = simulation.dividend_yield[np.ix_(rows, picked)] * (multipliers == 1)  # no dividend on a split day
    for position, column in zip(*np.nonzero((paid > 0) & listed), strict=True):
        spec_index = simulation.columns[picked[column]]
        spec = specs[spec_index]
        amount = max(round(paid[position, column] * prev_close[position, column] / 10_000) * 10_000, 10_000)
        multipliers[position, column] *= 1 - amount / prev_close[position, column]
        ex_date = to_date(grid.dates[rows[position]])
        record, pay = settlement_dates(ex_date, rng)
        details = {"kind": dividend_kind(spec.exchange, ex_date)}
        amount_text = Decimal(amount) / MICRO
        actions.append(
            CorporateActionRow(spec_index, "dividend", ex_date, None, amount_text, spec.currency, record, pay, details)
        )
    return multipliers, actions
