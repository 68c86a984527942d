"""The areas of the workstation (Textual modes): number keys, function keys and mnemonics.

An area is listed here only once its screen works. The app opens on the first one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from tui.app import WorkstationApp
    from tui.screens.connection import ConnectionScreen
    from tui.screens.securities import SecuritiesScreen
    from tui.screens.watchlists import WatchlistsScreen


@dataclass(frozen=True, slots=True)
class Area:
    """A top-level area: its mode name, how to reach it, and how to build its screen."""

    mode: str
    title: str
    key: str | None
    function_key: str | None
    build: Callable[[WorkstationApp], Screen[None]]
    # The screen's class, imported when asked for (the command palette lists its keys without building it).
    screen_type: Callable[[], type[Screen[None]]]


def _connection_type() -> type[ConnectionScreen]:
    from tui.screens.connection import ConnectionScreen

    return ConnectionScreen


def _connection(app: WorkstationApp) -> Screen[None]:
    return _connection_type()(app.target)


def _securities_type() -> type[SecuritiesScreen]:
    from tui.screens.securities import SecuritiesScreen

    return SecuritiesScreen


def _securities(app: WorkstationApp) -> Screen[None]:
    return _securities_type()()


def _watchlists_type() -> type[WatchlistsScreen]:
    from tui.screens.watchlists import WatchlistsScreen

    return WatchlistsScreen


def _watchlists(app: WorkstationApp) -> Screen[None]:
    return _watchlists_type()()


def _research_queue_type() -> type[Screen[None]]:
    from tui.screens.research_queue import ResearchQueueScreen

    return ResearchQueueScreen


def _audit_log_type() -> type[Screen[None]]:
    from tui.screens.audit_log import AuditLogScreen

    return AuditLogScreen


def _morning_reports_type() -> type[Screen[None]]:
    from tui.screens.morning_reports import MorningReportsScreen

    return MorningReportsScreen


def _home_type() -> type[Screen[None]]:
    from tui.screens.home import HomeScreen

    return HomeScreen


def _screener_type() -> type[Screen[None]]:
    from tui.screens.screener import ScreenerScreen

    return ScreenerScreen


# The first area is where the app opens; the number keys follow the order (1 Home … 6 Audit log).
AREAS: list[Area] = [
    Area("securities", "Securities", "2", "f3", _securities, _securities_type),
    Area("home", "Home", "1", "f2", lambda app: _home_type()(), _home_type),
    Area("watchlists", "Watchlists", "3", "f4", _watchlists, _watchlists_type),
    Area("research-queue", "Research queue", "4", "f5", lambda app: _research_queue_type()(), _research_queue_type),
    Area("morning-reports", "Morning reports", "5", "f6", lambda app: _morning_reports_type()(), _morning_reports_type),
    Area("audit-log", "Audit log", "6", "f7", lambda app: _audit_log_type()(), _audit_log_type),
    Area("screener", "Screener", None, None, lambda app: _screener_type()(), _screener_type),
    Area("about", "Database and connection", None, "f12", _connection, _connection_type),
]


def area_bindings(areas: list[Area]) -> list[Binding]:
    """`1`–`6` and F2–F7 for each area that has them; stable ids `app.area-<mode>`."""
    bindings = []
    for area in areas:
        keys = ",".join(key for key in (area.key, area.function_key) if key)
        if keys:
            bindings.append(
                Binding(
                    keys,
                    f"app.area('{area.mode}')",
                    area.title,
                    tooltip=f"Switch to {area.title}",
                    id=f"app.area-{area.mode}",
                    show=False,
                )
            )
    return bindings
