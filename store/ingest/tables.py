"""Reference-data files read as text tables with Polars, typed field by field, and checked rule by rule."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from store.ingest.formats import BOM
from store.ingest.problems import Problem

# NSE writes "-" (and sometimes "NIL") in an empty cell.
EMPTY_MARKS = ("", "-", "NIL")
NSE_DATES = ("%d-%b-%Y", "%d %b %Y", "%d-%b-%y", "%Y-%m-%d")
GENERIC_DATES = ("%Y-%m-%d", "%d-%b-%Y", "%Y%m%d")
ISIN_PATTERN = r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$"


def key_of(label: str) -> str:
    """A header compared loosely: case, spaces, underscores, dots, slashes and brackets ignored."""
    return re.sub(r"[\s_./()\-<>]+", "", label).lower()


@dataclass(frozen=True, slots=True)
class Layout:
    """A recognised layout of a kind's file: its header, which column holds each field, what it implies."""

    name: str
    header: tuple[str, ...]
    columns: Mapping[str, int]
    separator: str = ","
    constants: Mapping[str, str] = field(default_factory=dict)

    def label(self, name: str) -> str:
        """The header of a field as the file writes it (the field's own name when it is not a column)."""
        index = self.columns.get(name)
        return name if index is None else self.header[index]

    def has(self, name: str) -> bool:
        return name in self.columns


def find_columns(header: Sequence[str], aliases: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """field → index of the first header that is one of the field's aliases (compared by `key_of`)."""
    keys = [key_of(label) for label in header]
    found: dict[str, int] = {}
    for name, names in aliases.items():
        index = next((index for index, key in enumerate(keys) if key in names), None)
        if index is not None:
            found[name] = index
    return found


def read_table(data: bytes, separator: str = ",") -> tuple[tuple[str, ...], pl.DataFrame]:
    """The header (stripped labels) and every later line as text columns c0, c1… with its 1-based `line`.

    Blank lines stay as rows of nulls so that line numbers hold; they are dropped by `fields_of`.
    """
    frame = pl.read_csv(
        io.BytesIO(data.removeprefix(BOM)),
        has_header=False,
        infer_schema=False,
        separator=separator,
        quote_char='"' if separator == "," else None,
        truncate_ragged_lines=True,
        encoding="utf8-lossy",
        raise_if_empty=False,
    )
    frame.columns = [f"c{index}" for index in range(frame.width)]
    frame = frame.with_row_index("line", offset=1).with_columns(pl.col("line").cast(pl.Int64))
    if frame.is_empty():
        return (), frame
    header = tuple((value or "").strip().strip('"') for value in frame.row(0)[1:])
    while header and not header[-1]:  # NSE's trailing comma
        header = header[:-1]
    return header, frame.slice(1)


def fields_of(raw: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """The layout's fields as t_<field> text (stripped; NSE's "-" is empty), blank lines dropped."""
    columns = [_cleaned(pl.col(f"c{index}")).alias(f"t_{name}") for name, index in layout.columns.items()]
    frame = raw.select("line", *columns)
    return frame.filter(~pl.all_horizontal(pl.exclude("line").is_null()))


def _cleaned(text: pl.Expr) -> pl.Expr:
    stripped = text.str.strip_chars()
    return pl.when(stripped.is_in(list(EMPTY_MARKS))).then(None).otherwise(stripped)


def text(name: str) -> pl.Expr:
    """A field's text as the file has it (null when empty)."""
    return pl.col(f"t_{name}")


def as_date(name: str, formats: Sequence[str]) -> pl.Expr:
    return pl.coalesce(text(name).str.strptime(pl.Date, fmt, strict=False) for fmt in formats)


def as_decimal(name: str, scale: int = 6, precision: int = 18) -> pl.Expr:
    """A number written with or without thousands separators, as numeric(precision, scale)."""
    cleaned = text(name).str.replace_all(",", "")
    finite = cleaned.cast(pl.Float64, strict=False).is_finite()
    return pl.when(finite).then(cleaned.cast(pl.Decimal(precision, scale), strict=False))


def as_integer(name: str) -> pl.Expr:
    cleaned = text(name).str.replace_all(",", "")
    as_float = cleaned.cast(pl.Float64, strict=False)
    whole = as_float.is_finite() & (as_float == as_float.round(0)) & (as_float.abs() < 9e18)
    return pl.coalesce(cleaned.cast(pl.Int64, strict=False), pl.when(whole).then(as_float).cast(pl.Int64))


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule a row must pass: the field it is reported on, when a row breaks it, and the words for it."""

    field: str
    failed: pl.Expr
    message: pl.Expr | str


def required(*names: str) -> list[Rule]:
    return [Rule(name, text(name).is_null(), "is empty") for name in names]


def parsed_as(name: str, typed: str, words: str) -> Rule:
    """The text of `name` is there but its typed column `typed` could not be read from it."""
    return Rule(name, text(name).is_not_null() & pl.col(typed).is_null(), words)


def date_words(formats: Sequence[str]) -> str:
    import datetime as dt

    example = dt.date(1995, 11, 29).strftime(formats[0])
    return f"is not a date like {example.upper() if '%b' in formats[0] else example}"


@dataclass(frozen=True, slots=True)
class Checked:
    """The rows without a problem, every problem in line order, and line → reasons of the rejected rows."""

    rows: pl.DataFrame
    problems: tuple[Problem, ...]
    reasons: pl.DataFrame


def check(
    frame: pl.DataFrame, rules: Sequence[Rule], key: Sequence[str], repeat_words: str, name: str, layout: Layout
) -> Checked:
    """Apply every rule, and refuse a later row with the same `key` as an earlier one (`repeat_words`)."""
    first = pl.col("line").min().over(list(key))
    repeated = pl.all_horizontal(pl.col(part).is_not_null() for part in key) & (pl.col("line") != first)
    every = [*rules, Rule(key[-1], repeated, pl.format(f"repeats line {{}} ({repeat_words})", first))]
    # Messages are worded on the whole file: a window (the first line of a key) must see every row.
    flagged = frame.with_columns(
        *(rule.failed.fill_null(False).alias(f"_f{index}") for index, rule in enumerate(every)),
        *(_words(rule.message).alias(f"_m{index}") for index, rule in enumerate(every)),
    )
    broken = pl.any_horizontal(pl.col(f"_f{index}") for index in range(len(every)))
    bad = flagged.filter(broken)
    problems = _problems(bad, every, name, layout) if bad.height else []
    good = flagged.filter(~broken).drop([f"_{flag}{index}" for index in range(len(every)) for flag in "fm"])
    return Checked(good, tuple(problems), reasons_of(problems))


def _words(message: pl.Expr | str) -> pl.Expr:
    return (pl.lit(message) if isinstance(message, str) else message).cast(pl.String)


def _problems(bad: pl.DataFrame, rules: Sequence[Rule], name: str, layout: Layout) -> list[Problem]:
    parts = []
    for index, rule in enumerate(rules):
        value = text(rule.field) if f"t_{rule.field}" in bad.columns else pl.lit(None, pl.String)
        parts.append(
            bad.filter(pl.col(f"_f{index}")).select(
                "line",
                pl.lit(layout.columns.get(rule.field, len(layout.header))).alias("position"),
                pl.lit(index).alias("rule"),
                pl.lit(layout.label(rule.field)).alias("column"),
                value.fill_null("").alias("value"),
                pl.col(f"_m{index}").alias("message"),
            )
        )
    found = pl.concat(parts).sort("line", "position", "rule")
    return [Problem(name, *row) for row in found.select("line", "column", "value", "message").iter_rows()]


def reasons_of(problems: Sequence[Problem]) -> pl.DataFrame:
    """line → the reasons of its problems joined with "; " (problems without a line are left out)."""
    found = [(problem.line, problem.reason) for problem in problems if problem.line is not None]
    frame = pl.DataFrame(found, schema={"line": pl.Int64, "reason": pl.String}, orient="row")
    return frame.group_by("line", maintain_order=True).agg(pl.col("reason").str.join("; ")).sort("line")


def write_rejected(path: Path, header: Sequence[str], raw: pl.DataFrame, reasons: pl.DataFrame) -> Path:
    """The rejected rows as the file had them (header names kept), after their line and reasons."""
    from store.ingest.problems import rejected_path

    labels = [(f"c{index}", label or f"column {index + 1}") for index, label in enumerate(header)]
    rows = raw.join(reasons, on="line", how="inner").sort("line")
    out = rows.select("line", "reason", *(pl.col(column).alias(label) for column, label in labels))
    target = rejected_path(path)
    out.write_csv(target)
    return target
