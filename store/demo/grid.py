"""The day grid every path is simulated on: weekdays from a warm-up before the window to its last day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from store.demo.calendar import trading_days, weekdays

WARM_UP_DAYS = 60


@dataclass(frozen=True, slots=True)
class Grid:
    """Weekdays (datetime64[D]); rows from `start` on are inside the demo window; which rows each exchange trades."""

    dates: np.ndarray
    start: int
    trading: dict[str, np.ndarray]  # exchange -> bool per row

    @property
    def days(self) -> int:
        return len(self.dates)

    @property
    def first_day(self) -> dt.date:
        return to_date(self.dates[self.start])

    @property
    def last_day(self) -> dt.date:
        return to_date(self.dates[-1])

    def row_of(self, day: dt.date) -> int:
        """The first row on or after `day`."""
        return int(np.searchsorted(self.dates, np.datetime64(day, "D")))

    def next_trading(self, exchange: str, rows: np.ndarray) -> np.ndarray:
        """Each row moved forward to the exchange's next trading day (the last one when none is left)."""
        open_rows = np.flatnonzero(self.trading[exchange])
        found = np.searchsorted(open_rows, rows)
        return np.asarray(open_rows[np.minimum(found, len(open_rows) - 1)])


def to_date(value: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(value.astype("datetime64[D]")))


def make_grid(first: dt.date, last: dt.date, exchanges: tuple[str, ...]) -> Grid:
    """Weekdays from WARM_UP_DAYS before `first` to `last`; each exchange's trading rows within the whole grid."""
    warm_up_start = first - dt.timedelta(days=WARM_UP_DAYS * 7 // 5 + 7)
    dates = weekdays(warm_up_start, last)
    start = int(np.searchsorted(dates, np.datetime64(first, "D")))
    trading = {code: np.isin(dates, trading_days(code, to_date(dates[0]), last)) for code in exchanges}
    return Grid(dates=dates, start=start, trading=trading)
