"""The Research queue area: the items a status filter picks, most urgent first, acted on one key at a time."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from store.errors import EditConflict, InvalidInput
from store.records.research_queue import QueueItem
from store.repositories.research_queue import OPEN_STATUSES
from tui.modals import FormOutcome
from tui.screens.base import AreaScreen, app_now
from tui.screens.research_queue.data import (
    OPEN_FILTER,
    STATUS_FILTERS,
    QueueForm,
    QueueWrite,
    QueueWriteKind,
    add_item,
    apply_write,
    describe_write,
    edit_item,
    form_from_item,
    read_queue,
    reject_item,
    shown_score,
    stepped_score,
)
from tui.screens.research_queue.messages import QueueRead, QueueWriteRefused, QueueWritten
from tui.screens.research_queue.modals import QueueItemModal, RejectModal
from tui.widgets.frame_table import FrameColumn, FrameTable, fixed, plain

QUEUE_COLUMNS = (
    FrameColumn("symbol", "Symbol", 10, min_width=8),
    FrameColumn("security_name", "Name", 24, grow=True, min_width=10),
    FrameColumn("score", "Score", 7, "right", fixed(1)),
    FrameColumn("status", "Status", 11),
    FrameColumn("priority", "Pri", 3, "right", plain),
    FrameColumn("assignee", "Assignee", 12, min_width=8),
    FrameColumn("age", "Age", 6, "right"),
    FrameColumn("source", "Source", 16, min_width=8),
)
# Keys that act on the item at the cursor: shown disabled when there is none.
_ITEM_ACTIONS = frozenset({"advance", "retreat", "score", "claim", "edit", "reject"})


class ResearchQueueScreen(AreaScreen):
    """Queue items with symbol, score, status, priority, assignee, age and source; `[`/`]` pick the status shown."""

    CSS_PATH = Path(__file__).parent / "research_queue.tcss"
    SUB_TITLE = "Research queue"
    AUTO_FOCUS = "#queue-table"
    WATCHED_TABLES = frozenset({"research_queue", "securities"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "greater_than_sign",
            "advance",
            "Next step",
            tooltip="Move the item on: new → researching → waiting → decided",
            id="research-queue.advance",
        ),
        Binding(
            "less_than_sign",
            "retreat",
            "Step back",
            tooltip="Move the item one step back; a decided or rejected item reopens into research",
            id="research-queue.retreat",
        ),
        Binding("plus", "score(1)", "Score +", tooltip="Raise the item's score by one", id="research-queue.score-up"),
        Binding(
            "minus", "score(-1)", "Score −", tooltip="Lower the item's score by one", id="research-queue.score-down"
        ),
        Binding("c", "claim", "Claim", tooltip="Assign the item to me", id="research-queue.claim"),
        Binding(
            "e", "edit", "Edit", tooltip="Edit the item's score, priority, assignee and notes", id="research-queue.edit"
        ),
        Binding("a", "add", "Add", tooltip="Queue a security for research", id="research-queue.add"),
        Binding("x", "reject", "Reject", tooltip="Reject the item, saying why", id="research-queue.reject"),
        Binding(
            "right_square_bracket",
            "filter(1)",
            "Next status",
            tooltip="Show the items of the next status",
            id="research-queue.next-status",
        ),
        Binding(
            "left_square_bracket",
            "filter(-1)",
            "Previous status",
            show=False,
            tooltip="Show the items of the previous status",
            id="research-queue.previous-status",
        ),
        Binding("r", "refresh", "Refresh", tooltip="Read the queue again", id="research-queue.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(id="research-queue")
        self.status_filter = OPEN_FILTER
        self.items: dict[str, QueueItem] = {}
        self.counts: dict[str, int] = {}
        self._request = 0
        self._keep_item_id: str | None = None
        # One write at a time: keys pressed meanwhile wait for it and the read after it, then act on what it wrote.
        self._writing = False
        self._release_after_read = False
        self._held: list[Callable[[], None]] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="queue-bar"):
            yield Static("", id="queue-filter")
            yield Static("reading…", id="queue-count")
        yield FrameTable(QUEUE_COLUMNS, row_key="id", empty_text="Reading the queue…", id="queue-table")
        yield Static("", id="queue-detail")

    def on_mount(self) -> None:
        self._show_filter()
        self.reload()

    @property
    def table(self) -> FrameTable:
        return self.query_one("#queue-table", FrameTable)

    def selected_item(self) -> QueueItem | None:
        row = self.table.cursor_data()
        return None if row is None else self.items.get(row["id"])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _ITEM_ACTIONS:
            return self.selected_item() is not None or None
        return True

    # Reading

    def reload(self) -> None:
        self._request += 1
        self._read(self._request, self.status_filter)

    @on(events.ScreenResume)
    def reload_on_resume(self) -> None:
        """Back from another area or the security detail: the queue may have changed meanwhile."""
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="research-queue-read")
    def _read(self, request: int, status_filter: str) -> None:
        self.post_message(QueueRead(request, read_queue(status_filter, app_now(self.app))))

    @on(QueueRead)
    def show_queue(self, message: QueueRead) -> None:
        if message.request != self._request:
            return
        view = message.view
        self.items = {str(item.id): item for item in view.items}
        self.counts = dict(view.counts)
        table = self.table
        table.empty_text = "No item has this status: a queues a security" if self.counts else "The queue is empty"
        table.set_frame(view.frame, changed_by=self.take_change_actors())
        if self._keep_item_id is not None:
            ids = view.frame.get_column("id").to_list()
            if self._keep_item_id in ids:
                table.move_cursor(ids.index(self._keep_item_id))
            self._keep_item_id = None
        self._show_filter()
        self._show_detail()
        self.refresh_bindings()
        if self._release_after_read:
            self._release_after_read = False
            self._writing = False
            if self._held:
                self._held.pop(0)()

    def _show_filter(self) -> None:
        line = Text()
        for status in STATUS_FILTERS:
            count = self._filter_count(status)
            label = f" {status} {count} " if count is not None else f" {status} "
            line.append(label, style="reverse bold" if status == self.status_filter else "")
        line.append("  [ ] status", style="dim")
        self.query_one("#queue-filter", Static).update(line)

    def _filter_count(self, status: str) -> int | None:
        if not self.counts:
            return None
        if status == OPEN_FILTER:
            return sum(self.counts.get(name, 0) for name in ("new", "researching", "waiting"))
        if status == "all":
            return sum(self.counts.values())
        return self.counts.get(status, 0)

    @on(FrameTable.CursorMoved, "#queue-table")
    def show_cursor(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        table = self.table
        shown = f"{table.cursor_row + 1}/{table.row_count}" if table.row_count else "0"
        self.query_one("#queue-count", Static).update(f"{shown} items")
        item = self.selected_item()
        detail = Text()
        if item is not None:
            detail.append(item.symbol, style="bold")
            if item.security_name:
                detail.append(f" · {item.security_name}")
            detail.append(f" · {item.status}")
            if item.status_reason:
                detail.append(f" ({item.status_reason})", style="italic")
            detail.append(f" · score {shown_score(item.score)} · priority {item.priority}")
            detail.append(f" · v{item.version}", style="dim")
            detail.append("\n")
            detail.append(item.notes or "No notes: e edits them.", style="" if item.notes else "dim italic")
        self.query_one("#queue-detail", Static).update(detail)

    # Moving around

    def action_filter(self, step: int) -> None:
        index = STATUS_FILTERS.index(self.status_filter)
        self.status_filter = STATUS_FILTERS[(index + step) % len(STATUS_FILTERS)]
        self._show_filter()
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def show_item(self, item_id: uuid.UUID, status: str) -> None:
        """Put the cursor on an item (the audit log's `enter`), under a status filter that shows it."""
        self.status_filter = OPEN_FILTER if status in OPEN_STATUSES else status
        self._keep_item_id = str(item_id)
        self._show_filter()
        self.reload()

    @on(FrameTable.RowChosen, "#queue-table")
    def open_security(self, event: FrameTable.RowChosen) -> None:
        open_detail: Callable[[int], None] = self.app.open_security  # type: ignore[attr-defined]
        open_detail(event.row["security_id"])

    # One-key writes

    def action_advance(self) -> None:
        self._write_selected("advance")

    def action_retreat(self) -> None:
        self._write_selected("retreat")

    def action_score(self, step: int) -> None:
        if self._held_while_writing(partial(self.action_score, step)):
            return
        item = self.selected_item()
        if item is not None:
            self.write(QueueWrite("rescore", item.id, item.version, item.symbol, stepped_score(item.score, step)))

    def action_claim(self) -> None:
        self._write_selected("claim")

    def _write_selected(self, kind: QueueWriteKind) -> None:
        if self._held_while_writing(partial(self._write_selected, kind)):
            return
        item = self.selected_item()
        if item is not None:
            self.write(QueueWrite(kind, item.id, item.version, item.symbol))

    def _held_while_writing(self, retry: Callable[[], None]) -> bool:
        """A key pressed while a write is under way acts once that write is read back (on the newer version)."""
        if self._writing:
            self._held.append(retry)
        return self._writing

    def write(self, write: QueueWrite) -> None:
        self._writing = True
        self._write(write)

    @work(thread=True, exclusive=True, exit_on_error=False, group="research-queue-write")
    def _write(self, write: QueueWrite) -> None:
        try:
            item = apply_write(write)
        except EditConflict as conflict:
            self.post_message(QueueWriteRefused(f"{write.symbol} changed meanwhile", f"{conflict}: nothing written"))
        except InvalidInput as refused:
            reason = "; ".join(refused.fields.values()) or str(refused)
            self.post_message(QueueWriteRefused(f"{write.symbol} not changed", reason))
        else:
            self.post_message(QueueWritten(describe_write(write, item), item.id))

    @on(QueueWritten)
    def show_written(self, message: QueueWritten) -> None:
        self.notify(message.note, title="Research queue")
        self._keep_item_id = str(message.item_id)
        self._release_after_read = True
        self.reload()

    @on(QueueWriteRefused)
    def show_refused(self, message: QueueWriteRefused) -> None:
        self.notify(message.reason, title=message.title, severity="warning", timeout=8)
        # Keys pressed after a refused write were meant for the state it would have made: drop them.
        self._held.clear()
        self._release_after_read = True
        self.reload()

    @on(Worker.StateChanged)
    def release_failed_write(self, event: Worker.StateChanged) -> None:
        """A write that failed otherwise (the app says why) wrote nothing: later keys are dropped with it."""
        if event.worker.group == "research-queue-write" and event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self._held.clear()
            self._writing = False

    # Forms

    def action_add(self) -> None:
        self.app.push_screen(QueueItemModal("Queue a security for research", QueueForm(), add_item), self.item_saved)

    def action_edit(self) -> None:
        item = self.selected_item()
        if item is not None:
            self.open_edit_form(form_from_item(item), form_from_item(item))

    def open_edit_form(self, basis: QueueForm, form: QueueForm) -> None:
        save = partial(edit_item, basis)
        closed = partial(self.item_edited, form.symbol)
        self.app.push_screen(QueueItemModal(f"Edit {form.symbol}", form, save), closed)

    def item_saved(self, outcome: FormOutcome[QueueForm, QueueItem] | None) -> None:
        if outcome is not None and outcome.saved is not None:
            item = outcome.saved
            self.notify(f"{item.symbol} saved ({item.status}, priority {item.priority})", title="Research queue")
            self._keep_item_id = str(item.id)
            self.reload()

    def item_edited(self, symbol: str, outcome: FormOutcome[QueueForm, QueueItem] | None) -> None:
        if outcome is None or outcome.conflict is None:
            self.item_saved(outcome)
            return
        # Someone else saved first: the form reopens on their version with what the analyst typed.
        self.notify(
            f"{symbol} was changed by someone else while you edited it: nothing saved yet, check and save again",
            title="Edit conflict",
            severity="warning",
            timeout=10,
        )
        self._reopen_on_latest(outcome.form)

    @work(thread=True, exclusive=True, exit_on_error=False, group="research-queue-reopen")
    def _reopen_on_latest(self, typed: QueueForm) -> None:
        import store

        assert typed.item_id is not None
        with store.unit_of_work(read_only=True) as uow:
            latest = uow.research_queue.item(typed.item_id)
        basis = form_from_item(latest)
        self.app.call_from_thread(self.open_edit_form, basis, replace(typed, version=latest.version))

    def action_reject(self) -> None:
        item = self.selected_item()
        if item is not None:
            save = partial(reject_item, item.id, item.version)
            modal = RejectModal(f"Reject {item.symbol} ({item.status})", save)
            self.app.push_screen(modal, partial(self.item_rejected, item.symbol))

    def item_rejected(self, symbol: str, outcome: FormOutcome[str, QueueItem] | None) -> None:
        if outcome is None:
            return
        if outcome.saved is not None:
            self.notify(f"{symbol} rejected: {outcome.form.strip()}", title="Research queue")
            self._keep_item_id = str(outcome.saved.id)
        else:
            self.notify(f"{symbol} was changed meanwhile: nothing rejected", severity="warning", timeout=8)
        self.reload()
