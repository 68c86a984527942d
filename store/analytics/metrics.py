"""Indicator kernels on bars sorted by security then date: SMA, Wilder ATR and RSI as TA-Lib computes them.

The bars of every security lie in one contiguous run (a `Layout` knows where each starts and ends).
The kernels are compiled loops (numba) that walk each security's run once, in TA-Lib's order of
operations, so their values are TA-Lib's to a few units in the last place: a moving sum adds the new
bar and drops the oldest; Wilder's smoothing is a[p] = a[p-1]·(n-1)/n + x[p]/n from the mean of the
first n values. Values follow TA-Lib (no unstable period): SMA(n) from bar n-1, ATR(n) and RSI(n)
from bar n.

The compiled code is cached (numba's `cache=True`): in `__pycache__` beside this file, or, where
that is not writable, in numba's per-user cache directory. A cold first run compiles for a second
or two.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cached_property

import numpy as np

FloatArray = np.ndarray
# TA-Lib's RSI is 0 when the average gain and loss together are this close to zero (TA_IS_ZERO).
TA_ZERO = 1e-8


class Layout:
    """Where each security's run of bars starts and ends, and each bar's number within its run."""

    def __init__(self, security_ids: np.ndarray) -> None:
        ids = np.asarray(security_ids)
        count = len(ids)
        if count and np.any(ids[1:] < ids[:-1]):
            raise ValueError("bars must be sorted by security (then by date)")
        boundaries = np.flatnonzero(ids[1:] != ids[:-1]) + 1 if count else np.empty(0, np.int64)
        self.rows = count
        self.starts = np.concatenate([[0], boundaries]).astype(np.int64) if count else np.empty(0, np.int64)
        self.lengths = np.diff(np.concatenate([self.starts, [count]])).astype(np.int64)

    @property
    def securities(self) -> int:
        return len(self.starts)

    @cached_property
    def position(self) -> np.ndarray:
        """Each bar's number within its security's run (0 for the first bar)."""
        return np.arange(self.rows, dtype=np.int64) - np.repeat(self.starts, self.lengths)

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


def _floats(values: np.ndarray) -> FloatArray:
    """A read-only contiguous float64 view: the one input type the kernels are compiled for.

    (numba compiles once per argument type, and a writable array is another type than a read-only
    one such as Polars hands out.)
    """
    view = np.ascontiguousarray(values, dtype=np.float64).view()
    view.flags.writeable = False
    return view


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

    One pass over each security's bars computes the ATR and the RSI together (their three smoothings
    are independent chains of arithmetic that the processor overlaps); one more per average.
    """
    close, high, low = _floats(close), _floats(high), _floats(low)
    averages = np.empty((len(sma_periods), layout.rows))
    ranges, strength = np.empty(layout.rows), np.empty(layout.rows)
    periods = np.asarray(sma_periods, dtype=np.int64)
    _moving_averages_kernel(layout.starts, layout.lengths, close, periods, averages)
    _wilder_kernel(layout.starts, layout.lengths, close, high, low, period, ranges, strength)
    result = {f"sma_{n}": averages[index] for index, n in enumerate(sma_periods)}
    result.update(atr=ranges, rsi=strength)
    return result


def _moving_averages(
    starts: np.ndarray, lengths: np.ndarray, values: FloatArray, periods: np.ndarray, out: FloatArray
) -> None:
    """out[k] = the SMA over periods[k] bars of each security's values (TA-Lib's SMA, its order of sums)."""
    for security in range(starts.shape[0]):
        first, length = starts[security], lengths[security]
        for k in range(periods.shape[0]):
            period = periods[k]
            total = 0.0
            for bar in range(first, first + length):
                total += values[bar]
                if bar - first >= period - 1:
                    out[k, bar] = total / period
                    total -= values[bar - period + 1]
                else:
                    out[k, bar] = np.nan


def _wilder(
    starts: np.ndarray,
    lengths: np.ndarray,
    close: FloatArray,
    high: FloatArray,
    low: FloatArray,
    period: int,
    ranges: FloatArray,
    strength: FloatArray,
) -> None:
    """TA-Lib's ATR into `ranges` and RSI into `strength`, NaN before bar `period`.

    True range as TRANGE (the greatest of high-low, |previous close-high|, |previous close-low|);
    the first averages are the sums of bars 1..period divided by period, as in TA-Lib. After them
    TA-Lib computes (a·(period-1) + x)/period; here a·decay + x·alpha with decay = (period-1)/period
    and alpha = 1/period: the same value to a few units in the last place, and without a division
    in the chain from one bar to the next (three times faster).
    """
    alpha, decay = 1.0 / period, (period - 1.0) / period
    for security in range(starts.shape[0]):
        first, length = starts[security], lengths[security]
        average_range, gain, loss = 0.0, 0.0, 0.0
        for bar in range(first, first + length):
            number = bar - first
            if number < period or number == 0:
                ranges[bar], strength[bar] = np.nan, np.nan
            if number == 0:
                continue
            previous = close[bar - 1]
            true_range = max(high[bar] - low[bar], abs(previous - high[bar]), abs(previous - low[bar]))
            change = close[bar] - previous
            rise, fall = max(change, 0.0), max(-change, 0.0)
            if number < period:
                average_range, gain, loss = average_range + true_range, gain + rise, loss + fall
                continue
            if number == period:
                average_range = (average_range + true_range) / period
                gain, loss = (gain + rise) / period, (loss + fall) / period
            else:
                average_range = average_range * decay + true_range * alpha
                gain, loss = gain * decay + rise * alpha, loss * decay + fall * alpha
            ranges[bar] = average_range
            total = gain + loss
            strength[bar] = 100.0 * (gain / total) if total >= TA_ZERO else 0.0


def _rolling_extremes(
    starts: np.ndarray, lengths: np.ndarray, values: FloatArray, period: int, highest: bool, out: FloatArray
) -> None:
    """The highest (lowest) of the last `period` values of each security, NaN before bar period-1.

    van Herk/Gil-Werman: in blocks of `period` bars, the running extreme from each block's start and
    towards each block's end; a window is the end part of one block and the start part of the next.
    """
    sign = 1.0 if highest else -1.0
    backward, previous = np.empty(period), np.empty(period)
    for security in range(starts.shape[0]):
        first, length = starts[security], lengths[security]
        for number in range(min(period - 1, length)):
            out[first + number] = np.nan
        for block in range(first, first + length, period):
            # backward[k]: the extreme of the block from bar block+k to its end; forward: from its start.
            size = min(period, first + length - block)
            backward[size - 1] = sign * values[block + size - 1]
            for k in range(size - 2, -1, -1):
                backward[k] = max(sign * values[block + k], backward[k + 1])
            if block > first:
                # A window ending in this block starts in the block before: its end part and this start part.
                forward = -np.inf
                for k in range(size):
                    forward = max(forward, sign * values[block + k])
                    out[block + k] = sign * max(previous[k + 1] if k + 1 < period else -np.inf, forward)
            if size == period:
                out[block + period - 1] = sign * backward[0]
            previous, backward = backward, previous


class _Kernel:
    """A loop compiled by numba on its first call, the machine code cached for later processes.

    numba is imported only then: importing it and readying its compiler takes about a second, which
    a process that never computes (`metrics adjust`, …) should not pay. Without any writable cache
    directory (__pycache__ here, the user's cache directory, NUMBA_CACHE_DIR) numba refuses to
    cache: then every process compiles.
    """

    _lock = threading.Lock()

    def __init__(self, loop: Callable[..., None]) -> None:
        self._loop = loop
        self._compiled: Callable[..., None] | None = None

    def __call__(self, *arguments: object) -> None:
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = self._compile()
        self._compiled(*arguments)

    def _compile(self) -> Callable[..., None]:
        import numba

        try:
            kernel: Callable[..., None] = numba.njit(cache=True, nogil=True)(self._loop)
        except RuntimeError:
            kernel = numba.njit(nogil=True)(self._loop)
        return kernel


_moving_averages_kernel = _Kernel(_moving_averages)
_wilder_kernel = _Kernel(_wilder)
_rolling_extremes_kernel = _Kernel(_rolling_extremes)


def prepare_kernels() -> None:
    """Compile the kernels, or load them from the cache, with the argument types of real calls.

    A process that is about to wait for the database can do this in a thread meanwhile: readying
    numba takes about a second, and the wait for the server lets that thread run.
    """
    layout = Layout(np.zeros(2, dtype=np.int64))
    values = np.ones(2)
    indicators(layout, values, values, values, sma_periods=(1,), period=1)
    rolling_extreme(layout, values, 1, highest=True)


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
    out = np.empty((1, layout.rows))
    _moving_averages_kernel(layout.starts, layout.lengths, _floats(values), np.array([period], np.int64), out)
    return np.asarray(out[0])


def rolling_extreme(layout: Layout, values: np.ndarray, period: int, *, highest: bool) -> FloatArray:
    """The highest (or lowest) value of the last `period` bars, NaN until a security has that many bars."""
    out = np.empty(layout.rows)
    _rolling_extremes_kernel(layout.starts, layout.lengths, _floats(values), period, highest, out)
    return out
