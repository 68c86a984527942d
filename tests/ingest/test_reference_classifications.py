"""`import classifications`: each security's macro, sector, industry and basic industry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from store.db import Database
from store.ingest import cli
from store.ingest.classifications import CLASSIFICATIONS
from store.ingest.problems import ImportFailed
from store.ingest.reference import Options, import_file

from .helpers import Sql, add_security, write
from .reference_helpers import parse, rows, snapshot

SYMBOLS = ("INFY", "TCS", "M&M", "RELIANCE")


def test_classifications_are_stored_and_a_reimport_changes_nothing(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    for symbol in SYMBOLS:
        add_security(sql, symbol, "NSE")
    path = fixture_file("classifications.csv")

    first = import_file(database, CLASSIFICATIONS, path)
    before = snapshot(sql)
    again = import_file(database, CLASSIFICATIONS, path)

    assert first.inserted == 4
    assert rows(
        sql,
        "select c.macro, c.sector, c.industry, c.basic_industry from industry_classifications c"
        " join securities s on s.id = c.security_id where s.symbol = 'M&M'",
    ) == [
        ("Consumer Discretionary", "Automobile and Auto Components", "Automobiles", "Passenger Cars & Utility Vehicles")
    ]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert snapshot(sql) == before


def test_a_reclassified_security_is_updated(database: Database, sql: Sql, tmp_path: Path) -> None:
    add_security(sql, "INFY", "NSE")
    header = "symbol,sector,industry\n"
    import_file(
        database, CLASSIFICATIONS, write(tmp_path, "a.csv", header + "INFY,IT,Software\n"), options=Options("NSE")
    )

    report = import_file(
        database, CLASSIFICATIONS, write(tmp_path, "b.csv", header + "INFY,IT,Services\n"), options=Options("NSE")
    )

    assert (report.inserted, report.updated) == (0, 1)
    assert rows(sql, "select sector, industry from industry_classifications") == [("IT", "Services")]


def test_unknown_symbols_empty_rows_and_duplicates_are_refused(database: Database, sql: Sql, tmp_path: Path) -> None:
    add_security(sql, "INFY", "NSE")
    body = "INFY,NSE,IT,IT,Software,Consulting\nWHO,NSE,IT,IT,Software,\nTCS,,IT,IT,,\nINFY,NSE,,,,\n"
    path = write(tmp_path, "c.csv", "symbol,exchange,macro,sector,industry,basic_industry\n" + body)
    before = snapshot(sql)

    with pytest.raises(ImportFailed) as failure:
        import_file(database, CLASSIFICATIONS, path)

    assert [str(problem) for problem in failure.value.problems] == [
        f"{path}:3: column 'symbol' = 'WHO' is not a known security on NSE: import it first with"
        " `workstation import securities`",
        f"{path}:4: column 'symbol' = 'TCS' has no exchange: fill an exchange column or pass --exchange",
        f"{path}:5: column 'symbol' = 'INFY' repeats line 2 (same exchange and symbol)",
        f"{path}:5: column 'macro' = '' is empty, and so is every other level of the classification",
    ]
    assert snapshot(sql) == before


def test_cli_skip_invalid(database: Database, sql: Sql, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_security(sql, "INFY", "NSE")
    path = write(tmp_path, "c.csv", "symbol,sector\nINFY,IT\nWHO,IT\n")

    code = cli.run(parse("classifications", str(path), "--exchange", "NSE", "--skip-invalid"), database)

    out, _ = capsys.readouterr()
    assert code == cli.EXIT_OK
    assert out == f"{path} (classifications-csv): 2 rows: 1 inserted, 0 updated, 0 unchanged, 1 rejected\n"
    assert (tmp_path / "c.rejected.csv").read_text().splitlines() == [
        "line,reason,symbol,sector",
        "3,column 'symbol' = 'WHO' is not a known security on NSE: import it first with"
        " `workstation import securities`,WHO,IT",
    ]


def test_a_missing_file_is_one_problem_and_is_logged(database: Database, sql: Sql, tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"

    with pytest.raises(ImportFailed) as failure:
        import_file(database, CLASSIFICATIONS, path)

    assert str(failure.value.problems[0]) == f"{path}: cannot be read: No such file or directory"
    assert rows(sql, "select source, status from ingestion_logs") == [("classifications", "failure")]
