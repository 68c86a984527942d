"""`import securities`: NSE EQUITY_L, NASDAQ listings and a generic CSV upserted on (exchange, symbol)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.db import Database
from store.ingest import cli
from store.ingest.problems import ImportFailed
from store.ingest.reference import Options, import_file
from store.ingest.securities_file import SECURITIES

from .helpers import Sql, add_security, write
from .reference_helpers import last_log, parse, rows, snapshot

EQUITY_HEADER = "SYMBOL,NAME OF COMPANY, SERIES, DATE OF LISTING, PAID UP VALUE, MARKET LOT, ISIN NUMBER, FACE VALUE\n"


def test_nse_equity_list_creates_the_securities_with_their_details(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    report = import_file(database, SECURITIES, fixture_file("EQUITY_L.csv"))

    assert (report.format, report.fetched, report.inserted, report.updated) == ("nse-equity-list", 6, 6, 0)
    found = rows(
        sql,
        "select symbol, name, series, listing_date, paid_up_value, market_lot, isin, face_value, currency, country,"
        " instrument_type from securities where exchange = 'NSE' and symbol = 'M&M'",
    )
    assert found == [
        (
            "M&M",
            "Mahindra & Mahindra Limited",
            "EQ",
            dt.date(1995, 11, 29),
            Decimal("5.000000"),
            1,
            "INE101A01026",
            Decimal("5.000000"),
            "INR",
            "IN",
            "equity",
        ),
    ]
    assert rows(sql, "select symbol from securities where symbol = 'BAJAJ-AUTO'") == [("BAJAJ-AUTO",)]
    log = last_log(sql)
    assert (log["source"], log["status"], log["records_fetched"], log["records_inserted"]) == (
        "securities:nse-equity-list",
        "success",
        6,
        6,
    )


def test_a_reimport_changes_nothing_and_a_changed_row_is_updated(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path], tmp_path: Path
) -> None:
    path = fixture_file("EQUITY_L.csv")
    import_file(database, SECURITIES, path)
    before = snapshot(sql)

    again = import_file(database, SECURITIES, path)

    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6)
    assert snapshot(sql) == before
    renamed = path.read_text().replace("Infosys Limited", "Infosys Ltd")
    changed = import_file(database, SECURITIES, write(tmp_path, "EQUITY_L2.csv", renamed))
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 5)
    assert rows(sql, "select name from securities where symbol = 'INFY'") == [("Infosys Ltd",)]


def test_nasdaq_listing_skips_test_issues_and_the_trailer(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    report = import_file(database, SECURITIES, fixture_file("nasdaqlisted.txt"))

    assert (report.format, report.inserted, report.skipped) == ("nasdaq-listed", 3, 1)
    found = rows(sql, "select symbol, instrument_type, market_lot, currency from securities order by symbol")
    assert found == [("AAPL", "equity", 100, "USD"), ("MSFT", "equity", 100, "USD"), ("QQQ", "etf", 100, "USD")]


def test_a_listing_without_isins_keeps_the_stored_ones(database: Database, sql: Sql, tmp_path: Path) -> None:
    sql.execute(
        "insert into securities (exchange, symbol, instrument_type, isin) values ('NASDAQ', 'AAPL', 'equity',"
        " 'US0378331005')"
    )
    listing = "Symbol|Security Name|Market Category|Test Issue|Financial Status|Round Lot Size|ETF|NextShares\r\n"
    path = write(tmp_path, "nasdaqlisted.txt", listing + "AAPL|Apple Inc. - Common Stock|Q|N|N|100|N|N\r\n")

    report = import_file(database, SECURITIES, path)

    assert report.updated == 1
    assert rows(sql, "select isin, name from securities") == [("US0378331005", "Apple Inc. - Common Stock")]


def test_generic_csv_with_options_and_futures_carries_their_metadata(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    report = import_file(database, SECURITIES, fixture_file("securities.csv"))

    assert report.inserted == 4
    found = dict(rows(sql, "select symbol, attributes from securities where instrument_type in ('option', 'future')"))
    assert found["AAPL250117C00200000"] == {
        "underlying": "AAPL",
        "strike": 200.0,
        "expiration": "2025-01-17",
        "option_type": "call",
    }
    assert found["NIFTY24DECFUT"] == {"underlying": "NIFTY 50", "contract_month": "2024-12", "multiplier": 25.0}


def test_bad_rows_are_refused_by_file_line_and_column_and_nothing_changes(
    database: Database, sql: Sql, tmp_path: Path
) -> None:
    add_security(sql, "OLDINFY", "NSE")
    sql.execute("update securities set isin = 'INE009A01021' where symbol = 'OLDINFY'")
    body = (
        "TCS,Tata Consultancy Services Limited,EQ,25-AUG-2004,1,1,INE467B0102X,1\n"
        "WIPRO,Wipro Limited,EQ,08/11/1995,2,1,INE075A01022,2\n"
        "HDFCBANK,HDFC Bank Limited,EQ,08-NOV-1995,1,lot,INE040A01035,-1\n"
        "TCS,Tata Consultancy Services,EQ,25-AUG-2004,1,1,,1\n"
        "INFY,Infosys Limited,EQ,08-FEB-1995,5,1,INE009A01021,5\n"
    )
    path = write(tmp_path, "EQUITY_L.csv", EQUITY_HEADER + body)
    before = snapshot(sql)

    with pytest.raises(ImportFailed) as failure:
        import_file(database, SECURITIES, path)

    assert [str(problem) for problem in failure.value.problems] == [
        f"{path}:2: column 'ISIN NUMBER' = 'INE467B0102X' is not an ISIN"
        " (2 letters, 9 letters or digits, a check digit)",
        f"{path}:3: column 'DATE OF LISTING' = '08/11/1995' is not a date like 29-NOV-1995",
        f"{path}:4: column 'MARKET LOT' = 'lot' is not a whole number",
        f"{path}:4: column 'ISIN NUMBER' = 'INE040A01035' has a wrong check digit",
        f"{path}:4: column 'FACE VALUE' = '-1' is not above 0",
        f"{path}:5: column 'SYMBOL' = 'TCS' repeats line 2 (same exchange and symbol)",
        f"{path}:6: column 'ISIN NUMBER' = 'INE009A01021' is already the ISIN of NSE:OLDINFY",
    ]
    assert snapshot(sql) == before
    log = last_log(sql)
    assert (log["status"], log["records_failed"]) == ("failure", 5)


def test_skip_invalid_loads_the_good_rows_and_writes_the_rejected_csv(
    database: Database, sql: Sql, tmp_path: Path
) -> None:
    body = "TCS,Tata Consultancy Services Limited,EQ,25-AUG-2004,1,1,INE467B01029,1\nBAD,Bad Co,EQ,yesterday,1,1,,1\n"
    path = write(tmp_path, "EQUITY_L.csv", EQUITY_HEADER + body)

    report = import_file(database, SECURITIES, path, skip_invalid=True)

    assert (report.inserted, report.failed) == (1, 1)
    assert report.rejected_path == tmp_path / "EQUITY_L.rejected.csv"
    assert report.rejected_path.read_text().splitlines() == [
        "line,reason,SYMBOL,NAME OF COMPANY,SERIES,DATE OF LISTING,PAID UP VALUE,MARKET LOT,ISIN NUMBER,FACE VALUE",
        "3,column 'DATE OF LISTING' = 'yesterday' is not a date like 29-NOV-1995,BAD,Bad Co,EQ,yesterday,1,1,,1",
    ]
    assert rows(sql, "select symbol from securities") == [("TCS",)]
    assert last_log(sql)["status"] == "partial"


def test_exchange_option_files_a_generic_csv_without_an_exchange_column(
    database: Database, sql: Sql, tmp_path: Path
) -> None:
    path = write(tmp_path, "lse.csv", "symbol,name,isin\nVOD,Vodafone Group plc,GB00BH4HKS39\n")

    with pytest.raises(ImportFailed, match="has no exchange: fill the column or pass --exchange"):
        import_file(database, SECURITIES, path)
    import_file(database, SECURITIES, path, options=Options(exchange="lse"))

    assert rows(sql, "select exchange, symbol, instrument_type from securities") == [("LSE", "VOD", "equity")]


def test_an_unknown_header_is_one_problem_without_a_line(database: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "a,b,c\n1,2,3\n")

    with pytest.raises(ImportFailed) as failure:
        import_file(database, SECURITIES, path)

    assert str(failure.value.problems[0]).startswith(f"{path}: has a header I do not know (a,b,c)")


def test_cli_prints_counts_and_exits_0_then_1_on_bad_input(
    database: Database, fixture_file: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fixture_file("EQUITY_L.csv")

    assert cli.run(parse("securities", str(path)), database) == cli.EXIT_OK
    out, err = capsys.readouterr()
    assert out == f"{path} (nse-equity-list): 6 rows: 6 inserted, 0 updated, 0 unchanged, 0 rejected\n"
    assert err == ""

    bad = write(tmp_path, "EQUITY_L_bad.csv", EQUITY_HEADER + "XYZ,X,EQ,01-JAN-2000,1,1,BADISIN,1\n")
    assert cli.run(parse("securities", str(bad)), database) == cli.EXIT_INVALID_INPUT
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "import securities: 1 problem, nothing was imported",
        f"{bad}:2: column 'ISIN NUMBER' = 'BADISIN' is not an ISIN (2 letters, 9 letters or digits, a check digit)",
    ]


def test_nasdaq_other_listed_maps_exchange_letters_and_keeps_class_shares(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    report = import_file(database, SECURITIES, fixture_file("otherlisted.txt"))

    assert (report.format, report.inserted, report.skipped) == ("nasdaq-other-listed", 3, 1)
    assert rows(sql, "select exchange, symbol, instrument_type, market_lot from securities order by symbol") == [
        ("NYSE", "BRK.A", "equity", 1),
        ("NYSE", "BRK.B", "equity", 100),
        ("NYSEARCA", "SPY", "etf", 100),
    ]


def test_nse_etf_list_keeps_the_underlying(database: Database, sql: Sql, fixture_file: Callable[[str], Path]) -> None:
    report = import_file(database, SECURITIES, fixture_file("eq_etfseclist.csv"))

    assert (report.format, report.inserted) == ("nse-etf-list", 2)
    assert rows(sql, "select symbol, instrument_type, listing_date, attributes from securities order by symbol")[0] == (
        "GOLDBEES",
        "etf",
        dt.date(2007, 3, 19),
        {"underlying": "Gold"},
    )


def _not_a_whole_number(text: str) -> bool:
    cleaned = text.strip().replace(",", "")
    if cleaned in ("", "-", "NIL") or "\n" in text or "\r" in text or '"' in text:
        return False
    try:
        return float(cleaned) != int(float(cleaned))
    except (ValueError, OverflowError):
        return True


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lot=st.text(min_size=1, max_size=12).filter(_not_a_whole_number))
def test_any_broken_market_lot_is_named_and_changes_nothing(
    database: Database, sql: Sql, tmp_path: Path, lot: str
) -> None:
    quoted = '"' + lot + '"'
    path = write(tmp_path, "EQUITY_L.csv", EQUITY_HEADER + f"TCS,TCS Limited,EQ,25-AUG-2004,1,{quoted},,1\n")
    before = snapshot(sql)

    with pytest.raises(ImportFailed) as failure:
        import_file(database, SECURITIES, path)

    [problem] = failure.value.problems
    assert (problem.line, problem.column) == (2, "MARKET LOT")
    assert (problem.value or "").strip() == lot.strip()  # as written, give or take the edge whitespace
    assert problem.message in ("is not a whole number", "is not above 0")
    assert snapshot(sql) == before
