"""The screener: expressions find exactly the right securities; every mistake or attack is a ScreenerSyntaxError."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.orm import Session

from store.errors import InvalidInput
from store.records.securities import SecurityFilter
from store.screener import MAX_DEPTH, MAX_LENGTH, SCREEN_COLUMNS, Screen, ScreenerSyntaxError, parse_screen
from store.screener.compiler import condition
from store.screener.parser import Comparison, Value
from store.uow import UnitOfWork

PREVIOUS_DAY, LAST_DAY = dt.date(2026, 11, 19), dt.date(2026, 11, 20)
IT = "Information Technology"
QUOTED_INDUSTRY = "Drugs 'n' \"Devices\""


@dataclass(frozen=True)
class Listing:
    """A security of the test universe and its figures (None: no bars, or no metrics row)."""

    symbol: str
    exchange: str = "NSE"
    instrument_type: str = "equity"
    sector: str | None = None
    industry: str | None = None
    closes: tuple[str, str] | None = None
    rs_rating: int | None = None
    stage: int | None = None
    ma_200: str | None = None
    rsi_14: str | None = None
    market_cap: str | None = None
    earlier_market_cap: str | None = None  # on the day before


UNIVERSE = (
    Listing(
        "TCS",
        sector=IT,
        closes=("100", "110"),
        rs_rating=92,
        stage=2,
        ma_200="90",
        rsi_14="65",
        market_cap="1e13",
        earlier_market_cap="5e12",
    ),
    Listing(
        "INFY", sector=IT, closes=("100", "80"), rs_rating=85, stage=2, ma_200="95", rsi_14="40", market_cap="6e12"
    ),
    Listing(  # no market cap on the last day: its latest is the day before
        "WIPRO",
        "BSE",
        sector=IT,
        closes=("50", "50"),
        rs_rating=60,
        stage=2,
        ma_200="40",
        rsi_14="55",
        earlier_market_cap="2e12",
    ),
    Listing("HDFCBANK", sector="Financial Services", closes=("190", "200"), rs_rating=88, stage=2, ma_200="150"),
    Listing("SUNPHARMA", sector="Healthcare", closes=("30", "30"), rs_rating=95, stage=3, ma_200="20", rsi_14="71"),
    Listing("DRREDDY", sector="Healthcare", industry=QUOTED_INDUSTRY, closes=("60", "63"), rs_rating=40, stage=4),
    Listing("NIFTYBEES", instrument_type="etf", closes=("10", "10")),  # bars, but no metrics row
    Listing("BARE"),  # listed, never traded
)
TABLE_COLUMNS = [
    "security_id", "symbol", "name", "isin", "exchange", "instrument_type", "is_active", "sector", "industry",
    "trade_date", "close", "change_pct", "volume", "volume_vs_avg_pct", "rs_rating", "stage",
]  # fmt: skip


def _insert(session: Session, sql: str, **values: Any) -> None:
    session.execute(text(sql), values)


def add_listing(session: Session, listing: Listing) -> None:
    security_id = session.execute(
        text(
            "insert into securities (symbol, exchange, instrument_type, name)"
            " values (:symbol, :exchange, :type, :name) returning id"
        ),
        {
            "symbol": listing.symbol,
            "exchange": listing.exchange,
            "type": listing.instrument_type,
            "name": listing.symbol,
        },
    ).scalar_one()
    if listing.sector:
        _insert(
            session,
            "insert into industry_classifications (security_id, sector, industry) values (:id, :sector, :industry)",
            id=security_id,
            sector=listing.sector,
            industry=listing.industry,
        )
    for day, close in zip((PREVIOUS_DAY, LAST_DAY), listing.closes or (), strict=False):
        _insert(
            session,
            "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)"
            " values (:id, :day, :close, :close, :close, :close, 1000)",
            id=security_id,
            day=day,
            close=Decimal(close),
        )
    if listing.rs_rating is not None:
        _insert(
            session,
            "insert into calculated_metrics (security_id, trade_date, rs_rating, stage, ma_200, rsi_14)"
            " values (:id, :day, :rs, :stage, :ma, :rsi)",
            id=security_id,
            day=LAST_DAY,
            rs=listing.rs_rating,
            stage=listing.stage,
            ma=listing.ma_200 and Decimal(listing.ma_200),
            rsi=listing.rsi_14 and Decimal(listing.rsi_14),
        )
    for day, cap in ((PREVIOUS_DAY, listing.earlier_market_cap), (LAST_DAY, listing.market_cap)):
        if cap is not None:
            _insert(
                session,
                "insert into market_cap_history (security_id, trade_date, market_cap) values (:id, :day, :cap)",
                id=security_id,
                day=day,
                cap=Decimal(cap),
            )


@pytest.fixture
def universe(uow: UnitOfWork) -> UnitOfWork:
    """The eight listings with bars, metrics and market caps; market_overview refreshed."""
    session = uow.session
    _insert(session, "select ensure_ohlcv_partitions('ohlcv_daily', :first, :last)", first=PREVIOUS_DAY, last=LAST_DAY)
    for listing in UNIVERSE:
        add_listing(session, listing)
    _insert(session, "select refresh_market_overview()")
    return uow


def found(uow: UnitOfWork, expression: str, **options: Any) -> list[str]:
    return uow.screener.run(expression, **options).frame.get_column("symbol").to_list()


# --- valid screens ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "symbols"),
    [
        (f'rs_rating >= 80 and stage = 2 and sector = "{IT}" and close > ma_200', ["TCS"]),
        ("rs_rating >= 80 and stage = 2", ["TCS", "HDFCBANK", "INFY"]),
        ("close > ma_200", ["SUNPHARMA", "TCS", "HDFCBANK", "WIPRO"]),
        ("80 <= rs_rating and 3 > stage", ["TCS", "HDFCBANK", "INFY"]),
        (
            "sector in ('healthcare', 'FINANCIAL SERVICES') or (exchange = 'bse' and not rs_rating < 50)",
            ["SUNPHARMA", "HDFCBANK", "WIPRO", "DRREDDY"],
        ),
        ("stage not in (2, 3) or symbol = 'tcs'", ["TCS", "DRREDDY"]),
        ("not (stage = 2 or stage = 3)", ["DRREDDY"]),
        ("change_pct < -10", ["INFY"]),
        ("change_pct >= 5 and change_pct <= 10.0", ["TCS", "HDFCBANK", "DRREDDY"]),
        ("market_cap > 7000000000000", ["TCS"]),
        ("market_cap < 5500000000000", ["WIPRO"]),
        ("rsi_14 > 60 and rsi_14 < 70 or rsi_14 = 71", ["SUNPHARMA", "TCS"]),
        ("instrument_type = 'etf'", ["NIFTYBEES"]),
        ("is_active = true AND Stage = 4", ["DRREDDY"]),
        ("is_active = false", []),
        (f"industry = '{QUOTED_INDUSTRY.replace(chr(39), chr(39) * 2)}'", ["DRREDDY"]),
        (f'industry = "{QUOTED_INDUSTRY.replace(chr(34), chr(34) * 2)}"', ["DRREDDY"]),
        ("sector != 'Healthcare' and close >= 100", ["TCS", "HDFCBANK"]),
        ("trade_date = '2026-11-20' and not rs_rating >= 90", ["HDFCBANK", "INFY", "WIPRO", "DRREDDY"]),
        ("trade_date >= metrics_date and metrics_date > '2026-11-19' and stage = 4", ["DRREDDY"]),
        ("trade_date < '2026-11-20' or metrics_date != trade_date", []),
    ],
)
def test_a_screen_finds_exactly_the_securities_that_meet_it(
    universe: UnitOfWork, expression: str, symbols: list[str]
) -> None:
    assert found(universe, expression) == symbols


def test_a_missing_figure_matches_no_comparison_even_negated(universe: UnitOfWork) -> None:
    # NIFTYBEES has no metrics and BARE no bars: neither is "stage 2", nor "not stage 2".
    assert "NIFTYBEES" not in found(universe, "not stage = 2")
    assert "BARE" not in found(universe, "not close > 0")
    assert sorted(found(universe, "stage = 2 or not stage = 2")) == [
        "DRREDDY",
        "HDFCBANK",
        "INFY",
        "SUNPHARMA",
        "TCS",
        "WIPRO",
    ]


def test_the_frame_is_the_securities_table_then_the_columns_the_screen_names(universe: UnitOfWork) -> None:
    result = universe.screener.run("rsi_14 > 0 and close > ma_200 and rs_rating > 0 and market_cap > 0")
    frame = result.frame
    assert frame.columns == [*TABLE_COLUMNS, "rsi_14", "ma_200", "market_cap"]
    table = universe.securities.as_frame(SecurityFilter())
    assert {name: frame.schema[name] for name in TABLE_COLUMNS} == dict(table.schema)
    tcs = frame.row(0, named=True)
    assert (tcs["symbol"], tcs["sector"], tcs["close"], tcs["change_pct"], tcs["rs_rating"], tcs["stage"]) == (
        "TCS", IT, 110.0, 10.0, 92, 2,
    )  # fmt: skip
    assert (tcs["rsi_14"], tcs["ma_200"], tcs["market_cap"], tcs["trade_date"]) == (65.0, 90.0, 1e13, LAST_DAY)
    assert frame.schema["ma_200"] == pl.Float64
    assert result.total == 2  # and WIPRO, by its market cap of the day before


def test_results_sort_by_any_screen_column_with_missing_figures_last_and_count_every_match(
    universe: UnitOfWork,
) -> None:
    everything = "close > 0 or close <= 0 or instrument_type = 'equity'"
    assert found(universe, everything) == [
        "SUNPHARMA",
        "TCS",
        "HDFCBANK",
        "INFY",
        "WIPRO",
        "DRREDDY",
        "BARE",
        "NIFTYBEES",
    ]
    assert found(universe, everything, sort="close", descending=False)[:3] == ["NIFTYBEES", "SUNPHARMA", "WIPRO"]
    assert found(universe, everything, sort="close", descending=False)[-1] == "BARE"
    assert found(universe, everything, sort="symbol", descending=False)[:2] == ["BARE", "DRREDDY"]
    assert found(universe, everything, sort="market_cap")[:4] == ["TCS", "INFY", "WIPRO", "BARE"]
    assert found(universe, "stage = 2", sort="rsi_14", descending=False) == ["INFY", "WIPRO", "TCS", "HDFCBANK"]
    result = universe.screener.run(everything, sort="ma_200", limit=2)
    assert result.frame.get_column("symbol").to_list() == ["HDFCBANK", "INFY"]
    assert (result.total, result.frame.height) == (8, 2)
    empty = universe.screener.run("rs_rating > 100")
    assert (empty.total, empty.frame.columns) == (0, TABLE_COLUMNS)


@pytest.mark.parametrize(
    ("options", "field"),
    [({"sort": "rs_ratng"}, "sort"), ({"sort": "1; drop table x"}, "sort"), ({"descending": "yes"}, "descending"),
     ({"limit": 0}, "limit"), ({"limit": True}, "limit"), ({"limit": 10_001}, "limit")],
)  # fmt: skip
def test_run_refuses_bad_options_naming_the_field(universe: UnitOfWork, options: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        universe.screener.run("stage = 2", **options)
    assert field in refused.value.fields


# --- mistakes and attacks ---------------------------------------------------------------------------------------

DEEP = "(" * (MAX_DEPTH + 1) + "stage = 2" + ")" * (MAX_DEPTH + 1)


@pytest.mark.parametrize(
    ("expression", "column", "words"),
    [
        ("", 1, "empty"),
        ("   \t ", 1, "empty"),
        ("rs_rating >= 80 and rs_ratng > 5", 21, "unknown column 'rs_ratng' — did you mean rs_rating?"),
        ("stage = 2 and sectr = 'IT'", 15, "did you mean sector?"),
        ("stage >= ", 10, "expected a value after '>='"),
        ("rs_rating >= 80 and", 20, "expected a condition"),
        ("1=1 or", 1, "compare a column with a value"),
        ("1=1", 1, "compare a column with a value"),
        ("'; drop table securities; --", 1, "has no closing '"),
        ("stage = 2; drop table securities", 10, "unexpected ';'"),
        ("stage = 2 -- comment", 11, "unexpected '-'"),
        ("stage = 2 /* x */", 11, "unexpected '/'"),
        ('sector = "IT" or "1"="1"', 18, "compare a column with a value"),
        ("sector = 'it' or 1=1", 18, "compare a column with a value"),
        ("stage = 2 or securities.id > 0", 24, "unexpected '.'"),
        ("pg_sleep(10) = 1", 1, "unknown column 'pg_sleep'"),
        ("sector = 5", 10, "sector is text: put the value in quotes"),
        ("rs_rating = '80'", 13, "rs_rating is a number"),
        ("symbol = name", 1, "compare with another column of their kind; symbol is text"),
        ("symbol > 'A'", 8, "compare it with =, != or in, not >"),
        ("is_active = 1", 13, "true or false"),
        ("stage in ()", 11, "a list holds at least one value"),
        ("stage in (1, 'two')", 14, "stage is a number"),
        ("stage in 1, 2", 10, "expected '(' after 'in'"),
        ("(stage = 2", 11, "expected ')' to close the '(' at column 1"),
        ("stage = 2)", 10, "closes no '('"),
        ("rs_rating ≥ 80", 11, "unexpected '≥'"),
        ("sëctor = 'IT'", 2, "unexpected 'ë'"),
        ("stage = 2 && close > 1", 11, "write 'and'"),
        ("stage == 2 || close > 1", 12, "write 'or'"),
        ("close > 1e9", 9, "is not a number"),
        ("trade_date > 5", 14, "trade_date is a date: write the day in quotes"),
        ("trade_date = '2026-02-30'", 14, "'2026-02-30' is not a day of the calendar"),
        ("metrics_date in ('2026-11-20', '20/11/2026')", 32, "'20/11/2026' is not a day: write it as 'YYYY-MM-DD'"),
        ("trade_date > close", 14, "only numbers (or dates) compare with another column"),
        ("sector = 'a\x00b'", 12, "U+0000"),
        ("stage = 2 stage = 3", 11, "join conditions with and / or"),
        ("stage", 6, "expected a comparison such as >= or = after 'stage'"),
        ("close > -ma_200", 10, "expected a number after '-'"),
        (DEEP, MAX_DEPTH + 1, f"nested more than {MAX_DEPTH} deep"),
        ("not " * (MAX_DEPTH + 1) + "stage = 2", 4 * MAX_DEPTH + 1, "nested more than"),
        ("stage = 2 and " * 100, MAX_LENGTH + 1, "the limit is 1,000"),
    ],
)
def test_a_mistake_is_refused_naming_the_column_where_reading_failed(
    universe: UnitOfWork, expression: str, column: int, words: str
) -> None:
    with pytest.raises(ScreenerSyntaxError) as refused:
        universe.screener.run(expression)
    assert refused.value.column == column
    assert words in str(refused.value)
    assert str(refused.value).startswith(f"column {column}: ")
    assert refused.value.fields == {"expression": str(refused.value)}


def test_sql_in_a_string_is_only_a_value_and_the_universe_is_intact(universe: UnitOfWork) -> None:
    attacks = [
        "'; drop table securities; --",
        "x' or '1'='1",
        '" or ""="',
        "\\'; select pg_sleep(5); --",
        "$$; drop table securities; $$",
        "%(param_1)s",
        "Ünïcödé ✓ 株式",
    ]
    for attack in attacks:
        for quote in "'\"":
            escaped = attack.replace(quote, quote * 2)
            assert found(universe, f"sector = {quote}{escaped}{quote} or name in ({quote}{escaped}{quote})") == []
            tree = parse_screen(f"sector = {quote}{escaped}{quote}").tree
            assert isinstance(tree, Comparison)
            assert isinstance(tree.right, Value)
            assert tree.right.value == attack
    assert len(found(universe, "close > 0")) == 7


def test_every_value_is_a_bound_parameter_and_never_part_of_the_sql_text() -> None:
    marker = "zqx'; drop table securities; --"
    screen = parse_screen(
        f"symbol = '{marker.replace(chr(39), chr(39) * 2)}' and close > 12345.678 and stage in (3, 4)"
    )
    compiled = condition(screen.tree).compile(dialect=PGDialect_psycopg())  # type: ignore[no-untyped-call]
    assert "zqx" not in compiled.string
    assert "12345" not in compiled.string
    assert marker in compiled.params.values()
    assert Decimal("12345.678") in compiled.params.values()


def test_long_values_and_long_lists_run_without_a_database_error(universe: UnitOfWork) -> None:
    huge = "9" * 200 + "." + "9" * 200
    assert found(universe, f"close < {huge} and close > -{huge} and symbol = 'TCS'") == ["TCS"]
    many = ", ".join(str(stage) for stage in range(150))
    assert found(universe, f"stage in ({many}) and rs_rating > 90") == ["SUNPHARMA", "TCS"]


def test_a_screen_is_checked_without_the_database_and_lists_the_columns_it_names() -> None:
    screen = parse_screen("CLOSE > MA_200 and (rsi_14 < 30 or close > ma_200)")
    assert [column.name for column in screen.columns] == ["close", "ma_200", "rsi_14"]
    assert {"rs_rating", "stage", "sector", "ma_200", "market_cap", "symbol"} <= set(SCREEN_COLUMNS)


# --- properties -------------------------------------------------------------------------------------------------

_VOCABULARY = st.sampled_from(
    [*SCREEN_COLUMNS, "and", "or", "not", "in", "true", "false", "=", "!=", "<>", "<", "<=", ">", ">=", "==",
     "(", ")", ",", "-", ";", "--", "'", '"', "''", "rs_ratng", "1=1", "é", "\x00", "drop table securities",
     "'Healthcare'", '"Information Technology"', "'it''s'", "0", "80", "2.5", ".5", "-3", "1e5", "99999999999"]
)  # fmt: skip
TOKEN_SOUP = st.lists(st.one_of(_VOCABULARY, st.text(max_size=6)), max_size=25).map(" ".join)


def _parsed(expression: str) -> Screen | ScreenerSyntaxError:
    try:
        return parse_screen(expression)
    except ScreenerSyntaxError as refused:
        return refused


@settings(max_examples=400, deadline=None)
@given(expression=st.one_of(TOKEN_SOUP, st.text(max_size=60)))
def test_token_soup_never_raises_anything_but_a_screener_syntax_error(expression: str) -> None:
    outcome = _parsed(expression)
    if isinstance(outcome, ScreenerSyntaxError):
        assert 1 <= outcome.column <= max(len(expression), MAX_LENGTH) + 1
    else:
        assert outcome.columns


@st.composite
def valid_screens(draw: st.DrawFn) -> str:
    """Screens that parse often enough to exercise the database: conditions joined by and / or / not."""
    numbers = [name for name, column in SCREEN_COLUMNS.items() if column.kind == "number"]
    texts = [name for name, column in SCREEN_COLUMNS.items() if column.kind == "text"]
    value = st.one_of(
        st.integers(-(10**20), 10**20).map(str), st.decimals(-(10**6), 10**6, allow_nan=False, places=3).map(str)
    )
    comparison = st.one_of(
        st.tuples(st.sampled_from(numbers), st.sampled_from(["=", "!=", "<", ">=", "<>"]), value).map(" ".join),
        st.tuples(st.sampled_from(numbers), st.sampled_from(["<", ">"]), st.sampled_from(numbers)).map(" ".join),
        st.tuples(st.sampled_from(texts), st.sampled_from(["=", "!="]), st.text(max_size=8)).map(
            lambda parts: f"{parts[0]} {parts[1]} '{parts[2].replace(chr(39), chr(39) * 2)}'"
        ),
    )
    parts = draw(st.lists(comparison, min_size=1, max_size=5))
    joiners = draw(st.lists(st.sampled_from([" and ", " or ", " and not ", " or ("]), min_size=len(parts) - 1,
                            max_size=len(parts) - 1))  # fmt: skip
    expression = parts[0] + "".join(joiner + part for joiner, part in zip(joiners, parts[1:], strict=True))
    return expression + ")" * expression.count("(")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expression=st.one_of(valid_screens(), TOKEN_SOUP))
def test_any_accepted_screen_runs_without_a_database_error(universe: UnitOfWork, expression: str) -> None:
    if isinstance(_parsed(expression), ScreenerSyntaxError):
        return
    result = universe.screener.run(expression, sort="close", limit=5)
    assert result.frame.height <= min(result.total, 5)
