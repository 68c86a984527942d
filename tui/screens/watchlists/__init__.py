"""The Watchlists area: the screen, and the add-to-a-watchlist flow other screens use."""

from tui.screens.watchlists.flow import add_symbol_to_shown_watchlist, add_to_watchlist_flow
from tui.screens.watchlists.screen import WatchlistsScreen

__all__ = ["WatchlistsScreen", "add_symbol_to_shown_watchlist", "add_to_watchlist_flow"]
