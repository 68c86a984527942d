"""Home, driven by the keyboard: the morning at a glance on a hand-built database, enter opens what an item names,
and a change committed elsewhere shows up without a keypress."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from textual.pilot import Pilot

import store
from store.changes import LISTENER_APPLICATION_NAME
from store.db import Database, DatabaseTarget
from tui.app import WorkstationApp
from tui.screens.home import HomeScreen
from tui.screens.home.panel import HomePanel

ANALYST = "asha.rao"
NOW = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
SESSIONS = (dt.date(2026, 11, 19), dt.date(2026, 11, 20))
SNAPSHOT_SIZES = {"wide": (120, 40), "narrow": (80, 24)}
# symbol → instrument type, closes of the two sessions: INFY +4.03 %, HDFCBANK +3.16 %, WIPRO 0, ICICIBANK -1 %,
# TCS -2.15 %; NIFTY is an index and stays out of breadth and movers.
CLOSES = {
    "INFY": ("equity", "1500.00", "1560.40"),
    "HDFCBANK": ("equity", "1650.00", "1702.10"),
    "WIPRO": ("equity", "500.00", "500.00"),
    "ICICIBANK": ("equity", "1250.00", "1237.50"),
    "TCS": ("equity", "4100.00", "4012.00"),
    "NIFTY": ("index", "24000.00", "26400.00"),
}
REPORT_GENERATED = NOW - dt.timedelta(hours=2)


class FixedClockApp(WorkstationApp):
    """The workstation with its clock stopped (ages on Home are measured from it)."""

    def now(self) -> dt.datetime:
        return NOW


def seed(connection: Connection) -> dict[str, Any]:
    """Securities with two sessions of bars, two morning reports, a watchlist with alerts fired before and after the
    latest report, queue items, signals and loader runs."""
    run = _runner(connection)
    run("select ensure_ohlcv_partitions('ohlcv_daily', :a, :b)", a=SESSIONS[0], b=SESSIONS[1])
    ids: dict[str, Any] = {}
    for symbol, (kind, *closes) in CLOSES.items():
        ids[symbol] = run(
            "insert into securities (symbol, exchange, instrument_type, name) values (:s, 'NSE', :k, :n) returning id",
            s=symbol,
            k=kind,
            n=f"{symbol.title()} Ltd",
        ).scalar_one()
        for day, close in zip(SESSIONS, closes, strict=True):
            run(
                "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)"
                " values (:id, :day, :c, :c, :c, :c, 1000)",
                id=ids[symbol],
                day=day,
                c=Decimal(close),
            )
    run("select refresh_market_overview()")
    _seed_reports(run)
    ids["breakouts"] = _seed_watchlist(run, ids)
    _seed_queue(run, ids)
    for symbol, kind, score, minutes in (("INFY", "breakout", 82, 30), ("TCS", "volume_spike", 65, 120)):
        run(
            "insert into signals (security_id, signal_type, score, source, observed_at)"
            " values (:id, :kind, :score, 'momentum-agent', :at)",
            id=ids[symbol],
            kind=kind,
            score=score,
            at=NOW - dt.timedelta(minutes=minutes),
        )
    for source, status, started in (
        ("nse-bhavcopy", "success", NOW - dt.timedelta(hours=3, minutes=5)),
        ("corporate-actions", "success", NOW - dt.timedelta(days=3, minutes=5)),
        ("corporate-actions", "failure", NOW - dt.timedelta(hours=1, minutes=5)),
    ):
        run(
            "insert into ingestion_logs (source, status, started_at, finished_at) values (:s, :st, :at, :done)",
            s=source,
            st=status,
            at=started,
            done=started + dt.timedelta(minutes=5),
        )
    return ids


def _runner(connection: Connection) -> Callable[..., Any]:
    def run(statement: str, **values: Any) -> Any:
        return connection.execute(text(statement), values)

    return run


def _seed_reports(run: Callable[..., Any]) -> None:
    recommendations = [{"symbol": s, "action": "buy"} for s in ("INFY", "HDFCBANK", "TCS")]
    for day, generated, reviewed_by in (
        (SESSIONS[1], REPORT_GENERATED - dt.timedelta(days=1), "asha.rao"),
        (NOW.date(), REPORT_GENERATED, None),
    ):
        run(
            "insert into reports (kind, report_date, title, content, stocks_analyzed, recommendations,"
            " generated_by, generated_at, reviewed_by, reviewed_at)"
            " values ('morning', :day, :title, '# Markets', 40, cast(:recs as jsonb), 'morning-agent', :at, :by,"
            " :reviewed_at)",
            day=day,
            title=f"Morning report {day}",
            recs=json.dumps(recommendations[: 3 if reviewed_by is None else 1]),
            at=generated,
            by=reviewed_by,
            reviewed_at=None if reviewed_by is None else generated,
        )


def _seed_watchlist(run: Callable[..., Any], ids: dict[str, Any]) -> Any:
    watchlist_id = run("insert into watchlists (name, owner) values ('Breakouts', 'desk') returning id").scalar_one()
    for symbol, kind, value, fired_at in (
        ("INFY", "price_above", "1550", REPORT_GENERATED + dt.timedelta(hours=1)),
        ("TCS", "price_below", "4050", REPORT_GENERATED - dt.timedelta(hours=1)),  # before the report
        ("HDFCBANK", "manual", None, None),
    ):
        close = CLOSES[symbol][2]
        bar = {"date": "2026-11-20", "close": float(close), "value": float(close)} if fired_at else None
        run(
            "insert into watchlist_entries (watchlist_id, security_id, trigger_type, trigger_value, status,"
            " triggered_at, trigger_bar) values (:w, :s, :k, :v, :status, :at, cast(:bar as jsonb))",
            w=watchlist_id,
            s=ids[symbol],
            k=kind,
            v=None if value is None else Decimal(value),
            status="triggered" if fired_at else "active",
            at=fired_at,
            bar=None if bar is None else json.dumps(bar),
        )
    return watchlist_id


def _seed_queue(run: Callable[..., Any], ids: dict[str, Any]) -> None:
    for symbol, status in (("INFY", "new"), ("TCS", "new"), ("HDFCBANK", "researching"), ("ICICIBANK", "rejected")):
        run(
            "insert into research_queue (security_id, status, source) values (:s, :st, 'analyst')",
            s=ids[symbol],
            st=status,
        )


@pytest.fixture
def seeded(app_database: Database) -> dict[str, Any]:
    with app_database.engine.begin() as connection:
        ids = seed(connection)
    store.use_database(app_database, actor=ANALYST)
    return ids


def make_app(database: Database, *, live: bool = False) -> FixedClockApp:
    """Fixed clock; a shown database name that does not change between runs (live: the real one, to listen)."""
    if live:
        return FixedClockApp(database.target, live=True)
    shown_params = {**database.target.params, "dbname": "workstation"}
    return FixedClockApp(DatabaseTarget(shown_params, embedded_dir=Path("/data/demo")), live=False)


async def settle(pilot: Pilot[Any]) -> None:
    """Until the workers started by the last key (and those their messages start) are done."""
    for _ in range(4):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()


async def open_home(pilot: Pilot[Any]) -> HomeScreen:
    await settle(pilot)
    await pilot.press("1")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, HomeScreen)
    return screen


def lines(screen: HomeScreen, panel: str) -> list[str]:
    """What a panel shows, one string per item (its change mark stripped)."""
    options = screen.query_one(f"#home-{panel}", HomePanel)
    shown = (str(options.get_option_at_index(i).prompt).replace("▌", "") for i in range(options.option_count))
    return [" ".join(line.split()) for line in shown]


def title(screen: HomeScreen, panel: str) -> str:
    return str(screen.query_one(f"#home-{panel}", HomePanel).border_title)


async def test_home_shows_the_morning_at_a_glance(app_database: Database, seeded: dict[str, Any]) -> None:
    async with make_app(app_database).run_test(size=(120, 40)) as pilot:
        screen = await open_home(pilot)
        assert lines(screen, "report") == [
            "Morning report 2026-11-21 ✗ not reviewed · 3 recommendations morning report by morning-agent, 2 h ago"
        ]
        assert title(screen, "alerts") == "Alerts since the report · 1"
        assert lines(screen, "alerts") == ["INFY above 1,550.00 ▲ 2026-11-20 close 1,560.40 Breakouts"]
        assert title(screen, "queue") == "Research queue · 4"
        assert lines(screen, "queue") == ["new 2", "researching 1", "waiting 0", "decided 0", "rejected 1"]
        assert title(screen, "breadth") == "Breadth 2026-11-20"
        assert lines(screen, "breadth") == ["▲ 2 up ▼ 2 down = 1 A/D 1.00 · 5 stocks"]
        assert lines(screen, "gainers") == ["INFY 1,560.40 +4.03%", "HDFCBANK 1,702.10 +3.16%"]
        assert lines(screen, "losers") == ["TCS 4,012.00 -2.15%", "ICICIBANK 1,237.50 -1.00%"]
        assert lines(screen, "signals") == [
            "30 min ago INFY breakout 82 momentum-agent",
            "2 h ago TCS volume_spike 65 momentum-agent",
        ]
        assert lines(screen, "freshness") == [
            "✗ corporate-actions 1 h ago last ok 3 d ago",
            "✓ nse-bhavcopy 3 h ago",
        ]


async def test_an_empty_database_says_what_is_missing(app_database: Database) -> None:
    store.use_database(app_database, actor=ANALYST)
    async with make_app(app_database).run_test(size=(120, 40)) as pilot:
        screen = await open_home(pilot)
        assert lines(screen, "report") == ["No morning report yet"]
        assert title(screen, "alerts") == "Alerts fired (no report yet) · 0"
        assert lines(screen, "breadth") == ["No prices loaded yet"]
        assert lines(screen, "gainers") == ["No security rose"]
        assert lines(screen, "freshness") == ["No loader has run yet"]


async def test_enter_on_a_mover_opens_its_detail(app_database: Database, seeded: dict[str, Any]) -> None:
    from tui.screens.security_detail import SecurityDetailScreen

    async with make_app(app_database).run_test(size=(120, 40)) as pilot:
        await open_home(pilot)
        await pilot.press("tab", "tab", "tab", "j", "enter")  # report → alerts → gainers → losers, second loser
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, SecurityDetailScreen)
        assert detail.security_id == seeded["ICICIBANK"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen)
        assert pilot.app.screen.focused is pilot.app.screen.query_one("#home-losers")


async def test_enter_on_a_queue_count_opens_the_queue_at_that_status(
    app_database: Database, seeded: dict[str, Any]
) -> None:
    async with make_app(app_database).run_test(size=(120, 40)) as pilot:
        await open_home(pilot)
        await pilot.press(*["tab"] * 5, "j", "enter")  # … signals → queue, "researching"
        await settle(pilot)
        assert pilot.app.current_mode == "research-queue"
        assert getattr(pilot.app.screen, "status_filter", None) == "researching"


async def test_enter_on_an_alert_opens_its_watchlist_at_the_entry(
    app_database: Database, seeded: dict[str, Any]
) -> None:
    from tui.screens.watchlists import WatchlistsScreen

    async with make_app(app_database).run_test(size=(120, 40)) as pilot:
        await open_home(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, WatchlistsScreen)
        assert screen.current_watchlist_id == seeded["breakouts"]
        selected = screen.selected_entry()
        assert selected is not None
        assert selected.symbol == "INFY"


async def test_enter_on_the_report_opens_the_morning_reports(app_database: Database, seeded: dict[str, Any]) -> None:
    async with make_app(app_database).run_test(size=(120, 40)) as pilot:
        await open_home(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.current_mode == "morning-reports"


async def until(pilot: Pilot[Any], condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Let the app run until `condition()` holds: live workers never finish, so there is nothing to wait for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        await pilot.pause(0.02)
    pytest.fail(f"gave up waiting after {timeout} s")


def feed_listening(database: Database) -> bool:
    """The app's change-feed connection has run its LISTEN on the database."""
    with database.engine.connect() as connection:
        found = connection.execute(
            text(
                "select count(*) from pg_stat_activity where application_name = :name"
                " and datname = current_database() and query ilike 'listen%'"
            ),
            {"name": LISTENER_APPLICATION_NAME},
        ).scalar_one()
    return bool(found)


async def test_a_queue_item_committed_elsewhere_shows_up_without_a_keypress(
    app_database: Database, seeded: dict[str, Any]
) -> None:
    async with make_app(app_database, live=True).run_test(size=(120, 40)) as pilot:
        await pilot.press("1")
        screen = await until(pilot, lambda: isinstance(pilot.app.screen, HomeScreen) and pilot.app.screen)
        await until(pilot, lambda: lines(screen, "queue")[:1] == ["new 2"])
        await pilot.press(*["tab"] * 5, "j", "j")  # the cursor on "waiting"
        await until(pilot, lambda: feed_listening(app_database))
        with store.unit_of_work(actor="queue-agent") as uow:
            uow.research_queue.add(seeded["WIPRO"], source="screener")
            uow.commit()
        await until(pilot, lambda: lines(screen, "queue")[0] == "new 3")
        queue = screen.query_one("#home-queue", HomePanel)
        assert queue.changed_ids == {"queue-new"}, "the changed count is marked"
        assert "▌" in str(queue.get_option_at_index(0).prompt)
        assert queue.border_subtitle == "changed by queue-agent", "the feed's notice names who committed"
        assert screen.focused is queue
        highlighted = queue.highlighted_item()
        assert highlighted is not None
        assert highlighted.id == "queue-waiting", "the cursor stays where the analyst left it"
        assert title(screen, "queue") == "Research queue · 5"


# Snapshots


def _home_shown(*keys: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_home(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_home(
    app_database: Database, seeded: dict[str, Any], snap_compare: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(app_database), terminal_size=size, run_before=_home_shown("tab", "tab"))
