"""The app shell: the command line, help, going back, and remapped keys from config.toml."""

from __future__ import annotations

from textual.widgets import Input, Label

from store.db import Database
from tui.app import WorkstationApp
from tui.config import UserConfig
from tui.modals.command_line import CommandLineModal
from tui.screens.connection import ConnectionScreen
from tui.screens.securities import SecuritiesScreen


async def test_command_line_reports_a_mistake_and_keeps_what_was_typed(app_database: Database) -> None:
    app = WorkstationApp(app_database.target, live=False)
    async with app.run_test() as pilot:
        await pilot.press("colon")
        assert isinstance(app.screen, CommandLineModal)
        await pilot.press(*"GP", "enter")
        assert str(app.screen.query_one("#command-error", Label).render()) == "GP needs a symbol, e.g. INFY GP"
        assert app.screen.query_one("#command", Input).value == "GP"
        await pilot.press("escape")
        assert isinstance(app.screen, SecuritiesScreen)


async def test_command_line_switches_area(app_database: Database) -> None:
    app = WorkstationApp(app_database.target, live=False)
    async with app.run_test() as pilot:
        await pilot.press("colon", *"about", "enter")
        await pilot.pause()
        assert app.current_mode == "about"
        assert isinstance(app.screen, ConnectionScreen)


async def test_help_panel_toggles(app_database: Database) -> None:
    app = WorkstationApp(app_database.target, live=False)
    async with app.run_test() as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        await pilot.press("question_mark")
        await pilot.pause()
        assert not app.screen.query("HelpPanel")


async def test_keys_remapped_in_config_take_effect(app_database: Database) -> None:
    app = WorkstationApp(app_database.target, UserConfig(keys={"app.command": "semicolon"}), live=False)
    async with app.run_test() as pilot:
        await pilot.press("semicolon")
        assert isinstance(app.screen, CommandLineModal)


async def test_number_keys_switch_areas(app_database: Database) -> None:
    app = WorkstationApp(app_database.target, live=False)
    async with app.run_test() as pilot:
        assert app.current_mode == "securities"
        await pilot.press("3")
        await pilot.pause()
        assert app.current_mode == "watchlists"
        await pilot.press("f3")
        await pilot.pause()
        assert app.current_mode == "securities"


async def test_an_unknown_symbol_on_the_command_line_is_a_sentence_not_a_crash(app_database: Database) -> None:
    app = WorkstationApp(app_database.target, live=False)
    async with app.run_test() as pilot:
        await pilot.press("colon", *"NOSUCH", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running
        assert any("NOSUCH" in str(note.message) for note in app._notifications)


async def test_a_change_from_another_writer_reloads_the_screen_once(app_database: Database) -> None:
    from store.changes import Change
    from tui.messages import DataChanged

    app = WorkstationApp(app_database.target, live=False)
    async with app.run_test() as pilot:
        screen = app.screen
        reloads: list[int] = []
        screen.reload = lambda: reloads.append(1)  # type: ignore[method-assign]
        app.post_message(DataChanged(Change(table="securities", op="update", id="1", payload={})))
        await pilot.pause(0.2)
        assert reloads == [1], "a change must reach the screen once, not bounce between screen and app"
