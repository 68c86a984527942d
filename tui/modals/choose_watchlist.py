"""Pick a watchlist (to move an entry, or to add a security from any screen), and name one (new, rename)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker

import store
from store.records.watchlists import WatchlistSummary
from tui.modals import SavingModal, forward_worker_failure, set_error


@dataclass
class ChoicesLoaded(Message, bubble=False):
    """The watchlists to choose from were read."""

    lists: list[WatchlistSummary]


class ChooseWatchlistModal(ModalScreen[WatchlistSummary | None]):
    """A list of watchlists (given, or read on mount); enter picks one, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Choose none", id="choose-watchlist.cancel"),
        Binding("j", "cursor('down')", "Down", show=False, id="choose-watchlist.down"),
        Binding("k", "cursor('up')", "Up", show=False, id="choose-watchlist.up"),
    ]
    DEFAULT_CSS = """
    ChooseWatchlistModal {
        align: center middle;
        background: $background 60%;
    }
    ChooseWatchlistModal > Vertical {
        width: 60;
        max-width: 100%;
        height: auto;
        max-height: 80%;
        padding: 0 1;
        border: thick $primary 70%;
        background: $panel;
    }
    ChooseWatchlistModal #choose-title { text-style: bold; width: 100%; margin-bottom: 1; }
    ChooseWatchlistModal OptionList { height: auto; max-height: 16; }
    ChooseWatchlistModal #choose-empty { color: $text-muted; display: none; }
    ChooseWatchlistModal #choose-empty.-shown { display: block; }
    ChooseWatchlistModal #choose-keys { color: $text-muted; margin-top: 1; }
    """

    def __init__(
        self, title: str, lists: Sequence[WatchlistSummary] | None = None, *, exclude: uuid.UUID | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.given_lists = None if lists is None else list(lists)
        self.exclude = exclude
        self.lists: list[WatchlistSummary] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="choose-title")
            yield OptionList(id="choose-lists")
            yield Label("No other watchlist: create one with n on the Watchlists screen.", id="choose-empty")
            yield Label("enter choose · esc cancel", id="choose-keys")

    def on_mount(self) -> None:
        if self.given_lists is None:
            self.read_lists()
        else:
            self.show_lists(ChoicesLoaded(self.given_lists))

    @work(thread=True, exclusive=True, exit_on_error=False, group="choose-watchlist")
    def read_lists(self) -> None:
        with store.unit_of_work(read_only=True) as uow:
            lists = uow.watchlists.lists()
        self.post_message(ChoicesLoaded(lists))

    @on(Worker.StateChanged)
    def report_failure(self, event: Worker.StateChanged) -> None:
        forward_worker_failure(self, event)

    @on(ChoicesLoaded)
    def show_lists(self, message: ChoicesLoaded) -> None:
        self.lists = [summary for summary in message.lists if summary.id != self.exclude]
        options = self.query_one("#choose-lists", OptionList)
        options.clear_options()
        options.add_options(Option(_choice_label(summary), id=str(summary.id)) for summary in self.lists)
        self.query_one("#choose-empty", Label).set_class(not self.lists, "-shown")
        if self.lists:
            options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#choose-lists")
    def choose(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.lists[event.option_index])

    def action_cursor(self, direction: str) -> None:
        options = self.query_one("#choose-lists", OptionList)
        if direction == "down":
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


def _choice_label(summary: WatchlistSummary) -> Text:
    label = Text(summary.name, style="bold")
    counts = f"  {summary.entry_count} {'entry' if summary.entry_count == 1 else 'entries'}"
    if summary.triggered_count:
        counts += f", {summary.triggered_count} triggered"
    label.append(counts, style="dim")
    return label


class WatchlistNameModal(SavingModal[str, WatchlistSummary]):
    """Name a new watchlist or rename one; `save(name)` runs in a worker and a refused name is explained in place."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving", id="watchlist-name.cancel"),
    ]

    def __init__(
        self,
        title: str,
        save: Callable[[str], WatchlistSummary],
        *,
        name: str = "",
        problems: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(save)
        self.title_text = title
        self.initial_name = name
        self.initial_problems = dict(problems or {})

    def compose(self) -> ComposeResult:
        with Vertical(id="name-form", classes="form-modal"):
            yield Label(self.title_text, classes="form-title")
            with Horizontal(classes="form-row"):
                yield Label("Name", classes="form-label")
                yield Input(
                    self.initial_name,
                    placeholder="e.g. Breakout candidates",
                    id="name",
                    classes="form-field",
                    compact=True,
                )
            yield Label("", id="name-error", classes="form-error")
            yield Label("enter save · esc cancel", classes="form-keys")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        if self.initial_problems:
            self.show_problems(self.initial_problems, "")

    def current_form(self) -> str:
        return self.query_one("#name", Input).value

    def show_problems(self, problems: Mapping[str, str], message: str) -> None:
        problem = "; ".join(problems.values()) or (message if problems else "")
        set_error(self.query_one("#name-error", Label), problem)

    def show_saving(self, saving: bool) -> None:
        self.query_one("#name-form").set_class(saving, "-saving")

    @on(Input.Submitted, "#name")
    def save_on_enter(self) -> None:
        self.action_save()
