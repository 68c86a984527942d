"""Home: the latest morning report and what happened since, the queue, the market, signals and data freshness."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import OptionList
from textual.worker import Worker

from tui.areas import AREAS
from tui.screens.base import AreaScreen, app_now
from tui.screens.home.data import HomeTarget, HomeView, read_home
from tui.screens.home.messages import HomeRead
from tui.screens.home.panel import HomePanel
from tui.screens.home.rows import panel_items, panel_titles

if TYPE_CHECKING:
    from tui.app import WorkstationApp

READ_GROUP = "home-read"
# Narrower than this, Home's lines are shortened to fit two columns of panels.
COMPACT_BELOW = 100


class HomeScreen(AreaScreen):
    """The analyst's morning at a glance; tab moves between panels, enter opens what an item names."""

    CSS_PATH = Path(__file__).parent / "home.tcss"
    SUB_TITLE = "Home"
    AUTO_FOCUS = "#home-report"
    # market_overview has no change feed of its own: a price load announces ohlcv_daily, a metrics run
    # calculated_metrics, and both refresh the view before they announce.
    WATCHED_TABLES = frozenset(
        {
            "reports",
            "watchlists",
            "watchlist_entries",
            "research_queue",
            "signals",
            "ohlcv_daily",
            "calculated_metrics",
            "ingestion_logs",
        }
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", tooltip="Read everything on Home again", id="home.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(id="home")
        self._request = 0
        self._reading = False
        self._read_again = False
        self._view: HomeView | None = None
        self._compact = False

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="home-body", can_focus=False), Horizontal(id="home-columns"):
            with Vertical(id="home-main"):
                yield HomePanel("report", "Morning report")
                yield HomePanel("alerts", "Alerts")
                with Horizontal(id="home-movers"):
                    yield HomePanel("gainers", "Top gainers")
                    yield HomePanel("losers", "Top losers")
                yield HomePanel("signals", "Latest signals")
            with Vertical(id="home-side"):
                yield HomePanel("queue", "Research queue")
                yield HomePanel("breadth", "Breadth")
                yield HomePanel("freshness", "Data freshness")

    def on_mount(self) -> None:
        self.reload()

    # Reading

    def reload(self) -> None:
        """Read again; while a read runs, one more read follows it, so a burst of changes (an agent posting many
        signals) costs two reads, not one per change."""
        if self._reading:
            self._read_again = True
            return
        self._reading, self._read_again = True, False
        self._request += 1
        self._read(self._request)

    @on(Worker.StateChanged)
    def read_again_if_asked(self, event: Worker.StateChanged) -> None:
        if event.worker.group == READ_GROUP and event.worker.is_finished:
            self._reading = False
            if self._read_again:
                self.reload()

    @on(events.ScreenResume)
    def reload_on_resume(self) -> None:
        """Back from another area or a security: what Home shows may have changed meanwhile."""
        if self._view is not None:
            self.reload()

    def action_refresh(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group=READ_GROUP)
    def _read(self, request: int) -> None:
        self.post_message(HomeRead(request, read_home()))

    @on(HomeRead)
    def show_home(self, message: HomeRead) -> None:
        """Every panel, each keeping its cursor; after the first read, what changed is marked for a moment."""
        if message.request != self._request:
            return
        shown_before = self._view is not None
        self._view = message.view
        self._show(message.view, mark_changes=shown_before)

    @on(events.Resize)
    def fit_to_width(self, event: events.Resize) -> None:
        """Below COMPACT_BELOW columns the lines leave out what matters least (a close, a list, an agent)."""
        compact = event.size.width < COMPACT_BELOW
        if compact != self._compact:
            self._compact = compact
            if self._view is not None:
                self._show(self._view, mark_changes=False)

    def _show(self, view: HomeView, *, mark_changes: bool) -> None:
        items = panel_items(view, app_now(self.app), compact=self._compact)
        titles = panel_titles(view)
        changed_by = self.take_change_actors() if mark_changes else None
        for panel in self.query(HomePanel):
            name = panel.id.removeprefix("home-") if panel.id else ""
            panel.border_title = titles[name]
            panel.show(items[name], mark_changes=mark_changes, changed_by=changed_by)

    # Opening what an item names

    @on(OptionList.OptionSelected, ".home-panel")
    async def open_item(self, event: OptionList.OptionSelected) -> None:
        panel = event.option_list
        item = panel.items.get(event.option.id or "") if isinstance(panel, HomePanel) else None
        if item is not None and item.target is not None:
            await self.open_target(item.target)

    async def open_target(self, target: HomeTarget) -> None:
        app = cast("WorkstationApp", self.app)
        if target.kind == "security" and target.security_id is not None:
            app.open_security(target.security_id)
            return
        mode = target.mode or ("watchlists" if target.kind == "watchlist-entry" else "")
        if mode not in {area.mode for area in AREAS}:
            self.notify(f"{mode.replace('-', ' ')} is not in this version yet", severity="warning")
            return
        await app.switch_mode(mode)
        if target.kind == "queue-status" and target.status is not None:
            _show_queue_status(app, target.status)
        elif target.kind == "watchlist-entry":
            _show_watchlist_entry(app, target)


def _show_queue_status(app: WorkstationApp, status: str) -> None:
    """The research queue filtered to the status whose count was chosen."""
    from tui.screens.research_queue import ResearchQueueScreen

    screen = app.screen
    if isinstance(screen, ResearchQueueScreen):
        screen.status_filter = status
        screen.reload()


def _show_watchlist_entry(app: WorkstationApp, target: HomeTarget) -> None:
    """The entry's list, with the cursor on the entry."""
    from tui.screens.watchlists import WatchlistsScreen

    screen = app.screen
    if isinstance(screen, WatchlistsScreen) and target.watchlist_id is not None:
        screen.show_list(target.watchlist_id, entry_id=target.entry_id)
