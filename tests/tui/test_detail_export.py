"""`/` filters the security detail's tabs and ctrl+e writes the rows of the shown tab, as they read on screen."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from textual.widgets import Input, TabbedContent

from store.db import Database
from tests.tui.test_security_detail import NOW, make_app, open_detail, seeded, settle, table_rows
from tui.modals.export import ExportModal
from tui.screens.security_detail import SecurityDetailScreen

__all__ = ["seeded"]


async def test_export_writes_the_shown_tab(app_database: Database, seeded: dict[str, int], tmp_path: Path) -> None:
    app = make_app(app_database)
    target = tmp_path / "signals.parquet"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, seeded["INFY"])
        await pilot.press("ctrl+e")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ExportModal)
        assert modal.query_one("#export-path", Input).value == f"~/infy-signals-{NOW.astimezone():%Y%m%d-%H%M}.csv"
        await pilot.press("ctrl+u", *str(target), "enter")
        await settle(pilot)
        assert isinstance(app.screen, SecurityDetailScreen)
        assert app.screen is screen
    written = pl.read_parquet(target)
    assert written.columns == ["Observed", "Signal", "Source", "Score"]
    assert written.rows() == [
        ("2026-11-20 11:00", "rs_new_high", "rs_agent", "91.00"),
        ("2026-11-19 10:15", "vcp_breakout", "screener", "82.50"),
    ]


async def test_slash_filters_the_tabs_and_export_writes_only_the_rows_left(
    app_database: Database, seeded: dict[str, int], tmp_path: Path
) -> None:
    app = make_app(app_database)
    target = tmp_path / "vcp.csv"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, seeded["INFY"])
        assert not screen.query_one("#security-filter-bar").display
        await pilot.press("slash", *"vcp", "enter")
        await settle(pilot)
        assert screen.query_one("#security-filter-bar").display, "the filter stays in sight while it holds text"
        assert table_rows(screen, "signals") == [["2026-11-19 10:15", "vcp_breakout", "screener", "82.50"]]
        tabs = screen.query_one("#security-tabs", TabbedContent)
        assert str(tabs.get_tab("tab-signals").label) == "Signals 1/2"
        await pilot.press("ctrl+e", "ctrl+u", *str(target), "enter")
        await settle(pilot)
        assert app.screen is screen
    assert pl.read_csv(target, infer_schema=False).get_column("Signal").to_list() == ["vcp_breakout"]
