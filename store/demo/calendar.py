"""Exchange holidays for the demo market (hand-coded rules, plausible lunar dates) and the trading days they leave."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

Holiday = tuple[dt.date, str]

# Hindu festivals follow the lunar calendar; these are the dates NSE closed (or would close) for.
_HOLI = {
    2010: (3, 1), 2011: (3, 21), 2012: (3, 8), 2013: (3, 27), 2014: (3, 17), 2015: (3, 6), 2016: (3, 24),
    2017: (3, 13), 2018: (3, 2), 2019: (3, 21), 2020: (3, 10), 2021: (3, 29), 2022: (3, 18), 2023: (3, 7),
    2024: (3, 25), 2025: (3, 14), 2026: (3, 4), 2027: (3, 22), 2028: (3, 11), 2029: (3, 1), 2030: (3, 20),
}  # fmt: skip
_DIWALI = {
    2010: (11, 5), 2011: (10, 26), 2012: (11, 13), 2013: (11, 4), 2014: (10, 23), 2015: (11, 11), 2016: (10, 31),
    2017: (10, 19), 2018: (11, 7), 2019: (10, 28), 2020: (11, 16), 2021: (11, 4), 2022: (10, 24), 2023: (11, 13),
    2024: (11, 1), 2025: (10, 21), 2026: (11, 9), 2027: (10, 29), 2028: (10, 17), 2029: (11, 5), 2030: (10, 26),
}  # fmt: skip
_LUNAR_YEAR_DAYS = 354.367
_EID_REFERENCE = dt.date(2016, 7, 6)


def easter(year: int) -> dt.date:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    rest = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * rest) // 451
    month, day = divmod(h + rest - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th (1-based; -1 = last) given weekday (Monday = 0) of a month."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed_us(day: dt.date) -> dt.date:
    """A US holiday on Saturday is kept on Friday, on Sunday on Monday."""
    shift = {5: -1, 6: 1}.get(day.weekday(), 0)
    return day + dt.timedelta(days=shift)


def _eid_al_fitr(year: int) -> dt.date:
    cycles = round((dt.date(year, 6, 30) - _EID_REFERENCE).days / _LUNAR_YEAR_DAYS)
    return _EID_REFERENCE + dt.timedelta(days=round(cycles * _LUNAR_YEAR_DAYS))


def _lunar(table: dict[int, tuple[int, int]], year: int, fallback: tuple[int, int]) -> dt.date:
    month, day = table.get(year, fallback)
    return dt.date(year, month, day)


def nse_holidays(year: int) -> list[Holiday]:
    holi = _lunar(_HOLI, year, (3, 12))
    diwali = _lunar(_DIWALI, year, (11, 1))
    eid = _eid_al_fitr(year)
    return [
        (dt.date(year, 1, 26), "Republic Day"),
        (holi - dt.timedelta(days=18), "Mahashivratri"),
        (holi, "Holi"),
        (easter(year) - dt.timedelta(days=2), "Good Friday"),
        (dt.date(year, 4, 14), "Dr. Baba Saheb Ambedkar Jayanti"),
        (dt.date(year, 5, 1), "Maharashtra Day"),
        (eid, "Id-ul-Fitr (Ramadan Eid)"),
        (eid + dt.timedelta(days=70), "Bakri Id"),
        (dt.date(year, 8, 15), "Independence Day"),
        (diwali - dt.timedelta(days=62), "Ganesh Chaturthi"),
        (dt.date(year, 10, 2), "Mahatma Gandhi Jayanti"),
        (diwali - dt.timedelta(days=20), "Dussehra"),
        (diwali, "Diwali Laxmi Pujan"),
        (diwali + dt.timedelta(days=1), "Diwali Balipratipada"),
        (diwali + dt.timedelta(days=16), "Guru Nanak Jayanti"),
        (dt.date(year, 12, 25), "Christmas"),
    ]


def _uk_christmas(year: int) -> list[Holiday]:
    christmas, boxing = dt.date(year, 12, 25), dt.date(year, 12, 26)
    if christmas.weekday() == 5:
        return [
            (christmas + dt.timedelta(days=2), "Christmas Day (substitute)"),
            (boxing + dt.timedelta(days=2), "Boxing Day (substitute)"),
        ]
    if christmas.weekday() == 6:
        return [(boxing, "Boxing Day"), (christmas + dt.timedelta(days=2), "Christmas Day (substitute)")]
    if boxing.weekday() == 5:
        return [(christmas, "Christmas Day"), (boxing + dt.timedelta(days=2), "Boxing Day (substitute)")]
    return [(christmas, "Christmas Day"), (boxing, "Boxing Day")]


_UK_SPECIAL = {
    2020: [(dt.date(2020, 5, 8), "Early May bank holiday (VE Day)")],
    2022: [
        (dt.date(2022, 6, 2), "Spring bank holiday"),
        (dt.date(2022, 6, 3), "Platinum Jubilee bank holiday"),
        (dt.date(2022, 9, 19), "State Funeral of Queen Elizabeth II"),
    ],
    2023: [(dt.date(2023, 5, 8), "Coronation of King Charles III")],
}


def lse_holidays(year: int) -> list[Holiday]:
    new_year = dt.date(year, 1, 1)
    new_year += dt.timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0))
    days = [(new_year, "New Year's Day")]
    days += [
        (easter(year) - dt.timedelta(days=2), "Good Friday"),
        (easter(year) + dt.timedelta(days=1), "Easter Monday"),
    ]
    if year != 2020:
        days.append((nth_weekday(year, 5, 0, 1), "Early May bank holiday"))
    if year != 2022:
        days.append((nth_weekday(year, 5, 0, -1), "Spring bank holiday"))
    days.append((nth_weekday(year, 8, 0, -1), "Summer bank holiday"))
    return days + _UK_SPECIAL.get(year, []) + _uk_christmas(year)


def nasdaq_holidays(year: int) -> list[Holiday]:
    days = [
        (nth_weekday(year, 1, 0, 3), "Martin Luther King Jr. Day"),
        (nth_weekday(year, 2, 0, 3), "Washington's Birthday"),
        (easter(year) - dt.timedelta(days=2), "Good Friday"),
        (nth_weekday(year, 5, 0, -1), "Memorial Day"),
        (_observed_us(dt.date(year, 7, 4)), "Independence Day"),
        (nth_weekday(year, 9, 0, 1), "Labor Day"),
        (nth_weekday(year, 11, 3, 4), "Thanksgiving Day"),
        (_observed_us(dt.date(year, 12, 25)), "Christmas Day"),
    ]
    new_year = dt.date(year, 1, 1)
    if new_year.weekday() != 5:  # a Saturday New Year's Day is not moved into the old year
        days.insert(0, (_observed_us(new_year), "New Year's Day"))
    if year >= 2022:
        days.append((_observed_us(dt.date(year, 6, 19)), "Juneteenth National Independence Day"))
    days += {2018: [(dt.date(2018, 12, 5), "National Day of Mourning (George H. W. Bush)")],
             2025: [(dt.date(2025, 1, 9), "National Day of Mourning (Jimmy Carter)")]}.get(year, [])  # fmt: skip
    return days


HOLIDAY_RULES: dict[str, Callable[[int], list[Holiday]]] = {
    "NSE": nse_holidays,
    "LSE": lse_holidays,
    "NASDAQ": nasdaq_holidays,
}


def holidays(exchange: str, first_year: int, last_year: int) -> list[Holiday]:
    """The weekday closures of an exchange, one per date, in date order."""
    by_date: dict[dt.date, str] = {}
    for year in range(first_year, last_year + 1):
        for day, name in HOLIDAY_RULES[exchange](year):
            if day.weekday() < 5 and day.year == year:
                by_date.setdefault(day, name)
    return sorted(by_date.items())


def weekdays(first: dt.date, last: dt.date) -> np.ndarray:
    """Every Monday–Friday from first to last, as datetime64[D]."""
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    return days[np.is_busday(days)]


def trading_days(exchange: str, first: dt.date, last: dt.date) -> np.ndarray:
    """Weekdays minus the exchange's holidays."""
    closed = np.array([day for day, _ in holidays(exchange, first.year, last.year)], dtype="datetime64[D]")
    days = weekdays(first, last)
    return days[~np.isin(days, closed)]


def previous_weekday(day: dt.date) -> dt.date:
    """The last Monday–Friday strictly before `day`."""
    day -= dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day
