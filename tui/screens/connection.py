"""About / connection: which database, which server, which schema revision, and what it holds."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

import store
from store.records import DatabaseOverview
from tui.messages import OverviewLoaded
from tui.screens.base import AreaScreen

if TYPE_CHECKING:
    from store.db import DatabaseTarget


class ConnectionScreen(AreaScreen):
    """What is true of the connection now; reachable as ABOUT."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", tooltip="Read the counts again", id="connection.refresh"),
    ]

    def __init__(self, target: DatabaseTarget) -> None:
        super().__init__(id="connection")
        self.target = target

    def compose_body(self) -> ComposeResult:
        with Vertical(id="connection-facts"):
            yield Static(f"[b]Database[/b]  {self.target.display}", id="connection-database", markup=True)
            yield Static("[b]Server[/b]    reading…", id="connection-server", markup=True)
            yield Static("[b]Schema[/b]    reading…", id="connection-schema", markup=True)
        yield DataTable(id="table-counts", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#table-counts", DataTable)
        table.add_column("Table", key="table", width=28)
        table.add_column(Text("Rows", justify="right"), key="rows", width=14)
        table.add_column(Text("Size", justify="right"), key="size", width=10)
        table.add_column(Text("Partitions", justify="right"), key="partitions", width=10)
        self.load_overview()

    def action_refresh(self) -> None:
        self.load_overview()

    def reload(self) -> None:
        self.load_overview()

    @work(thread=True, exclusive=True, exit_on_error=False, group="overview")
    def load_overview(self) -> None:
        with store.unit_of_work(read_only=True) as uow:
            overview = uow.catalog.overview()
        self.post_message(OverviewLoaded(overview))

    @on(OverviewLoaded)
    def show_overview(self, message: OverviewLoaded) -> None:
        overview: DatabaseOverview = message.overview
        self.query_one("#connection-server", Static).update(
            f"[b]Server[/b]    PostgreSQL {overview.server_version} · database {overview.database} · "
            f"user {overview.user}"
        )
        state = "current" if overview.revision == overview.expected_revision else "NOT current"
        self.query_one("#connection-schema", Static).update(
            f"[b]Schema[/b]    revision {overview.revision} (this version expects "
            f"{overview.expected_revision}: {state})"
        )
        table = self.query_one("#table-counts", DataTable)
        table.clear()
        for count in overview.tables:
            rows = f"{count.rows:,}" if count.exact else f"≈{count.rows:,}"
            partitions = str(count.partitions) if count.partitions else ""
            table.add_row(
                count.table,
                Text(rows, justify="right"),
                Text(human_size(count.size_bytes), justify="right"),
                Text(partitions, justify="right"),
                key=count.table,
            )


def human_size(size_bytes: int) -> str:
    """1536 → '1.5 kB': sizes as people read them."""
    size = float(size_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"
