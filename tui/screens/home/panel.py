"""A Home panel: a titled list whose items `enter` opens; a reload keeps the cursor and marks what changed."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.screens.home.rows import HomeItem

# How long an item that another writer changed stays marked.
CHANGED_SECONDS = 3.0
CHANGED_MARK = Text("▌", style="bold yellow")
UNCHANGED_MARK = Text(" ")


class HomePanel(OptionList):
    """Items of one kind (alerts, movers…); j/k move, enter opens the item at the cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open", tooltip="Open what the item names", id="home.open"),
        Binding("j", "cursor_down", "Down", show=False, tooltip="Next item", id="home.cursor-down"),
        Binding("k", "cursor_up", "Up", show=False, tooltip="Previous item", id="home.cursor-up"),
        Binding("g", "first", "First", show=False, tooltip="First item", id="home.first"),
        Binding("G", "last", "Last", show=False, tooltip="Last item", id="home.last"),
    ]

    def __init__(self, name: str, title: str) -> None:
        super().__init__(id=f"home-{name}", classes="home-panel")
        self.border_title = title
        self.items: dict[str, HomeItem] = {}
        self.changed_ids: frozenset[str] = frozenset()
        self._unmark_timer: Timer | None = None

    def show(self, items: list[HomeItem], *, mark_changes: bool, changed_by: str | None = None) -> None:
        """Replace the items, keeping the cursor on the same item (or the same place); with `mark_changes`,
        items that are new or read differently are marked for a few seconds, the panel's foot saying who
        changed them when `changed_by` is known."""
        before = {item_id: item.prompt.plain for item_id, item in self.items.items()}
        kept_id = self._highlighted_id()
        kept_index = self.highlighted
        self.items = {item.id: item for item in items}
        changed = {item.id for item in items if before.get(item.id) != item.prompt.plain} if mark_changes else set()
        # A second reload soon after (one commit can announce several rows) keeps the marks of the first.
        marked = (changed | self.changed_ids) if mark_changes else changed
        self.changed_ids = frozenset(item_id for item_id in marked if self._openable(item_id))
        self.set_options([self._option(item) for item in items])
        self._restore_cursor(kept_id, kept_index)
        self.set_class(bool(self.changed_ids), "-changed")
        if changed and changed_by is not None:
            self.border_subtitle = f"changed by {changed_by}"
        elif not self.changed_ids:
            self.border_subtitle = ""
        if changed or not self.changed_ids:
            if self._unmark_timer is not None:
                self._unmark_timer.stop()
            self._unmark_timer = self.set_timer(CHANGED_SECONDS, self._unmark) if self.changed_ids else None

    def _openable(self, item_id: str) -> bool:
        item = self.items.get(item_id)
        return item is not None and item.target is not None

    def _option(self, item: HomeItem) -> Option:
        return Option(_marked(item.prompt, item.id in self.changed_ids), id=item.id, disabled=item.target is None)

    def _unmark(self) -> None:
        changed, self.changed_ids = self.changed_ids, frozenset()
        for item_id in changed:
            if item_id in self.items:
                self.replace_option_prompt(item_id, _marked(self.items[item_id].prompt, False))
        self.remove_class("-changed")
        self.border_subtitle = ""

    def _highlighted_id(self) -> str | None:
        if self.highlighted is None or self.highlighted >= self.option_count:
            return None
        return self.get_option_at_index(self.highlighted).id

    def _restore_cursor(self, kept_id: str | None, kept_index: int | None) -> None:
        openable = [index for index, item in enumerate(self.items.values()) if item.target is not None]
        if not openable:
            self.highlighted = None
        elif kept_id is not None and kept_id in self.items and self.items[kept_id].target is not None:
            self.highlighted = self.get_option_index(kept_id)
        else:
            wanted = kept_index or 0
            self.highlighted = min(openable, key=lambda index: (abs(index - wanted), index))

    def highlighted_item(self) -> HomeItem | None:
        item_id = self._highlighted_id()
        return None if item_id is None else self.items.get(item_id)


def _marked(prompt: Text, changed: bool) -> Text:
    """The prompt with a gutter on every line: a bar while the item is marked as changed."""
    mark = CHANGED_MARK if changed else UNCHANGED_MARK
    return Text("\n").join(Text.assemble(mark, line) for line in prompt.split("\n"))
