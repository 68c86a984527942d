"""`/` filters the watchlist entries and ctrl+e writes exactly the entries shown, as on the securities table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from store.db import Database
from tests.tui.test_watchlists import NOW, Seeded, make_app, open_watchlists, seeded, settle, shown_symbols
from tui.modals.export import ExportModal

__all__ = ["seeded"]


async def test_filter_then_export_writes_the_shown_entries(
    app_database: Database, seeded: Seeded, tmp_path: Path
) -> None:
    app = make_app(app_database)
    target = tmp_path / "breakouts.csv"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_watchlists(pilot)
        filter_line = screen.query_one("#watchlists-filter-bar")
        assert not filter_line.display, "no filter line until / is pressed"
        await pilot.press("slash", *"re")
        await settle(pilot)
        assert filter_line.display
        assert shown_symbols(screen) == ["RELIANCE", "INFY"], "symbol, name or thesis contains 're'"
        await pilot.press("enter", "s")
        assert shown_symbols(screen) == ["INFY", "RELIANCE"], "keys go back to the table; s sorts by symbol"
        await pilot.press("ctrl+e")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ExportModal)
        assert (
            modal.query_one("#export-path", Input).value == f"~/watchlist-breakouts-{NOW.astimezone():%Y%m%d-%H%M}.csv"
        )
        await pilot.press("ctrl+u", *str(target), "enter")
        await settle(pilot)
        assert app.screen is screen
        assert any(f"2 rows written to {target}" in str(note.message) for note in app._notifications)
    written = pl.read_csv(target, infer_schema=False)
    assert written.get_column("symbol").to_list() == ["INFY", "RELIANCE"]
    infy = written.row(0, named=True)
    assert (infy["watchlist"], infy["trigger_type"], Decimal(infy["trigger_value"])) == (
        "Breakouts",
        "price_above",
        Decimal("1600"),
    )
    assert infy["thesis"] == "Base breakout above 1,600\nvolume confirms", "the whole thesis, not its first line"
    assert dt.date.fromisoformat(infy["expiry_date"]) == dt.date(2026, 12, 31)


async def test_clearing_the_filter_shows_every_entry_and_hides_the_line(app_database: Database, seeded: Seeded) -> None:
    app = make_app(app_database)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_watchlists(pilot)
        await pilot.press("slash", *"zzz")
        await settle(pilot)
        assert shown_symbols(screen) == []
        assert "0 of 4 entries" in str(screen.query_one("#watchlists-heading").render())
        await pilot.press("ctrl+u", "escape")
        await settle(pilot)
        assert shown_symbols(screen) == ["RELIANCE", "INFY", "TCS", "HDFCBANK"]
        assert not screen.query_one("#watchlists-filter-bar").display


SNAPSHOT_SIZES = {"wide": (120, 40), "narrow": (80, 24)}


@pytest.mark.parametrize("size", SNAPSHOT_SIZES.values(), ids=SNAPSHOT_SIZES.keys())
def test_snapshot_filtered_entries(
    app_database: Database, seeded: Seeded, snap_compare: Callable[..., bool], size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_watchlists(pilot)
        await pilot.press("slash", *"re", "enter")
        await settle(pilot)

    assert snap_compare(make_app(app_database), terminal_size=size, run_before=run_before)
