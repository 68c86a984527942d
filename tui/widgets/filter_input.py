"""FilterInput: the as-you-type filter line above a table; escape, down or enter hand the keys back to the table."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input


class FilterInput(Input):
    """Filters the table named by `table_selector` as the analyst types; leaving it keeps what was typed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,down", "leave", "To the table", tooltip="Back to the table", id="filter.done"),
    ]

    def __init__(self, *, table_selector: str, placeholder: str, id: str) -> None:
        super().__init__(placeholder=placeholder, id=id, compact=True)
        self.table_selector = table_selector

    def action_leave(self) -> None:
        self.screen.query_one(self.table_selector).focus()
