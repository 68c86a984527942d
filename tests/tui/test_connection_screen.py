"""The first screen tells the analyst which database this is, its schema revision and what it holds."""

from __future__ import annotations

from sqlalchemy import text
from textual.widgets import DataTable, Static

from store.db import Database
from tui.app import WorkstationApp


async def test_shows_target_revision_and_table_counts(app_database: Database) -> None:
    with app_database.engine.begin() as connection:
        connection.execute(
            text(
                "insert into securities (symbol, exchange, instrument_type, name)"
                " values ('INFY', 'NSE', 'equity', 'Infosys')"
            )
        )
        head = connection.execute(text("select version_num from alembic_version")).scalar_one()
    app = WorkstationApp(app_database.target)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert app_database.target.display in str(screen.query_one("#connection-database", Static).render())
        schema_line = str(screen.query_one("#connection-schema", Static).render())
        assert f"revision {head}" in schema_line
        assert "(this version expects" in schema_line
        assert "NOT current" not in schema_line
        table = screen.query_one("#table-counts", DataTable)
        counts = {str(table.get_row(key)[0]): str(table.get_row(key)[1]) for key in table.rows}
        assert counts["securities"] == "1"
        assert counts["watchlists"] == "0"
        assert "alembic_version" not in counts
        assert not any(name.startswith("ohlcv_daily_") for name in counts), "partitions are listed as tables"


async def test_q_quits(app_database: Database) -> None:
    app = WorkstationApp(app_database.target)
    async with app.run_test() as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
