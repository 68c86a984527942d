"""The ctrl+p command palette lists every area's keys and the mnemonics; picking one runs it, switching area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from store.db import Database
from tests.tui.test_watchlists import ANALYST, Seeded, make_app, row, seeded, settle
from tui.modals.choose_watchlist import WatchlistNameModal
from tui.screens.securities import SecuritiesScreen
from tui.screens.security_detail import SecurityDetailScreen
from tui.screens.watchlists import WatchlistsScreen

__all__ = ["seeded"]


async def start_on_securities(pilot: Pilot[Any]) -> SecuritiesScreen:
    """The palette is opened from the Securities area (whichever area the app opens on)."""
    await pilot.app.switch_mode("securities")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SecuritiesScreen)
    return screen


async def palette_offers(pilot: Pilot[Any], typed: str) -> list[str]:
    """Open the palette, type, and return the commands offered once the search has run, best first."""
    await pilot.press("ctrl+p")
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*typed)
    commands = pilot.app.screen.query_one(CommandList)
    for _ in range(200):
        await pilot.pause()
        if commands.option_count and not commands.has_class("--populating"):
            break
    return [str(commands.get_option_at_index(index).prompt).split("\n")[0] for index in range(commands.option_count)]


async def test_picking_another_areas_command_switches_there_and_runs_it(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_on_securities(pilot)
        offered = await palette_offers(pilot, "new list")
        assert offered[0].startswith("Watchlists: New list"), offered
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "watchlists"
        assert isinstance(app.screen, WatchlistNameModal)
        await pilot.press(*"Momentum", "enter")
        await settle(pilot)
        assert isinstance(app.screen, WatchlistsScreen)
        assert app.screen.current_list is not None
        assert app.screen.current_list.name == "Momentum"
    created = row(app_database, "select owner from watchlists where name = 'Momentum'")
    assert created["owner"] == ANALYST


async def test_the_palette_lists_the_keys_of_every_area_and_the_mnemonics(
    app_database: Database, seeded: Seeded
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_on_securities(pilot)
        offered = await palette_offers(pilot, "")
        for expected in ("Securities: Export", "Securities: Sort", "Watchlists: Undo", "WL: watchlists"):
            assert any(prompt.startswith(expected) for prompt in offered), (expected, offered)
        assert not any("palette" in prompt for prompt in offered), "the palette does not list itself"


async def test_a_command_line_command_typed_in_the_palette_runs(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_on_securities(pilot)
        offered = await palette_offers(pilot, "tcs des")
        assert offered[0] == "TCS DES: security detail"
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SecurityDetailScreen)
        assert screen.security_id == seeded.securities["TCS"]


async def test_opening_a_security_from_its_detail_switches_in_place(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        area = await start_on_securities(pilot)
        await pilot.press("colon", *"INFY", "enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, SecurityDetailScreen)
        depth = len(app.screen_stack)
        await pilot.press("colon", *"TCS GP", "enter")
        await settle(pilot)
        assert app.screen is detail, "the same screen shows the other security"
        assert len(app.screen_stack) == depth
        assert detail.security_id == seeded.securities["TCS"]
        assert detail.sub_title == "TCS · NSE"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is area, "one escape goes back to the area"


SNAPSHOT_SIZES = {"wide": (120, 40), "narrow": (80, 24)}


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_palette(
    app_database: Database, seeded: Seeded, snap_compare: Callable[..., bool], size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await start_on_securities(pilot)
        await palette_offers(pilot, "new list")

    assert snap_compare(make_app(app_database), terminal_size=size, run_before=run_before)


async def test_from_a_pushed_detail_the_palette_still_offers_its_areas_keys(
    app_database: Database, seeded: Seeded
) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        area = await start_on_securities(pilot)
        await pilot.press("colon", *"INFY", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SecurityDetailScreen)
        offered = await palette_offers(pilot, "facets")
        assert "Securities: Facets" in offered, offered
        await pilot.press("escape")
        await pilot.pause()
        offered = await palette_offers(pilot, "chart")
        assert any(prompt.startswith("INFY · NSE: ") for prompt in offered), "the detail's own keys come first"
        assert area.is_mounted
