"""Three strategies traded over the last year of the demo's bars: brackets, stops, targets and time exits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from store.demo.panel import Panel, trailing
from store.demo.universe import EXCHANGES

TRADING_SESSIONS = 250
SESSION_OPEN_UTC = {"NSE": dt.time(3, 45), "LSE": dt.time(8, 0), "NASDAQ": dt.time(14, 30)}
USD_PER_UNIT = {"INR": 0.0119, "GBX": 0.0127, "USD": 1.0}  # fixed demo rates for the whole-book view


@dataclass(frozen=True, slots=True)
class StrategySpec:
    name: str
    strategy_type: str
    exchange: str
    description: str
    capital: float
    risk_pct: float
    max_position_pct: float
    max_drawdown_pct: float
    max_open: int
    stop_atr: float
    target_atr: float
    max_days: int
    entry: str  # market or limit
    is_active: bool = True
    parameters: dict[str, Any] = field(default_factory=dict)


STRATEGIES = (
    StrategySpec(
        "NSE Momentum Breakout",
        "momentum",
        "NSE",
        "Buys 52-week-high breakouts on heavy volume; ATR stops.",
        10_000_000,
        1.0,
        12.0,
        15.0,
        6,
        2.0,
        4.0,
        30,
        "market",
        parameters={"entry": "close above the 52-week high on 1.5x average volume", "stop_atr": 2, "target_atr": 4},
    ),
    StrategySpec(
        "NASDAQ Mean Reversion",
        "mean_reversion",
        "NASDAQ",
        "Buys oversold dips in long-term uptrends.",
        250_000,
        0.75,
        10.0,
        12.0,
        8,
        1.5,
        2.0,
        10,
        "limit",
        parameters={"entry": "RSI(14) under 32 above the 200-day average", "limit_offset_pct": 0.5},
    ),
    StrategySpec(
        "LSE Dividend Value",
        "value",
        "LSE",
        "Buys pullbacks to the 50-day average in dividend payers.",
        20_000_000,
        0.5,
        8.0,
        10.0,
        5,
        2.5,
        3.0,
        40,
        "market",
        is_active=False,
        parameters={"entry": "close 5% under the 50-day average, above the 200-day", "paused": "review of LSE costs"},
    ),
)


@dataclass(slots=True)
class RoundTrip:
    """One bracketed trade: entry order, stop and target legs, how it ended (or that it is still open)."""

    strategy: str
    spec: int
    column: int
    signal_row: int
    entry_row: int
    quantity: int
    entry_price: float
    stop: float
    target: float
    limit_price: float | None
    filled: bool = True
    exit_row: int | None = None
    exit_price: float | None = None
    exit_reason: str | None = None  # stop, target, time


def atr(panel: Panel, period: int = 14) -> np.ndarray:
    previous = np.vstack([panel.close[:1], panel.close[:-1]])
    true_range = np.maximum(panel.high, previous) - np.minimum(panel.low, previous)
    return trailing(true_range, period, "mean")


def _candidates(strategy: StrategySpec, panel: Panel, row: int, allowed: np.ndarray) -> np.ndarray:
    ratio = panel.volume[row] / panel.volume_average[row]
    close = panel.adj_close[row]
    if strategy.strategy_type == "momentum":
        hits = (close > panel.high_52w[row]) & (ratio > 1.5)
        order = -ratio
    elif strategy.strategy_type == "mean_reversion":
        hits = (panel.rsi[row] < 32) & (close > panel.sma200[row])
        order = panel.rsi[row]
    else:
        weekly = panel.dates[row].astype("datetime64[W]") != panel.dates[row - 1].astype("datetime64[W]")
        hits = weekly & (close < 0.95 * panel.sma50[row]) & (close > panel.sma200[row])
        order = close / panel.sma50[row]
    picked = np.flatnonzero(hits & allowed)
    return picked[np.argsort(order[picked], kind="stable")]


def _tick(exchange: str) -> float:
    return {"NSE": 0.05, "LSE": 0.5, "NASDAQ": 0.01}[exchange]


def _round(value: float, step: float) -> float:
    return round(round(value / step) * step, 4)


def _exit(strategy: StrategySpec, panel: Panel, trip: RoundTrip) -> None:
    """Scan forward: a gap through the stop fills at the open; a stop and a target on one bar count as the stop."""
    last = len(panel.dates) - 1
    column = trip.column
    for row in range(trip.entry_row, min(trip.entry_row + strategy.max_days, last) + 1):
        open_, high, low = panel.open[row, column], panel.high[row, column], panel.low[row, column]
        if low <= trip.stop:
            trip.exit_row, trip.exit_reason = row, "stop"
            trip.exit_price = float(min(open_, trip.stop)) if row > trip.entry_row else trip.stop
            return
        if high >= trip.target:
            trip.exit_row, trip.exit_reason = row, "target"
            trip.exit_price = float(max(open_, trip.target)) if row > trip.entry_row else trip.target
            return
    if trip.entry_row + strategy.max_days <= last:
        trip.exit_row, trip.exit_reason = trip.entry_row + strategy.max_days, "time"
        trip.exit_price = float(panel.close[trip.exit_row, column])


def _open_trip(strategy: StrategySpec, panel: Panel, ranges: np.ndarray, row: int, column: int) -> RoundTrip:
    step = _tick(strategy.exchange)
    next_open, next_low = panel.open[row + 1, column], panel.low[row + 1, column]
    limit = _round(panel.close[row, column] * 0.995, step) if strategy.entry == "limit" else None
    filled = limit is None or next_low <= limit
    price = float(next_open) if limit is None else float(min(next_open, limit))
    stop = _round(price - strategy.stop_atr * ranges[row, column], step)
    target = _round(price + strategy.target_atr * ranges[row, column], step)
    risk_budget = strategy.capital * strategy.risk_pct / 100
    quantity = int(
        min(risk_budget / max(price - stop, step), strategy.capital * strategy.max_position_pct / 100 / price)
    )
    return RoundTrip(
        strategy.name, panel.specs[column], column, row, row + 1, max(quantity, 1), price, stop, target, limit, filled
    )


def backtest(strategy: StrategySpec, panel: Panel, avoid: set[int]) -> list[RoundTrip]:
    """Walk the last sessions: exits first, then new entries while there is room, one position per name."""
    ranges = atr(panel)
    allowed = np.array([spec not in avoid for spec in panel.specs]) & np.isfinite(ranges[-1])
    trips: list[RoundTrip] = []
    last = len(panel.dates) - 1
    for row in range(max(last - TRADING_SESSIONS, 60), last):
        holding = {t.column for t in trips if t.filled and (t.exit_row is None or t.exit_row > row)}
        room = strategy.max_open - len(holding)
        for column in _candidates(strategy, panel, row, allowed)[: max(room, 0)]:
            if int(column) in holding or not np.isfinite(ranges[row, column]):
                continue
            trip = _open_trip(strategy, panel, ranges, row, int(column))
            if trip.filled:
                _exit(strategy, panel, trip)
                holding.add(int(column))
            trips.append(trip)
    return trips


def fees(exchange: str, side: str, quantity: int, price: float) -> float:
    notional = quantity * price
    if exchange == "NSE":
        return round(notional * 0.0003 + 20.0 + (notional * 0.001 if side == "sell" else 0.0), 2)
    if exchange == "LSE":  # pence: commission 0.1%, stamp duty 0.5% on purchases
        return round(notional * (0.001 + (0.005 if side == "buy" else 0.0)), 2)
    return round(max(quantity * 0.005, 1.0), 2)


def session_time(panel: Panel, row: int, minutes: int) -> dt.datetime:
    open_time = dt.datetime.combine(panel.date(row), SESSION_OPEN_UTC[panel.exchange], tzinfo=dt.UTC)
    return open_time + dt.timedelta(minutes=minutes)


def money(exchange: str) -> str:
    """Strategies keep their books in the currency their exchange quotes in (pence for London)."""
    return EXCHANGES[exchange].quote_currency
