"""The first screen tells the analyst which database this is, its schema revision and what it holds."""

from __future__ import annotations

from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from store.db import Database
from tui.app import WorkstationApp
from tui.widgets.status_line import StatusLine


async def test_shows_target_revision_and_table_counts(app_database: Database) -> None:
    with app_database.engine.begin() as connection:
        connection.execute(
            text(
                "insert into securities (symbol, exchange, instrument_type, name)"
                " values ('INFY', 'NSE', 'equity', 'Infosys')"
            )
        )
        head = connection.execute(text("select version_num from alembic_version")).scalar_one()
    app = WorkstationApp(app_database.target, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f12")
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


async def wait_for_status(pilot: Pilot[None], app: WorkstationApp, expected: str) -> str:
    """The status line once it shows `expected` (the status worker runs on its own clock)."""
    for _ in range(100):
        line = str(app.screen.query_one(StatusLine).render())
        if expected in line:
            return line
        await pilot.pause(0.05)
    raise AssertionError(f"the status line never showed {expected!r}: {line!r}")


async def test_q_quits_promptly_even_with_live_workers(app_database: Database) -> None:
    app = WorkstationApp(app_database.target)
    async with app.run_test() as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_status_line_shows_connection_freshness_and_latest_data(app_database: Database) -> None:
    with app_database.engine.begin() as connection:
        security_id = connection.execute(
            text(
                "insert into securities (symbol, exchange, instrument_type, name)"
                " values ('TCS', 'NSE', 'equity', 'TCS') returning id"
            )
        ).scalar_one()
        connection.execute(text("select ensure_ohlcv_partitions('ohlcv_daily', '2025-03-03', '2025-03-03')"))
        connection.execute(
            text(
                "insert into ohlcv_daily (security_id, trade_date, open, high, low, close, volume)"
                " values (:s, '2025-03-03', 10, 11, 9, 10.5, 100)"
            ),
            {"s": security_id},
        )
        connection.execute(
            text(
                "insert into ingestion_logs (source, status, started_at, finished_at)"
                " values ('prices:bhavcopy', 'success', now() - interval '3 hours', now() - interval '3 hours')"
            )
        )
    app = WorkstationApp(app_database.target)
    async with app.run_test(size=(140, 30)) as pilot:
        line = await wait_for_status(pilot, app, "● connected")
    assert "● connected" in line
    assert app_database.target.display in line
    assert "data to 2025-03-03" in line
    assert "prices:bhavcopy 3 h ✓" in line
