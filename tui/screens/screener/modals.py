"""The Screener's modals: name the screen to save, open a saved one, and the list of columns a screen may name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from store.screener import SCREEN_COLUMNS
from tui.config import UserConfig
from tui.modals import SavingModal, set_error

_LIST_CSS = """
{name} {{
    align: center middle;
    background: $background 60%;
}}
{name} > Vertical {{
    width: 96;
    max-width: 100%;
    height: auto;
    max-height: 90%;
    padding: 0 1;
    border: thick $primary 70%;
    background: $panel;
}}
{name} .list-title {{ text-style: bold; width: 100%; margin-bottom: 1; }}
{name} OptionList {{ height: auto; max-height: 20; }}
{name} .list-keys {{ color: $text-muted; margin-top: 1; width: 100%; }}
"""


class SaveScreenModal(SavingModal[str, UserConfig]):
    """Name the expression; `save(name)` writes config.toml in a worker (a name in use is replaced)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving", id="screener-save.cancel"),
    ]

    def __init__(self, expression: str, save: Callable[[str], UserConfig], *, name: str = "") -> None:
        super().__init__(save)
        self.expression = expression
        self.initial_name = name

    def compose(self) -> ComposeResult:
        with Vertical(id="save-screen-form", classes="form-modal"):
            yield Label("Save the screen as", classes="form-title")
            yield Label(Text(self.expression, style="italic"), id="save-screen-expression")
            with Horizontal(classes="form-row"):
                yield Label("Name", classes="form-label")
                yield Input(
                    self.initial_name,
                    placeholder="e.g. IT leaders",
                    id="screen-name",
                    classes="form-field",
                    compact=True,
                )
            yield Label("", id="screen-name-error", classes="form-error")
            yield Label("enter save (a name in use is replaced) · esc cancel", classes="form-keys")

    def on_mount(self) -> None:
        self.query_one("#screen-name", Input).focus()

    def current_form(self) -> str:
        return self.query_one("#screen-name", Input).value

    def show_problems(self, problems: Mapping[str, str], message: str) -> None:
        problem = "; ".join(problems.values()) or (message if problems else "")
        set_error(self.query_one("#screen-name-error", Label), problem)

    def show_saving(self, saving: bool) -> None:
        self.query_one("#save-screen-form").set_class(saving, "-saving")

    @on(Input.Submitted, "#screen-name")
    def save_on_enter(self) -> None:
        self.action_save()


class OpenScreenModal(ModalScreen[str | None]):
    """The saved screens, name and expression; enter returns the chosen name, escape none."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Open none", id="screener-open.cancel"),
        Binding("j", "cursor('down')", "Down", show=False, id="screener-open.down"),
        Binding("k", "cursor('up')", "Up", show=False, id="screener-open.up"),
    ]
    DEFAULT_CSS = _LIST_CSS.format(name="OpenScreenModal")

    def __init__(self, screens: Mapping[str, str]) -> None:
        super().__init__()
        self.screens = dict(screens)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Open a saved screen", classes="list-title")
            if self.screens:
                options = [
                    Option(Text.assemble((name, "bold"), "  ", (text, "dim")), id=name)
                    for name, text in sorted(self.screens.items(), key=lambda item: item[0].casefold())
                ]
                yield OptionList(*options, id="saved-screens")
            else:
                yield Label("No saved screen yet: ctrl+s on the Screener saves the one typed.", id="no-saved-screens")
            yield Label("enter open · esc cancel", classes="list-keys")

    def on_mount(self) -> None:
        for options in self.query(OptionList):
            options.highlighted = 0
            options.focus()

    def action_cursor(self, direction: str) -> None:
        for options in self.query(OptionList):
            options.action_cursor_down() if direction == "down" else options.action_cursor_up()

    @on(OptionList.OptionSelected, "#saved-screens")
    def open_chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ScreenColumnsModal(ModalScreen[str | None]):
    """Every column a screen may name, with its kind and meaning; enter returns the name to insert."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Insert none", id="screener-columns.cancel"),
        Binding("j", "cursor('down')", "Down", show=False, id="screener-columns.down"),
        Binding("k", "cursor('up')", "Up", show=False, id="screener-columns.up"),
    ]
    DEFAULT_CSS = _LIST_CSS.format(name="ScreenColumnsModal")

    def compose(self) -> ComposeResult:
        options = [
            Option(
                Text.assemble((f"{column.name:<18}", "bold"), f"{column.kind:<8}", (column.description, "dim")), id=name
            )
            for name, column in SCREEN_COLUMNS.items()
        ]
        with Vertical():
            yield Label("Columns a screen may name", classes="list-title")
            yield OptionList(*options, id="screen-columns")
            yield Label(
                'enter insert · text in quotes: sector = "Banks" · in-lists: stage in (1, 2) · esc close',
                classes="list-keys",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def action_cursor(self, direction: str) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if direction == "down" else options.action_cursor_up()

    @on(OptionList.OptionSelected, "#screen-columns")
    def insert_chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
