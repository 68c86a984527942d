"""`import holidays`: market_holidays filled from exchange-calendars for the exchanges we hold."""

from __future__ import annotations

import datetime as dt

import pytest

from store.db import Database
from store.errors import InvalidInput
from store.ingest import cli
from store.ingest.holidays import import_holidays, parse_years

from .helpers import Sql, add_security
from .reference_helpers import last_log, parse, rows


def test_holidays_of_the_exchanges_in_securities(database: Database, sql: Sql) -> None:
    add_security(sql, "AAPL", "NASDAQ")
    add_security(sql, "INFY", "NSE")

    [report] = import_holidays(database, years=(2024, 2024))

    nasdaq = rows(sql, "select holiday_date, name from market_holidays where exchange = 'NASDAQ' order by 1")
    assert len(nasdaq) == 10
    assert (dt.date(2024, 7, 4), "July 4th") in nasdaq
    assert (dt.date(2024, 11, 28), "Thanksgiving") in nasdaq
    nse = [day for day, _ in rows(sql, "select holiday_date, name from market_holidays where exchange = 'NSE'")]
    assert dt.date(2024, 1, 26) in nse  # Republic Day
    assert dt.date(2024, 8, 15) in nse  # Independence Day
    assert all(day.weekday() < 5 for day in nse)
    assert report.inserted == len(nasdaq) + len(nse)
    log = last_log(sql)
    assert (log["source"], log["status"], log["records_inserted"]) == (
        "holidays:exchange-calendars",
        "success",
        report.inserted,
    )


def test_a_rerun_changes_nothing(database: Database, sql: Sql) -> None:
    add_security(sql, "VOD", "LSE")
    import_holidays(database, years=(2023, 2024))

    [again] = import_holidays(database, years=(2023, 2024))

    assert (again.inserted, again.updated, again.unchanged) == (0, 0, again.fetched)
    assert again.fetched == rows(sql, "select count(*) from market_holidays")[0][0]


def test_years_a_calendar_does_not_record_are_left_out_with_a_note(database: Database, sql: Sql) -> None:
    [report] = import_holidays(database, exchanges=["NSE"], years=(2026, 2030))

    assert report.notes == ("NSE (XBOM): holidays are known from 2026-01-01 to 2026-12-31 only",)
    assert rows(sql, "select max(holiday_date) < '2027-01-01' from market_holidays") == [(True,)]


def test_an_exchange_without_a_calendar_is_refused_when_named(database: Database) -> None:
    with pytest.raises(InvalidInput, match="no exchange calendar for MOON"):
        import_holidays(database, exchanges=["MOON"], years=(2024, 2024))


def test_years_are_checked() -> None:
    assert parse_years("2020-2027") == (2020, 2027)
    assert parse_years("2024") == (2024, 2024)
    with pytest.raises(InvalidInput, match="is not a year or a range"):
        parse_years("2027-2020")


def test_cli_prints_the_counts_and_exits_1_without_securities(
    database: Database, sql: Sql, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.run(parse("holidays", "--years", "2024"), database) == cli.EXIT_INVALID_INPUT
    assert "there are no securities yet" in capsys.readouterr().err

    code = cli.run(parse("holidays", "--exchange", "NYSE", "--years", "2024"), database)

    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK
    assert (
        out == "exchange-calendars: NYSE (XNYS) 2024-2024: 10 rows: 10 inserted, 0 updated, 0 unchanged, 0 rejected\n"
    )
    assert err == ""
