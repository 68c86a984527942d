"""`import holidays`: exchange holidays from the exchange-calendars package into market_holidays (upserted).

A holiday is a weekday (by the calendar's week mask) that is not a session. exchange-calendars works
offline; its pandas is imported only here, when holidays are imported.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import warnings
from collections.abc import Sequence
from typing import Any

import polars as pl

from store.db import Database
from store.errors import InvalidInput
from store.ingest import load
from store.ingest.problems import logged
from store.ingest.reference import ReferenceReport, Target, announce, connection_to, default_actor, merge

SOURCE = "holidays:exchange-calendars"
# Our exchange codes → exchange-calendars names. NSE shares BSE's (XBOM) holidays.
CALENDARS = {
    "NSE": "XBOM",
    "BSE": "XBOM",
    "NASDAQ": "XNAS",
    "NYSE": "XNYS",
    "NYSEARCA": "XNYS",
    "NYSEAMERICAN": "XNYS",
    "BATS": "XNYS",
    "IEX": "XNYS",
    "US": "XNYS",
    "LSE": "XLON",
}
YEARS_BACK, YEARS_AHEAD = 5, 1

TARGET = Target(
    table="market_holidays",
    columns=(("exchange", "text"), ("holiday_date", "date"), ("name", "text")),
    key=("exchange", "holiday_date"),
)


def parse_years(text: str | None) -> tuple[int, int]:
    """`2020-2027` or `2024` → (first, last); None → the last five years to next year."""
    if text is None:
        this_year = dt.datetime.now(dt.UTC).year
        return this_year - YEARS_BACK, this_year + YEARS_AHEAD
    found = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", text)
    if found is None or int(found[2] or found[1]) < int(found[1]):
        raise InvalidInput(f"--years {text!r} is not a year or a range like 2020-2027", fields={"years": text})
    return int(found[1]), int(found[2] or found[1])


def calendar_name(exchange: str, known: Sequence[str]) -> str | None:
    """The exchange-calendars calendar of one of our exchange codes (or a calendar named directly)."""
    name = CALENDARS.get(exchange, exchange)
    return name if name in known else None


def import_holidays(
    database: Database, *, exchanges: Sequence[str] | None = None, years: tuple[int, int] | None = None
) -> list[ReferenceReport]:
    """Upsert the holidays of `exchanges` (default: those in securities) for `years`, in one transaction.

    An exchange named here without a calendar is an InvalidInput; one found in securities without a
    calendar is left out with a note. Years beyond what a calendar records are left out with a note.
    """
    import exchange_calendars  # type: ignore[import-untyped]

    started, started_at = time.perf_counter(), dt.datetime.now(dt.UTC)
    first_year, last_year = years or parse_years(None)
    known = exchange_calendars.get_calendar_names(include_aliases=True)
    with connection_to(database) as connection:
        load.set_actor(connection, default_actor("holidays"))
        chosen, notes = _exchanges(connection, exchanges, known)
        frames = []
        for exchange, calendar in chosen.items():
            frame, note = holidays_of(exchange, calendar, first_year, last_year)
            frames.append(frame)
            notes += [note] if note else []
        holidays = pl.concat(frames) if frames else _empty()
        inserted, updated = merge(connection, TARGET, holidays)
        elapsed = round((time.perf_counter() - started) * 1000)
        run = load.RunLog(SOURCE, started_at, "success", holidays.height, inserted, updated, 0, logged([]), elapsed)
        load.log_run(connection, run)
        announce(connection, TARGET.table, SOURCE, inserted + updated)
        connection.commit()
    label = f"{', '.join(f'{code} ({name})' for code, name in chosen.items())} {first_year}-{last_year}"
    return [
        ReferenceReport(
            kind="holidays",
            path=None,
            format=f"exchange-calendars: {label}",
            source=SOURCE,
            fetched=holidays.height,
            inserted=inserted,
            updated=updated,
            unchanged=holidays.height - inserted - updated,
            failed=0,
            seconds=time.perf_counter() - started,
            notes=tuple(notes),
        )
    ]


def _exchanges(
    connection: load.Connection, named: Sequence[str] | None, known: Sequence[str]
) -> tuple[dict[str, str], list[str]]:
    if named:
        wanted = [code.strip().upper() for code in named if code.strip()]
        missing = [code for code in wanted if calendar_name(code, known) is None]
        if missing:
            words = f"no exchange calendar for {', '.join(missing)}: known are {', '.join(sorted(CALENDARS))}"
            raise InvalidInput(words + " and the exchange-calendars names (XNYS, XLON…)", fields={"exchange": words})
        return {code: str(calendar_name(code, known)) for code in wanted}, []
    rows = connection.execute("select distinct exchange from securities order by exchange").fetchall()
    stored = [str(row[0]) for row in rows]
    if not stored:
        raise InvalidInput("there are no securities yet: name the exchanges with --exchange", fields={"exchange": ""})
    without = [code for code in stored if calendar_name(code, known) is None]
    notes = [f"no exchange calendar for {', '.join(without)}: their holidays were not imported"] if without else []
    return {code: str(calendar_name(code, known)) for code in stored if code not in without}, notes


def holidays_of(exchange: str, calendar: str, first_year: int, last_year: int) -> tuple[pl.DataFrame, str | None]:
    """The weekdays of the years that are not sessions, with the calendar's name for them where it has one."""

    with warnings.catch_warnings():
        # exchange-calendars 4.13 under pandas 3 warns of pandas deprecations on every calendar it builds.
        warnings.simplefilter("ignore")
        return _holidays_of(exchange, calendar, first_year, last_year)


def _holidays_of(exchange: str, calendar: str, first_year: int, last_year: int) -> tuple[pl.DataFrame, str | None]:
    import exchange_calendars
    import pandas as pd  # type: ignore[import-untyped]

    lower, upper = _bounds(exchange_calendars.get_calendar(calendar))
    first = max(dt.date(first_year, 1, 1), lower)
    last = min(dt.date(last_year, 12, 31), upper)
    note = None
    if (first, last) != (dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)):
        note = f"{exchange} ({calendar}): holidays are known from {first} to {last} only"
    if first > last:
        return _empty(), note
    opened = exchange_calendars.get_calendar(calendar, start=str(first), end=str(last))
    sessions = {session.date() for session in opened.sessions}
    weekdays = [index for index, flag in enumerate(opened.weekmask) if flag == "1"]
    days = (first + dt.timedelta(days=offset) for offset in range((last - first).days + 1))
    closed = [day for day in days if day.weekday() in weekdays and day not in sessions]
    names: dict[dt.date, str] = {}
    if opened.regular_holidays is not None:
        named = opened.regular_holidays.holidays(pd.Timestamp(first), pd.Timestamp(last), return_name=True)
        names = {stamp.date(): str(name) for stamp, name in named.items()}
    frame = pl.DataFrame(
        {"exchange": [exchange] * len(closed), "holiday_date": closed, "name": [names.get(day) for day in closed]},
        schema={"exchange": pl.String, "holiday_date": pl.Date, "name": pl.String},
    )
    return frame, note


def _bounds(calendar: Any) -> tuple[dt.date, dt.date]:
    """The days a calendar knows: a precomputed one (XBOM) lists its holidays up to a year; rules go on."""
    bound_min, bound_max = getattr(type(calendar), "bound_min", None), getattr(type(calendar), "bound_max", None)
    lower = bound_min().date() if callable(bound_min) and bound_min() is not None else dt.date(1900, 1, 1)
    upper = bound_max().date() if callable(bound_max) and bound_max() is not None else dt.date(2200, 12, 31)
    return lower, upper


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={"exchange": pl.String, "holiday_date": pl.Date, "name": pl.String})
