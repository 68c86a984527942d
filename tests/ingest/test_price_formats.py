"""Every real-world price layout loads with exact values: Yahoo, plain OHLCV, Stooq, NSE, long CSV, Parquet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from store.db import Database
from store.ingest import formats, import_prices
from store.ingest.formats import detect_format, header_of, symbol_from_file_name

from .helpers import FIXTURES, Sql, bar, bar_count, price, write

D = dt.date

# file, options, format, bars loaded, (symbol, exchange, day, expected columns)
CASES: list[tuple[str, dict[str, Any], str, int, tuple[str, str, dt.date, dict[str, Any]]]] = [
    (
        "INFY.NS.csv",
        {},
        "yahoo",
        3,
        ("INFY", "NSE", D(2014, 6, 10), {"close": "1566.199951", "adj_close": "1381.828979", "volume": 1519526}),
    ),
    (
        "AAPL.csv",
        {"exchange": "NASDAQ"},
        "yahoo",
        3,
        ("AAPL", "NASDAQ", D(1999, 1, 4), {"open": "1.334821", "adj_close": "1.155018", "volume": 238322400}),
    ),
    (
        "MSFT.csv",
        {"exchange": "NASDAQ"},
        "yahoo-old",
        3,
        ("MSFT", "NASDAQ", D(2014, 6, 9), {"close": "41.27", "adj_close": "36.85", "volume": 15019200}),
    ),
    (
        "GSPC.csv",
        {"exchange": "INDEX"},
        "ohlcv",
        3,
        ("GSPC", "INDEX", D(2014, 6, 11), {"close": "1943.89", "adj_close": None, "volume": 4350480000}),
    ),
    ("ES.csv", {"exchange": "CME"}, "ohlcv", 2, ("ES", "CME", D(2014, 6, 10), {"high": "1949.00", "volume": 1030712})),
    (
        "TCS.csv",
        {"exchange": "NSE"},
        "yahoo",
        2,
        ("TCS", "NSE", D(2014, 6, 10), {"close": "2314.70", "volume": 765201}),
    ),
    (
        "aapl.us.txt",
        {},
        "stooq",
        3,
        ("MSFT", "US", D(2014, 6, 9), {"open": "36.9", "low": "36.579", "volume": 17434944}),
    ),
    (
        "cm26DEC2016bhav.csv",
        {},
        "nse-bhavcopy",
        5,
        ("M&M", "NSE", D(2016, 12, 26), {"close": "1164.35", "prev_close": "1176.6", "vwap": "1167.280971"}),
    ),
    (
        "BhavCopy_NSE_CM_0_0_0_20240708_F_0000.csv",
        {},
        "nse-udiff",
        2,
        ("RELIANCE", "NSE", D(2024, 7, 8), {"open": "3195.00", "prev_close": "3187.80", "volume": 5408770}),
    ),
    (
        "long_prices.csv",
        {"exchange": "NSE"},
        "long",
        3,
        ("HDFCBANK", "NSE", D(2016, 12, 26), {"close": "1184.80", "adj_close": "1093.98", "volume": 1330567}),
    ),
]


@pytest.mark.parametrize(("name", "options", "kind", "rows", "expected"), CASES, ids=[case[0] for case in CASES])
def test_each_layout_loads_its_bars_with_exact_values(
    database: Database,
    sql: Sql,
    fixture_file: Callable[[str], Path],
    name: str,
    options: dict[str, Any],
    kind: str,
    rows: int,
    expected: tuple[str, str, dt.date, dict[str, Any]],
) -> None:
    report = import_prices(database, [fixture_file(name)], create_missing=True, **options)

    assert [file.format for file in report.files] == [kind]
    assert report.inserted == rows
    assert report.failed == 0
    symbol, exchange, day, columns = expected
    stored = bar(sql, symbol, exchange, day)
    for column, value in columns.items():
        wanted = price(value) if isinstance(value, str) else value
        assert stored[column] == wanted, column
    assert stored["source"] == f"prices:{kind}"


def test_the_fixture_files_keep_their_quirks() -> None:
    """CRLF, no final newline, BOM, trailing commas: a checkout that normalised them would test nothing."""
    assert b"\r\n" in (FIXTURES / "AAPL.csv").read_bytes()
    assert not (FIXTURES / "AAPL.csv").read_bytes().endswith(b"\n")
    assert (FIXTURES / "TCS.csv").read_bytes().startswith(b"\xef\xbb\xbf Date ,")
    assert all(line.endswith(b",") for line in (FIXTURES / "cm26DEC2016bhav.csv").read_bytes().splitlines())
    msft = (FIXTURES / "MSFT.csv").read_text().splitlines()
    assert msft[1] > msft[-1], "MSFT.csv is newest first"


def test_nse_bhavcopy_loads_eq_and_be_by_default_and_other_series_on_request(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    path = fixture_file("cm26DEC2016bhav.csv")

    default = import_prices(database, [path], create_missing=True)
    wider = import_prices(database, [path], create_missing=True, series=("EQ", "BE", "BZ", "SM"))

    assert (default.inserted, default.files[0].skipped) == (5, 3)
    assert (wider.inserted, wider.unchanged, wider.files[0].skipped) == (2, 5, 1)
    assert bar_count(sql, "8KMILES", "NSE") == 1
    assert bar_count(sql, "GOI2024", "NSE") == 0
    series = sql.execute("select series from securities where symbol = '3IINFOTECH'").fetchone()
    assert series == ("BE",)


def test_stooq_ticker_suffix_names_the_exchange_unless_one_is_given(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    import_prices(database, [fixture_file("aapl.us.txt")], exchange="NASDAQ", create_missing=True)

    assert bar_count(sql, "AAPL", "NASDAQ") == 2
    assert bar_count(sql, "AAPL", "US") == 0


def test_a_long_csv_names_the_securities_it_creates(
    database: Database, sql: Sql, fixture_file: Callable[[str], Path]
) -> None:
    report = import_prices(database, [fixture_file("long_prices.csv")], exchange="NSE", create_missing=True)

    assert report.created_securities == ("NSE:HDFCBANK", "NSE:ICICIBANK")
    rows = sql.execute("select symbol, name, instrument_type from securities order by symbol").fetchall()
    assert rows == [("HDFCBANK", "HDFC Bank Ltd", "equity"), ("ICICIBANK", "ICICI Bank Ltd", "equity")]


def test_a_long_csv_may_name_securities_by_id(database: Database, sql: Sql, tmp_path: Path) -> None:
    from .helpers import add_security

    first, second = add_security(sql, "INFY"), add_security(sql, "TCS")
    path = write(
        tmp_path,
        "export.csv",
        f"security_id,trade_date,open,high,low,close,volume\n{first},2020-01-02,10,11,9,10.5,100\n"
        f"{second},2020-01-02,20,21,19,20.5,200\n",
    )

    report = import_prices(database, [path])

    assert report.inserted == 2
    assert bar(sql, "TCS", "NSE", D(2020, 1, 2))["close"] == price("20.5")


@pytest.mark.parametrize("with_symbol_column", [True, False])
def test_parquet_written_by_polars_loads(
    database: Database, sql: Sql, tmp_path: Path, with_symbol_column: bool
) -> None:
    frame = pl.DataFrame(
        {
            "Date": [D(2021, 3, 1), D(2021, 3, 2)],
            "Open": [100.5, 101.25],
            "High": [102.0, 103.125],
            "Low": [99.75, 100.0],
            "Close": [101.0, 102.5],
            "Volume": [1_000_000, 2_500_000_000],
        }
    )
    if with_symbol_column:
        frame = frame.with_columns(pl.lit("WIPRO").alias("Symbol"))
    path = tmp_path / ("prices.parquet" if with_symbol_column else "WIPRO.NS.bin")
    frame.write_parquet(path)

    report = import_prices(database, [path], exchange="NSE" if with_symbol_column else None, create_missing=True)

    assert [file.format for file in report.files] == ["long" if with_symbol_column else "ohlcv"]
    stored = bar(sql, "WIPRO", "NSE", D(2021, 3, 2))
    assert (stored["high"], stored["volume"]) == (price("103.125"), 2_500_000_000)


def test_the_symbol_option_names_a_file_without_a_symbol(database: Database, sql: Sql, tmp_path: Path) -> None:
    path = write(tmp_path, "download.csv", (FIXTURES / "INFY.NS.csv").read_text())

    import_prices(database, [path], symbol="infosys", exchange="nse", create_missing=True)

    assert bar_count(sql, "INFOSYS", "NSE") == 3


def test_a_value_with_more_than_six_decimals_is_rounded_to_the_stored_scale(
    database: Database, sql: Sql, tmp_path: Path
) -> None:
    path = write(tmp_path, "X.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,1,2,0.5,1.5,1.23456789,7\n")

    import_prices(database, [path], exchange="NYSE", create_missing=True)

    assert bar(sql, "X", "NYSE", D(2020, 1, 2))["adj_close"] == Decimal("1.234568")


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Date,Open,High,Low,Close,Adj Close,Volume", "yahoo"),
        ("Date,Open,High,Low,Close,Volume,Adj Close", "yahoo-old"),
        ("Date,Open,High,Low,Close,Volume", "ohlcv"),
        ("Date,Open,High,Low,Close,Volume,OpenInterest", "ohlcv"),
        ("<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>", "stooq"),
        (
            "SYMBOL,SERIES,OPEN,HIGH,LOW,CLOSE,LAST,PREVCLOSE,TOTTRDQTY,TOTTRDVAL,TIMESTAMP,TOTALTRADES,ISIN,",
            "nse-bhavcopy",
        ),
        ("ticker,trade_date,OPEN,high,low,close,volume", "long"),
        ("\ufeff Date , Open ,High, Low,Close , Adj Close,Volume ", "yahoo"),
    ],
)
def test_the_format_is_recognised_from_the_header(header: str, kind: str) -> None:
    found = detect_format(header_of(header.encode() + b"\r\n2020-01-01,1,1,1,1,1,1\r\n"))
    assert found is not None
    assert found.name == kind


@pytest.mark.parametrize("header", ["Date,Price", "symbol,date,close", "a;b;c", ""])
def test_an_unknown_header_is_not_guessed(header: str) -> None:
    assert detect_format(header_of(header.encode() + b"\n")) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("INFY.csv", ("INFY", None)),
        ("INFY.NS.csv", ("INFY", "NSE")),
        ("500209.BO.csv", ("500209", "BSE")),
        ("aapl.us.txt", ("AAPL", "US")),
        ("BRK.B.csv", ("BRK.B", None)),
        ("M&M", ("M&M", None)),
    ],
)
def test_the_file_name_gives_the_symbol_and_maybe_the_exchange(name: str, expected: tuple[str, str | None]) -> None:
    assert symbol_from_file_name(Path("/data") / name) == expected


def test_body_parts_start_small_and_double_every_line_once() -> None:
    body = "".join(f"AAA,2020-01-{day:02d},10,11,9,10.5,{day}\n" for day in range(1, 29))
    data = ("symbol,date,open,high,low,close,volume\n" + body).encode()
    parts = list(formats.body_parts(data, size=400, first=100))
    assert b"".join(lines for _, lines in parts) == body.encode(), "every line once, in order"
    sizes = [len(lines) for _, lines in parts]
    assert sizes[0] < 150 < sizes[1] < 250 < sizes[2], sizes  # about 100, 200, then 400 at most
    assert all(size < 450 for size in sizes)
    assert [first_line for first_line, _ in parts][:2] == [2, 2 + parts[0][1].count(b"\n")]
