"""`import classifications`: a CSV of symbol, macro, sector, industry, basic_industry into industry_classifications."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from store.ingest.reference import Kind, Options, ReadFile, Target
from store.ingest.tables import Layout, Rule, check, fields_of, find_columns, read_table, required, text

LEVELS = ("macro", "sector", "industry", "basic_industry")
_COLUMNS = {
    "symbol": ("symbol", "ticker"),
    "exchange": ("exchange",),
    "macro": ("macro", "macroeconomicsector", "macrosector"),
    "sector": ("sector",),
    "industry": ("industry",),
    "basic_industry": ("basicindustry",),
}
TARGET = Target(
    table="industry_classifications",
    columns=(("security_id", "bigint"), *((level, "text") for level in LEVELS)),
    key=("security_id",),
)


def detect(header: tuple[str, ...]) -> Layout | None:
    columns = find_columns(header, _COLUMNS)
    if "symbol" in columns and any(level in columns for level in LEVELS):
        return Layout("classifications-csv", header, columns)
    return None


def read(path: Path, data: bytes, options: Options) -> ReadFile | str:
    """Each security's place in the industry tree; a level the file lacks is stored as empty."""
    if not data.strip():
        return "is empty"
    header, raw = read_table(data)
    layout = detect(header)
    if layout is None:
        return (
            f"has a header I do not know ({','.join(header)[:120]}): expected symbol and any of "
            "macro, sector, industry, basic_industry (and optionally exchange)"
        )
    frame = fields_of(raw, layout)
    if options.exchange:
        exchange = pl.lit(options.exchange.strip().upper(), pl.String)
    else:
        exchange = text("exchange").str.to_uppercase() if layout.has("exchange") else pl.lit(None, pl.String)
    frame = frame.with_columns(
        text("symbol").str.to_uppercase().alias("symbol"),
        exchange.alias("exchange"),
        *((text(level) if layout.has(level) else pl.lit(None, pl.String)).alias(level) for level in LEVELS),
    )
    rules = [
        *required("symbol"),
        Rule("symbol", pl.col("exchange").is_null(), "has no exchange: fill an exchange column or pass --exchange"),
        Rule(
            next(level for level in LEVELS if layout.has(level)),
            pl.all_horizontal(pl.col(level).is_null() for level in LEVELS),
            "is empty, and so is every other level of the classification",
        ),
    ]
    checked = check(frame, rules, ("exchange", "symbol"), "same exchange and symbol", str(path), layout)
    return ReadFile(path, layout, raw, frame.height, checked)


def _rows(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select(TARGET.names)


CLASSIFICATIONS = Kind("classifications", TARGET, read, _rows)
