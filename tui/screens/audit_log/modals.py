"""The audit log's filter form: actor, entity type, time range and text; problems shown under their field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label

from store.errors import InvalidInput
from store.repositories.audit import AUDITED_TABLES
from tui.modals import SavingModal, set_error
from tui.screens.audit_log.data import TIME_HELP, AuditFilter, FilterForm, parse_filter_form

FILTER_FIELDS = (
    ("actor", "Actor", "who made the change, e.g. asha.rao"),
    ("entity_type", "Entity", "table, e.g. research_queue (→ completes)"),
    ("since", "Since", TIME_HELP),
    ("until", "Until", "as since; a date includes that day"),
    ("text", "Text", "words or their start: a symbol, an id, a word of the reason"),
)


@dataclass(frozen=True, slots=True)
class FilterChosen:
    """What the filter form closed with."""

    wanted: AuditFilter


class AuditFilterModal(ModalScreen[FilterChosen | None]):
    """Narrow the audit log; ctrl+s or enter applies, ctrl+r clears every field, escape keeps the filter as it was."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", tooltip="Show the entries that match", id="audit-filter.apply"),
        Binding("ctrl+r", "clear", "Clear", tooltip="Empty every field", id="audit-filter.clear"),
        Binding("escape", "cancel", "Cancel", tooltip="Keep the filter as it was", id="audit-filter.cancel"),
    ]
    DEFAULT_CSS = SavingModal.DEFAULT_CSS.replace("SavingModal", "AuditFilterModal")

    def __init__(self, form: FilterForm, now: dt.datetime, *, focus: str = "actor") -> None:
        super().__init__()
        self.form = form
        self.now = now
        self.focus_field = focus

    def compose(self) -> ComposeResult:
        with Vertical(id="audit-filter-form", classes="form-modal"):
            yield Label("Show audit entries where…", classes="form-title")
            for field, label, hint in FILTER_FIELDS:
                with Horizontal(classes="form-row"):
                    yield Label(label, classes="form-label")
                    suggester = SuggestFromList(AUDITED_TABLES) if field == "entity_type" else None
                    yield Input(
                        getattr(self.form, field),
                        placeholder=hint,
                        suggester=suggester,
                        id=f"filter-{field.replace('_', '-')}",
                        classes="form-field",
                        compact=True,
                    )
                yield Label("", id=f"filter-{field.replace('_', '-')}-error", classes="form-error")
            yield Label("enter or ctrl+s apply · ctrl+r clear · esc cancel", classes="form-keys")

    def on_mount(self) -> None:
        self.query_one(f"#filter-{self.focus_field.replace('_', '-')}", Input).focus()

    def current_form(self) -> FilterForm:
        typed = {
            field: self.query_one(f"#filter-{field.replace('_', '-')}", Input).value for field, _, _ in FILTER_FIELDS
        }
        return FilterForm(**typed)

    def show_problems(self, problems: Mapping[str, str]) -> None:
        for field, _, _ in FILTER_FIELDS:
            set_error(self.query_one(f"#filter-{field.replace('_', '-')}-error", Label), problems.get(field, ""))
        first = next((field for field, _, _ in FILTER_FIELDS if field in problems), None)
        if first is not None:
            self.query_one(f"#filter-{first.replace('_', '-')}", Input).focus()

    @on(Input.Submitted)
    def action_apply(self) -> None:
        try:
            wanted = parse_filter_form(self.current_form(), self.now)
        except InvalidInput as refused:
            self.show_problems(refused.fields)
            return
        self.dismiss(FilterChosen(wanted))

    def action_clear(self) -> None:
        for field_input in self.query(Input):
            field_input.value = ""
        self.show_problems({})

    def action_cancel(self) -> None:
        self.dismiss(None)
