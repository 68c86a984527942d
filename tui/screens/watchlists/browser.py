"""Browsing watchlists: the lists as tabs, the shown list's entries by distance to their trigger, the detail."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static, Tab, Tabs

from store.records.watchlists import WatchlistEntryView, WatchlistSummary
from tui.screens.base import AreaScreen, app_now
from tui.screens.watchlists.data import read_watchlists
from tui.screens.watchlists.export import filter_entries
from tui.screens.watchlists.messages import WatchlistsRead
from tui.screens.watchlists.rows import (
    SORTS,
    count_of,
    entry_cells,
    entry_detail,
    marked_cells,
    shown_columns,
    sorted_entries,
    thesis_width,
)
from tui.widgets.filter_input import FilterInput
from tui.widgets.frame_table import CHANGED_SECONDS

_CURSOR_MOVES = {
    "down": "action_cursor_down",
    "up": "action_cursor_up",
    "first": "action_scroll_top",
    "last": "action_scroll_bottom",
    "page-down": "action_page_down",
    "page-up": "action_page_up",
}


class WatchlistsBrowser(AreaScreen):
    """What the Watchlists area shows and how the analyst moves around it; WatchlistsScreen adds the edits."""

    CSS_PATH = Path(__file__).parents[2] / "styles" / "watchlists.tcss"
    SUB_TITLE = "Watchlists"
    WATCHED_TABLES = frozenset({"watchlists", "watchlist_entries", "ohlcv_daily"})

    def __init__(self) -> None:
        super().__init__(id="watchlists")
        self.lists: list[WatchlistSummary] = []
        self.entries: list[WatchlistEntryView] = []
        self.current_watchlist_id: uuid.UUID | None = None
        self.sort = SORTS[0]
        self._request = 0
        self._keep_entry_id: uuid.UUID | None = None
        self._thesis_width = -1
        # Entries another writer changed (id → "changed by …"), marked until the timer clears them.
        self._changed: dict[uuid.UUID, str] = {}
        self._unmark_timer: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield Tabs(id="watchlists-tabs")
        yield Static(id="watchlists-heading")
        with Horizontal(id="watchlists-filter-bar"):
            yield Static("Filter", id="watchlists-filter-label")
            yield FilterInput(
                table_selector="#watchlists-entries",
                placeholder="symbol, name or thesis",
                id="watchlists-filter",
            )
        yield DataTable(id="watchlists-entries", cursor_type="row", zebra_stripes=True)
        yield Static(id="watchlists-detail")

    @property
    def current_list(self) -> WatchlistSummary | None:
        return next((summary for summary in self.lists if summary.id == self.current_watchlist_id), None)

    @property
    def filter_text(self) -> str:
        return self.query_one("#watchlists-filter", FilterInput).value

    def shown_entries(self) -> list[WatchlistEntryView]:
        """The entries of the shown list that pass the typed filter, in the table's order."""
        return sorted_entries(filter_entries(self.entries, self.filter_text), self.sort)

    def now(self) -> dt.datetime:
        return app_now(self.app)

    def show_list(self, watchlist_id: uuid.UUID, *, entry_id: uuid.UUID | None = None) -> None:
        """Read and show a list (another area sends the analyst here), the cursor on `entry_id` when given."""
        self.current_watchlist_id = watchlist_id
        self._keep_entry_id = entry_id
        self.reload()

    def reload(self) -> None:
        self._keep_entry_id = self._keep_entry_id or self._cursor_entry_id()
        self._request += 1
        config = getattr(self.app, "config", None)
        default_name = getattr(config, "default_watchlist", None) if self.current_watchlist_id is None else None
        self._read(self._request, self.current_watchlist_id, default_name)

    @on(events.ScreenResume)
    def reload_on_resume(self) -> None:
        """Back from a modal or another area: what is shown may have changed meanwhile."""
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="watchlists-read")
    def _read(self, request: int, wanted_id: uuid.UUID | None, wanted_name: str | None) -> None:
        self.post_message(WatchlistsRead(request, read_watchlists(wanted_id, wanted_name)))

    @on(WatchlistsRead)
    async def show_watchlists(self, message: WatchlistsRead) -> None:
        if message.request != self._request:
            return
        changed_by = self.take_change_actors()
        before = {entry.id: entry for entry in self.entries}
        shown_list = self.current_watchlist_id
        self.lists, self.entries = message.view.lists, message.view.entries
        current = message.view.current
        self.current_watchlist_id = current.id if current is not None else None
        if changed_by is not None and self.current_watchlist_id == shown_list:
            self._mark_changed([entry.id for entry in self.entries if before.get(entry.id) != entry], changed_by)
        await self._show_tabs()
        self._show_heading()
        self._show_entries()
        self.refresh_bindings()
        if self.focused is None:
            self.query_one(DataTable).focus()

    async def _show_tabs(self) -> None:
        tabs = self.query_one("#watchlists-tabs", Tabs)
        wanted = [(_tab_id(summary.id), _tab_label(summary)) for summary in self.lists]
        if [tab.id for tab in tabs.query(Tab)] != [tab_id for tab_id, _ in wanted]:
            await tabs.clear()
            for tab_id, label in wanted:
                await tabs.add_tab(Tab(label, id=tab_id))
        else:
            for tab_id, label in wanted:
                tabs.query_one(f"#{tab_id}", Tab).label = label
        if self.current_watchlist_id is not None:
            tabs.active = _tab_id(self.current_watchlist_id)

    def _show_heading(self) -> None:
        current = self.current_list
        heading = Text()
        if current is None:
            heading.append("No watchlists yet: n creates one.", style="italic")
        else:
            heading.append(current.name, style="bold")
            triggered = f", {current.triggered_count} triggered" if current.triggered_count else ""
            shown = len(filter_entries(self.entries, self.filter_text))
            matching = f"{shown} of " if shown != len(self.entries) else ""
            count = count_of(len(self.entries), "entry", "entries")
            heading.append(f"  ·  {matching}{count}{triggered}  ·  by {self.sort}")
            if current.description:
                heading.append(f"  ·  {current.description}", style="dim")
        self.query_one("#watchlists-heading", Static).update(heading)

    def _show_entries(self) -> None:
        table = self.query_one("#watchlists-entries", DataTable)
        keep = self._keep_entry_id or self._cursor_entry_id()
        self._keep_entry_id = None
        self._thesis_width = thesis_width(table.size.width or self.app.size.width)
        columns = shown_columns(self._thesis_width)
        table.clear(columns=True)
        for column in columns:
            table.add_column(Text(column.label, justify=column.justify), key=column.key, width=column.width)  # type: ignore[arg-type]
        now, accent = self.now(), self.accent()
        ordered = self.shown_entries()
        warning = self.app.current_theme.warning or "yellow"
        for entry in ordered:
            cells = entry_cells(entry, now, columns, accent)
            if entry.id in self._changed:
                cells = marked_cells(cells, columns, self._changed[entry.id], warning)
            table.add_row(*cells, key=str(entry.id))
        if ordered:
            table.move_cursor(row=next((i for i, entry in enumerate(ordered) if entry.id == keep), 0))
        self._show_detail()

    def _mark_changed(self, entry_ids: list[uuid.UUID], changed_by: str) -> None:
        if not entry_ids:
            return
        self._changed.update(dict.fromkeys(entry_ids, f" changed by {changed_by} "))
        if self._unmark_timer is not None:
            self._unmark_timer.stop()
        self._unmark_timer = self.set_timer(CHANGED_SECONDS, self._unmark)

    def _unmark(self) -> None:
        self._changed.clear()
        self._unmark_timer = None
        self._show_entries()

    def _show_detail(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            detail = entry_detail(entry, self.accent())
        elif self.current_list is not None and self.entries:
            detail = Text("No entry matches the filter.", style="italic")
        elif self.current_list is not None:
            detail = Text("No entries on this list: a adds one.", style="italic")
        else:
            detail = Text("")
        self.query_one("#watchlists-detail", Static).update(detail)

    def accent(self) -> str:
        return self.app.theme_variables.get("warning", "yellow")

    def selected_entry(self) -> WatchlistEntryView | None:
        entry_id = self._cursor_entry_id()
        return next((entry for entry in self.entries if entry.id == entry_id), None)

    def _cursor_entry_id(self) -> uuid.UUID | None:
        table = self.query_one("#watchlists-entries", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return uuid.UUID(key) if key else None

    def list_name(self, watchlist_id: uuid.UUID) -> str:
        return next((summary.name for summary in self.lists if summary.id == watchlist_id), "another list")

    def today(self) -> dt.date:
        return self.now().date()

    @on(DataTable.RowHighlighted, "#watchlists-entries")
    def show_highlighted(self) -> None:
        self._show_detail()

    @on(Tabs.TabActivated, "#watchlists-tabs")
    def switch_to_tab(self, event: Tabs.TabActivated) -> None:
        # Rebuilding the tabs activates each in turn; only the tab active now counts.
        if event.tab is None or event.tab.id != event.tabs.active or not event.tab.id:
            return
        wanted = uuid.UUID(hex=event.tab.id.removeprefix("list-"))
        if wanted != self.current_watchlist_id:
            self.current_watchlist_id = wanted
            self.reload()

    @on(events.Resize)
    def fit_thesis_column(self, event: events.Resize) -> None:
        table = self.query_one("#watchlists-entries", DataTable)
        if thesis_width(table.size.width or event.size.width) != self._thesis_width:
            self._show_entries()

    # The filter: shown while it is in use or has text, so a list without one keeps its room.

    def action_filter(self) -> None:
        self.query_one("#watchlists-filter-bar").add_class("-shown")
        self.query_one("#watchlists-filter", FilterInput).focus()

    @on(Input.Changed, "#watchlists-filter")
    def filter_as_typed(self) -> None:
        self._show_heading()
        self._show_entries()

    @on(Input.Submitted, "#watchlists-filter")
    def leave_filter(self) -> None:
        self.query_one("#watchlists-entries", DataTable).focus()

    @on(events.DescendantBlur, "#watchlists-filter")
    def hide_empty_filter(self) -> None:
        typed = self.query_one("#watchlists-filter", FilterInput).value
        self.query_one("#watchlists-filter-bar").set_class(bool(typed), "-shown")

    # Moving around

    def action_cursor(self, move: str) -> None:
        getattr(self.query_one("#watchlists-entries", DataTable), _CURSOR_MOVES[move])()

    def action_switch_list(self, step: int) -> None:
        ids = [summary.id for summary in self.lists]
        if not ids:
            return
        index = ids.index(self.current_watchlist_id) if self.current_watchlist_id in ids else 0
        self.current_watchlist_id = ids[(index + step) % len(ids)]
        self.reload()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._show_heading()
        self._show_entries()

    def action_refresh(self) -> None:
        self.reload()


def _tab_id(watchlist_id: uuid.UUID) -> str:
    return f"list-{watchlist_id.hex}"


def _tab_label(summary: WatchlistSummary) -> Text:
    label = Text(summary.name)
    label.append(f" {summary.entry_count}", style="dim")
    if summary.triggered_count:
        label.append(f" ▲{summary.triggered_count}", style="bold")
    return label
