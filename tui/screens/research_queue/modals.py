"""The research queue's forms: add or edit an item, and reject one with a reason. Both save themselves.

The forms keep what was typed as text, so a field error or someone else's edit never throws the analyst's words
away; each problem is shown under the field it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static, TextArea

from store.records.research_queue import PRIORITY_RANGE, QueueItem
from tui.modals import SavingModal, set_error
from tui.screens.research_queue.data import QueueForm
from tui.widgets.symbol_input import SymbolInput

FORM_KEYS = "ctrl+s save · esc cancel · tab next field"
SYMBOL_KEYS = " · → or enter takes a suggestion"
PRIORITY_HELP = f"{PRIORITY_RANGE[0]} (none) … {PRIORITY_RANGE[-1]} (most urgent)"
# Where each field the store (or the parser) names is shown in the form.
FORM_FIELD_OF = {
    "symbol": "symbol",
    "security_id": "symbol",
    "exchange": "symbol",
    "score": "score",
    "priority": "priority",
    "assignee": "assignee",
    "notes": "notes",
}
FORM_PLACES = ("symbol", "score", "priority", "assignee", "notes")


class QueueItemModal(SavingModal[QueueForm, QueueItem]):
    """Add an item (symbol with completion) or edit one (its security fixed): score, priority, assignee, notes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", tooltip="Save the item", id="queue-item.save"),
        Binding("escape", "cancel", "Cancel", tooltip="Close the form without saving", id="queue-item.cancel"),
    ]

    def __init__(self, title: str, form: QueueForm, save: Callable[[QueueForm], QueueItem]) -> None:
        super().__init__(save)
        self.title_text = title
        self.form = form

    def compose(self) -> ComposeResult:
        form = self.form
        with Vertical(id="queue-item-form", classes="form-modal"):
            yield Label(self.title_text, classes="form-title")
            with Horizontal(classes="form-row"):
                yield Label("Symbol", classes="form-label")
                if form.item_id is None:
                    yield SymbolInput(form.symbol, id="symbol", classes="form-field", compact=True)
                else:
                    yield Static(form.symbol, id="symbol-fixed", classes="form-field")
            yield Label("", id="symbol-error", classes="form-error")
            with Horizontal(classes="form-row"):
                yield Label("Score", classes="form-label")
                yield Input(form.score, placeholder="blank: none", id="score", classes="form-field", compact=True)
            yield Label("", id="score-error", classes="form-error")
            with Horizontal(classes="form-row"):
                yield Label("Priority", classes="form-label")
                yield Input(form.priority, placeholder=PRIORITY_HELP, id="priority", classes="form-field", compact=True)
            yield Label("", id="priority-error", classes="form-error")
            with Horizontal(classes="form-row"):
                yield Label("Assignee", classes="form-label")
                yield Input(
                    form.assignee, placeholder="blank: unassigned", id="assignee", classes="form-field", compact=True
                )
            yield Label("", id="assignee-error", classes="form-error")
            with Horizontal(classes="form-row form-row-tall"):
                yield Label("Notes", classes="form-label")
                notes = TextArea(
                    form.notes, id="notes", classes="form-field", compact=True, soft_wrap=True, placeholder="notes"
                )
                # No blinking: an unfocused notes field must not show a cursor left over from a blink.
                notes.cursor_blink = False
                yield notes
            yield Label("", id="notes-error", classes="form-error")
            yield Label("", id="form-error", classes="form-error")
            yield Label(FORM_KEYS + (SYMBOL_KEYS if form.item_id is None else ""), classes="form-keys")

    def on_mount(self) -> None:
        self.query_one("#symbol" if self.form.item_id is None else "#score").focus()

    def current_form(self) -> QueueForm:
        symbol = self.form.symbol
        if self.form.item_id is None:
            symbol = self.query_one("#symbol", SymbolInput).completed_value.strip().upper()
        return replace(
            self.form,
            symbol=symbol,
            score=self.query_one("#score", Input).value,
            priority=self.query_one("#priority", Input).value,
            assignee=self.query_one("#assignee", Input).value,
            notes=self.query_one("#notes", TextArea).text,
        )

    def show_problems(self, problems: Mapping[str, str], message: str) -> None:
        shown = _placed(problems)
        unplaced = [f"{field}: {problem}" for field, problem in problems.items() if field not in FORM_FIELD_OF]
        for place in FORM_PLACES:
            set_error(self.query_one(f"#{place}-error", Label), shown.get(place, ""))
        general = "; ".join(unplaced) or (message if problems and not shown else "")
        set_error(self.query_one("#form-error", Label), general)
        first = next((place for place in FORM_PLACES if place in shown), None)
        if first is not None and self.query(f"#{first}"):
            self.query_one(f"#{first}").focus()

    def show_saving(self, saving: bool) -> None:
        self.query_one("#queue-item-form").set_class(saving, "-saving")

    @on(Input.Submitted, "#symbol")
    def go_on_from_symbol(self) -> None:
        """Enter in the symbol takes the suggestion (SymbolInput) and goes on to the score."""
        self.query_one("#score", Input).focus()

    @on(Input.Submitted, "#score, #priority, #assignee")
    def save_on_enter(self) -> None:
        self.action_save()


class RejectModal(SavingModal[str, QueueItem]):
    """Why the item is rejected: the reason is kept with the status and in the audit trail."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Reject", tooltip="Reject the item with this reason", id="queue-reject.save"),
        Binding("escape", "cancel", "Cancel", tooltip="Keep the item as it is", id="queue-reject.cancel"),
    ]

    def __init__(self, title: str, save: Callable[[str], QueueItem]) -> None:
        super().__init__(save)
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="queue-reject-form", classes="form-modal"):
            yield Label(self.title_text, classes="form-title")
            with Horizontal(classes="form-row"):
                yield Label("Reason", classes="form-label")
                yield Input(placeholder="why not research it", id="reason", classes="form-field", compact=True)
            yield Label("", id="reason-error", classes="form-error")
            yield Label("", id="form-error", classes="form-error")
            yield Label("enter or ctrl+s reject · esc cancel", classes="form-keys")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def current_form(self) -> str:
        return self.query_one("#reason", Input).value

    def show_problems(self, problems: Mapping[str, str], message: str) -> None:
        reason = problems.get("reason", "")
        set_error(self.query_one("#reason-error", Label), reason)
        others = "; ".join(f"{field}: {problem}" for field, problem in problems.items() if field != "reason")
        set_error(self.query_one("#form-error", Label), others or (message if problems and not reason else ""))

    def show_saving(self, saving: bool) -> None:
        self.query_one("#queue-reject-form").set_class(saving, "-saving")

    @on(Input.Submitted, "#reason")
    def save_on_enter(self) -> None:
        self.action_save()


def _placed(problems: Mapping[str, str]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for field, problem in problems.items():
        place = FORM_FIELD_OF.get(field)
        if place is not None:
            shown[place] = f"{shown[place]}; {problem}" if place in shown else problem
    return shown
