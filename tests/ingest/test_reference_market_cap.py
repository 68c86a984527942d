"""`import market-cap`: NSE MCAP files (padded values, rupee caps past 10^13) into market_cap_history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from store.db import Database
from store.ingest import cli
from store.ingest.market_cap import MARKET_CAP
from store.ingest.problems import ImportFailed
from store.ingest.reference import import_file

from .helpers import Sql, add_security, write
from .reference_helpers import last_log, parse, rows, snapshot

HEADER = (
    "Trade Date,Symbol,Series,Security Name,Category,Last Trade Date,Face Value(Rs.),Issue Size,"
    "Close Price/Paid up value(Rs.),Market Cap(Rs.)\n"
)


@pytest.fixture
def nse(sql: Sql) -> None:
    for symbol in ("INFY", "TCS", "M&M", "RELIANCE"):
        add_security(sql, symbol, "NSE")


@pytest.mark.usefixtures("nse")
def test_mcap_file_is_stored_and_a_reimport_changes_nothing(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    path = fixture_file("MCAP28032024.csv")

    first = import_file(database, MARKET_CAP, path)
    before = snapshot(sql)
    again = import_file(database, MARKET_CAP, path)

    assert (first.format, first.inserted) == ("nse-mcap", 4)
    assert rows(
        sql,
        "select m.trade_date, m.market_cap, m.close_price, m.issue_size, m.category, m.currency"
        " from market_cap_history m join securities s on s.id = m.security_id where s.symbol = 'RELIANCE'",
    ) == [(dt.date(2024, 3, 28), Decimal("20102204865653.15"), Decimal("2971.200000"), 6765817477, "Listed", "INR")]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert snapshot(sql) == before
    assert last_log(sql)["source"] == "market-cap:nse-mcap"


@pytest.mark.usefixtures("nse")
def test_bad_values_are_refused_and_nothing_changes(database: Database, sql: Sql, tmp_path: Path) -> None:
    body = (
        "28 Mar 2024,INFY,EQ,Infosys Limited,Listed,28 Mar 2024,5.00,4151218968,1498.00,62185x\n"
        "31 Feb 2024,TCS,EQ,Tata Consultancy Services Limited,Listed,28 Mar 2024,1.00,3618087518,0,1\n"
        "28 Mar 2024,INFY,EQ,Infosys Limited,Listed,28 Mar 2024,5.00,4151218968,1498.00,1\n"
    )
    path = write(tmp_path, "MCAP28032024.csv", HEADER + body)
    before = snapshot(sql)

    with pytest.raises(ImportFailed) as failure:
        import_file(database, MARKET_CAP, path)

    assert [str(problem) for problem in failure.value.problems] == [
        f"{path}:2: column 'Market Cap(Rs.)' = '62185x' is not a number (at most 22 digits before the point)",
        f"{path}:3: column 'Trade Date' = '31 Feb 2024' is not a date like 29-NOV-1995",
        f"{path}:3: column 'Close Price/Paid up value(Rs.)' = '0' is not above 0",
        f"{path}:4: column 'Trade Date' = '28 Mar 2024' repeats line 2 (same symbol and day)",
    ]
    assert snapshot(sql) == before


@pytest.mark.usefixtures("nse")
def test_cli_updates_a_changed_cap(
    database: Database, sql: Sql, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = "28 Mar 2024,INFY,EQ,Infosys Limited,Listed,28 Mar 2024,5.00,4151218968,1498.00,{}\n"
    first = write(tmp_path, "a.csv", HEADER + row.format("6218526014064.00"))
    second = write(tmp_path, "b.csv", HEADER + row.format("6218526014065.00"))

    assert cli.run(parse("market-cap", str(first), "--quiet"), database) == cli.EXIT_OK
    assert cli.run(parse("market-cap", str(second)), database) == cli.EXIT_OK

    assert capsys.readouterr().out == f"{second} (nse-mcap): 1 rows: 0 inserted, 1 updated, 0 unchanged, 0 rejected\n"
    assert rows(sql, "select market_cap from market_cap_history") == [(Decimal("6218526014065.00"),)]
