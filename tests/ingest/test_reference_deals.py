"""`import deals`: NSE bulk and block deals; a re-import inserts nothing (deals have no key of their own)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from store.db import Database
from store.ingest import cli
from store.ingest.deals import DEALS
from store.ingest.problems import ImportFailed
from store.ingest.reference import Options, import_file

from .helpers import Sql, add_security, write
from .reference_helpers import parse, rows, snapshot

BULK = "Date,Symbol,Security Name,Client Name,Buy/Sell,Quantity Traded,Trade Price / Wght. Avg. Price,Remarks\n"


@pytest.fixture
def nse(sql: Sql) -> None:
    for symbol in ("INFY", "TCS", "RELIANCE"):
        add_security(sql, symbol, "NSE")


@pytest.mark.usefixtures("nse")
def test_bulk_deals_are_stored_and_a_reimport_inserts_nothing(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    path = fixture_file("bulk.csv")

    first = import_file(database, DEALS, path)
    before = snapshot(sql)
    again = import_file(database, DEALS, path)

    assert (first.format, first.inserted) == ("nse-bulk-deals", 3)
    assert rows(sql, "select deal_date, kind, client_name, side, quantity, price, remarks from deals order by id")[
        0
    ] == (
        dt.date(2017, 4, 3),
        "bulk",
        "GOLDMAN SACHS (SINGAPORE) PTE",
        "buy",
        1250000,
        Decimal("1021.350000"),
        None,
    )
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert snapshot(sql) == before


@pytest.mark.usefixtures("nse")
def test_block_deals_and_a_day_without_deals(database: Database, sql: Sql, fixture_file: Callable[[str], Path]) -> None:
    empty = import_file(database, DEALS, fixture_file("block_empty.csv"))
    report = import_file(database, DEALS, fixture_file("block.csv"))

    assert (empty.fetched, empty.inserted) == (0, 0)
    assert (report.format, report.inserted) == ("nse-block-deals", 2)
    assert rows(sql, "select distinct kind from deals") == [("block",)]


@pytest.mark.usefixtures("nse")
def test_kind_option_and_a_changed_remark(database: Database, sql: Sql, tmp_path: Path) -> None:
    row = "03-APR-2017,INFY,Infosys Limited,A CLIENT,BUY,100,10.5,{}\n"
    import_file(database, DEALS, write(tmp_path, "d1.csv", BULK + row.format("-")), options=Options(deal_kind="block"))

    report = import_file(
        database, DEALS, write(tmp_path, "d2.csv", BULK + row.format("corrected")), options=Options(deal_kind="block")
    )

    assert (report.inserted, report.updated) == (0, 1)
    assert rows(sql, "select kind, remarks from deals") == [("block", "corrected")]


@pytest.mark.usefixtures("nse")
def test_bad_deals_are_refused(
    database: Database, sql: Sql, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        "03-APR-2017,INFY,Infosys Limited,A CLIENT,HOLD,100,10.5,-\n"
        "03-APR-2017,INFY,Infosys Limited,A CLIENT,BUY,-5,10.5,-\n"
        "03-APR-2017,NOPE,Nope Limited,A CLIENT,BUY,5,10.5,-\n"
    )
    path = write(tmp_path, "bulk.csv", BULK + body)
    before = snapshot(sql)

    code = cli.run(parse("deals", str(path)), database)

    assert code == cli.EXIT_INVALID_INPUT
    assert capsys.readouterr().err.splitlines() == [
        "import deals: 3 problems, nothing was imported",
        f"{path}:2: column 'Buy/Sell' = 'HOLD' is not BUY or SELL",
        f"{path}:3: column 'Quantity Traded' = '-5' is not above 0",
        f"{path}:4: column 'Symbol' = 'NOPE' is not a known security on NSE: import it first with"
        " `workstation import securities`",
    ]
    assert snapshot(sql) == before
    with pytest.raises(ImportFailed):
        import_file(database, DEALS, path)
