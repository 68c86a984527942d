"""`import corporate-actions`: NSE PURPOSE text read into splits, bonuses and dividends; a generic CSV."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.db import Database
from store.ingest import cli
from store.ingest.corporate_actions import CORPORATE_ACTIONS, UNREADABLE, parse_purpose
from store.ingest.problems import ImportFailed
from store.ingest.reference import import_file

from .helpers import Sql, add_security, write
from .reference_helpers import last_log, parse, rows, snapshot

NSE_HEADER = (
    '"SYMBOL","COMPANY NAME","SERIES","PURPOSE","FACE VALUE","EX-DATE","RECORD DATE",'
    '"BOOK CLOSURE START DATE","BOOK CLOSURE END DATE"\n'
)
ACTIONS = (
    "select s.symbol, a.action_type, a.ex_date, a.ratio, a.amount, a.currency, a.record_date"
    " from corporate_actions a join securities s on s.id = a.security_id order by s.symbol, a.ex_date"
)


@pytest.mark.parametrize(
    ("purpose", "action_type", "ratio", "amount"),
    [
        ("Face Value Split (Sub-Division) - From Rs 10/- Per Share To Re 1/- Per Share", "split", "10", None),
        ("Face Value Split (Sub-Division) - From Rs 2/- Per Share To Re 1/- Per Share", "split", "2", None),
        ("Bonus 1:1", "bonus", "2", None),
        ("Bonus 1:2", "bonus", "1.5", None),
        ("Dividend - Rs 8 Per Share", "dividend", None, "8"),
        ("Interim Dividend - Re 0.50 Per Share", "dividend", None, "0.50"),
        ("Final Dividend - Rs 2 Per Share/Special Dividend - Rs 5 Per Share", "dividend", None, "7"),
        ("Annual General Meeting/Dividend - Rs 16.25 Per Share", "dividend", None, "16.25"),
        ("Rights 1:5 @ Premium Rs 495/-", "rights", None, None),
        ("Buy Back", "buyback", None, None),
    ],
)
def test_nse_purposes_are_read_into_actions(
    purpose: str, action_type: str, ratio: str | None, amount: str | None
) -> None:
    found = parse_purpose(purpose)

    assert (found.action_type, found.problem) == (action_type, None)
    assert found.ratio == (Decimal(ratio) if ratio else None)
    assert found.amount == (Decimal(amount) if amount else None)
    assert found.details["purpose"] == purpose


def test_a_percent_dividend_is_a_share_of_the_face_value() -> None:
    assert parse_purpose("Dividend - 40%", Decimal(10)).amount == Decimal(4)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_purpose_is_an_action_a_skip_or_a_stated_problem(purpose: str) -> None:
    found = parse_purpose(purpose)

    assert (
        found.action_type is not None
        or found.problem is not None
        or "general meeting" in purpose.lower()
        or (purpose.strip().lower() in ("agm", "egm"))
    )
    if found.action_type in ("split", "bonus"):
        assert found.ratio is not None
        assert found.ratio > 0


def test_nse_file_imports_actions_and_skips_meetings(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    for symbol in ("INFY", "TCS", "M&M", "RELIANCE"):
        add_security(sql, symbol, "NSE")

    report = import_file(database, CORPORATE_ACTIONS, fixture_file("CF-CA-equities.csv"))

    assert (report.format, report.fetched, report.inserted, report.skipped) == ("nse-corporate-actions", 6, 6, 1)
    assert rows(sql, ACTIONS) == [
        ("INFY", "dividend", dt.date(2023, 10, 25), None, Decimal("18.000000"), "INR", dt.date(2023, 10, 25)),
        ("M&M", "split", dt.date(2010, 12, 13), Decimal("2.000000"), None, "INR", dt.date(2010, 12, 14)),
        ("M&M", "dividend", dt.date(2023, 7, 5), None, Decimal("16.250000"), "INR", None),
        ("RELIANCE", "bonus", dt.date(2024, 10, 28), Decimal("2.000000"), None, "INR", dt.date(2024, 10, 28)),
        ("TCS", "bonus", dt.date(2018, 5, 31), Decimal("2.000000"), None, "INR", dt.date(2018, 6, 1)),
        ("TCS", "dividend", dt.date(2024, 1, 18), None, Decimal("76.000000"), "INR", dt.date(2024, 1, 19)),
    ]
    details = rows(sql, "select details from corporate_actions where action_type = 'bonus' limit 1")[0][0]
    assert details == {"purpose": "Bonus 1:1", "bonus_ratio": "1:1"}


def test_reimport_is_idempotent(database: Database, sql: Sql, fixture_file: Callable[[str], Path]) -> None:
    for symbol in ("INFY", "TCS", "M&M", "RELIANCE"):
        add_security(sql, symbol, "NSE")
    path = fixture_file("CF-CA-equities.csv")
    import_file(database, CORPORATE_ACTIONS, path)
    before = snapshot(sql)

    again = import_file(database, CORPORATE_ACTIONS, path)

    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6)
    assert snapshot(sql) == before


def test_generic_csv_with_crlf_and_no_final_newline(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    add_security(sql, "AAPL", "NASDAQ")
    add_security(sql, "MSFT", "NASDAQ")

    report = import_file(database, CORPORATE_ACTIONS, fixture_file("corporate_actions.csv"))

    assert report.inserted == 3
    assert rows(sql, "select action_type, ratio, amount, currency, pay_date from corporate_actions order by id") == [
        ("split", Decimal("4.000000"), None, None, None),
        ("dividend", None, Decimal("0.250000"), "USD", dt.date(2024, 8, 15)),
        ("dividend", None, Decimal("0.750000"), "USD", dt.date(2024, 9, 12)),
    ]


def test_unreadable_purposes_and_unknown_symbols_are_refused(database: Database, sql: Sql, tmp_path: Path) -> None:
    add_security(sql, "INFY", "NSE")
    body = (
        '"INFY","Infosys Limited","EQ","Distribution (InvIT)","5","25-Oct-2023","-","-","-"\n'
        '"INFY","Infosys Limited","EQ","Bonus 1:1","5","31-Feb-2023","-","-","-"\n'
        '"NOSUCH","No Such Limited","EQ","Dividend - Rs 2 Per Share","5","25-Oct-2023","-","-","-"\n'
        '"INFY","Infosys Limited","EQ","Dividend - Rs 8 Per Share","5","26-Oct-2023","-","-","-"\n'
        '"INFY","Infosys Limited","EQ","Final Dividend - Rs 8 Per Share","5","26-Oct-2023","-","-","-"\n'
    )
    path = write(tmp_path, "CA.csv", NSE_HEADER + body)
    before = snapshot(sql)

    with pytest.raises(ImportFailed) as failure:
        import_file(database, CORPORATE_ACTIONS, path)

    assert [str(problem) for problem in failure.value.problems] == [
        f"{path}:2: column 'PURPOSE' = 'Distribution (InvIT)' {UNREADABLE}",
        f"{path}:3: column 'EX-DATE' = '31-Feb-2023' is not a date like 29-NOV-1995",
        f"{path}:4: column 'SYMBOL' = 'NOSUCH' is not a known security on NSE:"
        " import it first with `workstation import securities`",
        f"{path}:6: column 'EX-DATE' = '26-Oct-2023' repeats line 5 (same symbol, action and ex-date)",
    ]
    assert snapshot(sql) == before
    assert last_log(sql)["status"] == "failure"


def test_generic_rules_name_the_column(database: Database, sql: Sql, tmp_path: Path) -> None:
    add_security(sql, "AAPL", "NASDAQ")
    body = "AAPL,NASDAQ,split,2020-08-31,,,\nAAPL,NASDAQ,dividend,2024-08-12,,x,USD\nAAPL,NASDAQ,merge,2024-01-02,,,\n"
    path = write(tmp_path, "ca.csv", "symbol,exchange,action_type,ex_date,ratio,amount,currency\n" + body)

    with pytest.raises(ImportFailed) as failure:
        import_file(database, CORPORATE_ACTIONS, path)

    assert [problem.reason for problem in failure.value.problems] == [
        "column 'ratio' = '' is needed for a split (new shares per old)",
        "column 'amount' = 'x' is not a number",
        "column 'action_type' = 'merge' is not one of split, bonus, dividend, rights, buyback, merger, demerger,"
        " spinoff, name_change, symbol_change, other",
    ]


def test_cli_skip_invalid_writes_the_rejected_rows(
    database: Database, sql: Sql, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_security(sql, "INFY", "NSE")
    body = (
        '"INFY","Infosys Limited","EQ","Dividend - Rs 8 Per Share","5","26-Oct-2023","-","-","-"\n'
        '"INFY","Infosys Limited","EQ","Something new","5","27-Oct-2023","-","-","-"\n'
    )
    path = write(tmp_path, "CA.csv", NSE_HEADER + body)

    code = cli.run(parse("corporate-actions", str(path), "--skip-invalid"), database)

    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK
    assert out == f"{path} (nse-corporate-actions): 2 rows: 1 inserted, 0 updated, 0 unchanged, 1 rejected\n"
    assert err.splitlines() == [
        f"{path}:3: column 'PURPOSE' = 'Something new' {UNREADABLE}",
        f"rejected rows written to {tmp_path / 'CA.rejected.csv'}",
    ]
    rejected = (tmp_path / "CA.rejected.csv").read_text().splitlines()
    assert rejected[0].startswith("line,reason,SYMBOL,COMPANY NAME,SERIES,PURPOSE")
    assert rejected[1].startswith("3,")
    assert len(rejected) == 2
