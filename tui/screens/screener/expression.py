"""Checking a screen expression as it is typed: the problem, and a caret under the column where reading stopped."""

from __future__ import annotations

from dataclasses import dataclass

from store.screener import Screen, ScreenColumn, ScreenerSyntaxError, parse_screen
from store.screener.columns import TABLE_COLUMNS
from tui.screens.securities.frame import SECURITY_COLUMNS
from tui.widgets.frame_table import Formatter, FrameColumn, fixed, plain

EXAMPLE = 'rs_rating >= 80 and stage = 2 and sector = "Information Technology" and close > ma_200'
HINT = f"e.g. {EXAMPLE} · enter runs · ctrl+l lists the columns"


@dataclass(frozen=True, slots=True)
class ExpressionCheck:
    """What the screener says about the typed text: runnable or not, and where (1-based) it went wrong."""

    text: str
    column: int | None = None
    problem: str = ""

    @property
    def runnable(self) -> bool:
        return bool(self.text.strip()) and self.column is None


def check_expression(text: str) -> ExpressionCheck:
    """Parse without the database (a few microseconds for a screen a person types; the length is bounded)."""
    if not text.strip():
        return ExpressionCheck(text)
    try:
        parse_screen(text)
    except ScreenerSyntaxError as mistake:
        return ExpressionCheck(text, mistake.column, mistake.problem)
    return ExpressionCheck(text)


def caret_line(check: ExpressionCheck, *, indent: int, scrolled: int, width: int) -> str:
    """`  ^ column 12: unknown column 'foo'` with the caret under the column as the input shows it.

    `indent` is where the input's first character is drawn, `scrolled` how far the input is scrolled
    sideways. A column out of view gets an arrow at the edge that points towards it. When the message does
    not fit beside the caret it goes on the next line, whole.
    """
    if check.column is None:
        return ""
    message = f"column {check.column}: {check.problem}"
    at = check.column - 1 - scrolled
    if at < 0:
        pointer, position = "◀", indent
    elif indent + at >= width - 1:
        pointer, position = "▶", width - 1
    else:
        pointer, position = "^", indent + at
    if pointer == "▶":
        line = f"{message} ▶"
        return line if len(line) <= width else f"{pointer.rjust(width)}\n{message}"
    line = f"{' ' * position}{pointer} {message}"
    return line if len(line) <= width else f"{' ' * position}{pointer}\n{message}"


def result_columns(screen: Screen) -> tuple[FrameColumn, ...]:
    """The securities table's columns, then each column the screen names that the table lacks (`close > ma_200`
    shows the 200-day average beside the close)."""
    in_frame = {column.name for column in TABLE_COLUMNS}
    extra = tuple(_frame_column(column) for column in screen.columns if column.name not in in_frame)
    return SECURITY_COLUMNS + extra


def _frame_column(column: ScreenColumn) -> FrameColumn:
    label = column.name.replace("_", " ").capitalize()
    if column.kind != "number":
        return FrameColumn(column.name, label, max(len(label), 10), min_width=6)
    formats: dict[str, Formatter] = {"Float64": fixed(2), "Int64": fixed(0)}
    width = max(len(label), 9)
    return FrameColumn(column.name, label, width, "right", formats.get(column.frame_type, plain), min_width=6)
