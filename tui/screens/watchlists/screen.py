"""The Watchlists area: add, edit, extend, move, remove and undo entries; create, rename and delete lists."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import partial
from typing import Any, ClassVar

from textual import on, work
from textual.binding import BindingType
from textual.widgets import DataTable

import store
from store.errors import EditConflict, UndoRefused
from store.records.watchlists import WatchlistEntryView, WatchlistSummary
from tui.modals import FormOutcome
from tui.modals.choose_watchlist import ChooseWatchlistModal, WatchlistNameModal
from tui.modals.confirm import ConfirmModal
from tui.modals.edit_conflict import ConflictChoice, EditConflictModal
from tui.modals.export import ExportForm, ExportModal, ExportResult
from tui.modals.watchlist_entry import EntryForm, WatchlistEntryModal, form_from_entry
from tui.screens.watchlists.browser import WatchlistsBrowser
from tui.screens.watchlists.data import (
    ENTRY_FIELDS,
    NothingToUndo,
    PendingWrite,
    add_entry,
    apply_write,
    create_list,
    edit_entry,
    entry_basis,
    extended_expiry,
    last_change_of,
    rename_list,
    undo_last_change,
)
from tui.screens.watchlists.export import entries_frame
from tui.screens.watchlists.keys import WATCHLISTS_BINDINGS
from tui.screens.watchlists.messages import (
    ConflictContext,
    ConflictExplained,
    UndoDeclined,
    UndoSaved,
    WriteConflicted,
    WriteSaved,
)
from tui.screens.watchlists.rows import conflict_rows, count_of
from tui.widgets.status_line import describe_age

_ENTRY_ACTIONS = frozenset({"edit", "delete", "extend", "move"})
_LIST_ACTIONS = frozenset({"add", "rename_list", "delete_list", "undo", "export"})


class WatchlistsScreen(WatchlistsBrowser):
    """Several watchlists; entries with last close, trigger, distance, thesis, expiry, status and age.

    `current_watchlist_id` is the list shown (the app's `AW INFY` adds to it).
    """

    BINDINGS: ClassVar[list[BindingType]] = WATCHLISTS_BINDINGS

    @on(DataTable.RowSelected, "#watchlists-entries")
    def edit_selected(self) -> None:
        self.action_edit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Entry keys need an entry at the cursor, list keys a list: otherwise they are shown disabled."""
        if action in _ENTRY_ACTIONS:
            return self.selected_entry() is not None or None
        if action in _LIST_ACTIONS:
            return self.current_watchlist_id is not None or None
        return True

    # Entries

    def action_add(self) -> None:
        current = self.current_list
        if current is not None:
            self.open_add_form(current, EntryForm())

    def open_add_form(self, watchlist: WatchlistSummary, form: EntryForm) -> None:
        save = partial(add_entry, watchlist.id, today=self.today())
        self.app.push_screen(WatchlistEntryModal(f"Add to {watchlist.name}", form, save), self.entry_added)

    def entry_added(self, outcome: FormOutcome[EntryForm, WatchlistEntryView] | None) -> None:
        if outcome is not None and outcome.saved is not None:
            self.notify(f"{outcome.saved.symbol} added to {self.list_name(outcome.saved.watchlist_id)}")
            self._keep_entry_id = outcome.saved.id
            self.reload()

    def action_edit(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.open_edit_form(entry.id, entry.version, entry_basis(entry), form_from_entry(entry))

    def open_edit_form(self, entry_id: uuid.UUID, version: int, basis: dict[str, Any], form: EntryForm) -> None:
        save = partial(edit_entry, entry_id, version, basis, today=self.today())
        closed = partial(self.entry_edited, entry_id, version, basis)
        self.app.push_screen(WatchlistEntryModal(f"Edit {form.symbol}", form, save), closed)

    def entry_edited(
        self,
        entry_id: uuid.UUID,
        version: int,
        basis: dict[str, Any],
        outcome: FormOutcome[EntryForm, WatchlistEntryView] | None,
    ) -> None:
        if outcome is None:
            return
        if outcome.conflict is None:
            self.notify(f"{outcome.form.symbol} saved")
            self._keep_entry_id = entry_id
            self.reload()
            return
        stored = outcome.conflict.stored
        theirs = {name: stored.get(name) for name in ENTRY_FIELDS}
        pending = PendingWrite("edit", entry_id, stored["version"], outcome.conflict.attempted, outcome.form.symbol)
        reopen = partial(self.open_edit_form, entry_id, stored["version"], theirs, outcome.form)
        self.explain_conflict(ConflictContext(pending, outcome.conflict, basis, "watchlist_entries", version, reopen))

    def action_delete(self) -> None:
        entry, current = self.selected_entry(), self.current_list
        if entry is None or current is None:
            return
        pending = PendingWrite("remove", entry.id, entry.version, {}, entry.symbol)
        modal = ConfirmModal(
            f"Remove {entry.symbol} from {current.name}?", "u (undo) brings it back.", confirm_label="Remove"
        )
        self.app.push_screen(modal, partial(self._write_if_confirmed, pending))

    def action_extend(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            expiry = extended_expiry(entry.expiry_date, self.today())
            self.write(PendingWrite("edit", entry.id, entry.version, {"expiry_date": expiry}, entry.symbol))

    def action_move(self) -> None:
        entry, current = self.selected_entry(), self.current_list
        if entry is None or current is None:
            return
        modal = ChooseWatchlistModal(f"Move {entry.symbol} from {current.name} to…", self.lists, exclude=current.id)
        self.app.push_screen(modal, partial(self._move_to, entry))

    def _move_to(self, entry: WatchlistEntryView, target: WatchlistSummary | None) -> None:
        if target is not None:
            self.write(PendingWrite("move", entry.id, entry.version, {"watchlist_id": target.id}, entry.symbol))

    def action_undo(self) -> None:
        if self.current_watchlist_id is not None:
            self._undo(self.current_watchlist_id, store.current_actor())

    @work(thread=True, exclusive=True, exit_on_error=False, group="watchlists-write")
    def _undo(self, watchlist_id: uuid.UUID, actor: str) -> None:
        try:
            undone = undo_last_change(watchlist_id, actor)
        except (UndoRefused, NothingToUndo) as declined:
            self.post_message(UndoDeclined(str(declined)))
        else:
            self.post_message(UndoSaved(undone))

    @on(UndoSaved)
    def show_undone(self, message: UndoSaved) -> None:
        self.notify(f"Undone #{message.undone.id}: {message.undone.summary}", title="Undo")
        self.reload()

    @on(UndoDeclined)
    def show_undo_declined(self, message: UndoDeclined) -> None:
        self.notify(message.reason, title="Nothing undone", severity="warning", timeout=8)

    def action_export(self) -> None:
        current = self.current_list
        if current is None:
            return
        stamp = self.now().astimezone().strftime("%Y%m%d-%H%M")
        slug = "-".join(current.name.lower().split()) or "watchlist"
        frame = entries_frame(self.shown_entries(), current.name)
        self.app.push_screen(ExportModal(frame, f"~/watchlist-{slug}-{stamp}.csv", what="entries"), self.say_exported)

    def say_exported(self, outcome: FormOutcome[ExportForm, ExportResult] | None) -> None:
        if outcome is not None and outcome.saved is not None:
            self.notify(f"{outcome.saved.rows:,} rows written to {outcome.saved.path}", title="Exported")

    # Lists

    def action_new_list(self) -> None:
        self.app.push_screen(WatchlistNameModal("New watchlist", create_list), self.list_saved)

    def action_rename_list(self) -> None:
        current = self.current_list
        if current is not None:
            self.open_rename_form(current.id, current.version, current.name, current.name)

    def open_rename_form(self, watchlist_id: uuid.UUID, version: int, read_name: str, name: str) -> None:
        save = partial(rename_list, watchlist_id, version)
        closed = partial(self.list_renamed, watchlist_id, version, read_name)
        self.app.push_screen(WatchlistNameModal(f"Rename {read_name}", save, name=name), closed)

    def list_saved(self, outcome: FormOutcome[str, WatchlistSummary] | None) -> None:
        if outcome is not None and outcome.saved is not None:
            self.notify(f"Watchlist '{outcome.saved.name}' saved")
            self.current_watchlist_id = outcome.saved.id
            self.reload()

    def list_renamed(
        self, watchlist_id: uuid.UUID, version: int, read_name: str, outcome: FormOutcome[str, WatchlistSummary] | None
    ) -> None:
        if outcome is None or outcome.conflict is None:
            self.list_saved(outcome)
            return
        stored = outcome.conflict.stored
        pending = PendingWrite("rename", watchlist_id, stored["version"], outcome.conflict.attempted, f"'{read_name}'")
        reopen = partial(self.open_rename_form, watchlist_id, stored["version"], stored["name"], outcome.form)
        read = {"name": read_name}
        self.explain_conflict(ConflictContext(pending, outcome.conflict, read, "watchlists", version, reopen))

    def action_delete_list(self) -> None:
        current = self.current_list
        if current is None:
            return
        pending = PendingWrite("delete-list", current.id, current.version, {}, f"Watchlist '{current.name}'")
        going = count_of(current.entry_count, "entry goes", "entries go")
        detail = f"Its {going} with it." if current.entry_count else ""
        modal = ConfirmModal(f"Delete the watchlist '{current.name}'?", detail, confirm_label="Delete")
        self.app.push_screen(modal, partial(self._write_if_confirmed, pending))

    # Writing and conflicts

    def _write_if_confirmed(self, pending: PendingWrite, confirmed: bool | None) -> None:
        if confirmed:
            self.write(pending)

    def write(self, pending: PendingWrite) -> None:
        self._write(pending)

    @work(thread=True, exclusive=True, exit_on_error=False, group="watchlists-write")
    def _write(self, pending: PendingWrite) -> None:
        try:
            done = apply_write(pending)
        except EditConflict as conflict:
            self.post_message(WriteConflicted(pending, conflict))
        else:
            self.post_message(WriteSaved(done))

    @on(WriteSaved)
    def show_write(self, message: WriteSaved) -> None:
        self.notify(message.done.note)
        self._keep_entry_id = message.done.entry_id
        self.reload()

    @on(WriteConflicted)
    def write_conflicted(self, message: WriteConflicted) -> None:
        pending = message.pending
        lists = pending.kind in ("rename", "delete-list")
        read = self._read_values(pending.target_id, lists)
        context = ConflictContext(
            pending.on_version(message.conflict.stored["version"]),
            message.conflict,
            read,
            "watchlists" if lists else "watchlist_entries",
            pending.version,
        )
        self.explain_conflict(context)

    def _read_values(self, target_id: uuid.UUID, is_list: bool) -> dict[str, Any]:
        if is_list:
            summary = next((summary for summary in self.lists if summary.id == target_id), None)
            return {} if summary is None else {"name": summary.name, "deleted_at": summary.deleted_at}
        entry = next((entry for entry in self.entries if entry.id == target_id), None)
        names = (*ENTRY_FIELDS, "status", "watchlist_id", "deleted_at")
        return {} if entry is None else {name: getattr(entry, name) for name in names}

    @work(thread=True, exclusive=True, exit_on_error=False, group="watchlists-conflict")
    def explain_conflict(self, context: ConflictContext) -> None:
        self.post_message(ConflictExplained(context, last_change_of(context.entity_type, context.pending.target_id)))

    @on(ConflictExplained)
    def ask_about_conflict(self, message: ConflictExplained) -> None:
        context, changed_by = message.context, message.changed_by
        who = "someone else"
        if changed_by is not None:
            who = f"{changed_by.actor} {_ago(self.now() - changed_by.occurred_at)} (audit #{changed_by.id})"
        stored_version = context.conflict.stored.get("version")
        explanation = (
            f"You opened version {context.read_version}; it is now version {stored_version}. "
            "Nothing of yours is written until you choose."
        )
        rows = conflict_rows(context.conflict, context.read, self.list_name)
        modal = EditConflictModal(
            f"{context.pending.subject} was changed by {who}", explanation, rows, can_edit=context.reopen is not None
        )
        self.app.push_screen(modal, partial(self.resolve_conflict, context))

    def resolve_conflict(self, context: ConflictContext, choice: ConflictChoice | None) -> None:
        if choice == "mine":
            self.write(context.pending)
        elif choice == "edit" and context.reopen is not None:
            context.reopen()
        else:
            self.notify(f"Kept their version of {context.pending.subject}")
            self.reload()


def _ago(age: dt.timedelta) -> str:
    return "just now" if age < dt.timedelta(minutes=1) else f"{describe_age(age)} ago"
