"""The watchlist entry form, for adding and editing; it saves itself (SavingModal).

The form keeps what was typed as text (EntryForm), so a field error, a lost connection or someone else's
edit never throws the analyst's words away; errors are shown under the field they are about.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static, TextArea

from store.errors import InvalidInput
from store.models.research import TRIGGER_TYPES
from store.records.watchlists import TRIGGER_VALUE_RULES, WatchlistEntryView
from tui.modals import SavingModal, set_error
from tui.widgets.symbol_input import SymbolInput

TRIGGER_TYPE_LABELS = {
    "price_above": "price above",
    "price_below": "price below",
    "pct_change": "day's change %",
    "volume_spike": "volume spike ×",
    "ma_cross": "MA cross",
    "manual": "manual",
}
FORM_KEYS = "ctrl+s save · esc cancel · tab next field · → or enter takes a suggestion"
EXPIRY_HELP = "YYYY-MM-DD, +30 for 30 days from today, blank: never"
# Where each field the store (or the parser) names is shown in the form.
FORM_FIELD_OF = {
    "symbol": "symbol",
    "security_id": "symbol",
    "exchange": "symbol",
    "trigger_type": "trigger-type",
    "trigger_value": "trigger-value",
    "thesis": "thesis",
    "expiry_date": "expiry",
}
_VALUE_DECORATIONS = (",", "%", "×", "x", "X", "₹", " ")


@dataclass
class SecurityRead(Message, bubble=False):
    """The entry form's fixed security was looked up."""

    symbol: str
    label: str


@dataclass(frozen=True, slots=True)
class EntryForm:
    """The entry form as typed. With `security_id` set the security is fixed and `symbol` only shows it."""

    symbol: str = ""
    trigger_type: str = "manual"
    trigger_value: str = ""
    thesis: str = ""
    expiry: str = ""
    security_id: int | None = None
    security_label: str = ""


@dataclass(frozen=True, slots=True)
class EntryValues:
    """The form read as values the repository takes."""

    trigger_type: str
    trigger_value: decimal.Decimal | None
    thesis: str | None
    expiry_date: dt.date | None

    def as_fields(self) -> dict[str, Any]:
        return {
            "trigger_type": self.trigger_type,
            "trigger_value": self.trigger_value,
            "thesis": self.thesis,
            "expiry_date": self.expiry_date,
        }


def form_from_entry(entry: WatchlistEntryView) -> EntryForm:
    """An entry as the form shows it for editing."""
    value = "" if entry.trigger_value is None else plain_number(entry.trigger_value)
    return EntryForm(
        symbol=entry.symbol,
        trigger_type=entry.trigger_type,
        trigger_value=value,
        thesis=entry.thesis or "",
        expiry="" if entry.expiry_date is None else entry.expiry_date.isoformat(),
        security_id=entry.security_id,
        security_label=security_label(entry.symbol, entry.exchange, entry.security_name),
    )


def security_label(symbol: str, exchange: str, name: str | None) -> str:
    return " · ".join(part for part in (symbol, exchange, name) if part)


def plain_number(value: decimal.Decimal) -> str:
    """1540.000000 → '1540', 12.50 → '12.5': as an analyst would type it."""
    return format(value.normalize(), "f")


def parse_entry_form(form: EntryForm, today: dt.date) -> EntryValues:
    """The typed form as values; InvalidInput names every field that cannot be read (the store checks the rest)."""
    problems: dict[str, str] = {}
    if form.security_id is None and not form.symbol.strip():
        problems["symbol"] = "type a symbol, e.g. INFY (→ accepts the suggestion)"
    value: decimal.Decimal | None = None
    if form.trigger_type != "manual":
        try:
            value = parse_trigger_value(form.trigger_value)
        except ValueError as exc:
            problems["trigger_value"] = str(exc)
    try:
        expiry = parse_expiry(form.expiry, today)
    except ValueError as exc:
        problems["expiry_date"] = str(exc)
        expiry = None
    if problems:
        details = "; ".join(f"{field}: {problem}" for field, problem in problems.items())
        raise InvalidInput(f"the form cannot be read ({details})", fields=problems)
    return EntryValues(form.trigger_type, value, form.thesis.strip() or None, expiry)


def parse_trigger_value(typed: str) -> decimal.Decimal | None:
    """'1,540.50' → 1540.50, '+5%' → 5, '2x' → 2; blank → None; anything else is a ValueError saying so."""
    cleaned = typed.strip()
    for decoration in _VALUE_DECORATIONS:
        cleaned = cleaned.replace(decoration, "")
    if not cleaned:
        return None
    try:
        value = decimal.Decimal(cleaned)
    except decimal.InvalidOperation:
        raise ValueError(f"'{typed.strip()}' is not a number") from None
    if not value.is_finite():
        raise ValueError(f"'{typed.strip()}' is not a number")
    return value


def parse_expiry(typed: str, today: dt.date) -> dt.date | None:
    """'2026-12-31', '+30' (days from today) or blank (never)."""
    cleaned = typed.strip().lower()
    if cleaned in ("", "never", "-", "—"):
        return None
    if cleaned.startswith("+"):
        days = cleaned[1:].removesuffix("d").strip()
        if days.isdigit():
            return today + dt.timedelta(days=int(days))
    else:
        try:
            return dt.date.fromisoformat(cleaned)
        except ValueError:
            pass
    raise ValueError(f"'{typed.strip()}' is not a date: {EXPIRY_HELP}")


class WatchlistEntryModal(SavingModal[EntryForm, WatchlistEntryView]):
    """Add or edit an entry: symbol (with completion), trigger type and value, thesis, expiry."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", tooltip="Save the entry", id="watchlist-entry.save"),
        Binding("escape", "cancel", "Cancel", tooltip="Close the form without saving", id="watchlist-entry.cancel"),
    ]

    def __init__(
        self,
        title: str,
        form: EntryForm,
        save: Callable[[EntryForm], WatchlistEntryView],
        *,
        problems: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(save)
        self.title_text = title
        self.form = form
        self.initial_problems = dict(problems or {})

    def compose(self) -> ComposeResult:
        form = self.form
        with Vertical(id="entry-form", classes="form-modal"):
            yield Label(self.title_text, classes="form-title")
            with Horizontal(classes="form-row"):
                yield Label("Symbol", classes="form-label")
                if form.security_id is None:
                    yield SymbolInput(form.symbol, id="symbol", classes="form-field", compact=True)
                else:
                    yield Static(form.security_label or form.symbol, id="symbol-fixed", classes="form-field")
            yield Label("", id="symbol-error", classes="form-error")
            with Horizontal(classes="form-row"):
                yield Label("Trigger", classes="form-label")
                options = [(TRIGGER_TYPE_LABELS[kind], kind) for kind in TRIGGER_TYPES]
                yield Select(
                    options,
                    value=form.trigger_type,
                    allow_blank=False,
                    compact=True,
                    id="trigger-type",
                    classes="form-field",
                )
            yield Label("", id="trigger-type-error", classes="form-error")
            with Horizontal(classes="form-row"):
                yield Label("Value", classes="form-label")
                yield Input(
                    form.trigger_value,
                    placeholder="trigger value",
                    id="trigger-value",
                    classes="form-field",
                    compact=True,
                )
            yield Label(TRIGGER_VALUE_RULES[form.trigger_type], id="trigger-value-hint", classes="form-hint")
            yield Label("", id="trigger-value-error", classes="form-error")
            with Horizontal(classes="form-row form-row-tall"):
                yield Label("Thesis", classes="form-label")
                yield TextArea(
                    form.thesis,
                    id="thesis",
                    classes="form-field",
                    compact=True,
                    soft_wrap=True,
                    placeholder="why watch it",
                )
            yield Label("", id="thesis-error", classes="form-error")
            with Horizontal(classes="form-row"):
                yield Label("Expiry", classes="form-label")
                yield Input(form.expiry, placeholder=EXPIRY_HELP, id="expiry", classes="form-field", compact=True)
            yield Label("", id="expiry-error", classes="form-error")
            yield Label("", id="form-error", classes="form-error")
            yield Label(FORM_KEYS, classes="form-keys")

    def on_mount(self) -> None:
        self.show_value_field(self.form.trigger_type)
        if self.form.security_id is not None and not self.form.security_label:
            self.read_security(self.form.security_id)
        if self.initial_problems:
            self.show_problems(self.initial_problems, "")
        elif self.form.security_id is None:
            self.query_one("#symbol", SymbolInput).focus()
        else:
            self.query_one("#trigger-type", Select).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="entry-security")
    def read_security(self, security_id: int) -> None:
        """The fixed security's symbol and name, for a form opened with just its id."""
        import store
        from store.repositories.securities import SecurityRepository

        with store.unit_of_work(read_only=True) as uow:
            found = uow.repository(SecurityRepository).get(security_id)
        self.post_message(SecurityRead(found.symbol, security_label(found.symbol, found.exchange, found.name)))

    @on(SecurityRead)
    def show_security(self, message: SecurityRead) -> None:
        self.form = replace(self.form, symbol=message.symbol, security_label=message.label)
        self.query_one("#symbol-fixed", Static).update(message.label)

    def current_form(self) -> EntryForm:
        fixed = self.form.security_id is not None
        symbol = self.form.symbol if fixed else self.query_one("#symbol", SymbolInput).completed_value
        trigger_type = self.query_one("#trigger-type", Select).value
        return replace(
            self.form,
            symbol=symbol.strip().upper(),
            trigger_type=str(trigger_type),
            trigger_value=self.query_one("#trigger-value", Input).value,
            thesis=self.query_one("#thesis", TextArea).text,
            expiry=self.query_one("#expiry", Input).value,
        )

    def show_problems(self, problems: Mapping[str, str], message: str) -> None:
        shown: dict[str, str] = {}
        unplaced: list[str] = []
        for field, problem in problems.items():
            place = FORM_FIELD_OF.get(field)
            if place is None:
                unplaced.append(f"{field}: {problem}")
            else:
                shown[place] = f"{shown[place]}; {problem}" if place in shown else problem
        for place in ("symbol", "trigger-type", "trigger-value", "thesis", "expiry"):
            set_error(self.query_one(f"#{place}-error", Label), shown.get(place, ""))
        self.query_one("#trigger-value-hint", Label).display = "trigger-value" not in shown
        general = "; ".join(unplaced) or (message if problems and not shown else "")
        set_error(self.query_one("#form-error", Label), general)
        first = next(
            (place for place in ("symbol", "trigger-type", "trigger-value", "thesis", "expiry") if place in shown), None
        )
        if first is not None and self.query(f"#{first}"):
            self.query_one(f"#{first}").focus()

    def show_saving(self, saving: bool) -> None:
        self.query_one("#entry-form").set_class(saving, "-saving")

    @on(Select.Changed, "#trigger-type")
    def explain_trigger_value(self, event: Select.Changed) -> None:
        self.show_value_field(str(event.value))

    def show_value_field(self, trigger_type: str) -> None:
        self.query_one("#trigger-value-hint", Label).update(TRIGGER_VALUE_RULES.get(trigger_type, ""))
        self.query_one("#trigger-value", Input).disabled = trigger_type == "manual"

    @on(Input.Submitted, "#symbol")
    def go_on_from_symbol(self) -> None:
        """Enter in the symbol takes the suggestion (SymbolInput) and goes on to the trigger."""
        self.query_one("#trigger-type", Select).focus()

    @on(Input.Submitted, "#trigger-value, #expiry")
    def save_on_enter(self) -> None:
        self.action_save()
