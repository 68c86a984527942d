"""The Watchlists area's keys: each with a description, a tooltip and a stable id for the user keymap."""

from __future__ import annotations

from textual.binding import Binding, BindingType

WATCHLISTS_BINDINGS: list[BindingType] = [
    Binding("a", "add", "Add", tooltip="Add a security to this list", id="watchlists.add"),
    Binding("e,enter", "edit", "Edit", tooltip="Edit the entry's trigger, thesis and expiry", id="watchlists.edit"),
    Binding("d", "delete", "Delete", tooltip="Remove the entry (u brings it back)", id="watchlists.delete"),
    Binding(
        "x",
        "extend",
        "Extend",
        tooltip="Expiry +30 days from today or the expiry, if later",
        id="watchlists.extend",
    ),
    Binding("m", "move", "Move", tooltip="Move the entry to another list", id="watchlists.move"),
    Binding("u", "undo", "Undo", tooltip="Undo your last change on this list", id="watchlists.undo"),
    Binding("s", "sort", "Sort", tooltip="Sort by distance, symbol or age", id="watchlists.sort"),
    Binding(
        "slash", "filter", "Filter", show=False, tooltip="Filter by symbol, name or thesis", id="watchlists.filter"
    ),
    Binding(
        "ctrl+e",
        "export",
        "Export",
        show=False,
        tooltip="Write the shown entries to CSV or Parquet",
        id="watchlists.export",
    ),
    Binding("r", "refresh", "Refresh", tooltip="Read the lists again", id="watchlists.refresh"),
    Binding("n", "new_list", "New list", tooltip="Create a watchlist", id="watchlists.new-list"),
    Binding(
        "R", "rename_list", "Rename list", show=False, tooltip="Rename this watchlist", id="watchlists.rename-list"
    ),
    Binding(
        "D",
        "delete_list",
        "Delete list",
        show=False,
        tooltip="Delete this watchlist and its entries",
        id="watchlists.delete-list",
    ),
    Binding(
        "left_square_bracket",
        "switch_list(-1)",
        "Previous list",
        show=False,
        tooltip="Show the previous watchlist",
        id="watchlists.previous-list",
    ),
    Binding(
        "right_square_bracket",
        "switch_list(1)",
        "Next list",
        show=False,
        tooltip="Show the next watchlist",
        id="watchlists.next-list",
    ),
    Binding("j", "cursor('down')", "Down", show=False, tooltip="Next entry", id="watchlists.cursor-down"),
    Binding("k", "cursor('up')", "Up", show=False, tooltip="Previous entry", id="watchlists.cursor-up"),
    Binding("g", "cursor('first')", "First", show=False, tooltip="First entry", id="watchlists.cursor-first"),
    Binding("G", "cursor('last')", "Last", show=False, tooltip="Last entry", id="watchlists.cursor-last"),
    Binding("ctrl+d", "cursor('page-down')", "Page down", show=False, tooltip="A page down", id="watchlists.page-down"),
    Binding("ctrl+u", "cursor('page-up')", "Page up", show=False, tooltip="A page up", id="watchlists.page-up"),
]
