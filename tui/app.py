"""The Textual application: screens, global bindings and the one handler for store errors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState

from store.errors import StoreError
from tui.config import UserConfig
from tui.screens.connection import ConnectionScreen

if TYPE_CHECKING:
    from store.db import DatabaseTarget


class WorkstationApp(App[None]):
    """Research Workstation."""

    TITLE = "Research Workstation"
    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", tooltip="Leave the workstation", id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit-anywhere"),
    ]

    def __init__(self, target: DatabaseTarget, config: UserConfig | None = None) -> None:
        super().__init__()
        self.target = target
        self.config = config or UserConfig()

    def on_mount(self) -> None:
        if self.config.theme:
            self.apply_theme(self.config.theme)
        if self.config.keys:
            self.set_keymap(self.config.keys)
        self.push_screen(ConnectionScreen(self.target))

    def apply_theme(self, name: str) -> None:
        if name in self.available_themes:
            self.theme = name
        else:
            self.notify(f"theme {name!r} from config.toml is unknown; keeping {self.theme}", severity="warning")

    @on(Worker.StateChanged)
    def report_failed_worker(self, event: Worker.StateChanged) -> None:
        """Every worker's failure lands here: the analyst reads a sentence, the app keeps running."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        if isinstance(error, StoreError):
            self.notify(str(error), title="Database", severity="error", timeout=10)
        else:
            self.notify(f"{type(error).__name__}: {error}", title="Unexpected error", severity="error", timeout=10)
