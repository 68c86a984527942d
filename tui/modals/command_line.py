"""The `:` command line: a symbol and/or a mnemonic, with completion of both."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label

from tui.command_line import DESCRIPTIONS, MNEMONICS, Command, CommandError, parse_command


def symbol_completions(prefix: str, limit: int = 5) -> list[str]:
    """Symbols starting with `prefix`, best first (runs in a thread: it reads the database)."""
    import store
    from store.repositories.securities import SecurityRepository

    with store.unit_of_work(read_only=True) as uow:
        hits = uow.repository(SecurityRepository).search(prefix, limit=limit)
    return [hit.symbol for hit in hits if hit.symbol.upper().startswith(prefix.upper())]


class CommandSuggester(Suggester):
    """Completes the last word: a mnemonic first, else a symbol from the database."""

    def __init__(self) -> None:
        super().__init__(use_cache=True, case_sensitive=False)

    async def get_suggestion(self, value: str) -> str | None:
        head, _, last = value.rpartition(" ")
        if not last:
            return None
        completion = next((m for m in MNEMONICS if m.startswith(last.upper())), None)
        if completion is None:
            symbols = await asyncio.to_thread(symbol_completions, last)
            completion = symbols[0] if symbols else None
        if completion is None:
            return None
        return f"{head} {completion}".lstrip() if head else completion


class CommandLineModal(ModalScreen[Command | None]):
    """Type `INFY`, `INFY GP`, `WL`, `AW INFY`…; enter runs it, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close the command line", id="command-line.cancel"),
    ]
    DEFAULT_CSS = """
    CommandLineModal {
        align: center bottom;
        background: $background 30%;
    }
    CommandLineModal > Vertical {
        height: auto;
        width: 100%;
        padding: 0 1;
        background: $panel;
    }
    CommandLineModal #command-help { color: $text-muted; }
    CommandLineModal #command-error { color: $error; }
    """

    def compose(self) -> ComposeResult:
        known = "  ".join(f"{m} {DESCRIPTIONS[m]}" for m in ("DES", "GP", "WL", "AW", "ABOUT", "HELP"))
        with Vertical():
            yield Label(known, id="command-help")
            yield Label("", id="command-error")
            yield Input(placeholder="symbol and/or command, e.g. INFY GP", suggester=CommandSuggester(), id="command")

    @on(Input.Submitted, "#command")
    def run_command(self, event: Input.Submitted) -> None:
        try:
            command = parse_command(event.value)
        except CommandError as exc:
            self.query_one("#command-error", Label).update(str(exc))
            return
        self.dismiss(command)

    def action_cancel(self) -> None:
        self.dismiss(None)
