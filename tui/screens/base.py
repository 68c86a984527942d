"""What every area shares: a header, its body, the status line and the footer; it reloads on resync."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker

import store
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._change_actors: list[str] = []

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
            actor = message.change.actor
            if actor is not None and actor != store.current_actor() and actor not in self._change_actors:
                self._change_actors.append(actor)
            self.reload()

    def take_change_actors(self) -> str | None:
        """Who else changed what this screen shows since it last read it ("a", "a and b", "a and 2 others"),
        for marking the rows the next read brings; None when nobody did (a first read, a refresh, own edits)."""
        actors, self._change_actors = self._change_actors, []
        if len(actors) > 2:
            return f"{actors[0]} and {len(actors) - 1} others"
        return " and ".join(actors) or None

    @on(DataResynced)
    def reload_after_resync(self) -> None:
        self.reload()

    @on(Worker.StateChanged)
    def report_failed_worker(self, event: Worker.StateChanged) -> None:
        """Worker state changes do not bubble: hand failures to the app's one handler."""
        forward_worker_failure(self, event)
