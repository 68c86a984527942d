"""The Audit log area: every change and decision newest first, the selected one field by field, undo by key.

A page is shown as soon as it is read; how many entries match is counted after it, by a second worker (a text
search counts up to data.COUNT_AT_MOST). Text search finds whole words or their start, in any field:
"INFY" finds INFY.NS, "watchl" finds watchlist_entries, but a piece from inside a word ("list", "NS") is not
found (store.repositories.audit_search.search_condition).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static

from store.errors import UndoRefused
from store.records.audit import AuditEntry, AuditPage
from store.repositories.audit import AUDITED_TABLES
from tui.modals.confirm import ConfirmModal
from tui.screens.audit_log.data import (
    PAGE_SIZE,
    AuditFilter,
    EntityTarget,
    EntryDetail,
    MatchCount,
    count_matches,
    entity_target,
    form_from_filter,
    read_detail,
    read_page,
    undo_entry,
)
from tui.screens.audit_log.detail import render_detail
from tui.screens.audit_log.messages import (
    AuditDetailRead,
    AuditPageRead,
    ChangeUndone,
    EntityFound,
    MatchesCounted,
    UndoWasRefused,
)
from tui.screens.audit_log.modals import AuditFilterModal, FilterChosen
from tui.screens.base import AreaScreen, app_now
from tui.widgets.frame_table import FrameColumn, FrameTable, plain

AUDIT_COLUMNS = (
    FrameColumn("time", "Time (UTC)", 19),
    FrameColumn("actor", "Actor", 12, min_width=8),
    FrameColumn("action", "Action", 11, min_width=6),
    FrameColumn("entity", "Entity", 24, min_width=10),
    FrameColumn("summary", "Summary", 30, grow=True, min_width=18),
    FrameColumn("id", "#", 6, "right", plain, min_width=4),
)


class AuditLogScreen(AreaScreen):
    """Time, actor, action, entity and summary of each entry, a page at a time; the detail follows the cursor."""

    CSS_PATH = Path(__file__).parent / "audit_log.tcss"
    SUB_TITLE = "Audit log"
    AUTO_FOCUS = "#audit-table"
    # The audited tables announce their changes; audit_log itself is not on the feed, but every change is.
    WATCHED_TABLES = frozenset(AUDITED_TABLES)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "undo", "Undo", tooltip="Undo the selected change with a compensating one", id="audit-log.undo"),
        Binding(
            "f", "filter", "Filter", tooltip="Filter by actor, entity type, time range and text", id="audit-log.filter"
        ),
        Binding(
            "slash",
            "filter('text')",
            "Search",
            tooltip="Search the entries' words (whole words or their start)",
            id="audit-log.search",
        ),
        Binding(
            "F", "clear_filter", "Clear filter", show=False, tooltip="Show every entry", id="audit-log.clear-filter"
        ),
        Binding(
            "right_square_bracket",
            "page(1)",
            "Older",
            tooltip="The next page of older entries",
            id="audit-log.older",
        ),
        Binding(
            "left_square_bracket",
            "page(-1)",
            "Newer",
            show=False,
            tooltip="The previous page of newer entries",
            id="audit-log.newer",
        ),
        Binding("r", "refresh", "Refresh", tooltip="Read the log again", id="audit-log.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(id="audit-log")
        self.wanted = AuditFilter()
        # The entry each page visited starts after (None: the newest); the last is the page shown.
        self.page_starts: list[int | None] = [None]
        self.page: AuditPage | None = None
        self.total: MatchCount | None = None
        self.entries: dict[int, AuditEntry] = {}
        self.detail: EntryDetail | None = None
        # Why an undo was refused, by entry: shown in the detail pane until the log is read again.
        self.refusals: dict[int, str] = {}
        self._request = 0
        self._shown_page: tuple[AuditFilter, int | None] | None = None  # the filter and start of the page shown
        # A count belongs to the filter and the log as they were when it started: reload() without `recount`
        # (a page turn) keeps it, any other reload starts a new one.
        self._count_request = 0
        self._counting: int | None = None
        self._keep_entry_id: int | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="audit-bar"):
            yield Static("", id="audit-filter")
            yield Static("reading…", id="audit-count")
        yield FrameTable(AUDIT_COLUMNS, row_key="id", empty_text="Reading the audit log…", id="audit-table")
        yield Static("", id="audit-detail")

    def on_mount(self) -> None:
        self._show_filter()
        self.reload()

    @property
    def page_offset(self) -> int:
        """How many newer entries the pages before this one showed."""
        return (len(self.page_starts) - 1) * PAGE_SIZE

    @property
    def table(self) -> FrameTable:
        return self.query_one("#audit-table", FrameTable)

    def selected_entry(self) -> AuditEntry | None:
        row = self.table.cursor_data()
        return None if row is None else self.entries.get(row["id"])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo":
            return self.selected_entry() is not None or None
        if action == "page":
            step = parameters[0] if parameters else 1
            if self.page is None:
                return None
            return (self.page.has_more if step == 1 else len(self.page_starts) > 1) or None
        return True

    # Reading

    def reload(self, *, recount: bool = True) -> None:
        self._request += 1
        if recount:
            self._count_request += 1
            self.total = None
        self._read(self._request, self.wanted, self.page_starts[-1])

    @on(events.ScreenResume)
    def reload_on_resume(self) -> None:
        """Back from another area: changes were made meanwhile."""
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit-log-read")
    def _read(self, request: int, wanted: AuditFilter, before_id: int | None) -> None:
        self.post_message(AuditPageRead(request, read_page(wanted, before_id)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit-log-count")
    def _count(self, count_request: int, wanted: AuditFilter) -> None:
        self.post_message(MatchesCounted(count_request, count_matches(wanted)))

    @on(AuditPageRead)
    def show_page(self, message: AuditPageRead) -> None:
        if message.request != self._request:
            return
        page = message.view.page
        self.page = page
        self.entries = {entry.id: entry for entry in page.entries}
        if not page.has_more and (page.entries or self.page_offset == 0):
            self.total = MatchCount(self.page_offset + len(page.entries))
        elif self.total is None and self._counting != self._count_request:
            self._counting = self._count_request
            self._count(self._count_request, self.wanted)
        table = self.table
        table.empty_text = (
            "No entry matches the filter: F shows every entry" if not self.wanted.is_empty else "No entries yet"
        )
        # Entries that another writer's change brought onto the page shown before are marked "changed by …".
        shown = (self.wanted, self.page_starts[-1])
        changed_by = self.take_change_actors() if shown == self._shown_page else None
        self._shown_page = shown
        table.set_frame(message.view.frame, changed_by=changed_by)
        if self._keep_entry_id is not None:
            ids = message.view.frame.get_column("id").to_list()
            table.move_cursor(ids.index(self._keep_entry_id) if self._keep_entry_id in ids else 0)
            self._keep_entry_id = None
        self._show_count()
        self._read_selected()
        self.refresh_bindings()

    @on(MatchesCounted)
    def show_total(self, message: MatchesCounted) -> None:
        if message.request == self._count_request:
            self.total = message.total
            self._show_count()

    def _show_filter(self) -> None:
        described = self.wanted.describe()
        line = Text(described) if described else Text("every entry", style="dim")
        line.append("  f filter · / search" + (" · F clear" if described else ""), style="dim")
        self.query_one("#audit-filter", Static).update(line)

    def _show_count(self) -> None:
        page = self.page
        if page is None:
            return
        if not page.entries:
            shown = "0 entries"
        else:
            first, last = self.page_offset + 1, self.page_offset + len(page.entries)
            cursor = self.page_offset + self.table.cursor_row + 1
            total = "…" if self.total is None else self.total.shown()
            shown = f"{cursor:,} · {first:,}–{last:,} of {total}"
        self.query_one("#audit-count", Static).update(shown)

    @on(FrameTable.CursorMoved, "#audit-table")
    def follow_cursor(self) -> None:
        self._show_count()
        self._read_selected()
        self.refresh_bindings()

    def _read_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.detail = None
            self.query_one("#audit-detail", Static).update(Text("No entry selected.", style="dim italic"))
            return
        self._read_detail(entry.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit-log-detail")
    def _read_detail(self, entry_id: int) -> None:
        self.post_message(AuditDetailRead(read_detail(entry_id)))

    @on(AuditDetailRead)
    def show_detail(self, message: AuditDetailRead) -> None:
        selected = self.selected_entry()
        if selected is None or selected.id != message.detail.entry.id:
            return
        self.detail = message.detail
        self._render_detail()

    def _render_detail(self) -> None:
        if self.detail is not None:
            refusal = self.refusals.get(self.detail.entry.id)
            self.query_one("#audit-detail", Static).update(render_detail(self.detail, refusal))

    # Filtering and paging

    def action_filter(self, focus: str = "actor") -> None:
        modal = AuditFilterModal(form_from_filter(self.wanted), app_now(self.app), focus=focus)
        self.app.push_screen(modal, self.apply_filter)

    def apply_filter(self, chosen: FilterChosen | None) -> None:
        if chosen is not None:
            self.wanted = chosen.wanted
            self.page_starts = [None]
            self._show_filter()
            self.reload()

    def action_clear_filter(self) -> None:
        self.apply_filter(FilterChosen(AuditFilter()))

    def action_page(self, step: int) -> None:
        if self.page is None:
            return
        if step > 0 and self.page.has_more and self.page.entries:
            self.page_starts.append(self.page.entries[-1].id)
        elif step < 0 and len(self.page_starts) > 1:
            self.page_starts.pop()
        else:
            return
        self.reload(recount=False)

    def action_refresh(self) -> None:
        self.reload()

    # Undo

    def action_undo(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        modal = ConfirmModal(
            f"Undo #{entry.id} by {entry.actor}?",
            f"{entry.summary}\nThe undo is a new, compensating change, itself in the audit log.",
            confirm_label="Undo",
        )
        self.app.push_screen(modal, partial(self._undo_if_confirmed, entry.id))

    def _undo_if_confirmed(self, entry_id: int, confirmed: bool | None) -> None:
        if confirmed:
            self._undo(entry_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit-log-undo")
    def _undo(self, entry_id: int) -> None:
        try:
            undo = undo_entry(entry_id)
        except UndoRefused as refused:
            self.post_message(UndoWasRefused(entry_id, str(refused)))
        else:
            self.post_message(ChangeUndone(entry_id, undo))

    @on(ChangeUndone)
    def show_undone(self, message: ChangeUndone) -> None:
        self.notify(f"#{message.undone_id} undone by #{message.undo.id}: {message.undo.summary}", title="Undo")
        self.refusals.pop(message.undone_id, None)
        self._keep_entry_id = message.undo.id
        self.page_starts = [None]
        self.reload()

    @on(UndoWasRefused)
    def show_undo_refused(self, message: UndoWasRefused) -> None:
        self.notify(message.reason, title=f"#{message.entry_id} not undone", severity="warning", timeout=10)
        self.refusals[message.entry_id] = message.reason
        self._render_detail()

    # Jumping to the entity

    @on(FrameTable.RowChosen, "#audit-table")
    def jump_to_entity(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self._find_entity(entry)

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit-log-entity")
    def _find_entity(self, entry: AuditEntry) -> None:
        self.post_message(EntityFound(entity_target(entry)))

    @on(EntityFound)
    async def go_to_entity(self, message: EntityFound) -> None:
        target = message.target
        if target.kind == "security" and target.security_id is not None:
            open_detail: Callable[[int], None] = self.app.open_security  # type: ignore[attr-defined]
            open_detail(target.security_id)
        elif target.kind == "queue-item" and target.row_id is not None:
            await self._show_queue_item(target)
        elif target.kind == "watchlist" and target.row_id is not None:
            from tui.screens.watchlists import WatchlistsScreen

            await self.app.switch_mode("watchlists")
            screen = self.app.screen
            if isinstance(screen, WatchlistsScreen):
                screen.show_list(target.row_id)
        else:
            self.notify(target.explanation or "nothing to open", title="Nothing to open", severity="warning")

    async def _show_queue_item(self, target: EntityTarget) -> None:
        from tui.screens.research_queue import ResearchQueueScreen

        await self.app.switch_mode("research-queue")
        screen = self.app.screen
        if isinstance(screen, ResearchQueueScreen) and target.row_id is not None:
            screen.show_item(target.row_id, target.status or "all")
