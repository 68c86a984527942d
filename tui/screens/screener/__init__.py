"""The Screener area (EQS): an expression checked as it is typed, run in a worker, results as the securities table."""

from tui.screens.screener.screen import ScreenerScreen

__all__ = ["ScreenerScreen"]
