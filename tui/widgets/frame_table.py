"""FrameTable: a table that renders only the visible rows of a Polars frame, with a row cursor and sorting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import polars as pl
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

Formatter = Callable[[Any], str]
Tone = Literal["gain", "loss"] | None
# A cell as drawn: its text (already fitted to the column) and its colour by sign, if any.
Cell = tuple[str, Tone]
# How long rows that another writer changed stay marked "changed by …".
CHANGED_SECONDS = 4.0


def plain(value: Any) -> str:
    """Text as it is; None (a missing value) is blank."""
    return "" if value is None else str(value)


def fixed(decimals: int = 2, *, signed: bool = False) -> Formatter:
    """Numbers with thousands separators and `decimals` places (a + on gains when `signed`); None is blank."""
    spec = f"{'+' if signed else ''},.{decimals}f"

    def format_number(value: Any) -> str:
        return "" if value is None else format(value, spec)

    return format_number


@dataclass(frozen=True, slots=True)
class FrameColumn:
    """How one column of the frame is shown.

    `signed` colours the cell by the sign of its value (gains green, losses red). A `grow` column takes the
    width left over; a column with a `min_width` gives up width, down to that, when the table is too narrow.
    """

    key: str
    label: str
    width: int
    align: Literal["left", "right"] = "left"
    format: Formatter = plain
    signed: bool = False
    grow: bool = False
    min_width: int | None = None


def fit_widths(columns: Sequence[FrameColumn], available: int) -> list[int]:
    """Column widths for a table `available` cells wide (one space before each column and one at the end).

    Spare width goes to the `grow` columns; missing width is taken from the shrinkable `grow` columns first
    (they are the ones made to stretch), then from the other columns with a `min_width`.
    """
    widths = [column.width for column in columns]
    spare = available - sum(widths) - len(columns) - 1
    growing = [index for index, column in enumerate(columns) if column.grow]
    if spare > 0 and growing:
        for order, index in enumerate(growing):
            widths[index] += spare // len(growing) + (1 if order < spare % len(growing) else 0)
    shrinkable = [index for index, column in enumerate(columns) if column.min_width is not None]
    for group in ([i for i in shrinkable if columns[i].grow], [i for i in shrinkable if not columns[i].grow]):
        spare = _shrink(columns, widths, group, spare)
    return widths


def _shrink(columns: Sequence[FrameColumn], widths: list[int], group: list[int], spare: int) -> int:
    """Take one cell at a time from each column of `group` that still has room, so they give up width evenly."""
    while spare < 0:
        roomy = [index for index in group if widths[index] > (columns[index].min_width or 0)]
        if not roomy:
            break
        for index in roomy[:-spare]:
            widths[index] -= 1
            spare += 1
    return spare


def fit_cell(text: str, width: int, align: Literal["left", "right"]) -> str:
    """`text` padded (or cut short with an ellipsis) to exactly `width` cells."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    padding = " " * (width - cell_len(text))
    return padding + text if align == "right" else text + padding


def tone_of(value: Any) -> Tone:
    if value is None or value == 0:
        return None
    return "gain" if value > 0 else "loss"


class FrameTable(ScrollView, can_focus=True):
    """A Polars frame as a table: only the rows in view are formatted and drawn, so 10,000 rows cost what 40 do.

    `set_frame` replaces the rows (a filter keystroke) without remounting; the cursor stays on the same
    `row_key` when that row is still there. `shown_frame()` is exactly what is shown, sorted.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Open", tooltip="Open the row at the cursor", id="table.choose"),
        Binding("j,down", "cursor(1)", "Down", show=False, tooltip="Next row", id="table.cursor-down"),
        Binding("k,up", "cursor(-1)", "Up", show=False, tooltip="Previous row", id="table.cursor-up"),
        Binding("g,home", "first", "First", show=False, tooltip="First row", id="table.first"),
        Binding("G,end", "last", "Last", show=False, tooltip="Last row", id="table.last"),
        Binding("ctrl+d", "page(0.5)", "Half page down", show=False, tooltip="Half a page down", id="table.half-down"),
        Binding("ctrl+u", "page(-0.5)", "Half page up", show=False, tooltip="Half a page up", id="table.half-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, tooltip="A page down", id="table.page-down"),
        Binding("pageup", "page(-1)", "Page up", show=False, tooltip="A page up", id="table.page-up"),
        Binding("s", "cycle_sort", "Sort", tooltip="Sort by the next column", id="table.sort"),
        Binding("S", "flip_sort", "Reverse", tooltip="Reverse the sort order", id="table.sort-reverse"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "frame-table--header",
        "frame-table--cursor",
        "frame-table--even-row",
        "frame-table--gain",
        "frame-table--loss",
        "frame-table--empty",
        "frame-table--changed",
        "frame-table--changed-label",
    }
    DEFAULT_CSS = """
    FrameTable {
        background: $surface;
        color: $foreground;
        scrollbar-gutter: stable;
        & > .frame-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .frame-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .frame-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .frame-table--even-row { background: $surface-lighten-1 50%; }
        & > .frame-table--gain { color: $text-success; }
        & > .frame-table--loss { color: $text-error; }
        & > .frame-table--empty { color: $text-muted; text-style: italic; }
        & > .frame-table--changed { background: $warning 25%; }
        & > .frame-table--changed-label { background: $warning; color: $text; text-style: bold; }
    }
    """

    @dataclass
    class RowChosen(Message):
        """`enter` on a row: the row as a dict of every column of the frame."""

        table: FrameTable
        row: dict[str, Any]

        @property
        def control(self) -> FrameTable:
            return self.table

    @dataclass
    class CursorMoved(Message):
        """The cursor is on another row (None: the table is empty)."""

        table: FrameTable
        row: dict[str, Any] | None
        cursor_row: int

        @property
        def control(self) -> FrameTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[FrameColumn],
        frame: pl.DataFrame | None = None,
        *,
        row_key: str | None = None,
        empty_text: str = "Nothing to show",
        zebra_stripes: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = tuple(columns)
        self.row_key = row_key
        self.empty_text = empty_text
        self.zebra_stripes = zebra_stripes
        self.sort_key: str | None = None
        self.sort_descending = False
        self._source = frame if frame is not None else pl.DataFrame()
        self._shown = self._source
        self._cursor = 0
        self._widths = [column.width for column in self.columns]
        self._cells: LRUCache[int, tuple[Cell, ...]] = LRUCache(1024)
        self._styles: dict[str, Style] = {}
        self._style_sets: dict[bool, dict[str, Style]] = {}
        self._paint_width = 0
        # Rows another writer changed (row key → "changed by …" label) until the timer clears them.
        self.changed: dict[Any, str] = {}
        self._unmark_timer: Timer | None = None
        self._update_virtual_size()

    # What is shown

    @property
    def row_count(self) -> int:
        return self._shown.height

    @property
    def cursor_row(self) -> int:
        return self._cursor

    def shown_frame(self) -> pl.DataFrame:
        """The rows exactly as shown: filtered by whoever set the frame, in the table's sort order."""
        return self._shown

    def cursor_data(self) -> dict[str, Any] | None:
        """The row at the cursor, every column of the frame; None when the table is empty."""
        return self._shown.row(self._cursor, named=True) if self.row_count else None

    def set_frame(self, frame: pl.DataFrame, *, changed_by: str | None = None) -> None:
        """Show other rows (same columns), in the current sort order; the cursor keeps its row if it is there.

        With `changed_by` (who committed the change that made the frame be read again), the rows that are
        new or differ from the rows shown before are marked "changed by …" for CHANGED_SECONDS.
        """
        kept = self._cursor_key()
        if changed_by is not None:
            self._mark(changed_rows(self._source, frame, self.row_key), changed_by)
        self._source = frame
        self._reshow(kept)

    def _mark(self, keys: list[Any], changed_by: str) -> None:
        if not keys:
            return
        label = f" changed by {changed_by} "
        self.changed.update(dict.fromkeys(keys, label))
        if self._unmark_timer is not None:
            self._unmark_timer.stop()
        self._unmark_timer = self.set_timer(CHANGED_SECONDS, self._unmark)

    def _unmark(self) -> None:
        self.changed.clear()
        self._unmark_timer = None
        self.refresh()

    def sort_by(self, key: str | None, descending: bool = False) -> None:
        """Sort by column `key` (None: the frame's own order); empty values last either way."""
        if key is not None and key not in self._source.columns:
            raise ValueError(f"no column {key!r} to sort by")
        kept = self._cursor_key()
        self.sort_key, self.sort_descending = key, descending
        self._reshow(kept)

    def move_cursor(self, row: int) -> None:
        """Put the cursor on `row` (clamped to the rows there are) and bring it into view."""
        previous, top = self._cursor, round(self.scroll_y)
        self._cursor = max(0, min(row, self.row_count - 1))
        self._scroll_cursor_into_view()
        if self._cursor != previous:
            if round(self.scroll_y) == top:  # else scrolling repaints every line anyway
                self.refresh(self._line_region(previous), self._line_region(self._cursor))
            self.post_message(self.CursorMoved(self, self.cursor_data(), self._cursor))

    def _line_region(self, row: int) -> Region:
        return Region(0, row - round(self.scroll_y) + 1, self.size.width, 1)

    def _cursor_key(self) -> Any:
        if self.row_key is None or not self.row_count:
            return None
        return self._shown.item(self._cursor, self.row_key)

    def _reshow(self, kept_key: Any) -> None:
        source = self._source
        if self.sort_key is not None and self.sort_key in source.columns:
            source = source.sort(self.sort_key, descending=self.sort_descending, nulls_last=True, maintain_order=True)
        self._shown = source
        self._cells.clear()
        self._update_virtual_size()
        found = self._row_of(kept_key)
        self._cursor = max(0, min(self._cursor if found is None else found, self.row_count - 1))
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.CursorMoved(self, self.cursor_data(), self._cursor))

    def _row_of(self, key: Any) -> int | None:
        """Where the row with `key` is now; an eager comparison, not `index_of`, which goes through the query engine."""
        if key is None or self.row_key is None or not self.row_count:
            return None
        matches = self._shown.get_column(self.row_key) == key
        first = matches.arg_max()
        return first if first is not None and matches[first] else None

    def _update_virtual_size(self) -> None:
        # One line for the header above the rows; the header itself never scrolls away.
        self.virtual_size = Size(sum(self._widths) + len(self.columns) + 1, self.row_count + 1)

    def _rows_in_view(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _scroll_cursor_into_view(self) -> None:
        top, rows = round(self.scroll_y), self._rows_in_view()
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + rows:
            self.scroll_to(y=self._cursor - rows + 1, animate=False, immediate=True)

    # Keys

    def action_cursor(self, step: int) -> None:
        self.move_cursor(self._cursor + step)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self.row_count - 1)

    def action_page(self, pages: float) -> None:
        step = max(int(self._rows_in_view() * abs(pages)), 1) * (1 if pages > 0 else -1)
        self.scroll_to(y=self.scroll_y + step, animate=False, immediate=True)
        self.move_cursor(self._cursor + step)

    def action_choose(self) -> None:
        row = self.cursor_data()
        if row is not None:
            self.post_message(self.RowChosen(self, row))

    def action_cycle_sort(self) -> None:
        keys = [column.key for column in self.columns]
        following = keys[(keys.index(self.sort_key) + 1) % len(keys)] if self.sort_key in keys else keys[0]
        self.sort_by(following, self.sort_descending)

    def action_flip_sort(self) -> None:
        self.sort_by(self.sort_key or self.columns[0].key, not self.sort_descending)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= 1:
            self.move_cursor(round(self.scroll_y) + offset.y - 1)
            if event.chain == 2:
                self.action_choose()

    def on_resize(self) -> None:
        self._fit_columns()

    # Drawing

    def _fit_columns(self) -> None:
        widths = fit_widths(self.columns, self.scrollable_content_region.width)
        if widths != self._widths:
            self._widths = widths
            self._cells.clear()
            self._update_virtual_size()
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_sets.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Component styles depend on focus and theme, and cost a CSS lookup each: one lookup per change, not per paint.
        if self.has_focus not in self._style_sets:
            styles = {name: self.get_component_rich_style(f"frame-table--{name}") for name in _PARTS}
            self._style_sets[self.has_focus] = {**styles, "base": self.rich_style}
        self._styles = self._style_sets[self.has_focus]
        self._paint_width = self.size.width
        top = round(self.scroll_y) - 1
        self._prefetch(top + max(crop.y, 1), top + crop.bottom)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        line_width = self.virtual_size.width
        if y == 0:
            segments = self._header_segments()
        elif (index := scroll_y + y - 1) < self.row_count:
            segments = self._row_segments(index)
            if self.changed and (label := self.changed.get(self._row_key_at(index))) is not None:
                return self._marked_line(segments, line_width, scroll_x, label, tint=index != self._cursor)
        elif index == 0:
            segments = [Segment(f" {self.empty_text}", self._styles["empty"])]
            line_width = 1 + cell_len(self.empty_text)
        else:
            segments, line_width = [], 0
        return self._fit_line(segments, line_width, scroll_x)

    def _fit_line(self, segments: list[Segment], line_width: int, scroll_x: int) -> Strip:
        """The line as wide as the widget: padded when it is narrower, cropped to what is scrolled into view."""
        base, width = self._styles["base"], self._paint_width
        if scroll_x == 0 and line_width <= width:
            # The common case, in one Strip: every Strip built costs a set of caches.
            if line_width < width:
                segments.append(Segment(" " * (width - line_width), base))
            return Strip(segments, width)
        return Strip(segments, line_width).crop_extend(scroll_x, scroll_x + width, base)

    def _row_key_at(self, index: int) -> Any:
        return None if self.row_key is None else self._shown.item(index, self.row_key)

    def _marked_line(self, segments: list[Segment], line_width: int, scroll_x: int, label: str, *, tint: bool) -> Strip:
        """A changed row: tinted (unless the cursor is on it), its "changed by …" label over the right end in view."""
        width = self._paint_width
        if tint:
            segments = list(Segment.apply_style(segments, post_style=self._styles["changed"]))
        line = self._fit_line(segments, line_width, scroll_x)
        label = label[:width] if cell_len(label) > width else label
        kept = line.crop(0, max(width - cell_len(label), 0))
        return Strip([*kept, Segment(label, self._styles["changed-label"])], width)

    def _header_segments(self) -> list[Segment]:
        style = self._styles["header"]
        segments = [Segment(" ", style)]
        for column, width in zip(self.columns, self._widths, strict=True):
            label = column.label
            if column.key == self.sort_key:
                label = fit_cell(label, max(width - 1, 0), "left").rstrip() + ("▼" if self.sort_descending else "▲")
            segments += [Segment(fit_cell(label, width, column.align), style), Segment(" ", style)]
        return segments

    def _row_segments(self, index: int) -> list[Segment]:
        styles = self._styles
        if index == self._cursor:
            style = styles["cursor"]
        elif self.zebra_stripes and index % 2:
            style = styles["base"] + styles["even-row"]
        else:
            style = styles["base"]
        segments = [Segment(" ", style)]
        for text, tone in self._row_cells(index):
            toned = style if tone is None or index == self._cursor else style + styles[tone]
            segments += [Segment(text, toned), Segment(" ", style)]
        return segments

    def _row_cells(self, index: int) -> tuple[Cell, ...]:
        cells = self._cells.get(index)
        if cells is None:
            self._prefetch(index, index + 1)
            cells = self._cells[index]
        return cells

    def _prefetch(self, first: int, stop: int) -> None:
        """Format the rows from `first` to before `stop` that are not formatted yet, from one slice of the frame."""
        missing = [index for index in range(max(first, 0), min(stop, self.row_count)) if index not in self._cells]
        if not missing:
            return
        # Indexing by column names and slicing stay out of Polars' query engine (no thread pool round trip).
        keys = [column.key for column in self.columns]
        rows = self._shown[keys].slice(missing[0], missing[-1] - missing[0] + 1).rows()
        for index, values in enumerate(rows, start=missing[0]):
            self._cells[index] = tuple(
                (fit_cell(column.format(value), width, column.align), tone_of(value) if column.signed else None)
                for column, width, value in zip(self.columns, self._widths, values, strict=True)
            )


_PARTS = ("header", "cursor", "even-row", "gain", "loss", "empty", "changed", "changed-label")


def changed_rows(before: pl.DataFrame, after: pl.DataFrame, row_key: str | None) -> list[Any]:
    """The keys of the rows of `after` that are not in `before` or differ from their row there."""
    if row_key is None or row_key not in after.columns or after.is_empty():
        return []
    if before.schema != after.schema:
        return []  # nothing like it was shown before (the first read): nothing to compare with
    hashed = [frame.select(pl.col(row_key), frame.hash_rows(seed=7).alias("_row_hash")) for frame in (after, before)]
    joined = hashed[0].join(hashed[1], on=row_key, how="left", suffix="_before", nulls_equal=True)
    differing = joined.filter(
        pl.col("_row_hash_before").is_null() | (pl.col("_row_hash") != pl.col("_row_hash_before"))
    )
    return differing.get_column(row_key).to_list()
