"""`workstation sync --from-dir`: a vendor drop folder of per-symbol files; only rows after the latest bar land."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest

from store.db import Database
from store.errors import InvalidInput
from store.ingest import sync_cli
from store.ingest.sync import parse_duration, sync
from store.ingest.sync_sources import Fetched, FolderSource, SyncTarget

from .helpers import FIXTURES, Sql, add_security, bar, bar_count, price, write
from .test_sync_http import last_log, store_bars, synced_at

DROP = FIXTURES / "sync" / "drop"
YAHOO = "Date,Open,High,Low,Close,Adj Close,Volume\n"


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DROP, tmp_path / "drop"))


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="workstation")
    sync_cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["sync", *argv])


def test_only_the_rows_after_the_latest_bar_land(database: Database, sql: Sql, drop: Path) -> None:
    infy = add_security(sql, "INFY", "NSE")
    tcs = add_security(sql, "TCS", "NSE")
    aapl = add_security(sql, "AAPL", "NASDAQ")
    hdfc = add_security(sql, "HDFCBANK", "NSE")
    store_bars(sql, infy, dt.date(2024, 1, 1), 3)
    store_bars(sql, tcs, dt.date(2024, 1, 2), 3)

    report = sync(database, FolderSource(drop))

    assert bar_count(sql, "INFY", "NSE") == 5
    assert bar(sql, "INFY", "NSE", dt.date(2024, 1, 3))["close"] == price("55")  # the stored bar, not the file's
    assert bar(sql, "INFY", "NSE", dt.date(2024, 1, 4))["close"] == price("1550.75")
    assert bar_count(sql, "TCS", "NSE") == 4  # a descending M/D/YYYY file without a final newline
    assert bar(sql, "TCS", "NSE", dt.date(2024, 1, 5))["high"] == price("3745")
    assert bar_count(sql, "AAPL", "NASDAQ") == 4  # Stooq's AAPL.US rows; the file's MSFT row is not AAPL's
    assert bar(sql, "AAPL", "NASDAQ", dt.date(2024, 1, 4))["high"] == price("183.0872")
    assert bar_count(sql, "HDFCBANK", "NSE") == 3  # a BOM, the old Yahoo order
    assert all(synced_at(sql, security) is not None for security in (infy, tcs, aapl, hdfc))
    assert (report.inserted, report.updated, report.status) == (2 + 1 + 4 + 3, 0, "success")
    log = last_log(sql)
    assert (log["source"], log["status"], log["records_inserted"]) == ("sync:folder", "success", 10)
    stored = sql.execute("select distinct source from ohlcv_daily where security_id = %s", (aapl,)).fetchall()
    assert stored == [("sync:folder",)]


def test_a_second_run_over_the_same_drop_adds_nothing(database: Database, sql: Sql, drop: Path) -> None:
    add_security(sql, "INFY", "NSE")
    sync(database, FolderSource(drop))

    again = sync(database, FolderSource(drop), stale_after=dt.timedelta(0))

    assert [result.target.label for result in again.synced] == ["NSE:INFY"]
    assert (again.received, again.inserted, again.updated) == (0, 0, 0)
    assert bar_count(sql, "INFY", "NSE") == 5


def test_a_security_without_a_file_is_absent_not_failed(database: Database, sql: Sql, drop: Path) -> None:
    msft = add_security(sql, "MSFT", "NASDAQ")
    add_security(sql, "INFY", "NSE")

    report = sync(database, FolderSource(drop))

    assert [result.target.label for result in report.absent] == ["NASDAQ:MSFT"]
    assert report.failed == ()
    assert report.status == "success"
    assert synced_at(sql, msft) is None  # the next drop may bring it


def test_an_invalid_new_row_fails_its_security_and_an_invalid_old_row_is_ignored(
    database: Database, sql: Sql, tmp_path: Path
) -> None:
    infy = add_security(sql, "INFY", "NSE")
    add_security(sql, "TCS", "NSE")
    store_bars(sql, infy, dt.date(2024, 1, 1), 3)
    rows = "2024-01-02,10,12.5x,9,10,10,100\n2024-01-04,10,11,9,10,10,100\n2024-01-05,10,9,11,10,10,100\n"
    path = write(tmp_path, "INFY.NS.csv", YAHOO + rows)
    write(tmp_path, "TCS.csv", YAHOO + "2024-01-04,10,11,9,10,10,100\n")

    report = sync(database, FolderSource(tmp_path))

    (failed,) = report.failed
    assert failed.target.label == "NSE:INFY"
    assert [str(problem) for problem in failed.problems] == [f"{path}:4: column 'High' = '9' is below Low (11)"]
    assert bar_count(sql, "INFY", "NSE") == 3
    assert synced_at(sql, infy) is None
    assert bar_count(sql, "TCS", "NSE") == 1
    assert report.status == "partial"


def test_a_bare_file_is_not_shared_by_two_securities_of_that_symbol(
    database: Database, sql: Sql, tmp_path: Path
) -> None:
    add_security(sql, "INFY", "NSE")
    add_security(sql, "INFY", "BSE")
    write(tmp_path, "INFY.csv", YAHOO + "2024-01-04,10,11,9,10,10,100\n")
    write(tmp_path, "INFY.BO.csv", YAHOO + "2024-01-04,20,21,19,20,20,100\n")

    report = sync(database, FolderSource(tmp_path))

    assert [result.target.label for result in report.synced] == ["BSE:INFY"]
    (failed,) = report.failed
    assert failed.message is not None
    assert "could be any of the securities named INFY: name it INFY.NSE.csv" in failed.message
    assert bar(sql, "INFY", "BSE", dt.date(2024, 1, 4))["close"] == price("20")


def test_a_file_of_unknown_layout_is_reported(database: Database, sql: Sql, tmp_path: Path) -> None:
    add_security(sql, "INFY", "NSE")
    write(tmp_path, "INFY.csv", "when,price\n2024-01-04,10\n")

    report = sync(database, FolderSource(tmp_path))

    (failed,) = report.failed
    assert failed.message is not None
    assert failed.message.startswith(f"{tmp_path / 'INFY.csv'} has a header I do not know (when,price)")


def test_the_cli_summarises_the_run_and_names_what_had_no_file(
    database: Database, sql: Sql, drop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_security(sql, "INFY", "NSE")
    add_security(sql, "MSFT", "NASDAQ")

    code = sync_cli.run(parse("--from-dir", str(drop)), database)

    out, err = capsys.readouterr()
    assert code == sync_cli.EXIT_OK
    assert out.startswith(
        f"sync from {drop}: 1 synced (5 bars inserted, 0 updated), 0 fresh skipped, 1 without data in "
    )
    assert err == "no data at the source for NASDAQ:MSFT\n"

    code = sync_cli.run(parse("--from-dir", str(drop), "--quiet"), database)

    assert code == sync_cli.EXIT_OK
    assert capsys.readouterr() == ("", "")


def test_the_cli_lists_the_problems_of_a_failed_security_and_exits_1(
    database: Database, sql: Sql, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_security(sql, "INFY", "NSE")
    path = write(tmp_path, "INFY.csv", YAHOO + "2024-01-04,10,11,9,10,10,-5\n")

    code = sync_cli.run(parse("--from-dir", str(tmp_path)), database)

    out, err = capsys.readouterr()
    assert code == sync_cli.EXIT_INCOMPLETE
    assert "0 synced" in out
    assert "1 failed" in out
    assert err.splitlines() == [
        f"NSE:INFY: 1 problem in {path}",
        f"  {path}:2: column 'Volume' = '-5' is negative",
    ]


def test_bad_options_are_clear_errors(database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sync_cli.run(parse("--from-dir", str(tmp_path / "nowhere")), database) == sync_cli.EXIT_INCOMPLETE
    assert "nowhere is not a directory" in capsys.readouterr().err
    assert sync_cli.run(parse("--from-dir", str(tmp_path), "--stale-after", "soon"), database) == 1
    assert "--stale-after 'soon' is not a duration" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20h", dt.timedelta(hours=20)),
        ("90m", dt.timedelta(minutes=90)),
        ("2d", dt.timedelta(days=2)),
        ("1.5h", dt.timedelta(hours=1, minutes=30)),
        ("0", dt.timedelta(0)),
        (" 30s ", dt.timedelta(seconds=30)),
    ],
)
def test_stale_after_reads_hours_minutes_and_days(text: str, expected: dt.timedelta) -> None:
    assert parse_duration(text) == expected


def test_stale_after_refuses_what_is_not_a_duration() -> None:
    with pytest.raises(InvalidInput, match="is not a duration"):
        parse_duration("-2h")


class WriterMeanwhile:
    """A drop folder while another writer stores one of the fetched days (after the run read the latest bars)."""

    def __init__(self, folder: FolderSource, sql: Sql, security_id: int, day: dt.date) -> None:
        self.folder, self.sql, self.security_id, self.day = folder, sql, security_id, day
        self.kind, self.description = folder.kind, folder.description

    def prepare(self, targets: Sequence[SyncTarget]) -> None:
        self.folder.prepare(targets)

    def fetch(self, target: SyncTarget) -> Fetched:
        store_bars(self.sql, self.security_id, self.day, 1)
        return self.folder.fetch(target)


def test_a_day_stored_by_another_writer_during_the_run_is_merged(database: Database, sql: Sql, drop: Path) -> None:
    infy = add_security(sql, "INFY", "NSE")

    report = sync(database, WriterMeanwhile(FolderSource(drop), sql, infy, dt.date(2024, 1, 4)))

    assert (report.inserted, report.updated) == (4, 1)
    assert bar(sql, "INFY", "NSE", dt.date(2024, 1, 4))["close"] == price("1550.75")
    assert bar_count(sql, "INFY", "NSE") == 5


def test_a_parquet_file_in_the_drop_is_read_like_a_csv(database: Database, sql: Sql, tmp_path: Path) -> None:
    spy = add_security(sql, "SPY", "NYSEARCA", "etf")
    store_bars(sql, spy, dt.date(2024, 1, 2), 1)
    frame = pl.DataFrame(
        {
            "date": [dt.date(2024, 1, 2), dt.date(2024, 1, 3)],
            "open": [470.0, 471.5],
            "high": [472.0, 473.25],
            "low": [468.0, 469.0],
            "close": [471.0, 470.5],
            "volume": [1_000_000, 1_100_000],
        }
    )
    frame.write_parquet(tmp_path / "SPY.US.parquet")

    report = sync(database, FolderSource(tmp_path))

    assert report.inserted == 1
    assert bar(sql, "SPY", "NYSEARCA", dt.date(2024, 1, 3))["high"] == price("473.25")
