"""Securities: search ranks what the analyst typed, the table filters, sorts and pages, the detail is complete."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from store.errors import InvalidInput, NotFound
from store.records.securities import FacetCount, SecurityFilter
from store.repositories.securities import SecurityRepository
from store.uow import UnitOfWork

TODAY = dt.date.today()


def add_security(session: Session, symbol: str, name: str | None = None, **columns: Any) -> int:
    values = {"exchange": "NSE", "instrument_type": "equity", "is_active": True, **columns}
    values.update(symbol=symbol, name=name)
    names = ", ".join(values)
    placeholders = ", ".join(f":{key}" for key in values)
    return int(
        session.execute(
            text(f"insert into securities ({names}) values ({placeholders}) returning id"), values
        ).scalar_one()
    )


def classify(session: Session, security_id: int, sector: str, industry: str | None = None) -> None:
    session.execute(
        text(
            "insert into industry_classifications (security_id, macro, sector, industry, basic_industry)"
            " values (:id, 'Macro', :sector, :industry, 'Basic')"
        ),
        {"id": security_id, "sector": sector, "industry": industry},
    )


def add_bar(session: Session, security_id: int, day: dt.date, close: str, volume: int = 1000) -> None:
    session.execute(text("select ensure_ohlcv_partitions('ohlcv_daily', :day, :day)"), {"day": day})
    session.execute(
        text(
            "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)"
            " values (:id, :day, :close, :close, :close, :close, :volume)"
        ),
        {"id": security_id, "day": day, "close": Decimal(close), "volume": volume},
    )


def symbols_found(repository: SecurityRepository, query: str, **kwargs: Any) -> list[str]:
    return [hit.symbol for hit in repository.search(query, **kwargs)]


@pytest.fixture
def securities(uow: UnitOfWork) -> SecurityRepository:
    return uow.repository(SecurityRepository)


# --- search ---------------------------------------------------------------------------------------------------


def test_search_ranks_exact_symbol_then_prefix_then_name_or_isin_then_substring_then_letters(
    uow: UnitOfWork, securities: SecurityRepository
) -> None:
    session = uow.session
    add_security(session, "TELECHEM", "Telechem Industries")  # t-e-c-h in order only
    add_security(session, "BIOTECH", "Biocon Labs")  # "tech" inside the symbol
    add_security(session, "ZZISIN", "Zeta Zinc", isin="TECH00000012")  # ISIN prefix
    add_security(session, "LTTS", "L&T Technology Services")  # a word of the name starts with it
    add_security(session, "TECHM", "Tech Mahindra")  # symbol prefix
    add_security(session, "TECH", "Tech Corp")  # exact symbol
    add_security(session, "UNRELATED", "Nothing Alike")
    hits = securities.search("tech")
    assert [(hit.symbol, hit.match, hit.rank) for hit in hits] == [
        ("TECH", "symbol", 0),
        ("TECHM", "symbol_prefix", 1),
        ("LTTS", "name_prefix", 2),
        ("ZZISIN", "isin_prefix", 2),
        ("BIOTECH", "substring", 3),
        ("TELECHEM", "fuzzy", 4),
    ]
    assert symbols_found(securities, "tech", limit=3) == ["TECH", "TECHM", "LTTS"]


def test_search_finds_the_letters_in_order_and_puts_an_exact_symbol_first(
    uow: UnitOfWork, securities: SecurityRepository
) -> None:
    add_security(uow.session, "HDFCBANK", "HDFC Bank Limited")
    add_security(uow.session, "INFY", "Infosys Limited", isin="INE009A01021")
    add_security(uow.session, "INFIBEAM", "Infibeam Avenues")
    assert symbols_found(securities, "hdfcbnk") == ["HDFCBANK"]
    assert securities.search("hdfcbnk")[0].match == "fuzzy"
    assert symbols_found(securities, "infy") == ["INFY"]
    assert symbols_found(securities, "INF")[:2] == ["INFY", "INFIBEAM"]  # shorter symbol first at one rank
    assert symbols_found(securities, "ine009") == ["INFY"]
    assert symbols_found(securities, "  Infosys  ") == ["INFY"]


def test_search_puts_active_securities_before_inactive_ones_at_equal_rank(
    uow: UnitOfWork, securities: SecurityRepository
) -> None:
    add_security(uow.session, "RELI", "Old Reliance", is_active=False)
    add_security(uow.session, "RELIANCE", "Reliance Industries")
    add_security(uow.session, "REL", "Relaxo", exchange="BSE", is_active=False)
    assert symbols_found(securities, "re") == ["RELIANCE", "REL", "RELI"]
    assert symbols_found(securities, "rel") == ["REL", "RELIANCE", "RELI"]  # the exact symbol still leads
    add_security(uow.session, "RPOWER", "Reliance Power", is_active=False)
    add_security(uow.session, "ZPOWERX", "Z Power Co")
    assert [(hit.symbol, hit.match) for hit in securities.search("power")] == [
        ("ZPOWERX", "name_prefix"),
        ("RPOWER", "name_prefix"),
    ]


def test_search_takes_like_wildcards_literally(uow: UnitOfWork, securities: SecurityRepository) -> None:
    add_security(uow.session, "A_B", "Underscore Co")
    add_security(uow.session, "AXB", "Axb Co")
    add_security(uow.session, "GOLD100", "Gold 100% ETF")
    add_security(uow.session, "GOLD1000", "Gold 1000 ETF")
    add_security(uow.session, "BACK", "Back\\slash Co")
    assert symbols_found(securities, "A_B") == ["A_B"]
    assert symbols_found(securities, "100%") == ["GOLD100"]
    assert symbols_found(securities, "%") == ["GOLD100"]
    assert symbols_found(securities, "_") == ["A_B"]
    assert symbols_found(securities, "k\\s") == ["BACK"]


def test_search_takes_regular_expression_characters_literally(uow: UnitOfWork, securities: SecurityRepository) -> None:
    add_security(uow.session, "BBETF0430", "Bharat Bond ETF (April 2030) [G]")
    add_security(uow.session, "APRIL", "April Co")
    assert [(hit.symbol, hit.match) for hit in securities.search("(april")] == [("BBETF0430", "name_prefix")]
    assert [(hit.symbol, hit.match) for hit in securities.search("[g]")] == [("BBETF0430", "name_prefix")]
    assert securities.search("a.*z") == []


def test_search_honours_the_limit_and_ignores_a_blank_query(uow: UnitOfWork, securities: SecurityRepository) -> None:
    for number in range(5):
        add_security(uow.session, f"SAME{number}", "Same Name")
    assert len(securities.search("same", limit=3)) == 3
    assert securities.search("") == []
    assert securities.search("   ") == []


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda repo: repo.search(None), "text"),
        (lambda repo: repo.search("x" * 101), "text"),
        (lambda repo: repo.search("x", limit=0), "limit"),
        (lambda repo: repo.search("x", limit=501), "limit"),
        (lambda repo: repo.search("x", limit=True), "limit"),
    ],
)
def test_search_refuses_bad_input_naming_the_field(securities: SecurityRepository, call: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        call(securities)
    assert field in caught.value.fields


# --- the table --------------------------------------------------------------------------------------------------


@pytest.fixture
def market(uow: UnitOfWork) -> dict[str, int]:
    """Five securities on two exchanges with sectors and bars; market_overview refreshed."""
    session = uow.session
    ids = {
        "INFY": add_security(session, "INFY", "Infosys Limited", isin="INE009A01021"),
        "TCS": add_security(session, "TCS", "Tata Consultancy Services"),
        "HDFCBANK": add_security(session, "HDFCBANK", "HDFC Bank Limited"),
        "NIFTY": add_security(session, "NIFTY", "Nifty 50", instrument_type="index"),
        "OLDCO": add_security(session, "OLDCO", "Old Company", exchange="BSE", is_active=False),
    }
    classify(session, ids["INFY"], "Information Technology", "IT Services")
    classify(session, ids["TCS"], "Information Technology", "IT Services")
    classify(session, ids["HDFCBANK"], "Financial Services", "Banks")
    for symbol, closes in {"INFY": ("100", "110"), "TCS": ("200", "190"), "HDFCBANK": ("50", "52")}.items():
        add_bar(session, ids[symbol], dt.date(2025, 3, 3), closes[0])
        add_bar(session, ids[symbol], dt.date(2025, 3, 4), closes[1])
    session.execute(
        text(
            "insert into calculated_metrics (security_id, trade_date, rs_rating, stage)"
            " values (:id, '2025-03-04', 91, 2)"
        ),
        {"id": ids["TCS"]},
    )
    session.execute(text("select refresh_market_overview()"))
    return ids


def page_symbols(securities: SecurityRepository, **kwargs: Any) -> list[str]:
    kwargs.setdefault("filters", SecurityFilter())
    return [row.symbol for row in securities.list(**kwargs).rows]


def test_the_table_shows_each_security_with_its_sector_and_latest_figures(
    market: dict[str, int], securities: SecurityRepository
) -> None:
    page = securities.list(filters=SecurityFilter(exchanges=("NSE",)))
    infy = next(row for row in page.rows if row.symbol == "INFY")
    assert (infy.sector, infy.industry, infy.trade_date) == (
        "Information Technology",
        "IT Services",
        dt.date(2025, 3, 4),
    )
    assert (infy.close, infy.change_pct, infy.volume) == (Decimal("110"), Decimal("10"), 1000)
    tcs = next(row for row in page.rows if row.symbol == "TCS")
    assert (tcs.rs_rating, tcs.stage) == (91, 2)
    assert page.total == 4


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SecurityFilter(), ["HDFCBANK", "INFY", "NIFTY", "OLDCO", "TCS"]),
        (SecurityFilter(exchanges=("BSE",)), ["OLDCO"]),
        (SecurityFilter(instrument_types=("index",)), ["NIFTY"]),
        (SecurityFilter(sectors=("Information Technology",)), ["INFY", "TCS"]),
        (SecurityFilter(sectors=("Financial Services", None)), ["HDFCBANK", "NIFTY", "OLDCO"]),
        (SecurityFilter(sectors=(None,)), ["NIFTY", "OLDCO"]),
        (SecurityFilter(is_active=False), ["OLDCO"]),
        (SecurityFilter(is_active=True, text="tata"), ["TCS"]),
        (SecurityFilter(text="hdfcbnk"), ["HDFCBANK"]),
        (SecurityFilter(text="ine009"), ["INFY"]),
        (SecurityFilter(text="   "), ["HDFCBANK", "INFY", "NIFTY", "OLDCO", "TCS"]),
        (SecurityFilter(exchanges=("NSE",), instrument_types=("equity",), sectors=("Banks",)), []),
    ],
)
def test_the_table_filters(
    market: dict[str, int], securities: SecurityRepository, filters: SecurityFilter, expected: list[str]
) -> None:
    page = securities.list(filters=filters)
    assert [row.symbol for row in page.rows] == expected
    assert page.total == len(expected)


def test_the_table_sorts_by_any_listed_column_with_empty_figures_last(
    market: dict[str, int], securities: SecurityRepository
) -> None:
    assert page_symbols(securities, sort="close") == ["HDFCBANK", "INFY", "TCS", "NIFTY", "OLDCO"]
    assert page_symbols(securities, sort="close", descending=True) == ["TCS", "INFY", "HDFCBANK", "NIFTY", "OLDCO"]
    assert page_symbols(securities, sort="change_pct", descending=True)[:3] == ["INFY", "HDFCBANK", "TCS"]
    assert page_symbols(securities, sort="name")[0] == "HDFCBANK"
    assert page_symbols(securities, sort="exchange", descending=True)[-1] == "OLDCO"
    assert page_symbols(securities, sort="sector")[:3] == ["HDFCBANK", "INFY", "TCS"]
    assert page_symbols(securities, sort="rs_rating")[0] == "TCS"
    for key in ("instrument_type", "volume_vs_avg_pct", "stage", "symbol"):
        assert sorted(page_symbols(securities, sort=key)) == ["HDFCBANK", "INFY", "NIFTY", "OLDCO", "TCS"]


def test_the_table_pages_and_counts_every_match(market: dict[str, int], securities: SecurityRepository) -> None:
    first = securities.list(filters=SecurityFilter(), limit=2)
    second = securities.list(filters=SecurityFilter(), offset=2, limit=2)
    beyond = securities.list(filters=SecurityFilter(), offset=10, limit=2)
    assert [row.symbol for row in first.rows + second.rows] == ["HDFCBANK", "INFY", "NIFTY", "OLDCO"]
    assert (first.total, second.total, beyond.total, beyond.rows) == (5, 5, 5, ())


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sort": "close; drop table securities"}, "sort"),
        ({"sort": "id"}, "sort"),
        ({"offset": -1}, "offset"),
        ({"descending": "yes"}, "descending"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"filters": SecurityFilter(instrument_types=("stock",))}, "instrument_types"),
        ({"filters": SecurityFilter(exchanges="NSE")}, "exchanges"),  # type: ignore[arg-type]
        ({"filters": SecurityFilter(sectors=(1,))}, "sectors"),  # type: ignore[arg-type]
        ({"filters": SecurityFilter(is_active="yes")}, "is_active"),  # type: ignore[arg-type]
        ({"filters": SecurityFilter(text="x" * 101)}, "text"),
        ({"filters": {"exchanges": ("NSE",)}}, "filters"),
    ],
)
def test_the_table_refuses_bad_input_naming_the_field(
    securities: SecurityRepository, kwargs: dict[str, Any], field: str
) -> None:
    kwargs.setdefault("filters", SecurityFilter())
    with pytest.raises(InvalidInput) as caught:
        securities.list(**kwargs)
    assert field in caught.value.fields


def test_the_frame_has_the_same_rows_as_the_table_with_prices_as_floats(
    market: dict[str, int], securities: SecurityRepository
) -> None:
    filters = SecurityFilter(is_active=True)
    frame = securities.as_frame(filters)
    page = securities.list(filters=filters)
    assert frame["symbol"].to_list() == [row.symbol for row in page.rows]
    assert frame.columns == [
        "security_id", "symbol", "name", "isin", "exchange", "instrument_type", "is_active", "sector", "industry",
        "trade_date", "close", "change_pct", "volume", "volume_vs_avg_pct", "rs_rating", "stage",
    ]  # fmt: skip
    assert frame.schema["close"] == pl.Float64
    assert frame.schema["trade_date"] == pl.Date
    assert frame.filter(pl.col("symbol") == "INFY")["close"].item() == 110.0
    assert securities.as_frame(SecurityFilter(text="no such thing")).shape == (0, 16)
    assert securities.as_frame(SecurityFilter(sectors=(None,), exchanges=("BSE",)))["symbol"].to_list() == ["OLDCO"]
    with pytest.raises(InvalidInput):
        securities.as_frame(SecurityFilter(instrument_types=("stock",)))


def test_facets_count_exchanges_types_and_sectors(market: dict[str, int], securities: SecurityRepository) -> None:
    facets = securities.facets()
    assert facets.exchanges == (FacetCount("NSE", 4), FacetCount("BSE", 1))
    assert facets.instrument_types == (FacetCount("equity", 4), FacetCount("index", 1))
    assert facets.sectors == (
        FacetCount("Information Technology", 2),
        FacetCount(None, 2),
        FacetCount("Financial Services", 1),
    )


def test_facets_of_an_empty_master_are_empty(securities: SecurityRepository) -> None:
    facets = securities.facets()
    assert (facets.exchanges, facets.instrument_types, facets.sectors) == ((), (), ())


# --- detail -----------------------------------------------------------------------------------------------------


def test_the_detail_has_classification_latest_bar_metrics_market_cap_and_measures_in_force(
    uow: UnitOfWork, securities: SecurityRepository
) -> None:
    session = uow.session
    security_id = add_security(session, "INFY", "Infosys Limited", isin="INE009A01021", attributes='{"lot": 1}')
    classify(session, security_id, "Information Technology", "IT Services")
    add_bar(session, security_id, dt.date(2025, 3, 3), "1500.5")
    add_bar(session, security_id, dt.date(2025, 3, 4), "1510.25", volume=7)
    for day, rs_rating in (("2025-03-03", 70), ("2025-03-04", 88)):
        session.execute(
            text(
                "insert into calculated_metrics (security_id, trade_date, rs_rating, ma_50)"
                " values (:id, :day, :rs, 1.5)"
            ),
            {"id": security_id, "day": day, "rs": rs_rating},
        )
    session.execute(
        text(
            "insert into market_cap_history (security_id, trade_date, market_cap) values"
            " (:id, '2025-03-03', 100), (:id, '2025-03-04', 200)"
        ),
        {"id": security_id},
    )
    lifted, later, open_ended = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=30), None
    for measure, removed in (("ASM", lifted), ("GSM", later), ("ESM", open_ended)):
        session.execute(
            text(
                "insert into surveillance_measures (security_id, measure, stage, effective_date, removed_date)"
                " values (:id, :measure, 'I', :effective, :removed)"
            ),
            {"id": security_id, "measure": measure, "effective": TODAY - dt.timedelta(days=60), "removed": removed},
        )
    detail = securities.get(security_id)
    assert (detail.symbol, detail.isin, detail.is_active, dict(detail.attributes)) == (
        "INFY", "INE009A01021", True, {"lot": 1},
    )  # fmt: skip
    assert detail.classification is not None
    assert detail.classification.industry == "IT Services"
    assert detail.latest_bar is not None
    assert (detail.latest_bar.trade_date, detail.latest_bar.close, detail.latest_bar.volume) == (
        dt.date(2025, 3, 4), Decimal("1510.25"), 7,
    )  # fmt: skip
    assert detail.latest_metrics is not None
    assert (detail.latest_metrics.rs_rating, detail.latest_metrics.ma_50) == (88, Decimal("1.5"))
    assert detail.market_cap is not None
    assert detail.market_cap.market_cap == Decimal("200")
    assert sorted(measure.measure for measure in detail.surveillance) == ["ESM", "GSM"]
    assert detail.created_at.tzinfo is not None


def test_the_detail_of_a_bare_security_has_no_figures(uow: UnitOfWork, securities: SecurityRepository) -> None:
    detail = securities.get(add_security(uow.session, "BARE"))
    assert (detail.classification, detail.latest_bar, detail.latest_metrics, detail.market_cap) == (None,) * 4
    assert (detail.surveillance, dict(detail.attributes)) == ((), {})
    with pytest.raises(TypeError):
        detail.attributes["x"] = 1  # type: ignore[index]


def test_get_refuses_an_unknown_or_malformed_id(securities: SecurityRepository) -> None:
    with pytest.raises(NotFound, match="no security with id 424242"):
        securities.get(424242)
    with pytest.raises(InvalidInput) as caught:
        securities.get("1")  # type: ignore[arg-type]
    assert "security_id" in caught.value.fields


def test_by_symbol_finds_the_listing_and_asks_for_the_exchange_when_there_are_several(
    uow: UnitOfWork, securities: SecurityRepository
) -> None:
    nse = add_security(uow.session, "RELIANCE", "Reliance Industries", isin="INE002A01018")
    bse = add_security(uow.session, "RELIANCE", "Reliance Industries", exchange="BSE")
    add_security(uow.session, "INFY", "Infosys")
    assert securities.by_symbol("infy").symbol == "INFY"
    assert securities.by_symbol("reliance", "nse").security_id == nse
    assert securities.by_symbol("RELIANCE", exchange="BSE").security_id == bse
    with pytest.raises(InvalidInput) as caught:
        securities.by_symbol("RELIANCE")
    assert caught.value.fields["exchange"] == "RELIANCE is listed on BSE, NSE: name the exchange"
    with pytest.raises(NotFound, match="no security INFY on BSE"):
        securities.by_symbol("INFY", "BSE")
    with pytest.raises(NotFound):
        securities.by_symbol("NOPE")


@pytest.mark.parametrize(
    ("symbol", "exchange", "field"),
    [("", None, "symbol"), ("  ", None, "symbol"), (None, None, "symbol"), ("X", " ", "exchange")],
)
def test_by_symbol_refuses_blank_input(securities: SecurityRepository, symbol: Any, exchange: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        securities.by_symbol(symbol, exchange)
    assert field in caught.value.fields
