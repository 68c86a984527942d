"""`import surveillance`: ASM/GSM lists into surveillance_measures, the measure from a column or the file name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from store.db import Database
from store.ingest import cli
from store.ingest.problems import ImportFailed
from store.ingest.reference import Options, import_file
from store.ingest.surveillance import SURVEILLANCE

from .helpers import Sql, add_security, write
from .reference_helpers import parse, rows, snapshot

MEASURES = (
    "select s.symbol, m.measure, m.stage, m.reason, m.effective_date, m.removed_date from surveillance_measures m"
    " join securities s on s.id = m.security_id order by s.symbol, m.measure"
)


@pytest.fixture
def nse(sql: Sql) -> None:
    for symbol in ("INFY", "TCS", "RELIANCE"):
        add_security(sql, symbol, "NSE")


@pytest.mark.usefixtures("nse")
def test_an_nse_list_takes_its_measure_from_the_name_and_its_date_from_the_caller(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    path = fixture_file("ltasm.csv")
    day = dt.date(2024, 4, 24)

    first = import_file(database, SURVEILLANCE, path, options=Options(effective_date=day))
    before = snapshot(sql)
    again = import_file(database, SURVEILLANCE, path, options=Options(effective_date=day))

    assert first.inserted == 2
    assert rows(sql, MEASURES) == [
        ("INFY", "LTASM", "Stage I", None, day, None),
        ("TCS", "LTASM", "Stage II", None, day, None),
    ]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert snapshot(sql) == before


@pytest.mark.usefixtures("nse")
def test_a_generic_list_with_measures_and_removal_dates(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    import_file(database, SURVEILLANCE, fixture_file("surveillance.csv"))

    assert rows(sql, MEASURES) == [
        ("RELIANCE", "ESM", "Stage 1", "Price variation", dt.date(2024, 2, 1), dt.date(2024, 3, 15)),
        ("RELIANCE", "GSM", "Stage 0", None, dt.date(2024, 3, 1), None),
    ]


@pytest.mark.usefixtures("nse")
def test_a_list_without_a_date_is_refused_and_bad_rows_are_named(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path], tmp_path: Path
) -> None:
    with pytest.raises(ImportFailed, match="has no effective date column: pass --date"):
        import_file(database, SURVEILLANCE, fixture_file("ltasm.csv"))
    body = "INFY,GSM,Stage 1,2024-13-01,\nTCS,GSM,Stage 1,2024-03-01,2024-02-01\n"
    path = write(tmp_path, "list.csv", "symbol,measure,stage,effective_date,removed_date\n" + body)
    before = snapshot(sql)

    with pytest.raises(ImportFailed) as failure:
        import_file(database, SURVEILLANCE, path)

    assert [problem.reason for problem in failure.value.problems] == [
        "column 'effective_date' = '2024-13-01' is not a date like 29-NOV-1995",
        "column 'removed_date' = '2024-02-01' is before the effective date 2024-03-01",
    ]
    assert snapshot(sql) == before


@pytest.mark.usefixtures("nse")
def test_cli_measure_and_date_options(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = fixture_file("ltasm.csv")

    code = cli.run(parse("surveillance", str(path), "--measure", "asm", "--date", "2024-04-24"), database)

    assert code == cli.EXIT_OK
    assert (
        capsys.readouterr().out
        == f"{path} (surveillance-list): 2 rows: 2 inserted, 0 updated, 0 unchanged, 0 rejected\n"
    )
    assert rows(sql, "select distinct measure from surveillance_measures") == [("ASM",)]
