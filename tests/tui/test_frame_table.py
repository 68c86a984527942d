"""FrameTable on a plain frame: only the rows in view are drawn, the cursor keys, sorting and replacing the frame."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from textual import on
from textual.app import App, ComposeResult

from tui.widgets.frame_table import FrameColumn, FrameTable, changed_rows, fit_cell, fit_widths, fixed, plain

ROWS = 1_000
SIZE = (60, 12)  # 12 lines: the header and 11 rows


class Recorder:
    """A formatter that remembers which values it was asked to format."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.seen.append(value)
        return plain(value)


def sample_frame(rows: int = ROWS) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": list(range(rows)),
            "symbol": [f"S{index:04d}" for index in range(rows)],
            "value": [(index * 37) % 101 - 50.0 if index % 10 else None for index in range(rows)],
        }
    )


class TableApp(App[None]):
    def __init__(self, frame: pl.DataFrame, symbol_format: Recorder | None = None) -> None:
        super().__init__()
        self.frame = frame
        self.chosen: list[dict[str, Any]] = []
        self.columns = [
            FrameColumn("symbol", "Symbol", 8, format=symbol_format or plain),
            FrameColumn("value", "Value", 9, "right", fixed(2, signed=True), signed=True),
        ]

    def compose(self) -> ComposeResult:
        yield FrameTable(self.columns, self.frame, row_key="id")

    @on(FrameTable.RowChosen)
    def remember(self, event: FrameTable.RowChosen) -> None:
        self.chosen.append(event.row)


def line_text(table: FrameTable, y: int) -> str:
    return table.render_line(y).text


def symbol_at_cursor(table: FrameTable) -> str:
    row = table.cursor_data()
    assert row is not None
    return str(row["symbol"])


async def test_only_the_rows_in_view_are_formatted() -> None:
    recorder = Recorder()
    app = TableApp(sample_frame(), recorder)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(FrameTable)
        await pilot.pause()
        assert set(recorder.seen) == {f"S{index:04d}" for index in range(11)}
        assert line_text(table, 1).startswith(" S0000")
        recorder.seen.clear()
        table.focus()
        await pilot.press("G")
        await pilot.pause()
        assert set(recorder.seen) == {f"S{index:04d}" for index in range(ROWS - 11, ROWS)}
        assert "Symbol" in line_text(table, 0), "the header stays in view"
        assert line_text(table, 11).startswith(" S0999")


async def test_cells_are_aligned_formatted_and_blank_when_missing() -> None:
    app = TableApp(sample_frame())
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(FrameTable)
        await pilot.pause()
        assert line_text(table, 0).startswith(" Symbol       Value ")
        assert line_text(table, 1).startswith(" S0000             ")
        assert line_text(table, 2).startswith(" S0001       -13.00 ")
        assert line_text(table, 3).startswith(" S0002       +24.00 ")


async def test_cursor_keys() -> None:
    app = TableApp(sample_frame())
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(FrameTable)
        table.focus()
        await pilot.press("j", "j", "down")
        assert symbol_at_cursor(table) == "S0003"
        await pilot.press("k")
        assert symbol_at_cursor(table) == "S0002"
        await pilot.press("ctrl+d")
        assert symbol_at_cursor(table) == "S0007", "half of the 11 rows in view"
        await pilot.press("ctrl+u", "pagedown")
        assert symbol_at_cursor(table) == "S0013"
        await pilot.press("G")
        assert symbol_at_cursor(table) == "S0999"
        assert table.scroll_y == table.max_scroll_y
        await pilot.press("g")
        assert (symbol_at_cursor(table), table.scroll_y) == ("S0000", 0)


async def test_enter_posts_the_row_at_the_cursor() -> None:
    app = TableApp(sample_frame())
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(FrameTable).focus()
        await pilot.press("j", "enter")
        await pilot.pause()
    assert app.chosen == [{"id": 1, "symbol": "S0001", "value": -13.0}]


async def test_sorting_keeps_the_cursor_on_its_row() -> None:
    app = TableApp(sample_frame())
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(FrameTable)
        table.focus()
        await pilot.press("j", "j", "j", "j", "j")
        assert symbol_at_cursor(table) == "S0005"
        table.sort_by("value", descending=True)
        await pilot.pause()
        shown = table.shown_frame()
        assert symbol_at_cursor(table) == "S0005"
        assert shown.item(table.cursor_row, "symbol") == "S0005"
        values = shown.get_column("value")
        assert values.head(values.count()).to_list() == sorted(values.drop_nulls().to_list(), reverse=True)
        assert values.tail(ROWS // 10).null_count() == ROWS // 10, "missing values sort last"
        assert table.cursor_row - table.scroll_y in range(11), "the cursor's row is in view"
        assert "Value▼" in line_text(table, 0)


async def test_s_cycles_the_sort_column_and_shift_s_reverses_it() -> None:
    app = TableApp(sample_frame())
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(FrameTable)
        table.focus()
        await pilot.press("s")
        assert (table.sort_key, table.sort_descending) == ("symbol", False)
        await pilot.press("S")
        assert symbol_at_cursor(table) == "S0000"
        assert table.shown_frame().item(0, "symbol") == "S0999"
        await pilot.press("s")
        assert (table.sort_key, table.sort_descending) == ("value", True)


async def test_set_frame_replaces_the_rows_and_keeps_the_cursor_row_when_it_is_still_there() -> None:
    frame = sample_frame()
    app = TableApp(frame)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(FrameTable)
        table.focus()
        await pilot.press("j", "j", "j")
        table.set_frame(frame.filter(pl.col("id") % 3 == 0))
        await pilot.pause()
        assert (symbol_at_cursor(table), table.cursor_row) == ("S0003", 1)
        assert table.virtual_size.height == 334 + 1
        table.set_frame(frame.filter(pl.col("id") > 500))
        assert table.cursor_row == 1, "a row that is gone leaves the cursor where it was"
        table.set_frame(frame.head(0))
        await pilot.pause()
        assert table.cursor_data() is None
        assert line_text(table, 1).startswith(" Nothing to show")


async def test_shown_frame_is_the_frame_as_sorted() -> None:
    frame = sample_frame(20)
    app = TableApp(frame)
    async with app.run_test(size=SIZE):
        table = app.query_one(FrameTable)
        table.sort_by("value")
        expected = frame.sort("value", nulls_last=True, maintain_order=True)
        assert table.shown_frame().equals(expected)
        with pytest.raises(ValueError, match="no column 'price'"):
            table.sort_by("price")


def test_widths_grow_and_shrink_to_fit() -> None:
    columns = [
        FrameColumn("a", "A", 10),
        FrameColumn("b", "B", 20, grow=True, min_width=8),
        FrameColumn("c", "C", 10, min_width=6),
    ]
    assert fit_widths(columns, 50) == [10, 26, 10]
    assert fit_widths(columns, 30) == [10, 8, 8], "the growing column gives up its width first"
    assert fit_widths(columns, 10) == [10, 8, 6]


def test_cells_fit_their_width() -> None:
    assert fit_cell("Infosys", 10, "left") == "Infosys   "
    assert fit_cell("1,560.40", 10, "right") == "  1,560.40"
    assert fit_cell("Tata Consultancy", 8, "left") == "Tata Co…"
    assert fixed(2)(1234567.891) == "1,234,567.89"
    assert fixed(2, signed=True)(-0.5) == "-0.50"
    assert fixed(0)(None) == ""


def test_changed_rows_are_the_new_ones_and_those_that_read_differently() -> None:
    before = pl.DataFrame({"id": [1, 2, 3], "symbol": ["INFY", "TCS", "WIPRO"], "score": [70.0, None, 55.0]})
    after = pl.DataFrame(
        {"id": [1, 2, 3, 4], "symbol": ["INFY", "TCS", "WIPRO", "HDFC"], "score": [70.0, 64.0, 55.0, None]}
    )
    assert changed_rows(before, after, "id") == [2, 4]
    assert changed_rows(after, after, "id") == []
    assert changed_rows(pl.DataFrame(), after, "id") == [], "a first read has nothing to compare with"
    assert changed_rows(before, after, None) == []
