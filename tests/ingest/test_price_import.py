"""Loading prices: all or nothing, idempotent re-imports, unknown symbols, rejects, the log, the feed, the overview."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from store.db import Database
from store.errors import InvalidInput
from store.ingest import ImportFailed, files, import_prices, load
from store.ingest.prices import default_actor

from .helpers import FIXTURES, Sql, add_security, bar, bar_count, counts, price, write

D = dt.date
YAHOO = "Date,Open,High,Low,Close,Adj Close,Volume\n"


def test_a_known_symbol_loads_straight_into_ohlcv_daily(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    add_security(sql, "INFY", "NSE")

    report = import_prices(database, [fixture_file("INFY.NS.csv")])

    (file,) = report.files
    assert (file.inserted, file.updated, file.unchanged, file.merged) == (3, 0, 0, False)
    assert (file.first_day, file.last_day) == (D(2014, 6, 9), D(2014, 6, 11))
    assert report.created_securities == ()
    assert bar(sql, "INFY", "NSE", D(2014, 6, 9))["open"] == price("1532.050049")


def test_an_unknown_symbol_is_an_error_and_nothing_is_stored(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    before = counts(sql)

    with pytest.raises(ImportFailed) as failure:
        import_prices(database, [fixture_file("cm26DEC2016bhav.csv")])

    assert counts(sql) == before
    problems = [str(problem) for problem in failure.value.problems]
    assert problems[0].endswith(
        "cm26DEC2016bhav.csv:2: column 'SYMBOL' = '20MICRONS' is not a known security on NSE (1 row): "
        "--create-missing adds it"
    )
    assert len(problems) == 5
    assert isinstance(failure.value, InvalidInput)


def test_create_missing_adds_equities_named_by_their_symbol(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    add_security(sql, "ABB", "NSE")

    report = import_prices(database, [fixture_file("cm26DEC2016bhav.csv")], create_missing=True)

    assert set(report.created_securities) == {"NSE:20MICRONS", "NSE:3IINFOTECH", "NSE:AARTIIND", "NSE:M&M"}
    row = sql.execute("select name, instrument_type, series from securities where symbol = 'M&M'").fetchone()
    assert row == ("M&M", "equity", "EQ")
    assert report.inserted == 5


def test_a_reimport_changes_nothing_and_says_so(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    path = fixture_file("INFY.NS.csv")
    import_prices(database, [path], create_missing=True)
    stored_before = bar(sql, "INFY", "NSE", D(2014, 6, 10))

    again = import_prices(database, [path])

    (file,) = again.files
    assert (file.inserted, file.updated, file.unchanged, file.merged) == (0, 0, 3, True)
    assert bar_count(sql, "INFY", "NSE") == 3
    assert bar(sql, "INFY", "NSE", D(2014, 6, 10))["ingested_at"] == stored_before["ingested_at"]


def test_an_overlapping_file_inserts_new_bars_and_updates_changed_ones(
    database: Database, sql: Sql, tmp_path: Path
) -> None:
    add_security(sql, "WIPRO", "NSE")
    first = YAHOO + "2020-01-02,10,11,9,10.5,10.5,100\n2020-01-03,10.5,12,10,11,11,200\n"
    import_prices(database, [write(tmp_path, "WIPRO.NS.csv", first)])
    second = (
        YAHOO + "2020-01-02,10,11,9,10.5,10.5,100\n2020-01-03,10.5,12,10,11.75,11.75,250\n2020-01-06,12,13,11,12,12,1\n"
    )

    report = import_prices(database, [write(tmp_path, "WIPRO.NS.csv", second)])

    (file,) = report.files
    assert (file.inserted, file.updated, file.unchanged, file.merged) == (1, 1, 1, True)
    changed = bar(sql, "WIPRO", "NSE", D(2020, 1, 3))
    assert (changed["close"], changed["volume"]) == (price("11.75"), 250)


def test_bars_stored_after_the_overlap_check_are_merged_not_refused(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer storing the same days between our check and our COPY: the load is redone as a merge."""
    path = fixture_file("INFY.NS.csv")
    import_prices(database, [path], create_missing=True)
    monkeypatch.setattr(load, "overlaps_stored", lambda connection, bars: False)

    report = import_prices(database, [path])

    assert (report.inserted, report.unchanged, report.files[0].merged) == (0, 3, True)


def test_all_files_load_in_one_transaction(database: Database, sql: Sql, tmp_path: Path) -> None:
    good = write(tmp_path, "GOOD.csv", YAHOO + "2020-01-02,10,11,9,10.5,10.5,100\n")
    bad = write(tmp_path, "BAD.csv", YAHOO + "2020-01-02,10,11,9,12.5,10.5,100\n")
    before = counts(sql)

    with pytest.raises(ImportFailed) as failure:
        import_prices(database, [good, bad], exchange="NYSE", create_missing=True)

    assert counts(sql) == before
    assert [str(problem) for problem in failure.value.problems] == [
        f"{bad}:2: column 'Close' = '12.5' is outside Low–High (9–11)"
    ]


def test_skip_invalid_loads_the_valid_rows_and_writes_the_rejected_ones(
    database: Database, sql: Sql, tmp_path: Path
) -> None:
    add_security(sql, "TCS", "NSE")
    text = YAHOO + (
        "2020-01-02,10,11,9,10.5,10.5,100\n"
        "2020-01-03,10,11x,9,10.5,10.5,100\n"
        "2020-01-06,10,11,9,10.5,10.5,-3\n"
        "2020-01-07,10,11,9,10.5,10.5,100\n"
    )
    path = write(tmp_path, "TCS.NS.csv", text)

    report = import_prices(database, [path], skip_invalid=True)

    (file,) = report.files
    assert (file.fetched, file.inserted, file.failed) == (4, 2, 2)
    assert file.rejected_path == tmp_path / "TCS.NS.rejected.csv"
    with file.rejected_path.open(newline="") as rejected:
        rows = list(csv.reader(rejected))
    assert rows == [
        ["line", "reason", "Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"],
        ["3", "column 'High' = '11x' is not a number", "2020-01-03", "10", "11x", "9", "10.5", "10.5", "100"],
        ["4", "column 'Volume' = '-3' is negative", "2020-01-06", "10", "11", "9", "10.5", "10.5", "-3"],
    ]
    assert bar_count(sql, "TCS", "NSE") == 2


def test_skip_invalid_rejects_the_rows_of_unknown_symbols(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    add_security(sql, "HDFCBANK", "NSE")

    report = import_prices(database, [fixture_file("long_prices.csv")], exchange="NSE", skip_invalid=True)

    assert (report.inserted, report.failed) == (2, 1)
    rejected = report.rejected_paths[0].read_text().splitlines()
    assert rejected[1].startswith("4,ICICIBANK is not a known security on NSE (--create-missing adds it),ICICIBANK,")


def test_every_run_is_logged_in_ingestion_logs(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    import_prices(database, [fixture_file("INFY.NS.csv")], create_missing=True)
    bad = write(fixture_file("INFY.NS.csv").parent, "BAD.csv", YAHOO + "x,1,1,1,1,1,1\n")
    with pytest.raises(ImportFailed):
        import_prices(database, [bad], exchange="NSE", create_missing=True)

    rows = sql.execute(
        "select source, status, records_fetched, records_inserted, records_updated, records_failed, errors,"
        " execution_time_ms >= 0, finished_at >= started_at from ingestion_logs order by id"
    ).fetchall()
    assert rows[0] == ("prices:yahoo", "success", 3, 3, 0, 0, [], True, True)
    source, status, fetched, inserted, updated, failed, errors, timed, ordered = rows[1]
    assert (source, status, fetched, inserted, updated, failed, timed, ordered) == (
        "prices:yahoo", "failure", 1, 0, 0, 1, True, True,
    )  # fmt: skip
    assert errors[0]["line"] == 2
    assert errors[0]["column"] == "Date"
    assert errors[0]["message"] == "is not a date like 2014-06-09"


def test_a_load_is_announced_on_the_change_feed_at_commit(
    database: Database, fixture_file: Callable[[str], Path]
) -> None:
    with psycopg.connect(database.target.conninfo, autocommit=True) as listener:
        listener.execute("listen workstation_changes")

        import_prices(database, [fixture_file("INFY.NS.csv")], create_missing=True)

        notices = [json.loads(notice.payload) for notice in listener.notifies(timeout=2, stop_after=1)]
    assert notices == [
        {
            "table": "ohlcv_daily",
            "op": "load",
            "id": None,
            "source": "prices:yahoo",
            "first_day": "2014-06-09",
            "last_day": "2014-06-11",
            "rows": 3,
            "actor": default_actor(),
        }
    ]


def test_a_failed_import_announces_nothing(database: Database, tmp_path: Path) -> None:
    with psycopg.connect(database.target.conninfo, autocommit=True) as listener:
        listener.execute("listen workstation_changes")
        with pytest.raises(ImportFailed):
            import_prices(database, [write(tmp_path, "X.csv", YAHOO + "2020-01-02,1,1,2,1,1,1\n")], exchange="NYSE")

        assert list(listener.notifies(timeout=0.5)) == []


def test_market_overview_shows_the_new_bars(database: Database, sql: Sql, fixture_file: Callable[[str], Path]) -> None:
    import_prices(database, [fixture_file("MSFT.csv")], exchange="NASDAQ", create_missing=True)

    row = sql.execute("select trade_date, close, prev_close from market_overview where symbol = 'MSFT'").fetchone()
    assert row == (D(2014, 6, 11), price("40.86"), price("41.11"))


def test_the_partitions_of_the_years_loaded_are_created(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    import_prices(database, [fixture_file("AAPL.csv")], exchange="NASDAQ", create_missing=True)

    partitions = {row[0] for row in sql.execute("select relname from pg_class where relname like 'ohlcv_daily_p%'")}
    assert {"ohlcv_daily_p1999", "ohlcv_daily_p2008"} <= partitions
    in_default = sql.execute("select count(*) from ohlcv_daily_default").fetchone()
    assert in_default == (0,)


@pytest.mark.parametrize(
    ("name", "content", "options", "message"),
    [
        ("missing.csv", None, {}, "cannot be read: No such file or directory"),
        ("empty.csv", "", {}, "is empty"),
        ("odd.csv", "Day,Price\n2020-01-02,3\n", {}, "has a header I do not know (Day,Price)"),
        ("INFY.csv", YAHOO + "2020-01-02,1,1,1,1,1,1\n", {}, "does not say which exchange its prices are from"),
        (
            "long.csv",
            "symbol,date,open,high,low,close\nX,2020-01-02,1,1,1,1\n",
            {"symbol": "Y", "exchange": "N"},
            "--symbol",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_named_with_the_reason(
    database: Database, sql: Sql, tmp_path: Path, name: str, content: str | None, options: dict[str, str], message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    before = counts(sql)

    with pytest.raises(ImportFailed) as failure:
        import_prices(database, [path], **options)

    (problem,) = failure.value.problems
    assert str(problem).startswith(f"{path}: ")
    assert message in problem.message
    assert counts(sql) == before


def test_line_numbers_count_the_header_and_blank_lines_in_crlf_files(database: Database, tmp_path: Path) -> None:
    text = (
        "\ufeffDate,Open,High,Low,Close,Adj Close,Volume\r\n2020-01-02,1,2,1,1,1,1\r\n\r\n2020-01-03,1,2,1,1,1,oops\r\n"
    )
    path = tmp_path / "X.csv"
    path.write_bytes(text.encode())

    with pytest.raises(ImportFailed) as failure:
        import_prices(database, [path], exchange="NYSE", create_missing=True)

    assert [str(problem) for problem in failure.value.problems] == [
        f"{path}:4: column 'Volume' = 'oops' is not a whole number"
    ]


def test_no_files_and_no_series_are_refused_before_anything_is_read(database: Database) -> None:
    with pytest.raises(InvalidInput, match="no price files"):
        import_prices(database, [])
    with pytest.raises(InvalidInput, match="no NSE series"):
        import_prices(database, [FIXTURES / "INFY.NS.csv"], series=(" ",))


def test_a_line_with_more_fields_than_the_header_is_named(database: Database, sql: Sql, tmp_path: Path) -> None:
    path = write(tmp_path, "X.csv", YAHOO + "2020-01-02,1,1,1,1,1,1\n2020-01-03,1,1,1,1,1,234.5,9\n")

    with pytest.raises(ImportFailed) as failure:
        import_prices(database, [path], exchange="NYSE", create_missing=True)

    assert [str(problem) for problem in failure.value.problems] == [f"{path}:3: has 8 fields; the header has 7"]


def test_partitions_that_grew_are_analysed_before_the_overview_is_refreshed(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    """Statistics that still say "empty" make the overview's lookups scan whole partitions."""
    import_prices(database, [fixture_file("INFY.NS.csv")], create_missing=True)

    assert sql.execute("select reltuples from pg_class where relname = 'ohlcv_daily_p2014'").fetchone() == (3,)


def test_a_file_with_only_its_header_loads_nothing(database: Database, sql: Sql, tmp_path: Path) -> None:
    add_security(sql, "INFY", "NSE")

    report = import_prices(database, [write(tmp_path, "INFY.NS.csv", YAHOO)])

    assert (report.fetched, report.inserted, report.failed) == (0, 0, 0)
    assert sql.execute("select status, records_fetched from ingestion_logs").fetchall() == [("success", 0)]


def test_a_two_digit_year_is_not_read_as_the_year_14(database: Database, sql: Sql, tmp_path: Path) -> None:
    path = write(tmp_path, "X.csv", YAHOO + "6/9/2014,1,2,1,1,1,1\n06/10/14,1,2,1,1,1,1\n")
    before = counts(sql)

    with pytest.raises(ImportFailed) as failure:
        import_prices(database, [path], exchange="NYSE", create_missing=True)

    assert [str(problem) for problem in failure.value.problems] == [
        f"{path}:3: column 'Date' = '06/10/14' is not a trading day between 1800-01-01 and today"
    ]
    assert counts(sql) == before


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Typed files read in parts of about two lines, as a file of hundreds of megabytes is."""
    monkeypatch.setattr(files, "PART_BYTES", 60)


def _long_csv(rows: list[str]) -> str:
    return "symbol,date,open,high,low,close,volume\n" + "".join(f"{row}\n" for row in rows)


@pytest.mark.usefixtures("small_parts")
def test_a_file_read_in_parts_loads_like_a_small_one(database: Database, sql: Sql, tmp_path: Path) -> None:
    rows = [f"{symbol},2020-01-{day:02d},10,11,9,10.{day},{day}" for symbol in ("AAA", "BBB") for day in range(1, 11)]
    path = write(tmp_path, "parts.csv", _long_csv(rows))
    read = files.read_price_file(path, exchange="NSE", symbol=None, series={"EQ"})
    assert len(list(read.parts())) >= 8

    report = import_prices(database, [path], exchange="NSE", create_missing=True)

    assert (report.fetched, report.inserted) == (20, 20)
    assert report.created_securities == ("NSE:AAA", "NSE:BBB")
    assert bar(sql, "BBB", "NSE", D(2020, 1, 7))["close"] == price("10.7")
    again = import_prices(database, [path], exchange="NSE")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 20)


@pytest.mark.usefixtures("small_parts")
def test_a_problem_in_a_later_part_undoes_the_earlier_parts(database: Database, sql: Sql, tmp_path: Path) -> None:
    rows = [f"AAA,2020-01-{day:02d},10,11,9,10,{day}" for day in range(1, 11)]
    rows[8] = "AAA,2020-01-09,10,11,9,12,9"
    path = write(tmp_path, "parts.csv", _long_csv(rows))
    before = counts(sql)

    with pytest.raises(ImportFailed) as failure:
        import_prices(database, [path], exchange="NSE", create_missing=True)

    assert [str(problem) for problem in failure.value.problems] == [
        f"{path}:10: column 'close' = '12' is outside Low–High (9–11)"
    ]
    assert counts(sql) == before


@pytest.mark.usefixtures("small_parts")
def test_a_duplicate_in_another_part_is_found(database: Database, sql: Sql, tmp_path: Path) -> None:
    add_security(sql, "AAA", "NSE")
    rows = [f"AAA,2020-01-{day:02d},10,11,9,10,{day}" for day in range(1, 11)]
    rows.append("AAA,2020-01-02,10,11,9,10,2")
    path = write(tmp_path, "parts.csv", _long_csv(rows))

    with pytest.raises(ImportFailed) as failure:
        import_prices(database, [path], exchange="NSE")

    assert [str(problem) for problem in failure.value.problems] == [
        f"{path}:12: column 'date' = '2020-01-02' repeats the bar of line 3 (same security and date)"
    ]
    assert bar_count(sql, "AAA", "NSE") == 0


@pytest.mark.usefixtures("small_parts")
def test_an_unknown_symbol_in_a_later_part_is_named(database: Database, sql: Sql, tmp_path: Path) -> None:
    add_security(sql, "AAA", "NSE")
    rows = [f"AAA,2020-01-{day:02d},10,11,9,10,{day}" for day in range(1, 9)] + ["ZZZ,2020-01-02,10,11,9,10,1"]
    path = write(tmp_path, "parts.csv", _long_csv(rows))

    with pytest.raises(ImportFailed) as failure:
        import_prices(database, [path], exchange="NSE")

    assert [problem.value for problem in failure.value.problems] == ["ZZZ"]
    assert bar_count(sql, "AAA", "NSE") == 0


def _partition_shape(sql: Sql, partition: str) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    """A partition's bounds, its indexes and its constraints, with its own name taken out of their names."""
    bound = sql.execute(
        "select pg_get_expr(c.relpartbound, c.oid) from pg_class c where c.relname = %s", (partition,)
    ).fetchone()
    indexes = sql.execute(
        "select indexname, indexdef from pg_indexes where tablename = %s order by indexname", (partition,)
    ).fetchall()
    constraints = sql.execute(
        "select conname, pg_get_constraintdef(oid) from pg_constraint where conrelid = %s::regclass order by conname",
        (partition,),
    ).fetchall()
    return (
        str(bound[0] if bound else None),
        [(name.replace(partition, "P"), ddl.replace(partition, "P")) for name, ddl in indexes],
        [(name.replace(partition, "P"), ddl) for name, ddl in constraints],
    )


def test_a_first_load_of_a_year_builds_its_partition_as_the_schema_does(
    database: Database, sql: Sql, tmp_path: Path
) -> None:
    """A year's partition that was empty is loaded in bulk and swapped in: the same bounds, key, index and rules."""
    sql.execute("select ensure_ohlcv_partitions('ohlcv_daily', '2019-01-01', '2019-12-31')")
    sql.execute("select ensure_ohlcv_partitions('ohlcv_daily', '2031-01-01', '2031-12-31')")  # made the usual way
    rows = [f"{symbol},2019-03-{day:02d},10,11,9,10.{day},{day}" for symbol in ("AAA", "BBB") for day in range(1, 21)]
    path = write(tmp_path, "fresh.csv", _long_csv(rows))

    report = import_prices(database, [path], exchange="NSE", create_missing=True)

    assert (report.fetched, report.inserted) == (40, 40)
    assert bar(sql, "BBB", "NSE", dt.date(2019, 3, 7))["close"] == price("10.7")
    shape = _partition_shape(sql, "ohlcv_daily_p2019")
    assert shape[0] == "FOR VALUES FROM ('2019-01-01') TO ('2020-01-01')"
    usual = _partition_shape(sql, "ohlcv_daily_p2031")
    assert shape[1:] == usual[1:], "the same indexes and constraints as a partition made the usual way"
    assert sql.execute("select to_regclass('ohlcv_daily_p2019_load')").fetchone() == (None,)
    aaa = sql.execute("select id from securities where symbol = 'AAA'").fetchone()
    assert aaa is not None
    insert = "insert into ohlcv_daily (security_id, trade_date, open, high, low, close) values (%s, %s, 1, 1, 1, 1)"
    with pytest.raises(psycopg.errors.UniqueViolation):
        sql.execute(insert, (aaa[0], dt.date(2019, 3, 5)))
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        sql.execute(insert, (-1, dt.date(2019, 3, 5)))


def test_a_year_that_holds_bars_is_loaded_the_usual_way_and_keeps_them(
    database: Database, sql: Sql, tmp_path: Path
) -> None:
    first = [f"AAA,2019-03-{day:02d},10,11,9,10.5,{day}" for day in range(1, 11)]
    import_prices(database, [write(tmp_path, "first.csv", _long_csv(first))], exchange="NSE", create_missing=True)
    partition_oid = sql.execute("select 'ohlcv_daily_p2019'::regclass::oid").fetchone()

    later = [f"BBB,2019-03-{day:02d},20,21,19,20.5,{day}" for day in range(1, 11)]
    report = import_prices(
        database, [write(tmp_path, "later.csv", _long_csv(later))], exchange="NSE", create_missing=True
    )

    assert report.inserted == 10
    assert sql.execute("select 'ohlcv_daily_p2019'::regclass::oid").fetchone() == partition_oid, "not swapped"
    assert sql.execute("select count(*) from ohlcv_daily_p2019").fetchone() == (20,)
