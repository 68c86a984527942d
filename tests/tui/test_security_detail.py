"""Security detail, driven by the keyboard: header facts, the chart's bars and toggles, the tabs, snapshots."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TabbedContent

import store
from store.db import Database, DatabaseTarget
from tui.app import WorkstationApp
from tui.screens.base import AreaScreen
from tui.screens.security_detail import SecurityDetailScreen
from tui.screens.security_detail.data import range_start
from tui.screens.security_detail.screen import CompareModal
from tui.widgets.price_chart import RESIZE_DEBOUNCE_SECONDS, PriceChart

NOW = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
LAST_DAY = dt.date(2026, 11, 20)
FIRST_DAY = dt.date(2023, 11, 20)
SPLIT_DAY = dt.date(2025, 6, 2)
SNAPSHOT_SIZES = {"wide": (120, 40), "narrow": (80, 24)}


class FixedClockApp(WorkstationApp):
    """The workstation with its clock stopped, so "recent" deals and ages do not move between runs."""

    def now(self) -> dt.datetime:
        return NOW


@dataclass(frozen=True)
class Bar:
    day: dt.date
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int


def sessions(first: dt.date, last: dt.date) -> list[dt.date]:
    days = (first + dt.timedelta(days=offset) for offset in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def synthetic_bars(days: list[dt.date], base: float, swing: float) -> list[Bar]:
    """A deterministic wave with a drift: the same bars on every run."""
    bars = []
    for n, day in enumerate(days):
        close = base + swing * math.sin(n / 35) + swing * 0.6 * math.sin(n / 9) + 0.12 * n
        open_ = close * (1 + 0.006 * math.sin(n * 1.7))
        high, low = max(open_, close) * (1 + 0.004 + 0.003 * abs(math.sin(n))), min(open_, close) * 0.993
        price = [Decimal(f"{value:.2f}") for value in (open_, high, low, close)]
        bars.append(Bar(day, price[0], price[1], price[2], price[3], 400_000 + int(300_000 * abs(math.sin(n / 5)))))
    return bars


INFY_BARS = synthetic_bars(sessions(FIRST_DAY, LAST_DAY), 1380.0, 70.0)
INDEX_BARS = synthetic_bars(sessions(FIRST_DAY, LAST_DAY), 21000.0, 600.0)


def insert_security(connection: Connection, symbol: str, kind: str, name: str, isin: str | None) -> int:
    return int(
        connection.execute(
            text(
                "insert into securities (symbol, exchange, instrument_type, name, isin, currency)"
                " values (:symbol, 'NSE', :kind, :name, :isin, 'INR') returning id"
            ),
            {"symbol": symbol, "kind": kind, "name": name, "isin": isin},
        ).scalar_one()
    )


def insert_bars(connection: Connection, security_id: int, bars: list[Bar], split: dt.date | None = None) -> None:
    """Bars as traded; before `split` (a 1:2 split) the traded prices were twice, adj_close halves them back."""
    rows: list[dict[str, Any]] = []
    for bar in bars:
        factor = 2 if split is not None and bar.day < split else 1
        traded = [value * factor for value in (bar.open, bar.high, bar.low, bar.close)]
        adjusted = bar.close if factor != 1 else None
        rows.append(
            dict(zip(("o", "h", "l", "c"), traded, strict=True)) | {"a": adjusted, "d": bar.day, "v": bar.volume}
        )
    connection.execute(
        text(
            "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, adj_close, volume)"
            f" values ({security_id}, :d, :o, :h, :l, :c, :a, :v)"
        ),
        rows,
    )


def seed(connection: Connection) -> dict[str, int]:
    """INFY with three years of bars, a split and dividends, triggers, signals, an analysis, deals and a book;
    an index to compare with."""
    connection.execute(text("select ensure_ohlcv_partitions('ohlcv_daily', :a, :b)"), {"a": FIRST_DAY, "b": LAST_DAY})
    infy = insert_security(connection, "INFY", "equity", "Infosys Ltd", "INE009A01021")
    index = insert_security(connection, "NIFTY50", "index", "Nifty 50", None)
    insert_security(connection, "NEWCO", "equity", "Newly Listed Co", None)
    insert_bars(connection, infy, INFY_BARS, split=SPLIT_DAY)
    insert_bars(connection, index, INDEX_BARS)
    statements = [
        "insert into industry_classifications (security_id, macro, sector, industry)"
        " values (:s, 'Information Technology', 'Information Technology', 'IT - Software')",
        "insert into market_cap_history (security_id, trade_date, market_cap, currency)"
        " values (:s, '2026-11-20', 6475120000000, 'INR')",
        "insert into surveillance_measures (security_id, measure, stage, effective_date)"
        " values (:s, 'ASM', 'Stage I', '2026-11-10')",
        "insert into corporate_actions (security_id, action_type, ex_date, ratio, amount, currency) values"
        " (:s, 'split', '2025-06-02', 2, null, null), (:s, 'dividend', '2026-05-29', null, 22.00, 'INR'),"
        " (:s, 'dividend', '2025-10-24', null, 23.00, 'INR')",
        "insert into deals (deal_date, security_id, kind, client_name, side, quantity, price) values"
        " ('2026-11-18', :s, 'bulk', 'Goldman Sachs (Singapore) Pte', 'buy', 1200000, 1540.00),"
        " ('2026-08-03', :s, 'block', 'Life Insurance Corporation', 'sell', 2500000, 1402.50)",
        "insert into signals (security_id, signal_type, score, source, observed_at) values"
        " (:s, 'vcp_breakout', 82.5, 'screener', '2026-11-19 10:15+00'),"
        " (:s, 'rs_new_high', 91, 'rs_agent', '2026-11-20 11:00+00')",
        "insert into analysis_results (security_id, agent_name, recommendation, confidence, reasoning, analysed_at)"
        " values (:s, 'fundamental', 'buy', 0.72, 'Margins recovering\nDeal wins at record', '2026-11-20 12:00+00')",
        "insert into portfolio_positions (security_id, entry_date, entry_price, quantity, stop_loss, target) values"
        " (:s, '2026-09-15', 1480.00, 100, 1420.00, 1700.00)",
        "insert into trades (executed_at, security_id, side, quantity, price, fees) values"
        " ('2026-09-15 09:20+00', :s, 'buy', 100, 1480.00, 35.50)",
        "insert into watchlists (name, owner) values ('Breakouts', 'desk'), ('Pullbacks', 'desk')",
        "insert into watchlist_entries (watchlist_id, security_id, trigger_type, trigger_value)"
        " select id, :s, case name when 'Breakouts' then 'price_above' else 'price_below' end,"
        " case name when 'Breakouts' then 1600 else 1380 end from watchlists",
    ]
    for statement in statements:
        connection.execute(text(statement), {"s": infy})
    newco = int(connection.execute(text("select id from securities where symbol = 'NEWCO'")).scalar_one())
    return {"INFY": infy, "NIFTY50": index, "NEWCO": newco}


@pytest.fixture
def seeded(app_database: Database) -> dict[str, int]:
    with app_database.engine.begin() as connection:
        ids = seed(connection)
    store.use_database(app_database, actor="asha.rao")
    return ids


def make_app(database: Database) -> FixedClockApp:
    target = DatabaseTarget(database.target.params, embedded_dir=Path("/data/demo"))
    return FixedClockApp(target, live=False)


async def settle(pilot: Pilot[Any]) -> None:
    """Until the workers started by the last key (and those their messages start) are done.

    The chart re-reads its bars when its width settles, after a debounce timer (not a worker): wait it
    out, then for the read it starts, so a slow first layout cannot change what a snapshot sees.
    """
    for _ in range(4):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause(RESIZE_DEBOUNCE_SECONDS + 0.1)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_detail(pilot: Pilot[Any], security_id: int, *, focus_chart: bool = False) -> SecurityDetailScreen:
    screen = SecurityDetailScreen(security_id, focus_chart=focus_chart)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


def chart_of(screen: SecurityDetailScreen) -> PriceChart:
    return screen.query_one(PriceChart)


def table_rows(screen: SecurityDetailScreen, key: str) -> list[list[str]]:
    table = screen.query_one(f"#table-{key}", DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def traded_high_low(first: dt.date, last: dt.date) -> tuple[float, float]:
    """The highest high and lowest low that were traded between two days (split-doubled before the split)."""
    chosen = [bar for bar in INFY_BARS if first <= bar.day <= last]
    factor = [2 if bar.day < SPLIT_DAY else 1 for bar in chosen]
    highs = [float(bar.high * f) for bar, f in zip(chosen, factor, strict=True)]
    lows = [float(bar.low * f) for bar, f in zip(chosen, factor, strict=True)]
    return max(highs), min(lows)


async def test_opening_a_security_shows_its_header_facts(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, seeded["INFY"])
        header = str(screen.query_one("#security-header", Static).render())
    last, previous = INFY_BARS[-1].close, INFY_BARS[-2].close
    high, low = traded_high_low(LAST_DAY - dt.timedelta(days=364), LAST_DAY)
    for fact in (
        "Infosys Ltd",
        "INFY · NSE · INE009A01021 · equity",
        "Information Technology / IT - Software",
        f"Last {last:,.2f} {'▲' if last >= previous else '▼'} {last - previous:+,.2f}",
        "on 2026-11-20",
        f"52w {low:,.2f} – {high:,.2f}",
        "mcap ₹6,47,512 Cr",
        "⚑ ASM Stage I since 2026-11-10",
        "◆ 1 deal in 30 d: bulk buy 1.2M @ 1,540.0 2026-11-18 Goldman Sachs",
    ):
        assert fact in header


async def test_the_chart_gets_one_year_of_weekly_bars_that_fit_its_width(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, seeded["INFY"])
        chart = chart_of(screen)
        data = chart.data
        assert data is not None
        assert data.options.range == "1Y"
        frame = data.frame
        assert data.columns == chart.columns
        assert frame.height <= chart.columns
        assert data.period == "week"
        # 1Y ends on the last bar and starts the day after the same date a year earlier (a Friday).
        assert frame["trade_date"][0] == dt.date(2025, 11, 21)
        assert frame["trade_date"][-1] == dt.date(2026, 11, 16)
        assert int(frame["bars"].sum()) == len(sessions(dt.date(2025, 11, 21), LAST_DAY))
        week = frame.filter(frame["trade_date"] == dt.date(2026, 3, 2)).row(0, named=True)
        high, low = traded_high_low(dt.date(2026, 3, 2), dt.date(2026, 3, 6))
        assert (week["high"], week["low"], week["bars"]) == (high, low, 5)
        assert frame["ma_50"].null_count() == 0
        assert frame["ma_200"].null_count() == 0


async def test_range_keys_change_the_range(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, seeded["INFY"])
        chart = chart_of(screen)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert chart.data is not None
        assert chart.data.options.range == "3Y"
        assert chart.data.period == "month"
        assert chart.data.frame["trade_date"][0] == dt.date(2023, 11, 21)
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert chart.data.options.range == "6M"
        assert chart.data.frame["trade_date"][0] == dt.date(2026, 5, 21)
        await pilot.press("f", "1")
        await settle(pilot)
        assert chart.has_focus
        assert chart.data.options.range == "1M"
        assert chart.data.period == "day"
        assert chart.data.frame["trade_date"].to_list() == sessions(dt.date(2026, 10, 21), LAST_DAY)
        await pilot.press("4")
        await settle(pilot)
        assert chart.data.options.range == "YTD"
        assert chart.data.frame["trade_date"][0] == dt.date(2026, 1, 1)
        await pilot.press("8")
        await settle(pilot)
        assert chart.data.options.range == "MAX"
        assert chart.data.frame["trade_date"][0] == FIRST_DAY
        assert "[reverse" not in str(chart.query_one("#chart-title", Static).render())


async def test_toggles_flip_state(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, seeded["INFY"])
        chart = chart_of(screen)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert chart.data is not None
        traded_high = chart.data.frame["high"].max()
        await pilot.press("o", "c", "L")
        await settle(pilot)
        options = chart.data.options
        assert (options.overlays, options.candles, options.log_scale, options.adjusted) == (False, False, True, False)
        assert chart.data.frame["ma_50"].null_count() == chart.data.frame.height
        await pilot.press("A")
        await settle(pilot)
        assert chart.data.options.adjusted
        high, _ = traded_high_low(FIRST_DAY, SPLIT_DAY - dt.timedelta(days=1))
        assert traded_high == high
        assert float(chart.data.frame["high"].max()) < high / 1.5  # type: ignore[arg-type]
        await pilot.press("o", "c", "L", "A")
        await settle(pilot)
        assert chart.data.options == type(chart.data.options)(range="3Y")


async def test_compare_with_an_index_shows_both_as_percent_change(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, seeded["INFY"])
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, CompareModal)
        await pilot.press(*"NIFTY50", "enter")
        await settle(pilot)
        assert app.screen is screen  # type: ignore[comparison-overlap]
        data = chart_of(screen).data
        assert data is not None
        assert data.options.compare_symbol == "NIFTY50"
        assert data.frame["close_pct"][0] == 0
        assert data.frame["compare_pct"][0] == 0
        first, last = data.frame["close"][0], data.frame["close"][-1]
        assert data.frame["close_pct"][-1] == pytest.approx((last / first - 1) * 100)
        assert "% change" in str(chart_of(screen).query_one("#chart-title", Static).render())
        await pilot.press("C", "ctrl+u", "enter")
        await settle(pilot)
        cleared = chart_of(screen).data
        assert cleared is not None
        assert cleared.options.compare_id is None


async def test_markers_and_trigger_levels_reach_the_chart(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, seeded["INFY"])
        data = chart_of(screen).data
        assert data is not None
        dates = data.frame["trade_date"].to_list()
        assert [(m.kind, m.ex_date, dates[m.index]) for m in data.markers] == [
            ("dividend", dt.date(2026, 5, 29), dt.date(2026, 5, 25))
        ]
        assert [(t.value, t.trigger_type, t.watchlist) for t in data.triggers] == [
            (1380.0, "price_below", "Pullbacks"),
            (1600.0, "price_above", "Breakouts"),
        ]
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert [m.kind for m in chart_of(screen).data.markers] == ["split", "dividend", "dividend"]  # type: ignore[union-attr]


async def test_tabs_show_the_records(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, seeded["INFY"])
        tabs = screen.query_one("#security-tabs", TabbedContent)
        assert tabs.active == "tab-signals"
        assert table_rows(screen, "signals") == [
            ["2026-11-20 11:00", "rs_new_high", "rs_agent", "91.00"],
            ["2026-11-19 10:15", "vcp_breakout", "screener", "82.50"],
        ]
        await pilot.press("right")
        await settle(pilot)
        assert tabs.active == "tab-analyses"
        assert table_rows(screen, "analyses") == [
            ["2026-11-20 12:00", "fundamental", "buy", "72", "Margins recovering"]
        ]
        await pilot.press("right")
        assert tabs.active == "tab-actions"
        assert [row[:4] for row in table_rows(screen, "actions")] == [
            ["2026-05-29", "dividend", "", "22.00"],
            ["2025-10-24", "dividend", "", "23.00"],
            ["2025-06-02", "split", "2.0000", ""],
        ]
        await pilot.press("right", "right")
        assert tabs.active == "tab-positions"
        assert table_rows(screen, "positions")[0][:3] == ["2026-09-15", "100", "1,480.00"]
        await pilot.press("right")
        assert tabs.active == "tab-trades"
        assert table_rows(screen, "trades") == [["2026-09-15 09:20", "buy", "100", "1,480.00", "35.50", "", ""]]
        assert table_rows(screen, "deals")[0][:4] == ["2026-11-18", "bulk", "buy", "Goldman Sachs (Singapore) Pte"]


async def test_resize_resamples_for_the_new_width(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, seeded["INFY"])
        chart = chart_of(screen)
        assert chart.data is not None
        assert chart.data.columns == chart.columns
        assert (chart.data.period, chart.data.frame.height) == ("week", 53)
        await pilot.resize_terminal(60, 30)
        for _ in range(50):
            await settle(pilot)
            if chart.data.columns == chart.columns:
                break
            await pilot.pause(0.05)
        assert chart.data.columns == chart.columns < 60
        assert (chart.data.period, chart.data.frame.height) == ("month", 13)


async def test_a_security_without_bars_says_so(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, seeded["NEWCO"])
        assert "no prices yet" in str(screen.query_one("#security-header", Static).render())
        title = str(chart_of(screen).query_one("#chart-title", Static).render())
        assert "NEWCO daily" in title
        assert "no bars in this range" in title


async def test_an_unknown_symbol_to_compare_with_is_reported_and_changes_nothing(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, seeded["INFY"])
        await pilot.press("C", *"NOSUCH", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.options.compare_id is None
        assert [n.message for n in app._notifications] == ["no security NOSUCH"]


def test_ranges_end_on_the_last_bar() -> None:
    assert range_start("1M", dt.date(2026, 3, 31)) == dt.date(2026, 3, 1)
    assert range_start("3M", dt.date(2026, 5, 31)) == dt.date(2026, 3, 1)
    assert range_start("1Y", dt.date(2028, 2, 29)) == dt.date(2027, 3, 1)
    assert range_start("5Y", dt.date(2026, 11, 20)) == dt.date(2021, 11, 21)
    assert range_start("YTD", dt.date(2026, 11, 20)) == dt.date(2026, 1, 1)
    assert range_start("MAX", dt.date(2026, 11, 20)) is None


async def test_escape_goes_back(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        below = app.screen
        await open_detail(pilot, seeded["INFY"])
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is below
        assert isinstance(below, AreaScreen)


SnapCompare = Callable[..., bool]


def _detail(security_id: int, *keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_detail(pilot, security_id)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_detail(
    app_database: Database, seeded: dict[str, int], snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(app_database), terminal_size=size, run_before=_detail(seeded["INFY"]))


def test_snapshot_line_log_3y(app_database: Database, seeded: dict[str, int], snap_compare: SnapCompare) -> None:
    assert snap_compare(
        make_app(app_database),
        terminal_size=(120, 40),
        run_before=_detail(seeded["INFY"], "right_square_bracket", "c", "L"),
    )


def test_snapshot_compare(app_database: Database, seeded: dict[str, int], snap_compare: SnapCompare) -> None:
    keys = ("C", *"NIFTY50", "enter")
    assert snap_compare(make_app(app_database), terminal_size=(120, 40), run_before=_detail(seeded["INFY"], *keys))
