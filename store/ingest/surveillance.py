"""`import surveillance`: exchange surveillance lists (ASM, GSM, ESM…) into surveillance_measures.

NSE publishes each framework as a list of securities with their stage. The measure comes from a
column, --measure, or the file name (ltasm.csv, GSM_list.csv); the day it applies from a column or
--date. A row with a removal date ends the measure.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from store.ingest.reference import Kind, Options, ReadFile, Target
from store.ingest.tables import (
    GENERIC_DATES,
    NSE_DATES,
    Layout,
    Rule,
    as_date,
    check,
    date_words,
    fields_of,
    find_columns,
    parsed_as,
    read_table,
    required,
    text,
)

DATES = (*NSE_DATES, *GENERIC_DATES[1:], "%d/%m/%Y")
MEASURE_IN_NAME = re.compile(r"(?<![a-z])((?:lt|st)?-?asm|gsm|esm|irp|ica|ibc)(?![a-z])", re.IGNORECASE)
_COLUMNS = {
    "symbol": ("symbol",),
    "exchange": ("exchange",),
    "measure": ("measure", "framework", "surveillance"),
    "stage": ("stage", "asmstage", "gsmstage", "esmstage", "currentstage"),
    "reason": ("reason", "remarks"),
    "effective_date": ("effectivedate", "date", "dateofinclusion", "inclusiondate", "weffrom"),
    "removed_date": ("removeddate", "exclusiondate", "dateofexclusion"),
}
TARGET = Target(
    table="surveillance_measures",
    columns=(
        ("security_id", "bigint"),
        ("measure", "text"),
        ("effective_date", "date"),
        ("stage", "text"),
        ("reason", "text"),
        ("removed_date", "date"),
    ),
    key=("security_id", "measure", "effective_date"),
    kept=("stage", "reason", "removed_date"),
)


def read(path: Path, data: bytes, options: Options) -> ReadFile | str:
    """Each listed security with its measure, stage and dates; a measure or date the file lacks must be given."""
    if not data.strip():
        return "is empty"
    header, raw = read_table(data)
    columns = find_columns(header, _COLUMNS)
    if "symbol" not in columns or not ({"stage", "measure"} & columns.keys()):
        return (
            f"has a header I do not know ({','.join(header)[:120]}): expected a Symbol column and a Stage or "
            "Measure column (optionally Effective Date, Removed Date, Reason, Exchange)"
        )
    found = MEASURE_IN_NAME.search(path.stem)
    measure = options.measure or (found[1].upper().replace("-", "") if found else None)
    if "measure" not in columns and measure is None:
        return "does not say which measure it lists (no Measure column, none in the file name): pass --measure"
    if "effective_date" not in columns and options.effective_date is None:
        return "has no effective date column: pass --date"
    layout = Layout("surveillance-list", header, columns, constants={"exchange": options.exchange or "NSE"})
    frame = fields_of(raw, layout).with_columns(
        text("symbol").str.to_uppercase().alias("symbol"),
        _exchange(layout, options).alias("exchange"),
        _measure(layout, measure).alias("measure"),
        _optional(layout, "stage").alias("stage"),
        _optional(layout, "reason").alias("reason"),
        (as_date("effective_date", DATES) if layout.has("effective_date") else pl.lit(options.effective_date))
        .cast(pl.Date)
        .alias("effective_date"),
        (as_date("removed_date", DATES) if layout.has("removed_date") else pl.lit(None, pl.Date)).alias("removed_date"),
    )
    checked = check(
        frame,
        _rules(layout),
        ("exchange", "symbol", "measure", "effective_date"),
        "same symbol, measure and effective date",
        str(path),
        layout,
    )
    return ReadFile(path, layout, raw, frame.height, checked)


def _exchange(layout: Layout, options: Options) -> pl.Expr:
    if layout.has("exchange") and not options.exchange:
        return text("exchange").str.to_uppercase()
    return pl.lit(layout.constants["exchange"].strip().upper(), pl.String)


def _measure(layout: Layout, measure: str | None) -> pl.Expr:
    if measure is not None:
        return pl.lit(measure.strip().upper(), pl.String)
    return text("measure").str.to_uppercase()


def _optional(layout: Layout, name: str) -> pl.Expr:
    return text(name) if layout.has(name) else pl.lit(None, pl.String)


def _rules(layout: Layout) -> list[Rule]:
    rules = required("symbol")
    if layout.has("measure"):
        rules += required("measure")
    if layout.has("effective_date"):
        rules += [*required("effective_date"), parsed_as("effective_date", "effective_date", date_words(DATES))]
    if layout.has("removed_date"):
        rules.append(parsed_as("removed_date", "removed_date", date_words(DATES)))
        before = pl.col("removed_date") < pl.col("effective_date")
        rules.append(Rule("removed_date", before, pl.format("is before the effective date {}", "effective_date")))
    return rules


def _rows(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select(TARGET.names)


SURVEILLANCE = Kind("surveillance", TARGET, read, _rows)
