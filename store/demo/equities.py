"""Equity paths: market, sector and company shocks combined, with earnings jumps, dividend drops and IPO dates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from store.demo import model
from store.demo.grid import Grid
from store.demo.model import TRADING_DAYS_PER_YEAR, Candles, MarketPaths
from store.demo.universe import EXCHANGE_CODES, EXCHANGES, SecuritySpec

NSE_DAILY_LIMIT = 0.18
SECTOR_VOLATILITY = 0.006


@dataclass(frozen=True, slots=True)
class EquityPaths:
    """Economic candles of every equity plus the events the later steps need (dividend rows and yields)."""

    columns: list[int]  # spec index of each column
    candles: Candles
    alive: np.ndarray
    dividend_rows: np.ndarray  # days x columns: True on ex-dividend rows
    dividend_yield: np.ndarray  # days x columns: the yield paid on that row


def alive_mask(grid: Grid, specs: list[SecuritySpec]) -> np.ndarray:
    """Rows where each security trades: from its first day (IPOs) to its last (delisted), else the whole grid."""
    alive = np.ones((grid.days, len(specs)), dtype=bool)
    for column, spec in enumerate(specs):
        if spec.first_day is not None:
            first_row = int(grid.next_trading(spec.exchange, np.array([grid.row_of(spec.first_day)]))[0])
            alive[:first_row, column] = False
        if spec.last_day is not None:
            alive[grid.row_of(spec.last_day) + 1 :, column] = False
    return alive


def _snap(grid: Grid, marks: np.ndarray, exchanges: np.ndarray) -> np.ndarray:
    """Move every marked row to its exchange's next trading day."""
    snapped = np.zeros_like(marks)
    for code in EXCHANGE_CODES:
        rows, columns = np.nonzero(marks & (exchanges == code)[None, :])
        snapped[grid.next_trading(code, rows), columns] = True
    return snapped


def _dividends(rng: np.random.Generator, grid: Grid, specs: list[SecuritySpec], exchanges: np.ndarray) -> np.ndarray:
    """The yield paid on each ex-dividend row (0 elsewhere), payers only and inside the window."""
    yields = np.array([spec.profile.dividend_yield if spec.profile else 0.0 for spec in specs])
    paid = np.zeros((grid.days, len(specs)))
    for code in EXCHANGE_CODES:
        per_year = EXCHANGES[code].payouts_per_year
        marks = model.event_days(rng, grid.days, len(specs), per_year, jitter=4) & (exchanges == code)[None, :]
        paid += _snap(grid, marks, exchanges) * (yields / per_year)[None, :]
    paid[: grid.start] = 0.0
    return paid


def _factor_returns(
    rng: np.random.Generator, chosen: list[SecuritySpec], beta: np.ndarray, market: MarketPaths, days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each equity's market and sector part of its daily log return, and the variance of that part."""
    exchange_index = np.array([EXCHANGE_CODES.index(spec.exchange) for spec in chosen])
    keys = np.unique([f"{spec.exchange}|{spec.industry_name}" for spec in chosen], return_inverse=True)[1]
    sector = rng.standard_normal((days, int(keys.max()) + 1)) * SECTOR_VOLATILITY
    sector *= np.sqrt(model.REGIME_VOLATILITY[market.regimes])[:, None]
    yearly = np.array([model.MARKET_DRIFT[code] for code in EXCHANGE_CODES]) / TRADING_DAYS_PER_YEAR
    drift = model.REGIME_DRIFT[market.regimes][:, None] + yearly
    part = beta * (drift + market.shocks)[:, exchange_index] + sector[:, keys]
    return part, (beta * market.sigma[:, exchange_index]) ** 2 + SECTOR_VOLATILITY**2


def _busy(earnings: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """Earnings days and the first three sessions after an IPO trade heavily."""
    busy = earnings.copy()
    first_rows = np.argmax(alive, axis=0)
    for offset in range(3):
        busy[np.minimum(first_rows + offset, len(busy) - 1), np.arange(busy.shape[1])] |= first_rows > 0
    return busy


def simulate_equities(
    rng: np.random.Generator, grid: Grid, specs: list[SecuritySpec], market: MarketPaths
) -> EquityPaths:
    columns = [index for index, spec in enumerate(specs) if spec.instrument_type == "equity"]
    chosen = [specs[index] for index in columns]
    profiles = [spec.model for spec in chosen]
    exchanges = np.array([spec.exchange for spec in chosen])
    beta = np.array([profile.beta for profile in profiles])
    daily_vol = np.array([profile.volatility for profile in profiles]) / np.sqrt(TRADING_DAYS_PER_YEAR)
    shape = (grid.days, len(chosen))
    alive = alive_mask(grid, chosen)
    earnings = _snap(grid, model.event_days(rng, *shape, 4, jitter=4), exchanges)
    news = rng.random(shape) < 0.0015
    jumps = rng.standard_normal(shape) * daily_vol * np.where(earnings, 2.4, np.where(news, 4.0, 0.0))
    shocks, company_sigma = model.company_shocks(rng, daily_vol, jumps, market.regimes)
    systematic, systematic_variance = _factor_returns(rng, chosen, beta, market, grid.days)
    sigma = np.sqrt(systematic_variance + company_sigma**2)
    alpha = np.array([profile.alpha for profile in profiles]) / TRADING_DAYS_PER_YEAR
    # log drift = arithmetic drift − σ²/2 for the company part (the market part is already a log drift)
    returns = systematic + shocks + alpha - 0.5 * daily_vol**2
    returns = np.where(exchanges == "NSE", np.clip(returns, -NSE_DAILY_LIMIT, NSE_DAILY_LIMIT), returns)
    paid = _dividends(rng, grid, chosen, exchanges)
    drops = np.log1p(-paid)
    returns += drops
    share = np.array([model.GAP_SHARE[code] for code in exchanges])
    gaps = share * (returns - jumps - drops) + jumps + drops + rng.normal(0.0, 0.25, shape) * sigma * 0.5
    start = np.array([profile.start_price for profile in profiles])
    open_, high, low, close = model.candles_from_returns(rng, start, returns, gaps, sigma, alive)
    base = np.array([profile.shares * profile.turnover for profile in profiles])
    volume = model.volumes(rng, base, returns, sigma, np.median(sigma, axis=0), _busy(earnings, alive))
    volume[~alive] = np.nan
    candles = Candles(open_, high, low, close, volume, sigma)
    return EquityPaths(columns, candles, alive, (paid > 0) & alive, np.where(alive, paid, 0.0))
