"""Generated files: every broken row is named by file, line and column and leaves the database as it was;
every valid candle is stored exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.db import Database
from store.ingest import ImportFailed, import_prices
from store.ingest.files import read_price_file
from store.ingest.problems import ImportFailed as ProblemsImportFailed
from store.ingest.problems import Problem

from .helpers import Sql, counts

HEADER = ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"]
SHARED_DB = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@st.composite
def candles(draw: st.DrawFn) -> list[list[str]]:
    """2 to 8 valid bars on consecutive days, prices with up to 6 decimals."""
    count = draw(st.integers(2, 8))
    first = draw(st.dates(dt.date(1990, 1, 1), dt.date(2024, 1, 1)))
    rows = []
    for offset in range(count):
        low = draw(st.decimals(Decimal("0.01"), Decimal("99999"), places=draw(st.integers(0, 6))))
        high = low + draw(st.decimals(Decimal("0"), Decimal("500"), places=2))
        open_, close = (draw(st.sampled_from([low, high, (low + high) / 2])) for _ in range(2))
        volume = draw(st.integers(0, 10**12))
        day = first + dt.timedelta(days=offset)
        rows.append([day.isoformat(), *(f"{value:f}" for value in (open_, high, low, close, close)), str(volume)])
    return rows


# (column, broken value, words of the problem); None keeps the row's value where the breakage is elsewhere.
BREAKAGES = [
    ("Open", "12.5x", "is not a number"),
    ("Close", "abc", "is not a number"),
    ("Low", "", "is empty"),
    ("Adj Close", "1,234.5", "is not a number"),
    ("Volume", "-5", "is negative"),
    ("Volume", "12.7", "is not a whole number"),
    ("Date", "2014-13-45", "is not a date like 2014-06-09"),
    ("Date", "yesterday", "is not a date like 2014-06-09"),
    ("Low", "0", "is not above 0"),
    ("High", "SWAP", "is below Low"),
    ("Date", "DUPLICATE", "repeats the bar of line"),
]


def _csv(rows: list[list[str]]) -> str:
    return (
        "\n".join(",".join(f'"{value}"' if "," in value else value for value in row) for row in [HEADER, *rows]) + "\n"
    )


@SHARED_DB
@given(rows=candles(), data=st.data())
def test_a_broken_row_is_named_and_nothing_is_stored(
    database: Database, sql: Sql, tmp_path: Path, rows: list[list[str]], data: st.DataObject
) -> None:
    index = data.draw(st.integers(1, len(rows) - 1), label="row")
    column, value, words = data.draw(st.sampled_from(BREAKAGES), label="breakage")
    position = HEADER.index(column)
    row = rows[index]
    if value == "SWAP":
        row[1] = row[2] = row[4] = row[5] = "100"
        row[3], value = "200", "100"
    elif value == "DUPLICATE":
        value = row[0] = rows[0][0]
    else:
        row[position] = value
    path = tmp_path / "BROKEN.NS.csv"
    path.write_text(_csv(rows))
    before = counts(sql)

    try:
        import_prices(database, [path], create_missing=True)
    except ImportFailed as failure:
        problems = failure.problems
    else:
        raise AssertionError("the import of a broken file succeeded")

    assert counts(sql) == before
    line = index + 2
    found = [problem for problem in problems if problem.line == line and problem.column == column]
    assert found, [str(problem) for problem in problems]
    assert found[0].value == value
    assert words in found[0].message
    assert str(found[0]).startswith(f"{path}:{line}: column '{column}' = '{value}' ")


@SHARED_DB
@given(rows=candles())
def test_every_valid_candle_is_stored_exactly(
    database: Database, sql: Sql, tmp_path: Path, rows: list[list[str]]
) -> None:
    path = tmp_path / "EXACT.NS.csv"
    path.write_text(_csv(rows))

    import_prices(database, [path], create_missing=True)

    stored = sql.execute(
        "select d.trade_date, d.open, d.high, d.low, d.close, d.volume from ohlcv_daily d"
        " join securities s on s.id = d.security_id where s.symbol = 'EXACT' and d.trade_date = any(%s)"
        " order by d.trade_date",
        ([dt.date.fromisoformat(row[0]) for row in rows],),
    ).fetchall()
    expected = [(dt.date.fromisoformat(row[0]), *(_stored(value) for value in row[1:5]), int(row[6])) for row in rows]
    assert stored == expected


def _stored(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.000001"))


def test_the_error_lists_twenty_problems_then_how_many_more() -> None:
    problems = [Problem("f.csv", line, "High", "x", "is not a number") for line in range(2, 27)]

    failure = ProblemsImportFailed(problems)

    lines = str(failure).splitlines()
    assert lines[0] == "25 problems in f.csv: nothing was imported"
    assert lines[1] == "f.csv:2: column 'High' = 'x' is not a number"
    assert len(lines) == 22
    assert lines[-1] == "… and 5 more"
    assert failure.fields["f.csv:2 High"] == "is not a number"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=candles(), data=st.data())
def test_the_quick_test_of_typed_rows_flags_every_row_the_rules_reject(
    tmp_path: Path, rows: list[list[str]], data: st.DataObject
) -> None:
    """Rows read typed are checked chunk by chunk by one quick expression; it may flag more, never fewer."""
    for _ in range(data.draw(st.integers(1, 3), label="broken rows")):
        row = rows[data.draw(st.integers(0, len(rows) - 1), label="row")]
        column, value = data.draw(
            st.sampled_from(
                [("Low", "0"), ("High", "0.001"), ("Open", "999999"), ("Volume", "-1"), ("Date", "0014-06-09")]
            ),
            label="breakage",
        )
        row[HEADER.index(column)] = value
    path = tmp_path / "QUICK.NS.csv"
    path.write_text(_csv(rows))

    file = read_price_file(path, exchange=None, symbol=None, series={"EQ"})
    (part,) = file.parts()
    flagged = set(part.prepared.frame.filter(part.prepared.broken)["line"].to_list())
    rejected = {problem.line for problem in file.diagnosed().problems}
    assert rejected <= flagged
