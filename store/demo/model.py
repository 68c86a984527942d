"""The bar model: market regimes, GARCH volatility, sector and company shocks, gaps, candles and volume, on a day grid.

Everything is vectorised across securities; the only loop runs over days (a few thousand steps), because a GARCH
variance depends on the day before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRADING_DAYS_PER_YEAR = 252
# bull, sideways, bear, crisis: daily drift of the market, volatility multiplier, and the chance of leaving.
REGIME_NAMES = ("bull", "sideways", "bear", "crisis")
REGIME_DRIFT = np.array([0.24, 0.03, -0.25, -1.6]) / TRADING_DAYS_PER_YEAR
REGIME_VOLATILITY = np.array([0.8, 1.0, 1.45, 2.9])
REGIME_TRANSITIONS = np.array(
    [
        [0.9940, 0.0040, 0.0015, 0.0005],
        [0.0070, 0.9890, 0.0030, 0.0010],
        [0.0045, 0.0060, 0.9875, 0.0020],
        [0.0250, 0.0000, 0.0250, 0.9500],
    ]
)
MARKET_DRIFT = {"NSE": 0.05, "LSE": 0.0, "NASDAQ": 0.05}  # added to every regime, per year
MARKET_VOLATILITY = 0.0095  # daily, before regimes
GARCH_ALPHA, GARCH_BETA = 0.10, 0.88
IDIO_ALPHA, IDIO_BETA = 0.10, 0.88
MEAN_REVERSION = 0.0006  # daily pull of a company's own shocks back towards its market
GAP_SHARE = {"NSE": 0.45, "LSE": 0.35, "NASDAQ": 0.3}


@dataclass(frozen=True, slots=True)
class Candles:
    """Economic (split-free) candles on the grid: columns are securities, NaN before listing or after delisting."""

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    sigma: np.ndarray  # the day's volatility, for later models (ETFs, deals)


@dataclass(frozen=True, slots=True)
class MarketPaths:
    """What all securities share: the regime of each day and each exchange's market shock and volatility."""

    regimes: np.ndarray
    shocks: np.ndarray  # days x exchanges
    sigma: np.ndarray  # days x exchanges


def regimes(rng: np.random.Generator, days: int) -> np.ndarray:
    """A Markov chain of regimes, starting in a bull market."""
    draws = rng.random(days)
    cumulative = np.cumsum(REGIME_TRANSITIONS, axis=1)
    states = np.empty(days, dtype=np.int8)
    state = 0
    for day in range(days):
        state = int(np.searchsorted(cumulative[state], draws[day], side="right"))
        states[day] = min(state, len(REGIME_NAMES) - 1)
    return states


def market_paths(rng: np.random.Generator, days: int, exchanges: int) -> MarketPaths:
    """Correlated market shocks per exchange with GARCH(1,1) volatility scaled by the regime."""
    states = regimes(rng, days)
    common = rng.standard_normal(days)
    local = rng.standard_normal((days, exchanges))
    draws = 0.6 * common[:, None] + 0.8 * local
    omega = MARKET_VOLATILITY**2 * (1 - GARCH_ALPHA - GARCH_BETA)
    variance = np.full(exchanges, MARKET_VOLATILITY**2)
    shocks, sigma = np.empty((days, exchanges)), np.empty((days, exchanges))
    multiplier = REGIME_VOLATILITY[states]
    for day in range(days):
        # The regime scales the shock; the GARCH recursion sees the unscaled one, so it stays stationary.
        base = np.sqrt(variance) * draws[day]
        sigma[day] = np.sqrt(variance) * multiplier[day]
        shocks[day] = base * multiplier[day]
        variance = omega + GARCH_ALPHA * base**2 + GARCH_BETA * variance
    return MarketPaths(states, shocks, sigma)


def company_shocks(
    rng: np.random.Generator, daily_vol: np.ndarray, jumps: np.ndarray, states: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """GARCH(1,1) company shocks with jumps, pulled slowly back so that no company drifts off for ever."""
    days, count = jumps.shape
    draws = rng.standard_normal((days, count))
    omega = daily_vol**2 * (1 - IDIO_ALPHA - IDIO_BETA)
    variance = daily_vol**2
    deviation = np.zeros(count)
    shocks, sigma = np.empty((days, count)), np.empty((days, count))
    multiplier = np.sqrt(REGIME_VOLATILITY[states])
    for day in range(days):
        base = np.sqrt(variance) * draws[day]
        sigma[day] = np.sqrt(variance) * multiplier[day]
        variance = omega + IDIO_ALPHA * base**2 + IDIO_BETA * variance
        shocks[day] = base * multiplier[day] + jumps[day] - MEAN_REVERSION * deviation
        deviation += shocks[day]
    return shocks, sigma


def event_days(rng: np.random.Generator, days: int, count: int, per_year: int, jitter: int) -> np.ndarray:
    """A boolean days x count grid with `per_year` roughly evenly spaced events per column (earnings, dividends)."""
    period = TRADING_DAYS_PER_YEAR // per_year
    marks = np.zeros((days, count), dtype=bool)
    offsets = rng.integers(0, period, count)
    steps = np.arange(0, days + period, period)
    rows = offsets[None, :] + steps[:, None] + rng.integers(-jitter, jitter + 1, (len(steps), count))
    columns = np.broadcast_to(np.arange(count), rows.shape)
    inside = (rows >= 0) & (rows < days)
    marks[rows[inside], columns[inside]] = True
    return marks


def candles_from_returns(
    rng: np.random.Generator,
    start_price: np.ndarray,
    returns: np.ndarray,
    gaps: np.ndarray,
    sigma: np.ndarray,
    alive: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Open, high, low, close from daily log returns and overnight gaps; NaN where the security is not listed."""
    first_alive = np.argmax(alive, axis=0)
    log_close = np.cumsum(returns, axis=0)
    log_close += np.log(start_price) - log_close[first_alive, np.arange(returns.shape[1])]
    close = np.exp(log_close)
    previous = np.vstack([close[:1] / np.exp(returns[:1]), close[:-1]])
    open_ = previous * np.exp(gaps)
    reach = np.abs(rng.standard_normal((2, *returns.shape))) * sigma * 0.55
    high = np.maximum(open_, close) * np.exp(reach[0])
    low = np.minimum(open_, close) * np.exp(-reach[1])
    for array in (open_, high, low, close):
        array[~alive] = np.nan
    return open_, high, low, close


def volumes(
    rng: np.random.Generator,
    base: np.ndarray,
    returns: np.ndarray,
    sigma: np.ndarray,
    typical_sigma: np.ndarray,
    busy: np.ndarray,
) -> np.ndarray:
    """Shares traded: more on volatile days, on big moves and on busy days (earnings, IPOs), with lognormal noise."""
    days = returns.shape[0]
    growth = np.exp(np.linspace(0.0, 0.05 * days / TRADING_DAYS_PER_YEAR, days))[:, None]
    excitement = (sigma / typical_sigma) ** 1.2 * np.exp(0.45 * np.minimum(np.abs(returns) / typical_sigma, 5.0) - 0.35)
    noise = np.exp(rng.normal(0.0, 0.45, returns.shape))
    volume = base[None, :] * growth * excitement * noise * np.where(busy, 2.5, 1.0)
    return np.asarray(np.maximum(np.rint(volume), 1.0))
