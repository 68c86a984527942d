"""The Securities area: every security in a table filtered as you type, and the messages it sends the app."""

from tui.screens.securities.screen import SecuritiesScreen

__all__ = ["SecuritiesScreen"]
