"""`workstation import prices`: what a person running it sees, and its exit codes."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest

from store.db import Database
from store.ingest import ProgressEvent, cli

from .helpers import Sql, add_security, bar_count, counts, write

YAHOO = "Date,Open,High,Low,Close,Adj Close,Volume\n"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="workstation")
    cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["import", "prices", *argv])


def test_an_import_prints_what_each_file_did(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = fixture_file("cm26DEC2016bhav.csv")

    code = cli.run(parse(str(path), "--create-missing"), database)

    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK
    assert out.splitlines()[0] == (
        f"{path} (nse-bhavcopy): 5 rows: 5 inserted, 0 updated, 0 unchanged, 0 rejected, 3 of other series skipped"
    )
    assert "created 5 securities" in out
    assert err == ""


def test_quiet_prints_nothing_on_success(
    database: Database, fixture_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.run(parse(str(fixture_file("aapl.us.txt")), "--create-missing", "--quiet"), database)

    assert code == cli.EXIT_OK
    assert capsys.readouterr() == ("", "")


def test_invalid_input_lists_twenty_problems_then_a_count_and_exits_1(
    database: Database, sql: Sql, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_security(sql, "INFY", "NSE")
    rows = "".join(f"2020-01-{day:02d},10,12.5x,9,10,10,100\n" for day in range(1, 26))
    path = write(tmp_path, "INFY.NS.csv", YAHOO + rows)
    before = counts(sql)

    code = cli.run(parse(str(path)), database)

    out, err = capsys.readouterr()
    assert code == cli.EXIT_INVALID_INPUT
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "import prices: 25 problems, nothing was imported"
    assert lines[1] == f"{path}:2: column 'High' = '12.5x' is not a number"
    assert lines[-1] == "… and 5 more"
    assert len(lines) == 22
    assert counts(sql) == before


def test_skip_invalid_names_the_rejected_file(
    database: Database, sql: Sql, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "TCS.NS.csv", YAHOO + "2020-01-02,10,11,9,10,10,1\n2020-01-03,10,11,9,10,10,-1\n")

    code = cli.run(parse(str(path), "--skip-invalid", "--create-missing"), database)

    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK
    assert "1 inserted" in out
    assert "1 rejected" in out
    assert f"{path}:3: column 'Volume' = '-1' is negative" in err
    assert f"rejected rows written to {tmp_path / 'TCS.NS.rejected.csv'}" in err
    assert bar_count(sql, "TCS", "NSE") == 1


def test_series_and_exchange_options_reach_the_importer(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    cli.run(
        parse(str(fixture_file("cm26DEC2016bhav.csv")), "--series", "bz, sm", "--create-missing", "--quiet"), database
    )
    cli.run(parse(str(fixture_file("MSFT.csv")), "--exchange", "nasdaq", "--create-missing", "--quiet"), database)

    assert bar_count(sql, "8KMILES", "NSE") == 1
    assert bar_count(sql, "20MICRONS", "NSE") == 0
    assert bar_count(sql, "MSFT", "NASDAQ") == 3


def test_a_missing_file_is_invalid_input(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.run(parse(str(tmp_path / "nope.csv")), database)

    assert code == cli.EXIT_INVALID_INPUT
    assert "nope.csv: cannot be read: No such file or directory" in capsys.readouterr().err


def test_no_progress_bar_unless_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    bar = cli.ProgressBar(enabled=False)
    bar(cli_event())
    bar.close()
    shown = cli.ProgressBar(enabled=True)  # closed before its second: never drawn
    shown(cli_event())
    shown.close()

    assert capsys.readouterr() == ("", "")


def cli_event() -> ProgressEvent:
    return ProgressEvent("prices.csv", "loading", 10, 100)


def test_an_import_that_adds_bars_checks_the_watchlist_alerts(
    database: Database, sql: Sql, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    security_id = add_security(sql, "INFY", "NSE")
    watchlist = sql.execute("insert into watchlists (name) values ('Breakouts') returning id").fetchone()
    assert watchlist is not None
    entry = sql.execute(
        "insert into watchlist_entries (watchlist_id, security_id, trigger_type, trigger_value, created_at)"
        " values (%s, %s, 'price_above', 1500, '2024-07-01 18:00+00') returning id",
        (watchlist[0], security_id),
    ).fetchone()
    assert entry is not None
    rows = "2024-07-02,1480,1495,1470,1490,1490,900\n2024-07-03,1490,1520,1485,1512.5,1512.5,1200\n"
    path = write(tmp_path, "INFY.NS.csv", YAHOO + rows)

    code = cli.run(parse(str(path)), database)

    out, _ = capsys.readouterr()
    assert code == cli.EXIT_OK
    assert "triggered  INFY (NSE) price_above 1500 — Breakouts on 2024-07-03: close 1512.5" in out
    status, bar, actor = sql.execute(
        "select e.status, e.trigger_bar ->> 'date', a.actor from watchlist_entries e"
        " join audit_log a on a.entity_id = e.id::text and a.action = 'update' where e.id = %s",
        (entry[0],),
    ).fetchone() or (None, None, None)
    assert (status, bar, actor) == ("triggered", "2024-07-03", "system:alerts")

    cli.run(parse(str(path)), database)  # the same bars again: nothing changed, nothing checked or printed

    assert "triggered" not in capsys.readouterr().out


def test_many_created_securities_are_named_up_to_twenty() -> None:
    assert cli.created_line(["NSE:A"]) == "created 1 security: NSE:A"
    many = [f"NSE:S{number}" for number in range(1, 401)]
    line = cli.created_line(many)
    assert line.startswith("created 400 securities: NSE:S1, NSE:S2,")
    assert line.endswith("NSE:S20 and 380 more")
