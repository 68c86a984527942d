"""Screen ratings beyond the classic indicators: RS rating, VARS, Weinstein stage and the VCP score.

Each works on bars sorted by security then date (a `Layout`); the two that compare a security with
the universe (RS rating, VARS) rank or average each trading day's row of a `DayGrid`.
Definitions and warm-up periods are in docs/metrics.md.
"""

from __future__ import annotations

import numpy as np

from store.analytics.metrics import FloatArray, Layout, rolling_extreme, sma

QUARTER = 63  # trading sessions
YEAR = 4 * QUARTER  # the 252 sessions of RS and of the 52-week range
STAGE_AVERAGE = 150  # 30 weeks of five sessions
STAGE_SLOPE = 20  # the average's change over 4 weeks
STAGE_PRIOR = 100  # where the average stood 20 weeks earlier: was the market coming down or up?
STAGE_FLAT = 0.01  # a 4-week change within ±1% is a flat average
VCP_WINDOW = 42  # three windows of about two months: the pullbacks compared
VCP_NEAR_HIGH = 0.25  # 25% under the 6-month high counts as nowhere near it
NEUTRAL_RATING = 50  # a day whose universe has a single security ranks it in the middle


def rs_score(layout: Layout, close: np.ndarray) -> FloatArray:
    """The weighted 12-month performance: 2·C/C[63] + C/C[126] + C/C[189] + C/C[252] (last quarter twice)."""
    score = 2.0 * close / layout.lagged(close, QUARTER)
    for quarters in (2, 3, 4):
        score += close / layout.lagged(close, quarters * QUARTER)
    return np.asarray(score)


class DayGrid:
    """The ranked rows as a trading day x security matrix, for what compares a security with its universe."""

    def __init__(self, layout: Layout, days: np.ndarray, ranked: np.ndarray) -> None:
        offset = days - days.min() if len(days) else days
        present = np.bincount(offset) > 0 if len(days) else np.zeros(0, dtype=bool)
        self.day_index = (np.cumsum(present) - 1)[offset]
        security = np.repeat(np.arange(layout.securities), layout.lengths)
        self.cells = self.day_index * layout.securities + security
        self.ranked = ranked
        self.shape = (int(present.sum()), layout.securities)

    def matrix(self, values: np.ndarray) -> FloatArray:
        """The ranked rows' values in their cells (NaN elsewhere)."""
        grid = np.full(self.shape, np.nan)
        grid.ravel()[self.cells[self.ranked]] = values[self.ranked]
        return grid

    def bars(self, grid: FloatArray) -> FloatArray:
        """Each bar's cell of a matrix."""
        return np.asarray(grid.ravel()[self.cells])


def rs_ratings(grid: DayGrid, score: np.ndarray) -> FloatArray:
    """1-99 percentile rank of each ranked row's score among the ranked rows of its day (NaN elsewhere).

    rating = 1 + round(98·(rank - 1)/(n - 1)) with rank the lowest rank of equal scores, so the
    weakest of a day is 1, the strongest 99 and equal scores share a rating.
    """
    scores = grid.matrix(score)
    order = np.argsort(scores, axis=1)  # NaN sorts last
    ordered = np.take_along_axis(scores, order, axis=1)
    places = np.arange(scores.shape[1])
    new_value = np.ones(scores.shape, dtype=bool)
    new_value[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    below = np.maximum.accumulate(np.where(new_value, places, 0), axis=1)
    ranks = np.empty(scores.shape)
    np.put_along_axis(ranks, order, below, axis=1)
    count = np.sum(~np.isnan(scores), axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratings = np.where(count > 1, 1.0 + np.round(98.0 * ranks / (count - 1)), float(NEUTRAL_RATING))
    ratings[np.isnan(scores)] = np.nan
    return grid.bars(ratings)


def performance(layout: Layout, close: np.ndarray, period: int = QUARTER) -> FloatArray:
    """The return over `period` sessions: close/close[period] - 1."""
    return np.asarray(close / layout.lagged(close, period) - 1.0)


def vars_score(grid: DayGrid, returns: np.ndarray, volatility: np.ndarray) -> FloatArray:
    """Volatility-adjusted relative strength: (return - the universe's median return that day) / volatility.

    `returns` and `volatility` are over the same period (QUARTER): see `performance` and `volatility`.
    """
    medians = _row_medians(grid.matrix(returns))
    excess = returns - medians[grid.day_index]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(volatility > 1e-12, excess / volatility, np.nan)


def _row_medians(matrix: FloatArray) -> FloatArray:
    """The median of each row's non-NaN values (NaN for a row without any): one sort, no Python loop."""
    ordered = np.sort(matrix, axis=1)  # NaN sorts last
    count = np.sum(~np.isnan(matrix), axis=1)
    lower = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0)[:, None], axis=1)[:, 0]
    upper = np.take_along_axis(ordered, np.maximum(count // 2, 0)[:, None], axis=1)[:, 0]
    return np.where(count > 0, (lower + upper) / 2.0, np.nan)


def volatility(layout: Layout, close: np.ndarray, period: int = QUARTER) -> FloatArray:
    """Standard deviation of the last `period` daily log returns, scaled to the period."""
    returns = np.log(close / layout.previous(close))
    returns[layout.position == 0] = 0.0
    mean = sma(layout, returns, period)
    mean_square = sma(layout, returns * returns, period)
    variance = np.maximum(mean_square - mean * mean, 0.0) * period / (period - 1)
    # The first bar has no return: the window must hold `period` real ones.
    variance[layout.position < period] = np.nan
    return np.asarray(np.sqrt(variance * period))


def stages(layout: Layout, close: np.ndarray) -> FloatArray:
    """Weinstein's stage 1-4 from the 30-week (150-session) average and its 4-week change.

    Rising average (more than +1% in 4 weeks): stage 2 with the close above it, else 3 (topping).
    Falling (more than -1%): stage 4 with the close below it, else 1 (basing). Flat: 1 when the
    average stands below where it was 20 weeks earlier (a base after a decline), else 3.
    """
    average = sma(layout, close, STAGE_AVERAGE)
    slope = average / layout.lagged(average, STAGE_SLOPE) - 1.0
    prior = layout.lagged(average, STAGE_PRIOR)
    flat_stage = np.where(average < prior, 1.0, 3.0)
    stage = np.where(
        slope > STAGE_FLAT,
        np.where(close >= average, 2.0, 3.0),
        np.where(slope < -STAGE_FLAT, np.where(close <= average, 4.0, 1.0), flat_stage),
    )
    stage[np.isnan(slope) | np.isnan(prior)] = np.nan
    return stage


def vcp_scores(layout: Layout, close: np.ndarray, high: np.ndarray, low: np.ndarray, volume: np.ndarray) -> FloatArray:
    """Volatility contraction pattern score 0-100 over the last three windows of 42 sessions.

    Depth of a window = 1 - lowest low / highest high; volume = its average volume. Points:
    30 for depths shrinking window to window (15 per step), 30 for volume falling (15 per step),
    20 for how much tighter the last window is than the first (1 - last/first depth, 0..1), and
    20 for closeness to the 6-month high (full at the high, none 25% or more below it).
    """
    highest = rolling_extreme(layout, high, VCP_WINDOW, highest=True)
    lowest = rolling_extreme(layout, low, VCP_WINDOW, highest=False)
    depth = 1.0 - lowest / highest
    average_volume = sma(layout, volume, VCP_WINDOW)
    depths = [layout.lagged(depth, 2 * VCP_WINDOW), layout.lagged(depth, VCP_WINDOW), depth]
    volumes = [layout.lagged(average_volume, 2 * VCP_WINDOW), layout.lagged(average_volume, VCP_WINDOW)]
    volumes.append(average_volume)
    shrinking = ((depths[1] < depths[0]).astype(float) + (depths[2] < depths[1])) / 2
    drying = ((volumes[1] < volumes[0]).astype(float) + (volumes[2] < volumes[1])) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        tighter = np.clip(np.where(depths[0] > 0, 1.0 - depths[2] / depths[0], 0.0), 0.0, 1.0)
    six_month_high = np.fmax(
        highest, np.fmax(layout.lagged(highest, VCP_WINDOW), layout.lagged(highest, 2 * VCP_WINDOW))
    )
    near_high = np.clip(1.0 - (1.0 - close / six_month_high) / VCP_NEAR_HIGH, 0.0, 1.0)
    score = 100.0 * (0.3 * shrinking + 0.3 * drying + 0.2 * tighter + 0.2 * near_high)
    score[layout.position < 3 * VCP_WINDOW - 1] = np.nan
    return np.asarray(score)
