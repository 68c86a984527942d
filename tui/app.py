"""The Textual application: screens, global bindings, live plumbing and the one handler for store errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

import store
from store.errors import StoreError, StoreUnavailable
from tui.areas import AREAS, area_bindings
from tui.command_line import Command
from tui.commands import WorkstationCommands
from tui.config import UserConfig
from tui.messages import ConnectionLost, DataChanged, DataResynced, Reconnected, StatusChanged
from tui.modals.command_line import CommandLineModal
from tui.screens.base import AreaScreen
from tui.widgets.status_line import StatusFacts

if TYPE_CHECKING:
    from store.db import DatabaseTarget

STATUS_INTERVAL_SECONDS = 30.0
RETRY_DELAYS_SECONDS = (1.0, 2.0, 4.0, 8.0, 15.0)
_WAKE_SECONDS = 0.2


class WorkerStop(threading.Event):
    """Set when the app stops or when the worker owning it is cancelled.

    Textual cancels thread workers only by flag, and the interpreter joins their threads at exit,
    so a worker that waits must notice cancellation within a fraction of a second.
    """

    def __init__(self, stopping: threading.Event) -> None:
        super().__init__()
        self._stopping = stopping
        self._worker = get_current_worker()

    def is_set(self) -> bool:
        return self._stopping.is_set() or self._worker.is_cancelled

    def wait(self, timeout: float | None = None) -> bool:
        remaining = float("inf") if timeout is None else timeout
        while remaining > 0 and not self.is_set():
            self._stopping.wait(min(_WAKE_SECONDS, remaining))
            remaining -= _WAKE_SECONDS
        return self.is_set()


class WorkstationApp(App[None]):
    """Research Workstation."""

    TITLE = "Research Workstation"
    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    COMMANDS = App.COMMANDS | {WorkstationCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", tooltip="Leave the workstation", id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit-anywhere"),
        Binding("colon", "command_line", "Command", tooltip="Symbol and/or mnemonic: INFY GP, WL", id="app.command"),
        Binding("question_mark,f1", "toggle_help", "Keys", tooltip="Show the keys of this screen", id="app.help"),
        Binding("escape", "go_back", "Back", show=False, tooltip="Back to the previous screen", id="app.back"),
        *area_bindings(AREAS),
    ]

    def __init__(self, target: DatabaseTarget, config: UserConfig | None = None, *, live: bool = True) -> None:
        super().__init__()
        self.target = target
        self.config = config or UserConfig()
        self.live = live
        self.status_facts = StatusFacts(database=target.display, analyst=store.current_actor())
        self._stopping = threading.Event()

    def on_mount(self) -> None:
        if self.config.theme:
            self.apply_theme(self.config.theme)
        for area in AREAS:
            self.add_mode(area.mode, partial(area.build, self))
        if self.config.keys:
            self.set_keymap(self.config.keys)
        self.switch_mode(AREAS[0].mode)
        if self.live:
            self.watch_status()
            self.follow_changes()

    def on_unmount(self) -> None:
        self._stopping.set()

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self._stopping.set()
        super().exit(*args, **kwargs)

    def action_area(self, mode: str) -> None:
        self.switch_mode(mode)

    def action_go_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_command_line(self) -> None:
        self.push_screen(CommandLineModal(), self.run_command)

    def run_command(self, command: Command | None) -> None:
        """Carry out what the command line asked for."""
        if command is None:
            return
        modes = {area.mode for area in AREAS}
        typed = f"{command.symbol}:{command.exchange}" if command.exchange else (command.symbol or "")
        if command.action in modes:
            self.switch_mode(command.action)
        elif command.action == "help":
            self.action_toggle_help()
        elif command.action in ("detail", "chart"):
            self.open_symbol(typed, focus_chart=command.action == "chart")
        elif command.action == "add-to-watchlist":
            from tui.screens.watchlists import add_symbol_to_shown_watchlist

            add_symbol_to_shown_watchlist(self, typed)
        else:
            wanted = f"{command.symbol} " if command.symbol else ""
            self.notify(f"{wanted}{command.action.replace('-', ' ')} is not in this version yet", severity="warning")

    def open_security(self, security_id: int, *, focus_chart: bool = False) -> None:
        """Show a security's detail: switched in place when the detail is on top, else pushed; escape comes back."""
        from tui.screens.security_detail import SecurityDetailScreen

        if isinstance(self.screen, SecurityDetailScreen):
            self.screen.show_security(security_id)
            if focus_chart:
                self.screen.action_focus_chart()
        else:
            self.push_screen(SecurityDetailScreen(security_id, focus_chart=focus_chart))

    @work(thread=True, exclusive=True, group="open-symbol", exit_on_error=False)
    def open_symbol(self, typed: str, *, focus_chart: bool) -> None:
        """Find a typed symbol (NotFound reaches the error handler as a sentence) and open it."""
        from tui.screens.security_detail.data import resolve_symbol

        security_id, _ = resolve_symbol(typed)
        self.call_from_thread(self.open_security, security_id, focus_chart=focus_chart)

    def now(self) -> dt.datetime:
        """The app's clock (UTC); ages and "today" on screens come from here, so tests can fix it."""
        return dt.datetime.now(dt.UTC)

    def apply_theme(self, name: str) -> None:
        if name in self.available_themes:
            self.theme = name
        else:
            self.notify(f"theme {name!r} from config.toml is unknown; keeping {self.theme}", severity="warning")

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def watch_status(self) -> None:
        """Read freshness every half minute; while the server is away, retry with backoff and say so."""
        stop = WorkerStop(self._stopping)
        while not stop.is_set():
            try:
                facts = self._read_status()
            except StoreUnavailable:
                self._retry_until_connected(stop)
                continue
            self.post_message(StatusChanged(facts))
            stop.wait(STATUS_INTERVAL_SECONDS)

    @work(thread=True, exclusive=True, group="reconnect", exit_on_error=False)
    def reconnect(self) -> None:
        """A worker lost the server: retry with backoff until it answers, then the screens read again."""
        self._retry_until_connected(WorkerStop(self._stopping))

    def _retry_until_connected(self, stop: WorkerStop) -> None:
        for attempt in itertools.count():
            delay = RETRY_DELAYS_SECONDS[min(attempt, len(RETRY_DELAYS_SECONDS) - 1)]
            detail = f"server unreachable, retry in {delay:.0f} s"
            self.post_message(
                StatusChanged(dataclasses.replace(self.status_facts, connection="reconnecting", detail=detail))
            )
            if stop.wait(delay):
                return
            try:
                facts = self._read_status()
            except StoreUnavailable:
                continue
            self.post_message(StatusChanged(facts))
            self.post_message(Reconnected())
            return

    @on(ConnectionLost)
    def start_reconnecting(self) -> None:
        """The server went away (a worker or the change feed lost it): say so and retry until it is back."""
        if not self._reconnecting():
            self.status_facts = dataclasses.replace(self.status_facts, connection="reconnecting")
            self.reconnect()

    def _reconnecting(self) -> bool:
        """A retry loop is already running (the reconnect worker, or the status worker while the server is away)."""
        return any(worker.group in ("reconnect", "status") and worker.is_running for worker in self.workers) and (
            self.status_facts.connection == "reconnecting"
        )

    def _read_status(self) -> StatusFacts:
        with store.unit_of_work(read_only=True) as uow:
            sources = tuple(uow.ingestion.freshness())
            latest = uow.ingestion.latest_trade_date()
        return dataclasses.replace(
            self.status_facts, connection="connected", detail="", latest_trade_date=latest, sources=sources
        )

    @work(thread=True, exclusive=True, group="changes", exit_on_error=False)
    def follow_changes(self) -> None:
        """The change feed, forwarded to the screens; a reconnect tells them to reload."""
        from store.changes import Resync, listen

        lost = partial(self.post_message, ConnectionLost())
        for item in listen(self.target, stop=WorkerStop(self._stopping), on_lost=lost):
            self.post_message(DataResynced() if isinstance(item, Resync) else DataChanged(item))

    @on(StatusChanged)
    def show_status(self, message: StatusChanged) -> None:
        """Every area in the stack shows it: one under a modal form is still on screen."""
        self.status_facts = message.facts
        for screen in self._area_screens():
            screen.show_status(message.facts)

    @on(Reconnected)
    def read_again(self) -> None:
        """The server is back: whatever failed to load is read again (a form's save is the analyst's to retry)."""
        for screen in self._area_screens():
            screen.post_message(DataResynced())

    def _area_screens(self) -> list[AreaScreen]:
        stack: list[Screen[Any]] = self.screen_stack
        return [screen for screen in stack if isinstance(screen, AreaScreen) and screen.is_mounted]

    @on(DataChanged)
    def forward_change(self, message: DataChanged) -> None:
        if message.change.table == "ohlcv_daily":
            self.watch_status()
        self.screen.post_message(DataChanged(message.change))

    @on(DataResynced)
    def forward_resync(self) -> None:
        self.watch_status()
        self.screen.post_message(DataResynced())

    @on(Worker.StateChanged)
    def report_failed_worker(self, event: Worker.StateChanged) -> None:
        """Every worker's failure lands here: the analyst reads a sentence, the app keeps running."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        if isinstance(error, StoreUnavailable):
            self.start_reconnecting()
        if isinstance(error, StoreError):
            self.notify(str(error), title="Database", severity="error", timeout=10)
        else:
            self.notify(f"{type(error).__name__}: {error}", title="Unexpected error", severity="error", timeout=10)
