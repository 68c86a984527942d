"""Home's market reads: breadth and movers on the latest trade date, and the alerts fired since a moment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from store.errors import InvalidInput
from store.uow import UnitOfWork

DAYS = (dt.date(2026, 11, 19), dt.date(2026, 11, 20))
# symbol → instrument type, closes on DAYS (one close: a single bar on the first day, so older news)
CLOSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "UPBIG": ("equity", ("100", "110")),  # +10 %
    "UPSMALL": ("equity", ("100", "101")),  # +1 %
    "FLAT": ("equity", ("50", "50")),  # 0 %
    "DOWN": ("equity", ("200", "190")),  # -5 %
    "DOWNBIG": ("equity", ("10", "8")),  # -20 %
    "STALE": ("equity", ("100",)),  # no bar on the latest day
    "NIFTY": ("index", ("24000", "26400")),  # +10 %, but an index
}


def seed_market(uow: UnitOfWork) -> dict[str, int]:
    session = uow.session
    session.execute(text("select ensure_ohlcv_partitions('ohlcv_daily', :a, :b)"), {"a": DAYS[0], "b": DAYS[1]})
    ids: dict[str, int] = {}
    for symbol, (kind, closes) in CLOSES.items():
        ids[symbol] = session.execute(
            text(
                "insert into securities (symbol, exchange, instrument_type, name)"
                " values (:symbol, 'NSE', :kind, :name) returning id"
            ),
            {"symbol": symbol, "kind": kind, "name": f"{symbol.title()} Ltd"},
        ).scalar_one()
        for day, close in zip(DAYS, closes, strict=False):
            session.execute(
                text(
                    "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)"
                    " values (:id, :day, :close, :close, :close, :close, 1000)"
                ),
                {"id": ids[symbol], "day": day, "close": Decimal(close)},
            )
    session.execute(text("select refresh_market_overview()"))
    return ids


def test_breadth_counts_stocks_with_a_bar_on_the_latest_day(uow: UnitOfWork) -> None:
    seed_market(uow)
    breadth = uow.market.breadth()
    assert (breadth.trade_date, breadth.advancers, breadth.decliners, breadth.unchanged) == (DAYS[1], 2, 2, 1)
    assert breadth.total == 5


def test_breadth_of_other_instrument_types(uow: UnitOfWork) -> None:
    seed_market(uow)
    breadth = uow.market.breadth(("equity", "index"))
    assert (breadth.advancers, breadth.decliners, breadth.unchanged) == (3, 2, 1)


def test_an_empty_market_has_no_date_and_no_movers(uow: UnitOfWork) -> None:
    uow.session.execute(text("select refresh_market_overview()"))
    breadth, movers = uow.market.breadth(), uow.market.movers()
    assert (breadth.trade_date, breadth.total) == (None, 0)
    assert (movers.trade_date, movers.gainers, movers.losers) == (None, (), ())


def test_movers_are_the_largest_rises_and_deepest_falls(uow: UnitOfWork) -> None:
    ids = seed_market(uow)
    movers = uow.market.movers(limit=5)
    assert [(m.symbol, m.change_pct) for m in movers.gainers] == [("UPBIG", Decimal("10")), ("UPSMALL", Decimal("1"))]
    assert [(m.symbol, m.change_pct) for m in movers.losers] == [("DOWNBIG", Decimal("-20")), ("DOWN", Decimal("-5"))]
    top = movers.gainers[0]
    expected = (ids["UPBIG"], Decimal("110"), DAYS[1], "Upbig Ltd")
    assert (top.security_id, top.close, top.trade_date, top.name) == expected


def test_movers_limit_keeps_the_biggest(uow: UnitOfWork) -> None:
    seed_market(uow)
    movers = uow.market.movers(limit=1)
    assert ([m.symbol for m in movers.gainers], [m.symbol for m in movers.losers]) == (["UPBIG"], ["DOWNBIG"])


@pytest.mark.parametrize("limit", [0, 51, True, "5"])
def test_a_bad_movers_limit_is_refused_by_name(uow: UnitOfWork, limit: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        uow.market.movers(limit=limit)  # type: ignore[arg-type]
    assert "limit" in refused.value.fields


@pytest.mark.parametrize("types", [(), "equity", ("equity", "shares")])
def test_unknown_instrument_types_are_refused_by_name(uow: UnitOfWork, types: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        uow.market.breadth(types)  # type: ignore[arg-type]
    assert "instrument_types" in refused.value.fields


def test_alerts_fired_since_a_moment_newest_first_with_the_bar_and_list(uow: UnitOfWork) -> None:
    ids = seed_market(uow)
    breakouts = uow.watchlists.create("Breakouts")
    gone = uow.watchlists.create("Old ideas")
    report_time = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
    fired = {
        "UPBIG": report_time + dt.timedelta(hours=2),
        "DOWN": report_time + dt.timedelta(hours=1),
        "UPSMALL": report_time - dt.timedelta(hours=1),  # before the report: old news
    }
    for symbol, moment in fired.items():
        entry = uow.watchlists.add(breakouts.id, ids[symbol], trigger_type="price_above", trigger_value=1)
        bar = {"date": "2026-11-20", "close": 110, "value": 110}
        uow.watchlists.mark_triggered(entry.id, entry.version, moment, bar)
    on_deleted = uow.watchlists.add(gone.id, ids["DOWNBIG"], trigger_type="price_below", trigger_value=9)
    uow.watchlists.mark_triggered(on_deleted.id, on_deleted.version, report_time + dt.timedelta(hours=3), {})
    uow.watchlists.delete(gone.id, uow.watchlists.watchlist(gone.id).version)
    uow.watchlists.add(breakouts.id, ids["FLAT"])  # never fired

    alerts = uow.market.alerts_fired_since(report_time)
    assert [(a.entry.symbol, a.watchlist_name) for a in alerts] == [("UPBIG", "Breakouts"), ("DOWN", "Breakouts")]
    bar = alerts[0].entry.trigger_bar
    assert bar is not None
    assert (bar.date, bar.close) == (dt.date(2026, 11, 20), Decimal("110"))
    assert [a.entry.symbol for a in uow.market.alerts_fired_since(None)] == ["UPBIG", "DOWN", "UPSMALL"]


def test_alerts_since_a_naive_time_is_refused(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidInput) as refused:
        uow.market.alerts_fired_since(dt.datetime(2026, 11, 20, 8, 0))
    assert "since" in refused.value.fields
