"""Add a security to a watchlist from any screen: choose the list (unless given), then the entry form."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from store.records.watchlists import WatchlistEntryView, WatchlistSummary
from tui.modals import FormOutcome
from tui.modals.choose_watchlist import ChooseWatchlistModal
from tui.modals.watchlist_entry import EntryForm, WatchlistEntryModal
from tui.screens.base import app_now
from tui.screens.watchlists.data import add_entry


def add_to_watchlist_flow(
    app: Any,
    security_id: int | None = None,
    *,
    symbol: str | None = None,
    watchlist_id: uuid.UUID | None = None,
    watchlist_name: str = "the watchlist",
    on_added: Callable[[WatchlistEntryView], None] | None = None,
) -> None:
    """The securities screen's `w` (a security id) or the command line's `AW INFY` (a symbol, and the list shown).

    Without `watchlist_id` the analyst chooses the list first. The form opens prefilled; a security given by id is
    fixed, a symbol stays editable. The app is told in a notification; `on_added` gets the saved entry.
    """
    form = EntryForm(symbol=(symbol or "").strip().upper(), security_id=security_id)
    opened = partial(_open_form, app, form, on_added)
    if watchlist_id is not None:
        opened(watchlist_id, watchlist_name)
        return
    what = form.symbol or "the security"

    def chosen(summary: WatchlistSummary | None) -> None:
        if summary is not None:
            opened(summary.id, summary.name)

    app.push_screen(ChooseWatchlistModal(f"Add {what} to which watchlist?"), chosen)


def _open_form(
    app: Any,
    form: EntryForm,
    on_added: Callable[[WatchlistEntryView], None] | None,
    watchlist_id: uuid.UUID,
    watchlist_name: str,
) -> None:
    def added(outcome: FormOutcome[EntryForm, WatchlistEntryView] | None) -> None:
        if outcome is None or outcome.saved is None:
            return
        app.notify(f"{outcome.saved.symbol} added to {watchlist_name}")
        if on_added is not None:
            on_added(outcome.saved)

    save = partial(add_entry, watchlist_id, today=app_now(app).date())
    app.push_screen(WatchlistEntryModal(f"Add to {watchlist_name}", form, save), added)


def add_symbol_to_shown_watchlist(app: Any, symbol: str) -> None:
    """The command line's `AW INFY`: add to the list the Watchlists screen shows (in this mode), else ask which.

    The Watchlists screen reloads by itself when the form over it closes.
    """
    from tui.screens.watchlists.screen import WatchlistsScreen

    shown = next((screen for screen in reversed(app.screen_stack) if isinstance(screen, WatchlistsScreen)), None)
    current = shown.current_list if shown is not None else None
    if current is None:
        add_to_watchlist_flow(app, symbol=symbol)
    else:
        add_to_watchlist_flow(app, symbol=symbol, watchlist_id=current.id, watchlist_name=current.name)
