"""Indicator kernels on bars sorted by security then date: SMA, Wilder ATR and RSI as TA-Lib computes them.

The bars of every security lie in one contiguous run. A `Layout` places the runs as the rows of a
panel (security x bar number, aligned at each security's first bar, zeros after its last), so a moving
sum is one cumulative sum along the rows and no window ever crosses into another security. Wilder's
smoothing a[p] = a[p-1]·(n-1)/n + x[p]/n is a linear filter; it runs blockwise: inside a block of
B bars it is a cumulative sum weighted by (n/(n-1))^j, and only the block ends are carried forward
one block at a time. That is a few passes over the panel instead of a Python loop per security.
Values follow TA-Lib (no unstable period): SMA(n) from bar n-1, ATR(n) and RSI(n) from bar n.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

FloatArray = np.ndarray
# TA-Lib's RSI is 0 when the average gain and loss together are this close to zero (TA_IS_ZERO).
TA_ZERO = 1e-8
_BLOCK_SIZES = range(24, 11, -1)
_DEFAULT_BLOCK = 24
# Securities per pass: about this many panel cells, so a pass's arrays stay in the processor's cache.
CHUNK_CELLS = 1 << 17


class Layout:
    """Where each security's run of bars starts and ends, and how runs map onto the rows of a panel."""

    def __init__(self, security_ids: np.ndarray) -> None:
        ids = np.asarray(security_ids)
        count = len(ids)
        if count and np.any(ids[1:] < ids[:-1]):
            raise ValueError("bars must be sorted by security (then by date)")
        boundaries = np.flatnonzero(ids[1:] != ids[:-1]) + 1 if count else np.empty(0, np.int64)
        self.rows = count
        self.starts = np.concatenate([[0], boundaries]).astype(np.int64) if count else np.empty(0, np.int64)
        self.lengths = np.diff(np.concatenate([self.starts, [count]])).astype(np.int64)
        longest = int(self.lengths.max()) if count else 0
        self.block = _block_size(longest)
        self.width = max(-(-longest // self.block) * self.block, self.block)
        self.rectangular = bool(count) and bool(np.all(self.lengths == longest))

    @property
    def securities(self) -> int:
        return len(self.starts)

    @cached_property
    def position(self) -> np.ndarray:
        """Each bar's number within its security's run (0 for the first bar)."""
        return np.arange(self.rows, dtype=np.int64) - np.repeat(self.starts, self.lengths)

    @cached_property
    def _flat_index(self) -> np.ndarray:
        """Each bar's index in the flattened panel."""
        rows = np.repeat(np.arange(self.securities, dtype=np.int64), self.lengths)
        return np.asarray(rows * self.width + self.position)

    def panel(self, values: np.ndarray) -> FloatArray:
        """The values as a securities x width panel, 0 after each security's last bar (never read back)."""
        values = np.asarray(values, dtype=np.float64)
        if self.rectangular:
            longest = int(self.lengths[0])
            if longest == self.width:
                return values.reshape(self.securities, self.width)
            padded = np.zeros((self.securities, self.width))
            padded[:, :longest] = values.reshape(self.securities, longest)
            return padded
        padded = np.zeros((self.securities, self.width))
        padded.ravel()[self._flat_index] = values
        return padded

    def bars(self, panel: FloatArray) -> FloatArray:
        """A panel's values back in the order of the bars."""
        if self.rectangular:
            return np.ascontiguousarray(panel[:, : int(self.lengths[0])]).ravel()
        return np.asarray(panel.ravel()[self._flat_index])

    def previous(self, values: np.ndarray) -> FloatArray:
        """The value of the bar before, within the same security (NaN on each security's first bar)."""
        return self.lagged(values, 1)

    def lagged(self, values: np.ndarray, bars: int) -> FloatArray:
        """The value `bars` bars earlier within the same security (NaN where the run is shorter)."""
        shifted = np.full(self.rows, np.nan)
        if bars < self.rows:
            shifted[bars:] = values[: self.rows - bars]
        shifted[self.position < bars] = np.nan
        return shifted


class Scratch:
    """Work arrays reused from one group of securities to the next (fresh memory costs page faults)."""

    def __init__(self) -> None:
        self._arrays: dict[tuple[str, tuple[int, ...]], FloatArray] = {}

    def get(self, name: str, shape: tuple[int, ...]) -> FloatArray:
        key = (name, shape)
        if key not in self._arrays:
            self._arrays[key] = np.empty(shape)
        return self._arrays[key]


def _block_size(longest: int) -> int:
    """The largest block size of 12..24 that divides the longest run (no padding when rectangular), else 24."""
    for size in _BLOCK_SIZES:
        if longest % size == 0:
            return size
    return _DEFAULT_BLOCK


def indicators(
    layout: Layout,
    close: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    *,
    sma_periods: tuple[int, ...] = (10, 20, 50, 200),
    period: int = 14,
) -> dict[str, FloatArray]:
    """SMA of the close for each of `sma_periods` (`sma_50`…), `atr` and `rsi` of `period`, per bar.

    The panel is worked through a few securities at a time, so that the intermediate arrays stay in
    the processor's cache: the work is a handful of passes over memory, not one per operation.
    """
    closes, highs, lows = layout.panel(close), layout.panel(high), layout.panel(low)
    panels = {name: np.empty(closes.shape) for name in [*(f"sma_{n}" for n in sma_periods), "atr", "rsi"]}
    step = max(1, CHUNK_CELLS // layout.width)
    scratch = Scratch()
    for first in range(0, layout.securities, step):
        rows = slice(first, first + step)
        count = closes[rows].shape[0]
        sums = np.cumsum(closes[rows], axis=1, out=scratch.get("sums", (count, layout.width)))
        for n in sma_periods:
            _moving_average(sums, n, panels[f"sma_{n}"][rows])
        # True range, gain and loss share one array, so that one filter smooths all three.
        changes = scratch.get("changes", (3, count, layout.width))
        _ranges_and_changes(closes[rows], highs[rows], lows[rows], changes)
        smoothed = wilder_panel(changes, period, layout.block, out=scratch.get("smoothed", changes.shape))
        panels["atr"][rows] = smoothed[0]
        _relative_strength(smoothed[1], smoothed[2], panels["rsi"][rows])
    return {name: layout.bars(panel) for name, panel in panels.items()}


def _moving_average(sums: FloatArray, period: int, out: FloatArray) -> None:
    """TA-Lib's SMA from running sums along the rows: NaN before bar period-1.

    A difference of two running sums loses about (bar number / period) ulps; for ten years of bars that
    is still below 1e-13 of the value.
    """
    out[:, : period - 1] = np.nan
    if period > sums.shape[1]:
        out[:, period - 1 :] = np.nan
        return
    out[:, period - 1] = sums[:, period - 1]
    np.subtract(sums[:, period:], sums[:, :-period], out=out[:, period:])
    out[:, period - 1 :] /= period


def _ranges_and_changes(close: FloatArray, high: FloatArray, low: FloatArray, out: FloatArray) -> None:
    """True range, gain and loss of each bar after the first into out[0], out[1] and out[2]."""
    ranges, gains, losses = out[0], out[1], out[2]
    previous = close[:, :-1]
    # With high >= low, max(high, previous) - min(low, previous) is TRANGE's greatest difference, exactly.
    np.maximum(high[:, 1:], previous, out=ranges[:, 1:])
    np.minimum(low[:, 1:], previous, out=gains[:, 1:])
    np.subtract(ranges[:, 1:], gains[:, 1:], out=ranges[:, 1:])
    np.subtract(close[:, 1:], previous, out=losses[:, 1:])
    np.maximum(losses[:, 1:], 0.0, out=gains[:, 1:])
    np.subtract(gains[:, 1:], losses[:, 1:], out=losses[:, 1:])


def _relative_strength(gain: FloatArray, loss: FloatArray, out: FloatArray) -> None:
    """TA-Lib's RSI from the smoothed gains and losses: 100·gain/(gain+loss), 0 when both are about 0."""
    total = np.add(gain, loss, out=loss)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(gain, total, out=out)
    out *= 100.0
    out[total < TA_ZERO] = 0.0  # gains and losses are never negative: only the upper bound matters


def wilder_panel(values: FloatArray, period: int, block: int, out: FloatArray | None = None) -> FloatArray:
    """Wilder's smoothing along the last axis of values that start at index 1 (index 0 is ignored).

    The first average, at index `period`, is the mean of values 1..period; after it each value is
    (previous·(period-1) + value)/period, as in TA-Lib's ATR and RSI. NaN before index `period`.
    `values` is used as scratch space; the result goes to `out` (contiguous, values' shape) when given.
    """
    out = np.empty(values.shape) if out is None else out
    if period >= values.shape[-1]:
        out[...] = np.nan
        return out
    first = values[..., 1 : period + 1].sum(axis=-1)
    values[..., :period] = 0.0
    values[..., period] = first
    _linear_filter(values, 1.0 / period, block, out)
    out[..., :period] = np.nan
    return out


def _linear_filter(values: FloatArray, alpha: float, block: int, out: FloatArray) -> None:
    """a[p] = (1-alpha)·a[p-1] + alpha·values[p] along the last axis, from a[-1] = 0, blockwise.

    Inside a block the filter is a product with a small triangular matrix of weights alpha·decay^(j-k)
    (a matrix multiplication, so BLAS does the bulk). The value reaching each block from the one
    before is found first from the blocks' last columns alone (a short loop over the blocks) and put
    into the block's first value as decay·carry/alpha, so that one product gives the final values.
    """
    *lead, width = values.shape
    decay = 1.0 - alpha
    lags = np.subtract.outer(np.arange(block), np.arange(block))
    weights = np.where(lags <= 0, alpha * decay ** (-lags.astype(np.float64)), 0.0)  # weights[k, j]
    blocks = values.reshape(*lead, width // block, block)
    ends = blocks @ weights[:, -1]
    carry = np.zeros(lead)
    lift = decay**block
    for index in range(width // block):
        carry, ends[..., index] = carry * lift + ends[..., index], carry
    blocks[..., 0] += ends * (decay / alpha)
    np.matmul(blocks, weights, out=out.reshape(blocks.shape))


def true_range(high: np.ndarray, low: np.ndarray, previous_close: np.ndarray) -> FloatArray:
    """TA-Lib's TRANGE: the greatest of high-low, |high-previous close|, |low-previous close|."""
    return np.asarray(np.maximum(high - low, np.maximum(np.abs(high - previous_close), np.abs(low - previous_close))))


def atr(layout: Layout, high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int = 14) -> FloatArray:
    """Average true range with Wilder's smoothing, per bar (TA-Lib's ATR: first value on bar `period`)."""
    return indicators(layout, close, high, low, sma_periods=(), period=period)["atr"]


def rsi(layout: Layout, close: np.ndarray, period: int = 14) -> FloatArray:
    """Relative strength index with Wilder's smoothing, per bar (TA-Lib's RSI: first value on bar `period`)."""
    return indicators(layout, close, close, close, sma_periods=(), period=period)["rsi"]


def sma(layout: Layout, values: np.ndarray, period: int) -> FloatArray:
    """Simple moving average per bar (TA-Lib's SMA: first value on bar period-1)."""
    panel = layout.panel(values)
    out = np.empty(panel.shape)
    _moving_average(np.cumsum(panel, axis=1), period, out)
    return layout.bars(out)


def rolling_extreme(layout: Layout, values: np.ndarray, period: int, *, highest: bool) -> FloatArray:
    """The highest (or lowest) value of the last `period` bars, NaN until a security has that many bars.

    van Herk/Gil-Werman: in blocks of `period` bars, the running extreme from each block's start and
    from each block's end; a window is the end part of one block and the start part of the next.
    """
    panel = layout.panel(values)
    rows, width = panel.shape
    padded_width = -(-width // period) * period
    blocks = np.zeros((rows, padded_width))
    blocks[:, :width] = panel
    blocks = blocks.reshape(rows, padded_width // period, period)
    pick = np.maximum if highest else np.minimum
    from_start = pick.accumulate(blocks, axis=2).reshape(rows, padded_width)[:, :width]
    to_end = np.flip(pick.accumulate(np.flip(blocks, axis=2), axis=2), axis=2).reshape(rows, padded_width)
    result = np.full((rows, width), np.nan)
    if period <= width:
        result[:, period - 1 :] = pick(to_end[:, : width - period + 1], from_start[:, period - 1 :])
    return layout.bars(result)
