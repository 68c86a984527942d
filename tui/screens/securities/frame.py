"""The securities table's columns and its in-memory filter: typed text and facets applied to the loaded frame."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from rich.text import Text

from store.records.securities import FacetCount
from tui.widgets.frame_table import FrameColumn, fixed, plain

# Widths fit 120 columns with room for the name, and 80 once the name and sector give up theirs.
SECURITY_COLUMNS = (
    FrameColumn("symbol", "Symbol", 12, min_width=9),
    FrameColumn("name", "Name", 26, grow=True, min_width=10),
    FrameColumn("exchange", "Exch", 6, min_width=4),
    FrameColumn("instrument_type", "Type", 7, min_width=6),
    FrameColumn("sector", "Sector", 22, grow=True, min_width=7),
    FrameColumn("close", "Close", 10, "right", fixed(2)),
    FrameColumn("change_pct", "Chg %", 7, "right", fixed(2, signed=True), signed=True),
    FrameColumn("volume_vs_avg_pct", "Vol %", 6, "right", fixed(0)),
    FrameColumn("rs_rating", "RS", 3, "right", plain),
    FrameColumn("stage", "Stg", 3, "right", plain),
)
# The columns the typed text is looked for in (ISIN only when the frame has it).
SEARCHED_COLUMNS = ("symbol", "name", "isin")
# Facet name → (frame column, how the facet is named on screen).
FACETS = {
    "exchanges": ("exchange", "Exchange"),
    "instrument_types": ("instrument_type", "Type"),
    "sectors": ("sector", "Sector"),
}
UNCLASSIFIED = "(unclassified)"


@dataclass(frozen=True, slots=True)
class TableFilter:
    """What the analyst narrowed the table to: typed text, and chosen facet values (empty: any).

    A None among `sectors` stands for securities without a classification.
    """

    text: str = ""
    exchanges: frozenset[str] = frozenset()
    instrument_types: frozenset[str] = frozenset()
    sectors: frozenset[str | None] = frozenset()

    def chosen(self, facet: str) -> frozenset[str | None]:
        values: frozenset[str | None] = getattr(self, facet)
        return values


def search_text(frame: pl.DataFrame) -> pl.Series:
    """Symbol, name and ISIN of each row in lower case, one string per row, for the as-you-type filter."""
    present = [name for name in SEARCHED_COLUMNS if name in frame.columns]
    if not present:
        return pl.Series("search", [""] * frame.height, dtype=pl.String)
    return frame.select(
        pl.concat_str([pl.col(name) for name in present], separator="\n", ignore_nulls=True)
        .str.to_lowercase()
        .alias("search")
    ).to_series()


def filter_rows(frame: pl.DataFrame, searched: pl.Series, wanted: TableFilter) -> pl.DataFrame:
    """The rows whose symbol, name or ISIN contains the typed text (any case) and that carry a chosen value of
    each facet. `searched` is `search_text(frame)`."""
    masks = []
    needle = wanted.text.strip().lower()
    if needle:
        masks.append(searched.str.contains(needle, literal=True))
    for facet, (column, _) in FACETS.items():
        chosen = wanted.chosen(facet)
        if chosen:
            values = frame.get_column(column)
            matching = values.is_in([value for value in chosen if value is not None])
            if None in chosen:
                matching = matching | values.is_null()
            masks.append(matching.fill_null(False))
    if not masks:
        return frame
    keep = masks[0]
    for mask in masks[1:]:
        keep = keep & mask
    return frame.filter(keep)


def describe_filter(wanted: TableFilter) -> str:
    """The chosen facets as a line: "Exchange NSE · Sector Banks, (unclassified)"; empty when none is chosen."""
    parts = []
    for facet, (_, title) in FACETS.items():
        chosen = wanted.chosen(facet)
        if chosen:
            names = sorted(UNCLASSIFIED if value is None else value for value in chosen)
            parts.append(f"{title} {', '.join(names)}")
    return " · ".join(parts)


def facet_label(count: FacetCount) -> Text:
    """The value and its count, dimmed: NSE 176."""
    return Text.assemble(UNCLASSIFIED if count.value is None else count.value, (f" {count.count:,}", "dim"))
