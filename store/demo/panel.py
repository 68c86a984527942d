"""Recent bars of each exchange's equities as float arrays, with the indicators agents and alerts look at."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from store.demo.bars import MICRO, Block
from store.demo.prices import PriceBook
from store.demo.universe import EXCHANGES, SecuritySpec

LOOKBACK_ROWS = 330
RSI_PERIOD = 14


def sma(values: np.ndarray, period: int) -> np.ndarray:
    """Simple moving average down the rows; NaN until `period` rows are there."""
    summed = np.cumsum(np.vstack([np.zeros((1, values.shape[1])), values]), axis=0)
    result = np.full(values.shape, np.nan)
    if len(values) >= period:
        result[period - 1 :] = (summed[period:] - summed[:-period]) / period
    return result


def trailing(values: np.ndarray, period: int, how: str) -> np.ndarray:
    """max/min/mean of the `period` rows BEFORE each row (NaN where fewer are there)."""
    result = np.full(values.shape, np.nan)
    if len(values) > period:
        windows = np.lib.stride_tricks.sliding_window_view(values, period, axis=0)[:-1]
        if how == "max":
            result[period:] = windows.max(axis=2)
        elif how == "min":
            result[period:] = windows.min(axis=2)
        else:
            result[period:] = windows.mean(axis=2)
    return result


def wilder_rsi(close: np.ndarray, period: int = RSI_PERIOD) -> np.ndarray:
    """RSI with Wilder's smoothing, seeded by the mean of the first `period` changes (TA-Lib's convention)."""
    change = np.diff(close, axis=0)
    gains, losses = np.maximum(change, 0.0), np.maximum(-change, 0.0)
    result = np.full(close.shape, np.nan)
    if len(change) < period:
        return result
    gain, loss = gains[:period].mean(axis=0), losses[:period].mean(axis=0)
    for row in range(period, len(close)):
        if row > period:
            gain = (gain * (period - 1) + gains[row - 1]) / period
            loss = (loss * (period - 1) + losses[row - 1]) / period
        result[row] = 100 - 100 / (1 + gain / np.maximum(loss, 1e-12))
    return result


@dataclass(frozen=True)  # no slots: the indicators are cached on the instance
class Panel:
    """One exchange's equities that traded throughout the lookback: rows are its last sessions."""

    exchange: str
    specs: list[int]
    dates: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    adj_close: np.ndarray
    volume: np.ndarray

    @cached_property
    def adjusted(self) -> dict[str, np.ndarray]:
        factor = self.adj_close / self.close
        return {"open": self.open * factor, "high": self.high * factor, "low": self.low * factor}

    @cached_property
    def sma50(self) -> np.ndarray:
        return sma(self.adj_close, 50)

    @cached_property
    def sma200(self) -> np.ndarray:
        return sma(self.adj_close, min(200, len(self.dates) - 1))

    @cached_property
    def rsi(self) -> np.ndarray:
        return wilder_rsi(self.adj_close)

    @cached_property
    def volume_average(self) -> np.ndarray:
        return trailing(self.volume, 20, "mean")

    @cached_property
    def high_52w(self) -> np.ndarray:
        return trailing(self.adjusted["high"], min(252, len(self.dates) - 1), "max")

    @cached_property
    def low_52w(self) -> np.ndarray:
        return trailing(self.adjusted["low"], min(252, len(self.dates) - 1), "min")

    def row_before(self, day: dt.date) -> int:
        """The last session strictly before `day` (-1 when none is)."""
        return int(np.searchsorted(self.dates, np.datetime64(day, "D"))) - 1

    def date(self, row: int) -> dt.date:
        return dt.date.fromisoformat(str(self.dates[row]))

    def session_close(self, row: int) -> dt.datetime:
        return dt.datetime.combine(self.date(row), EXCHANGES[self.exchange].close_utc, tzinfo=dt.UTC)


def panel(block: Block, specs: list[SecuritySpec], kinds: tuple[str, ...] = ("equity",)) -> Panel:
    rows = slice(max(len(block.dates) - LOOKBACK_ROWS, 0), len(block.dates))
    columns = [
        position
        for position, spec in enumerate(block.columns)
        if specs[spec].instrument_type in kinds and specs[spec].is_active and block.listed[rows, position].all()
    ]

    def pick(values: np.ndarray) -> np.ndarray:
        return np.asarray(values[rows][:, columns], dtype=float)

    return Panel(
        exchange=block.exchange,
        specs=[block.columns[position] for position in columns],
        dates=block.dates[rows],
        open=pick(block.open) / MICRO,
        high=pick(block.high) / MICRO,
        low=pick(block.low) / MICRO,
        close=pick(block.close) / MICRO,
        adj_close=pick(block.adj_close) / MICRO,
        volume=pick(block.volume),
    )


def panels(book: PriceBook, specs: list[SecuritySpec]) -> dict[str, Panel]:
    return {code: panel(block, specs) for code, block in book.blocks.items()}


def report_days(book: PriceBook, count: int) -> list[dt.date]:
    """The last `count` days on which at least one of the exchanges traded."""
    days = np.unique(np.concatenate([block.dates for block in book.blocks.values()]))
    return [dt.date.fromisoformat(str(day)) for day in days[-count:]]
