"""A DataTable's rows as the analyst sees them, as a Polars frame the export modal can write."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import DataTable

if TYPE_CHECKING:
    import polars as pl


def shown_rows_frame(table: DataTable[object]) -> pl.DataFrame:
    """Every row in the table's order, each cell's text, the column labels as names (made unique)."""
    import polars as pl

    names: list[str] = []
    for column in table.ordered_columns:
        name = str(column.label).strip() or str(column.key.value or "column")
        while name in names:
            name += "_"
        names.append(name)
    rows = [[_text_of(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
    return pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")


def _text_of(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)
