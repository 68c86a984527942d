"""The Screener (EQS) by keyboard: expressions checked as typed and run, hostile input refused, named screens."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import Input, Static

from store.db import Database
from tests.tui.test_securities import ANALYST, OpeningApp, make_app, notifications, seeded, settle
from tui.app import WorkstationApp
from tui.config import CONFIG_ENV, ConfigError, load_config, save_screens
from tui.modals.choose_watchlist import ChooseWatchlistModal
from tui.modals.watchlist_entry import WatchlistEntryModal
from tui.screens.screener import ScreenerScreen
from tui.screens.screener.expression import ExpressionCheck, caret_line
from tui.screens.screener.modals import OpenScreenModal, SaveScreenModal, ScreenColumnsModal
from tui.widgets.frame_table import FrameTable

__all__ = ["seeded"]  # the fixture, shared with the Securities tests

SNAPSHOT_SIZES = {"wide": (120, 40), "narrow": (80, 24)}
IT_SCREEN = 'sector = "Information Technology"'
# Each is refused where it goes wrong: (typed, 1-based column, words of the message).
HOSTILE = [
    ('symbol = "INFY"; drop table securities', 16, "a screen is one condition"),
    ("rs_rating > 1 -- and stage = 2", 15, "unexpected '-'"),
    ("symbol = 'INFY' or 1=1 --'", 26, "this string has no closing '"),
    ("name = 'O\\'Reilly", 12, "unexpected 'Reilly'"),
    ("password > 0", 1, "unknown column 'password'"),
    ("rs_rating >= 80 and securities.id = 1", 31, "unexpected '.'"),
    ("stage in (1, 2", 15, "')'"),
    ("pg_sleep(10) = 1", 1, "unknown column 'pg_sleep'"),
    ('sector = "IT" union select 1', 15, "unexpected"),
    ("[red]boom[/red] = 1", 1, "unexpected '['"),
]


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """config.toml with settings the screener must keep when it saves its screens."""
    path = tmp_path / "config.toml"
    path.write_text('# mine\nanalyst = "asha.rao"\n\n[keys]\n"app.quit" = "ctrl+x"\n', encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(path))
    return path


async def open_screener(pilot: Pilot[Any]) -> ScreenerScreen:
    await pilot.app.switch_mode("screener")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ScreenerScreen)
    return screen


async def run_screen(pilot: Pilot[Any], expression: str) -> None:
    await pilot.press("e", "ctrl+u", *expression, "enter")
    await settle(pilot)


def table_of(screen: ScreenerScreen) -> FrameTable:
    return screen.query_one("#screener-table", FrameTable)


def shown_symbols(screen: ScreenerScreen) -> list[str]:
    return table_of(screen).shown_frame().get_column("symbol").to_list()


def problem_line(screen: ScreenerScreen) -> str:
    return str(screen.query_one("#screener-problem", Static).render())


def count_line(screen: ScreenerScreen) -> str:
    return str(screen.query_one("#screener-count", Static).render())


def database_errors(app: WorkstationApp) -> list[str]:
    """Notifications that come from a failed worker (the one handler), or that show SQL."""
    return [
        message
        for message in notifications(app)
        if message.startswith(("Database:", "Unexpected error:")) or "SELECT" in message.upper()
    ]


async def test_a_valid_screen_runs_and_shows_its_matches_best_first(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screener(pilot)
        assert app.focused is screen.query_one("#screener-expression", Input)
        await pilot.press(*IT_SCREEN)
        assert problem_line(screen) == "enter runs the screen · ctrl+s saves it"
        await pilot.press("enter")
        await settle(pilot)
        assert shown_symbols(screen) == ["INFY", "TCS", "WIPRO"], "by RS rating, missing ratings last"
        assert count_line(screen) == "1/3 of 3 matches"
        assert app.focused is table_of(screen)
        await run_screen(pilot, "rs_rating >= 80 and stage = 2 and close > 1000")
        assert shown_symbols(screen) == ["INFY"]
        await run_screen(pilot, "stage = 2 or vcp_score > 1")
        assert shown_symbols(screen) == ["INFY"]
        assert [column.label for column in table_of(screen).columns][-3:] == ["RS", "Stg", "Vcp score"], (
            "a figure the screen names is shown beside the table's"
        )
        assert app.focused is table_of(screen)
        await run_screen(pilot, 'exchange in ("BSE", "nse") and not instrument_type = "index" and change_pct < 0')
        assert shown_symbols(screen) == ["TCS", "ICICIBANK"]
        await run_screen(pilot, "name = \"O'Reilly\" or symbol = 'NONE'")
        assert shown_symbols(screen) == []
        assert count_line(screen) == "0 of 0 matches"
        assert database_errors(app) == []


async def test_matches_sort_filter_and_open_like_the_securities_table(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database, OpeningApp)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screener(pilot)
        await run_screen(pilot, 'instrument_type = "equity"')
        assert shown_symbols(screen) == ["INFY", "TCS", "HDFCBANK", "ICICIBANK", "WIPRO"]
        await pilot.press("s", "S")
        assert shown_symbols(screen) == ["WIPRO", "TCS", "INFY", "ICICIBANK", "HDFCBANK"]
        assert count_line(screen) == "3/5 of 5 matches · by Symbol ▼"
        await pilot.press("slash", *"bank", "enter")
        assert shown_symbols(screen) == ["ICICIBANK", "HDFCBANK"]
        await pilot.press("j", "enter")
        await settle(pilot)
    assert isinstance(app, OpeningApp)
    assert app.requests == [("open_security", seeded["HDFCBANK"], "")]


async def test_w_adds_a_match_to_a_watchlist(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screener(pilot)
        await run_screen(pilot, "rs_rating < 50")
        assert shown_symbols(screen) == ["TCS"]
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, ChooseWatchlistModal)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WatchlistEntryModal)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
    with app_database.engine.connect() as connection:
        added = connection.execute(
            text("select s.symbol, e.added_by from watchlist_entries e join securities s on s.id = e.security_id")
        ).all()
    assert [tuple(row) for row in added] == [("TCS", ANALYST)]


@pytest.mark.parametrize(("typed", "column", "words"), HOSTILE, ids=[str(n) for n in range(len(HOSTILE))])
async def test_hostile_input_is_refused_at_its_column_and_never_reaches_the_database(
    app_database: Database, seeded: dict[str, int], typed: str, column: int, words: str
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screener(pilot)
        await run_screen(pilot, IT_SCREEN)
        await run_screen(pilot, typed)
        problem = problem_line(screen)
        assert f"column {column}: " in problem, problem
        assert words in problem, problem
        field = screen.query_one("#screener-expression", Input)
        caret_at = problem.index("^") if "^" in problem else None
        assert caret_at == field.region.x + column - 1, "the caret stands under the column"
        assert shown_symbols(screen) == ["INFY", "TCS", "WIPRO"], "the last good result stays"
        assert any(message.startswith("Not run:") for message in notifications(app))
        assert database_errors(app) == []
    with app_database.engine.connect() as connection:
        assert connection.execute(text("select count(*) from securities")).scalar_one() == 7


async def test_a_very_long_expression_is_refused_with_the_limit(app_database: Database, seeded: dict[str, int]) -> None:
    long_expression = "rs_rating > 1 and " * 60 + "stage = 2"
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screener(pilot)
        await pilot.press(*long_expression, "enter")
        await settle(pilot)
        field = screen.query_one("#screener-expression", Input)
        assert len(field.value) == 1001, "the input stops one past the limit"
        assert "column 1001: the expression is 1,001 characters long; the limit is 1,000" in problem_line(screen)
        assert table_of(screen).row_count == 0
        assert database_errors(app) == []


async def test_the_check_follows_the_typing(app_database: Database, seeded: dict[str, int]) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screener(pilot)
        await pilot.press(*"rs_rating >=")
        assert "column 13: " in problem_line(screen)
        assert screen.query_one("#screener-problem").has_class("-error")
        await pilot.press(*" 80")
        assert not screen.query_one("#screener-problem").has_class("-error")
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, ScreenColumnsModal)
        await pilot.press("escape")
        assert screen.query_one("#screener-expression", Input).value == "rs_rating >= 80"


async def test_screens_are_saved_by_name_and_opened_again(
    app_database: Database, seeded: dict[str, int], config_file: Path
) -> None:
    app = make_app(app_database)
    app.config = load_config()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screener(pilot)
        await run_screen(pilot, IT_SCREEN)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SaveScreenModal)
        await pilot.press("enter")
        await settle(pilot)
        assert "give the screen a name" in str(app.screen.query_one("#screen-name-error", Static).render())
        await pilot.press(*"IT names", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert count_line(screen).endswith("· IT names")
        await run_screen(pilot, "stage = 4")
        assert shown_symbols(screen) == ["TCS"]
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, OpenScreenModal)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one("#screener-expression", Input).value == IT_SCREEN
        assert shown_symbols(screen) == ["INFY", "TCS", "WIPRO"]
    saved = tomllib.loads(config_file.read_text(encoding="utf-8"))
    assert saved == {"analyst": "asha.rao", "keys": {"app.quit": "ctrl+x"}, "screens": {"IT names": IT_SCREEN}}
    assert config_file.read_text(encoding="utf-8").startswith("# mine\n"), "the analyst's own lines are kept"


def test_saving_screens_rewrites_only_the_screens_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[screens]\nold = "stage = 1"\n\n[keys]\n"app.quit" = "x"\n', encoding="utf-8")
    tricky = {"quotes \"'": 'name = "A\\"B" and symbol = \'C\'', "tab\tname": "stage = 2"}
    config = save_screens(tricky, path)
    assert config.screens == tricky == load_config(path).screens
    assert load_config(path).keys == {"app.quit": "x"}
    assert save_screens({}, tmp_path / "new" / "config.toml").screens == {}
    path.write_text('screens = "not a table"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[screens\] maps names to screener expressions"):
        save_screens({"a": "stage = 2"}, path)
    assert path.read_text(encoding="utf-8") == 'screens = "not a table"\n', "a file it cannot rewrite is left as it was"


def test_the_caret_stays_in_view() -> None:
    check = ExpressionCheck("x", 5, "unknown column 'x'")
    assert caret_line(check, indent=6, scrolled=0, width=80) == "          ^ column 5: unknown column 'x'"
    assert caret_line(check, indent=6, scrolled=10, width=80) == "      ◀ column 5: unknown column 'x'"
    assert caret_line(check, indent=6, scrolled=0, width=30) == "          ^\ncolumn 5: unknown column 'x'"
    assert caret_line(check, indent=6, scrolled=0, width=8) == "       ▶\ncolumn 5: unknown column 'x'"
    assert caret_line(ExpressionCheck("stage = 2"), indent=6, scrolled=0, width=80) == ""


# Snapshots


def _screener_shown(*keys: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_screener(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_matches(
    app_database: Database, seeded: dict[str, int], snap_compare: Any, size: tuple[int, int]
) -> None:
    keys = (*'exchange = "NSE" and (close > 100 or atr_pct > 1)', "enter", "j")
    assert snap_compare(make_app(app_database), terminal_size=size, run_before=_screener_shown(*keys))


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_refused(
    app_database: Database, seeded: dict[str, int], snap_compare: Any, size: tuple[int, int]
) -> None:
    keys = (*"rs_rating >= 80 and", "enter", "e", "ctrl+u", *"rs_rating >= 80 and secto > 1")
    assert snap_compare(make_app(app_database), terminal_size=size, run_before=_screener_shown(*keys))


async def test_e_comes_back_to_refine_the_expression_where_it_ends(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screener(pilot)
        await run_screen(pilot, "rs_rating >= 80")
        assert app.focused is table_of(screen)

        await pilot.press("e", *" and close > 1000", "enter")
        await settle(pilot)

        assert screen.query_one("#screener-expression", Input).value == "rs_rating >= 80 and close > 1000"
        assert shown_symbols(screen) == ["INFY"]


async def test_escape_in_the_expression_goes_down_to_the_matches_and_keeps_it(
    app_database: Database, seeded: dict[str, int]
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screener(pilot)
        await run_screen(pilot, "rs_rating >= 80")
        await pilot.press("e", *" and", "escape")

        assert app.focused is table_of(screen)
        assert screen.query_one("#screener-expression", Input).value == "rs_rating >= 80 and"
        await pilot.press("4")  # a key for the table's screen now, not a character of the expression
        assert screen.query_one("#screener-expression", Input).value == "rs_rating >= 80 and"
