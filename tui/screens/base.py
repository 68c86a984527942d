"""What every area shares: a header, its body, the status line and the footer; it reloads on resync."""

from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker

from tui.messages import DataChanged, DataResynced
from tui.modals import forward_worker_failure
from tui.widgets.status_line import StatusFacts, StatusLine


def app_now(app: object) -> dt.datetime:
    """The app's clock (WorkstationApp.now, which tests fix), else the wall clock in UTC."""
    now = getattr(app, "now", None)
    return now() if callable(now) else dt.datetime.now(dt.UTC)


class AreaScreen(Screen[None]):
    """A top-level area. Subclasses compose their body and say how to reload and which tables they show."""

    WATCHED_TABLES: frozenset[str] = frozenset()

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.compose_body()
        yield StatusLine()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def reload(self) -> None:
        """Read what the area shows again (in a worker)."""

    def on_screen_resume(self) -> None:
        facts = getattr(self.app, "status_facts", None)
        if facts is not None:
            self.show_status(facts)

    def show_status(self, facts: StatusFacts) -> None:
        self.query_one(StatusLine).show(facts)

    @on(DataChanged)
    def reload_on_change(self, message: DataChanged) -> None:
        if message.change.table in self.WATCHED_TABLES:
            self.reload()

    @on(DataResynced)
    def reload_after_resync(self) -> None:
        self.reload()

    @on(Worker.StateChanged)
    def report_failed_worker(self, event: Worker.StateChanged) -> None:
        """Worker state changes do not bubble: hand failures to the app's one handler."""
        forward_worker_failure(self, event)
