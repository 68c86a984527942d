"""Securities, driven by the keyboard: filter as you type, facets, sort, cursor, open, export, queue for research."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Connection, text
from textual.pilot import Pilot
from textual.widgets import Input, Static

import store
from store.db import Database, DatabaseTarget
from tui.app import WorkstationApp
from tui.modals.choose_watchlist import ChooseWatchlistModal
from tui.modals.watchlist_entry import WatchlistEntryModal
from tui.screens.securities import SecuritiesScreen
from tui.screens.securities.frame import TableFilter, filter_rows, search_text
from tui.screens.securities.modals import ExportModal, FacetModal
from tui.widgets.frame_table import FrameTable

ANALYST = "asha.rao"
NOW = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
SESSIONS = (dt.date(2026, 11, 19), dt.date(2026, 11, 20))
SNAPSHOT_SIZES = {"wide": (120, 40), "narrow": (80, 24)}
ALL_SYMBOLS = ["HDFCBANK", "ICICIBANK", "INFY", "NIFTY", "NIFTYBEES", "TCS", "WIPRO"]
# symbol → name, exchange, type, sector, ISIN, closes of the two sessions (None: no bars)
UNIVERSE: dict[str, tuple[str, str, str, str | None, str | None, tuple[str, str] | None]] = {
    "INFY": ("Infosys Ltd", "NSE", "equity", "Information Technology", "INE009A01021", ("1500.00", "1560.40")),
    "TCS": ("Tata Consultancy Services", "NSE", "equity", "Information Technology", "INE467B01029", ("4100", "4012")),
    "HDFCBANK": ("HDFC Bank", "NSE", "equity", "Financial Services", "INE040A01034", ("1650.00", "1702.10")),
    "ICICIBANK": ("ICICI Bank", "BSE", "equity", "Financial Services", "INE090A01021", ("1250.00", "1237.50")),
    "NIFTYBEES": ("Nippon India Nifty 50 BeES", "NSE", "etf", None, "INF204KB14I2", ("270.00", "272.70")),
    "NIFTY": ("Nifty 50", "NSE", "index", None, None, ("24000.00", "24150.75")),
    "WIPRO": ("Wipro Ltd", "NSE", "equity", "Information Technology", "INE075A01022", None),
}
# By change % from the first session to the second, largest first; WIPRO has no bars, so it comes last.
BY_CHANGE_DESCENDING = ["INFY", "HDFCBANK", "NIFTYBEES", "NIFTY", "ICICIBANK", "TCS", "WIPRO"]


class FixedClockApp(WorkstationApp):
    """The workstation with its clock stopped, and a record of what the Securities screen asked the app to do."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requests: list[tuple[str, int, str]] = []

    def now(self) -> dt.datetime:
        return NOW


class OpeningApp(FixedClockApp):
    """An app that can open a security itself (the screen calls it instead of posting SecurityChosen)."""

    def open_security(self, security_id: int, *, focus_chart: bool = False) -> None:
        self.requests.append(("open_security", security_id, ""))


def seed(connection: Connection) -> dict[str, int]:
    """Seven securities on two exchanges, six with two sessions of bars, RS and stage for two; one watchlist."""
    connection.execute(
        text("select ensure_ohlcv_partitions('ohlcv_daily', :a, :b)"), {"a": SESSIONS[0], "b": SESSIONS[1]}
    )
    ids = {}
    for symbol, (name, exchange, kind, sector, isin, closes) in UNIVERSE.items():
        ids[symbol] = connection.execute(
            text(
                "insert into securities (symbol, exchange, instrument_type, name, isin)"
                " values (:symbol, :exchange, :kind, :name, :isin) returning id"
            ),
            {"symbol": symbol, "exchange": exchange, "kind": kind, "name": name, "isin": isin},
        ).scalar_one()
        if sector is not None:
            connection.execute(
                text("insert into industry_classifications (security_id, sector) values (:id, :sector)"),
                {"id": ids[symbol], "sector": sector},
            )
        for day, close, volume in zip(SESSIONS, closes or (), (200_000, 300_000), strict=False):
            connection.execute(
                text(
                    "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)"
                    " values (:id, :day, :close, :close, :close, :close, :volume)"
                ),
                {"id": ids[symbol], "day": day, "close": Decimal(close), "volume": volume},
            )
    for symbol, rating, stage in (("INFY", 91, 2), ("TCS", 42, 4)):
        connection.execute(
            text(
                "insert into calculated_metrics (security_id, trade_date, rs_rating, stage)"
                " values (:id, :day, :rs, :stage)"
            ),
            {"id": ids[symbol], "day": SESSIONS[1], "rs": rating, "stage": stage},
        )
    connection.execute(text("insert into watchlists (name, owner) values ('Breakouts', 'desk')"))
    connection.execute(text("select refresh_market_overview()"))
    return ids


@pytest.fixture
def seeded(app_database: Database) -> dict[str, int]:
    with app_database.engine.begin() as connection:
        ids = seed(connection)
    store.use_database(app_database, actor=ANALYST)
    return ids


def make_app(database: Database, kind: type[FixedClockApp] = FixedClockApp) -> FixedClockApp:
    """Fixed clock, no live workers, and a database name that does not change between runs."""
    return kind(DatabaseTarget(database.target.params, embedded_dir=Path("/data/demo")), live=False)


async def settle(pilot: Pilot[Any]) -> None:
    """Until the workers started by the last key (and those their messages start) are done."""
    for _ in range(4):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_securities(pilot: Pilot[Any]) -> SecuritiesScreen:
    await pilot.app.switch_mode("securities")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SecuritiesScreen)
    return screen


def table_of(screen: SecuritiesScreen) -> FrameTable:
    return screen.query_one("#securities-table", FrameTable)


def shown_symbols(screen: SecuritiesScreen) -> list[str]:
    return table_of(screen).shown_frame().get_column("symbol").to_list()


def symbol_at_cursor(screen: SecuritiesScreen) -> str:
    row = table_of(screen).cursor_data()
    assert row is not None
    return str(row["symbol"])


def notifications(app: WorkstationApp) -> list[str]:
    return [f"{notice.title}: {notice.message}" for notice in app._notifications]


async def test_the_table_shows_every_security_with_its_latest_figures(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_securities(pilot)
        assert shown_symbols(screen) == ALL_SYMBOLS
        infy = table_of(screen).shown_frame().row(2, named=True)
        assert (infy["symbol"], infy["close"], infy["change_pct"], infy["rs_rating"]) == ("INFY", 1560.4, 4.0267, 91)
        assert str(screen.query_one("#securities-count", Static).render()) == "1/7 of 7"
        assert app.focused is table_of(screen)


async def test_typing_in_the_filter_narrows_the_rows(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_securities(pilot)
        await pilot.press("slash", *"bank")
        assert shown_symbols(screen) == ["HDFCBANK", "ICICIBANK"]
        await pilot.press(*["backspace"] * 4, *"TATA")
        assert shown_symbols(screen) == ["TCS"], "names match too, in any case"
        await pilot.press(*["backspace"] * 4, *"zzz")
        assert shown_symbols(screen) == []
        await pilot.press("escape")
        assert app.focused is table_of(screen)
        assert screen.query_one("#securities-filter", Input).value == "zzz"


async def test_facets_narrow_the_rows_and_are_named_above_the_table(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_securities(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FacetModal)
        # Most common first: NSE (6) then BSE; equity (5), then etf and index.
        await pilot.press("space", "tab", "space", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert shown_symbols(screen) == ["HDFCBANK", "INFY", "TCS", "WIPRO"]
        assert str(screen.query_one("#securities-facets", Static).render()) == "Exchange NSE · Type equity"
        await pilot.press("slash", *"ban", "enter")
        assert shown_symbols(screen) == ["HDFCBANK"], "the typed text and the facets both apply"
        await pilot.press("F")
        assert shown_symbols(screen) == ALL_SYMBOLS


async def test_sort_by_change_descending_keeps_the_cursor_on_its_security(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_securities(pilot)
        await pilot.press("j", "j")
        assert symbol_at_cursor(screen) == "INFY"
        await pilot.press(*["s"] * 7, "S")
        assert (table_of(screen).sort_key, table_of(screen).sort_descending) == ("change_pct", True)
        assert shown_symbols(screen) == BY_CHANGE_DESCENDING
        assert symbol_at_cursor(screen) == "INFY"
        assert str(screen.query_one("#securities-count", Static).render()) == "1/7 of 7 · by Chg % ▼"


async def test_cursor_keys_move_along_the_rows(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_securities(pilot)
        await pilot.press("j", "j", "j")
        assert symbol_at_cursor(screen) == "NIFTY"
        await pilot.press("k")
        assert symbol_at_cursor(screen) == "INFY"
        await pilot.press("G")
        assert symbol_at_cursor(screen) == "WIPRO"
        await pilot.press("g")
        assert symbol_at_cursor(screen) == "HDFCBANK"


async def test_enter_opens_the_security(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database, OpeningApp)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_securities(pilot)
        await pilot.press("G", "enter")
        await settle(pilot)
    assert app.requests == [("open_security", seeded["WIPRO"], "")]


async def test_w_adds_the_security_to_a_watchlist(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_securities(pilot)
        await pilot.press("j", "j", "w")
        await settle(pilot)
        chooser = app.screen
        assert isinstance(chooser, ChooseWatchlistModal)
        assert chooser.title_text == "Add INFY to which watchlist?"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WatchlistEntryModal)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
    with app_database.engine.connect() as connection:
        added = connection.execute(
            text("select w.name, e.added_by from watchlist_entries e join watchlists w on w.id = e.watchlist_id"
                 " where e.security_id = :id"),
            {"id": seeded["INFY"]},
        ).all()  # fmt: skip
    assert [tuple(row) for row in added] == [("Breakouts", ANALYST)]


async def test_export_writes_exactly_the_shown_rows(
    app_database: Database, seeded: dict[str, int], tmp_path: Path
) -> None:
    app = make_app(app_database)
    target = tmp_path / "it.csv"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_securities(pilot)
        await pilot.press("slash", *"ltd", "enter", *["s"] * 7, "S", "ctrl+e")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ExportModal)
        assert modal.query_one("#export-path", Input).value == f"~/securities-{NOW.astimezone():%Y%m%d-%H%M}.csv"
        await pilot.press("ctrl+u", *str(tmp_path / "it.txt"), "enter")
        await settle(pilot)
        assert "end the name in .csv or .parquet" in str(modal.query_one("#export-path-error", Static).render())
        await pilot.press("ctrl+u", *str(target), "enter")
        await settle(pilot)
        assert app.screen is screen
        shown = table_of(screen).shown_frame()
    written = pl.read_csv(target)
    assert written.get_column("symbol").to_list() == ["INFY", "WIPRO"] == shown.get_column("symbol").to_list()
    assert written.columns == shown.columns
    assert f"Exported: 2 rows written to {target}" in notifications(app)


async def test_export_asks_before_replacing_a_file(
    app_database: Database, seeded: dict[str, int], tmp_path: Path
) -> None:
    target = tmp_path / "all.parquet"
    target.write_text("keep me")
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_securities(pilot)
        await pilot.press("ctrl+e", "ctrl+u", *str(target), "enter")
        await settle(pilot)
        modal = app.screen
        assert "all.parquet exists: enter again to replace it" in str(
            modal.query_one("#export-path-error", Static).render()
        )
        assert target.read_text() == "keep me"
        await pilot.press("enter")
        await settle(pilot)
    assert pl.read_parquet(target).get_column("symbol").to_list() == ALL_SYMBOLS


async def test_a_queues_the_security_for_research_once(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_securities(pilot)
        await pilot.press("j", "j", "a")
        await settle(pilot)
        assert "Research queue: INFY is in the research queue (new)" in notifications(app)
        await pilot.press("a")
        await settle(pilot)
        assert any(
            message.startswith("INFY not queued:") and "(status new)" in message for message in notifications(app)
        ), notifications(app)
    with app_database.engine.connect() as connection:
        items = connection.execute(
            text("select id, status, source from research_queue where security_id = :id"), {"id": seeded["INFY"]}
        ).all()
        assert [(status, source) for _, status, source in items] == [("new", "analyst")]
        audit = connection.execute(
            text("select actor, action from audit_log where entity_id = :id"), {"id": str(items[0].id)}
        ).all()
    assert [tuple(row) for row in audit] == [(ANALYST, "insert")]


async def test_r_reads_the_securities_again(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_securities(pilot)
        await pilot.press("slash", *"new", "enter")
        with app_database.engine.begin() as connection:
            connection.execute(
                text(
                    "insert into securities (symbol, exchange, instrument_type, name)"
                    " values ('NEWCO', 'NSE', 'equity', 'New Co')"
                )
            )
        await pilot.press("r")
        await settle(pilot)
        assert shown_symbols(screen) == ["NEWCO"], "the typed filter applies to what was read again"


async def test_typing_part_of_an_isin_finds_the_security(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_securities(pilot)
        await pilot.press("slash", *"ine009")
        assert shown_symbols(screen) == ["INFY"]


def test_the_filter_looks_in_symbol_name_and_isin_and_knows_unclassified() -> None:
    frame = pl.DataFrame(
        {
            "symbol": ["INFY", "TCS", "NIFTY"],
            "name": ["Infosys Ltd", "Tata Consultancy Services", None],
            "isin": ["INE009A01021", None, None],
            "exchange": ["NSE", "BSE", "NSE"],
            "instrument_type": ["equity", "equity", "index"],
            "sector": ["Information Technology", "Information Technology", None],
        }
    )
    searched = search_text(frame)

    def symbols(wanted: TableFilter) -> list[str]:
        return filter_rows(frame, searched, wanted).get_column("symbol").to_list()

    assert symbols(TableFilter(text="ine009")) == ["INFY"]
    assert symbols(TableFilter(text=" Consult ")) == ["TCS"]
    assert symbols(TableFilter(text="n")) == ["INFY", "TCS", "NIFTY"]
    assert symbols(TableFilter(sectors=frozenset({None}))) == ["NIFTY"]
    assert symbols(
        TableFilter(text="i", exchanges=frozenset({"NSE"}), sectors=frozenset({"Information Technology"}))
    ) == ["INFY"]
    assert symbols(TableFilter(instrument_types=frozenset({"etf"}))) == []


# Snapshots


def _securities_shown(*keys: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_securities(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_table(
    app_database: Database, seeded: dict[str, int], snap_compare: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(app_database), terminal_size=size, run_before=_securities_shown("j", "j"))


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_filtered(
    app_database: Database, seeded: dict[str, int], snap_compare: Any, size: tuple[int, int]
) -> None:
    keys = ("f", "space", "ctrl+s", "slash", *"ltd", "enter", *["s"] * 7, "S")
    assert snap_compare(make_app(app_database), terminal_size=size, run_before=_securities_shown(*keys))
