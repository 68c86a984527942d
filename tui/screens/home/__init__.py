"""The Home area: the morning report, alerts since, the queue, the market, signals and freshness at a glance."""

from tui.screens.home.screen import HomeScreen

__all__ = ["HomeScreen"]
